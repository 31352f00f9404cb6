package io.streamgate.bench.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code http-consume}: reads one partition of a pre-filled topic from its earliest offset to the
 * end it had when the run started (or {@code --records}), one fetch after the other
 * ({@code GET .../records?offset=N&maxRecords=&maxBytes=&timeoutMs=}), as NDJSON or JSON. The
 * answers are not parsed beyond finding the next offset, so the client costs little.
 */
final class HttpConsume {
  private HttpConsume() {}

  static void run(Args args) throws Exception {
    URI base = args.uri("url", null);
    String topic = args.required("topic");
    int partition = args.integer("partition", 0);
    String format = args.string("format", "ndjson");
    int maxRecords = args.integer("max-records", 10_000);
    int maxBytes = args.integer("max-bytes", 8 * 1024 * 1024);
    long timeoutMs = args.longValue("timeout-ms", 0);
    long limit = args.longValue("records", Long.MAX_VALUE);
    double duration = args.decimal("duration", 60);
    args.checkAllRead();
    if (!format.equals("ndjson") && !format.equals("json")) {
      throw new IllegalArgumentException("--format must be ndjson or json");
    }
    boolean ndjson = format.equals("ndjson");
    String partitionPath = Load.basePath(base) + "/v1/topics/" + topic + "/partitions/" + partition;

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpClientAgent client = Load.httpClient(vertx, base, 1, 1);
    Histogram latency = Load.histogram();
    long[] state = new long[4]; // start offset, end offset, fetches, bytes
    long[] position = new long[1];
    long[] times = new long[2];
    try {
      JsonObject offsets = client.request(HttpMethod.GET, partitionPath + "/offsets")
          .compose(request -> request.send())
          .compose(response -> response.statusCode() == 200 ? response.body()
              : Future.failedFuture("offsets: HTTP " + response.statusCode()))
          .map(Buffer::toJsonObject)
          .await(30, TimeUnit.SECONDS);
      long earliest = offsets.getLong("earliest");
      long end = Math.min(offsets.getLong("latest"), limit == Long.MAX_VALUE ? Long.MAX_VALUE : earliest + limit);
      state[0] = earliest;
      state[1] = end;
      position[0] = earliest;
      long deadline = System.nanoTime() + (long) (duration * 1e9);
      Promise<Void> done = Promise.promise();
      times[0] = System.nanoTime();
      vertx.runOnContext(v -> fetch(client, partitionPath, ndjson, maxRecords, maxBytes, timeoutMs, position, end, deadline,
          latency, state, done));
      done.future().await((long) (duration * 1000) + 30_000, TimeUnit.MILLISECONDS);
      times[1] = System.nanoTime();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    long records = position[0] - state[0];
    long elapsed = times[1] - times[0];
    double recordsPerSec = Result.perSecond(records, elapsed);
    new Result("http-consume").put("url", base.toString()).put("topic", topic).put("partition", partition)
        .put("format", format).put("maxRecords", maxRecords).put("maxBytes", maxBytes)
        .put("records", records).put("expected", state[1] - state[0]).put("fetches", state[2]).put("bytes", state[3])
        .put("elapsedS", elapsed / 1e9).put("recordsPerSec", recordsPerSec).put("mbPerSec", Result.perSecond(state[3], elapsed) / 1e6)
        .latencies(latency)
        .print(String.format(Locale.ROOT, "%,d records in %.2f s: %,.0f records/s, %.1f MB/s of %s, %d fetches, fetch p99 %d us",
            records, elapsed / 1e9, recordsPerSec, Result.perSecond(state[3], elapsed) / 1e6, format, state[2],
            latency.getValueAtPercentile(99)));
    if (records < state[1] - state[0]) {
      System.err.println("http-consume: stopped at the time bound before the end (" + records + " of " + (state[1] - state[0]) + ")");
    }
  }

  private static void fetch(HttpClientAgent client, String partitionPath, boolean ndjson, int maxRecords, int maxBytes,
      long timeoutMs, long[] position, long end, long deadline, Histogram latency, long[] state, Promise<Void> done) {
    if (position[0] >= end || System.nanoTime() >= deadline) {
      done.tryComplete();
      return;
    }
    long offset = position[0];
    String uri = partitionPath + "/records?offset=" + offset + "&maxRecords=" + maxRecords + "&maxBytes=" + maxBytes
        + "&timeoutMs=" + timeoutMs;
    long sent = System.nanoTime();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri)
        .putHeader("Accept", ndjson ? "application/x-ndjson" : "application/json"))
        .compose(request -> request.send())
        .compose(response -> response.statusCode() == 200 ? response.body()
            : response.body().compose(b -> Future.failedFuture("fetch at " + offset + ": HTTP " + response.statusCode() + " " + b)))
        .onComplete(result -> {
          if (result.failed()) {
            done.tryFail(result.cause());
            return;
          }
          Load.recordUs(latency, System.nanoTime() - sent);
          Buffer body = result.result();
          state[2]++;
          state[3] += body.length();
          long next = ndjson ? nextFromNdjson(body, offset) : nextFromJson(body, offset);
          if (next <= offset && timeoutMs == 0) {
            done.tryFail(new IllegalStateException("no progress at offset " + offset + " before the end " + end));
            return;
          }
          position[0] = Math.max(offset, next);
          fetch(client, partitionPath, ndjson, maxRecords, maxBytes, timeoutMs, position, end, deadline, latency, state, done);
        });
  }

  private static final byte[] NEXT_OFFSET = "\"nextOffset\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OFFSET = "\"offset\":".getBytes(StandardCharsets.US_ASCII);

  /** {@code ...],"nextOffset":N,"highWatermark":H}}: the last "nextOffset" of the body. */
  static long nextFromJson(Buffer body, long fallback) {
    int at = lastIndexOf(body, NEXT_OFFSET, body.length() - 1, 0);
    return at < 0 ? fallback : number(body, at + NEXT_OFFSET.length);
  }

  /** One record per line: the next offset is the last line's "offset" + 1. */
  static long nextFromNdjson(Buffer body, long fallback) {
    int end = body.length() - 1;
    while (end >= 0 && body.getByte(end) == '\n') {
      end--;
    }
    if (end < 0) {
      return fallback;
    }
    int lineStart = end;
    while (lineStart > 0 && body.getByte(lineStart - 1) != '\n') {
      lineStart--;
    }
    // The record JSON starts {"topic":...,"partition":P,"offset":O: the first "offset" of the line is the record's.
    int at = indexOf(body, OFFSET, lineStart, end);
    return at < 0 ? fallback : number(body, at + OFFSET.length) + 1;
  }

  private static int indexOf(Buffer body, byte[] pattern, int from, int to) {
    outer:
    for (int i = from; i + pattern.length <= to + 1; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (body.getByte(i + j) != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int lastIndexOf(Buffer body, byte[] pattern, int from, int to) {
    outer:
    for (int i = from - pattern.length + 1; i >= to; i--) {
      for (int j = 0; j < pattern.length; j++) {
        if (body.getByte(i + j) != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static long number(Buffer body, int at) {
    long value = 0;
    for (int i = at; i < body.length(); i++) {
      byte b = body.getByte(i);
      if (b < '0' || b > '9') {
        break;
      }
      value = value * 10 + (b - '0');
    }
    return value;
  }
}
