package io.streamgate.bench.http;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code failover-probe}: for measuring failover from outside. One lane per partition of {@code
 * --topic} writes one record per request with {@code acks=all}, an explicit partition and its own
 * {@code Idempotency-Key}, each request to the next of the comma-separated {@code --url}s in turn (as
 * through a load balancer, so most requests are forwarded to the partition's leader); on a failure
 * (connection refused or reset, timeout, any non-200 answer) it retries the same request on the next
 * node after {@code --retry-pause-ms}, until it is acknowledged. Every acknowledgement is a line in {@code --events}:
 * {@code ack PARTITION OFFSET SENT_EPOCH_MS ACKED_EPOCH_MS ATTEMPTS}, so that a script that kills a
 * node at a known time can find the first write acknowledged after it (sent after it, too). Stops
 * after {@code --duration} seconds (or when killed) and prints counts.
 */
final class FailoverProbe {
  private FailoverProbe() {}

  static void run(Args args) throws Exception {
    List<URI> urls = new ArrayList<>();
    for (String one : args.required("url").split(",")) {
      urls.add(Args.httpUri("url", one.trim()));
    }
    String topic = args.required("topic");
    int partitions = args.integer("partitions", 1);
    double duration = args.decimal("duration", 60);
    Path events = Path.of(args.required("events"));
    int requestTimeoutMs = args.integer("request-timeout-ms", 5000);
    int retryPauseMs = args.integer("retry-pause-ms", 20);
    int recordBytes = args.integer("record-bytes", 100);
    args.checkAllRead();

    long deadline = System.nanoTime() + (long) (duration * 1e9);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
    String run = Long.toString(System.currentTimeMillis(), 36);
    String value = Load.jsonString(recordBytes, "");
    AtomicLong acks = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(events, StandardCharsets.UTF_8), true)) {
      List<Thread> lanes = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        int partition = p;
        Thread lane = new Thread(() -> {
          int target = partition % urls.size();
          for (long seq = 0; System.nanoTime() < deadline; seq++) {
            String body = "{\"records\":[{\"partition\":" + partition + ",\"value\":" + value + "}]}";
            String key = "probe-" + run + "-" + partition + "-" + seq;
            for (int attempt = 1; System.nanoTime() < deadline; attempt++) {
              long sent = System.currentTimeMillis();
              Long offset = send(http, urls.get(target), topic, body, key, requestTimeoutMs);
              if (offset != null) {
                acks.incrementAndGet();
                synchronized (out) {
                  out.printf(Locale.ROOT, "ack %d %d %d %d %d%n", partition, offset, sent, System.currentTimeMillis(), attempt);
                }
                target = (target + 1) % urls.size();
                break;
              }
              failures.incrementAndGet();
              target = (target + 1) % urls.size();
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(retryPauseMs)); // retry pacing, as a client backs off
            }
          }
        }, "probe-p" + p);
        lane.start();
        lanes.add(lane);
      }
      for (Thread lane : lanes) {
        lane.join();
      }
    }
    JsonObject result = new JsonObject().put("scenario", "failover-probe").put("topic", topic).put("partitions", partitions)
        .put("acks", acks.get()).put("failedAttempts", failures.get());
    System.out.println(result.encode());
    System.err.printf(Locale.ROOT, "[failover-probe] %d acknowledged writes, %d failed attempts%n", acks.get(), failures.get());
  }

  /** The acknowledged offset, or null on any failure. */
  private static Long send(HttpClient http, URI base, String topic, String body, String key, int timeoutMs) {
    URI uri = base.resolve(Load.basePath(base) + "/v1/topics/" + topic + "/records?acks=all");
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(timeoutMs))
        .header("Content-Type", "application/json").header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return null;
      }
      return new JsonObject(response.body()).getJsonArray("offsets").getJsonObject(0).getLong("offset");
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
