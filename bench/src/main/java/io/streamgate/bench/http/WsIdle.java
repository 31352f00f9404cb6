package io.streamgate.bench.http;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ws-idle}: opens {@code --streams} WebSocket streams ({@code offset=latest}, nothing
 * produced, so they stay idle), at most {@code --connect-concurrency} connecting at once, prints
 * its result line as soon as all are open (the signal to measure the node's heap), then holds them
 * for {@code --hold} seconds or until SIGTERM.
 */
final class WsIdle {
  private WsIdle() {}

  static void run(Args args) throws Exception {
    URI base = args.uri("url", null);
    String topic = args.required("topic");
    int streams = args.integer("streams", 10_000);
    int concurrency = args.integer("connect-concurrency", 200);
    double hold = args.decimal("hold", 60);
    double connectTimeout = args.decimal("connect-timeout", 120);
    args.checkAllRead();
    String uri = Load.basePath(base) + "/v1/topics/" + topic + "/stream?offset=latest";

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      WebSocketClient client = Load.webSocketClient(vertx, streams);
      int[] state = new int[4]; // started, open, failed, closed early
      String[] firstError = new String[1];
      Promise<Void> allTried = Promise.promise();
      long began = System.nanoTime();
      Runnable[] connectNext = new Runnable[1];
      connectNext[0] = () -> {
        if (state[0] >= streams) {
          return;
        }
        state[0]++;
        client.connect(new WebSocketConnectOptions().setHost(base.getHost()).setPort(Args.port(base)).setURI(uri).setTimeout(60_000))
            .onComplete(result -> {
              if (result.succeeded()) {
                state[1]++;
                result.result().closeHandler(v -> state[3]++);
              } else {
                state[2]++;
                if (firstError[0] == null) {
                  firstError[0] = String.valueOf(result.cause());
                }
              }
              if (state[1] + state[2] == streams) {
                allTried.tryComplete();
              }
              connectNext[0].run();
            });
      };
      vertx.runOnContext(v -> {
        for (int i = 0; i < Math.min(concurrency, streams); i++) {
          connectNext[0].run();
        }
      });
      try {
        allTried.future().await((long) (connectTimeout * 1000), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        System.err.println("ws-idle: not every stream was open within " + connectTimeout + " s");
      }
      long opened = System.nanoTime() - began;
      new Result("ws-idle").put("url", base.toString()).put("topic", topic).put("streams", streams)
          .put("open", state[1]).put("failed", state[2]).put("firstError", firstError[0]).put("connectS", opened / 1e9)
          .put("ready", true)
          .print(String.format(Locale.ROOT, "%d of %d streams open in %.1f s (%d failed%s); holding for %.0f s",
              state[1], streams, opened / 1e9, state[2], firstError[0] == null ? "" : ": " + firstError[0], hold));
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await((long) (hold * 1000), TimeUnit.MILLISECONDS);
      // Touching the client here keeps it reachable while held: Vert.x closes a client that is garbage.
      System.err.println("ws-idle: releasing " + state[1] + " streams of " + client);
      if (state[3] > 0) {
        System.err.println("ws-idle: " + state[3] + " streams were closed by the server while held");
      }
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
