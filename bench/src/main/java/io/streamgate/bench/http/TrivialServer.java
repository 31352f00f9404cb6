package io.streamgate.bench.http;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Vert.x HTTP server that reads each request's body and answers 204 — the most a Vert.x HTTP
 * server can do on this machine, the reference for one-record produce requests. Runs for
 * {@code --duration} seconds or until SIGTERM, then prints how many requests it served.
 */
final class TrivialServer {
  private TrivialServer() {}

  static void run(Args args) throws Exception {
    int port = args.integer("port", 8090);
    String host = args.string("host", "127.0.0.1");
    int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
    long duration = args.longValue("duration", 600);
    args.checkAllRead();

    LongAdder requests = new LongAdder();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads));
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
            .requestHandler(request -> request.end().onComplete(done -> {
              requests.increment();
              request.response().setStatusCode(204).end();
            }))
            .listen();
      }
    }, new DeploymentOptions().setInstances(threads)).await(30, TimeUnit.SECONDS);
    System.err.println("trivial-server listening on " + host + ":" + port + " with " + threads + " event loops");

    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch printed = new CountDownLatch(1);
    long started = System.nanoTime();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        printed.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    stop.await(duration, TimeUnit.SECONDS);
    long elapsed = System.nanoTime() - started;
    new Result("trivial-server").put("port", port).put("threads", threads).put("requests", requests.sum())
        .put("uptimeS", elapsed / 1e9).print("served " + requests.sum() + " requests");
    printed.countDown();
    vertx.close().await(5, TimeUnit.SECONDS);
  }
}
