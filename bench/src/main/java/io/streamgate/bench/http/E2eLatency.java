package io.streamgate.bench.http;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code e2e-latency}: produces at a fixed {@code --rate} (every {@code --batch-interval-ms}, one
 * request carrying the records due by then, each value {@code "e2e:<nanoTime>:..."}) while one
 * WebSocket subscriber ({@code offset=latest}) reads them; the latency of a record is the time from
 * just before its produce request was sent to its frame's arrival, on the same clock.
 */
final class E2eLatency {
  private static final String MARK = "e2e:";

  private E2eLatency() {}

  static void run(Args args) throws Exception {
    URI base = args.uri("url", null);
    String topic = args.required("topic");
    int rate = args.integer("rate", 10_000);
    int recordBytes = args.integer("record-bytes", 100);
    long intervalMs = args.longValue("batch-interval-ms", 1);
    int connections = args.integer("connections", 8);
    double duration = args.decimal("duration", 10);
    double warmup = args.decimal("warmup", 2);
    args.checkAllRead();
    String apiBase = Load.basePath(base) + "/v1/topics/" + topic;

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Histogram latency = Load.histogram();
    Histogram produceLatency = Load.histogram(); // send -> produce answer, of requests sent in the window
    long[] counts = new long[4]; // produced, received, produce errors, received in window
    String[] firstError = new String[1];
    long measureStart;
    long produceEnd;
    try {
      // Keep the client reachable: Vert.x closes a client (and its connections) once it is garbage.
      WebSocketClient webSockets = Load.webSocketClient(vertx, 8);
      WebSocket ws = webSockets
          .connect(new WebSocketConnectOptions().setHost(base.getHost()).setPort(Args.port(base)).setURI(apiBase + "/stream?offset=latest"))
          .await(30, TimeUnit.SECONDS);
      long start = System.nanoTime();
      measureStart = start + (long) (warmup * 1e9);
      produceEnd = measureStart + (long) (duration * 1e9);
      long windowStart = measureStart;
      ws.textMessageHandler(text -> {
        long now = System.nanoTime();
        int at = text.indexOf(MARK);
        if (at < 0) {
          return;
        }
        long sent = 0;
        for (int i = at + MARK.length(); i < text.length(); i++) {
          char c = text.charAt(i);
          if (c < '0' || c > '9') {
            break;
          }
          sent = sent * 10 + (c - '0');
        }
        counts[1]++;
        if (sent >= windowStart) {
          counts[3]++;
          Load.recordUs(latency, now - sent);
        }
      });
      Thread.sleep(300);

      HttpClientAgent client = Load.httpClient(vertx, base, connections, 1);
      RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setURI(apiBase + "/records")
          .putHeader("Content-Type", "application/json");
      long producerStart = System.nanoTime();
      long end = produceEnd;
      // All producer state lives on the timer's event loop.
      vertx.runOnContext(v -> vertx.setPeriodic(intervalMs, id -> {
        long now = System.nanoTime();
        if (now >= end) {
          vertx.cancelTimer(id);
          return;
        }
        long due = (long) ((now - producerStart) / 1e9 * rate) - counts[0];
        if (due <= 0) {
          return;
        }
        counts[0] += due;
        String value = Load.jsonString(recordBytes, MARK + now + ":");
        StringBuilder body = new StringBuilder((int) due * (recordBytes + 16) + 16).append("{\"records\":[");
        for (long i = 0; i < due; i++) {
          body.append(i == 0 ? "" : ",").append("{\"value\":").append(value).append('}');
        }
        Buffer buffer = Buffer.buffer(body.append("]}").toString());
        client.request(post).compose(request -> request.send(buffer))
            .compose(response -> response.body().map(b -> response.statusCode()))
            .onComplete(result -> {
              if (now >= windowStart) {
                Load.recordUs(produceLatency, System.nanoTime() - now);
              }
              if (result.failed() || result.result() != 200) {
                counts[2]++;
                if (firstError[0] == null) {
                  firstError[0] = result.failed() ? String.valueOf(result.cause()) : "HTTP " + result.result();
                }
              }
            });
      }));
      long boundMs = (long) ((warmup + duration) * 1000);
      Thread.sleep(boundMs);
      // Let what is in flight arrive, for up to 5 s.
      long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < drainUntil && counts[1] < counts[0]) {
        Thread.sleep(20);
      }
      ws.close().await(5, TimeUnit.SECONDS);
      webSockets.close().await(5, TimeUnit.SECONDS);
      client.close().await(5, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    new Result("e2e-latency").put("url", base.toString()).put("topic", topic).put("rate", rate).put("recordBytes", recordBytes)
        .put("batchIntervalMs", intervalMs).put("durationS", duration).put("produced", counts[0]).put("received", counts[1])
        .put("produceErrors", counts[2]).put("firstError", firstError[0]).put("measured", counts[3])
        .put("achievedRate", counts[3] / duration)
        .latencies(latency)
        .put("produceP50Us", produceLatency.getValueAtPercentile(50)).put("produceP99Us", produceLatency.getValueAtPercentile(99))
        .put("produceP999Us", produceLatency.getValueAtPercentile(99.9))
        .put("p50Ms", latency.getValueAtPercentile(50) / 1000.0).put("p99Ms", latency.getValueAtPercentile(99) / 1000.0)
        .put("p999Ms", latency.getValueAtPercentile(99.9) / 1000.0)
        .print(String.format(Locale.ROOT,
            "%,d records at %,d/s: produce->WebSocket p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%d received of %d); produce answered p50 %.2f ms, p99 %.2f ms",
            counts[3], rate, latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
            latency.getValueAtPercentile(99.9) / 1000.0, latency.getMaxValue() / 1000.0, counts[1], counts[0],
            produceLatency.getValueAtPercentile(50) / 1000.0, produceLatency.getValueAtPercentile(99) / 1000.0));
  }
}
