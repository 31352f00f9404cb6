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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * {@code group-consume}: consumes every partition of a pre-filled topic from its earliest offset to
 * the end it had when the run started, with {@code --members} concurrent clients, and measures
 * records/s. Two modes, for comparing them in one run:
 * <ul>
 *   <li>{@code --mode group}: each client is a member of a fresh consumer group ({@code --group},
 *       default a new name; {@code autoOffsetReset=earliest}); it joins, then loops: poll
 *       ({@code maxRecords}, {@code timeoutMs}, the previous answer's cursor), commit
 *       {@code {"cursor": ...}}, poll again. The clock starts when every member has joined (the
 *       join time is reported apart) and stops when the last record has been delivered and its
 *       commit answered. Members leave at the end.</li>
 *   <li>{@code --mode partitions}: the reference. Client {@code i} reads partitions {@code i, i+N, ...}
 *       with plain fetches ({@code GET .../partitions/{p}/records?offset=&maxRecords=}, JSON, as the
 *       group answers are), one at a time, round-robin over its partitions.</li>
 * </ul>
 * Client {@code i} talks to {@code --url} number {@code i mod n}. Answers are scanned, not parsed
 * (record positions, {@code nextOffset}, the cursor), so the client costs little. All clients share
 * one event loop.
 */
final class GroupConsume {
  private GroupConsume() {}

  static void run(Args args) throws Exception {
    List<URI> urls = urls(args.required("url"));
    String topic = args.required("topic");
    String mode = args.string("mode", "group");
    int clients = args.integer("members", 1);
    int maxRecords = args.integer("max-records", 1000);
    int maxBytes = args.integer("max-bytes", 8 * 1024 * 1024);
    long pollTimeoutMs = args.longValue("timeout-ms", 500);
    long sessionTimeoutMs = args.longValue("session-timeout-ms", 30_000);
    String group = args.string("group", "bench-" + Long.toString(System.nanoTime(), 36));
    double duration = args.decimal("duration", 120);
    args.checkAllRead();
    if (!mode.equals("group") && !mode.equals("partitions")) {
      throw new IllegalArgumentException("--mode must be group or partitions");
    }

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    List<HttpClientAgent> agents = new ArrayList<>();
    for (URI url : urls) {
      agents.add(Load.httpClient(vertx, url, Math.max(1, clients), 1));
    }
    Run run;
    try {
      String base = Load.basePath(urls.get(0));
      int partitions = get(agents.get(0), base + "/v1/topics/" + topic).getJsonArray("partitions").size();
      long[] start = new long[partitions];
      long[] end = new long[partitions];
      for (int p = 0; p < partitions; p++) {
        JsonObject offsets = get(agents.get(0), base + "/v1/topics/" + topic + "/partitions/" + p + "/offsets");
        start[p] = offsets.getLong("earliest");
        end[p] = offsets.getLong("latest");
      }
      run = new Run(vertx, agents, base, topic, group, partitions, start, end, maxRecords, maxBytes, pollTimeoutMs, sessionTimeoutMs,
          System.nanoTime() + (long) (duration * 1e9));
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> (mode.equals("group") ? run.group(clients) : run.partitions(clients)).onComplete(done));
      done.future().await((long) (duration * 1000) + 30_000, TimeUnit.MILLISECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    long records = run.unique();
    long elapsed = run.finished - run.started;
    double recordsPerSec = Result.perSecond(records, elapsed);
    new Result("group-consume").put("mode", mode).put("members", clients).put("url", String.join(",", urls.stream()
        .map(URI::toString).toList())).put("topic", topic).put("partitions", run.partitions).put("maxRecords", maxRecords)
        .put("records", records).put("expected", run.expected()).put("deliveries", run.deliveries).put("requests", run.requests)
        .put("commits", run.commits).put("emptyPolls", run.emptyPolls).put("bytes", run.bytes)
        .put("joinMs", mode.equals("group") ? (run.started - run.joinStarted) / 1e6 : null)
        .put("elapsedS", elapsed / 1e9).put("recordsPerSec", recordsPerSec).put("mbPerSec", Result.perSecond(run.bytes, elapsed) / 1e6)
        .put("commitP50Us", run.commitLatency.getTotalCount() == 0 ? null : run.commitLatency.getValueAtPercentile(50))
        .put("commitP99Us", run.commitLatency.getTotalCount() == 0 ? null : run.commitLatency.getValueAtPercentile(99))
        .latencies(run.latency)
        .print(String.format(Locale.ROOT, "%s, %d client(s): %,d records in %.2f s: %,.0f records/s, %d requests (%d empty), %d commits,"
            + " %d records delivered more than once; request p50 %d us, p99 %d us", mode, clients, records, elapsed / 1e9,
            recordsPerSec, run.requests, run.emptyPolls, run.commits, run.deliveries - records, run.latency.getValueAtPercentile(50),
            run.latency.getValueAtPercentile(99)));
    if (records < run.expected()) {
      throw new IllegalStateException("stopped before the end: " + records + " of " + run.expected() + " records"
          + (run.failure == null ? " (time bound)" : ": " + run.failure));
    }
  }

  static List<URI> urls(String list) {
    List<URI> urls = new ArrayList<>();
    for (String one : list.split(",")) {
      urls.add(Args.httpUri("url", one.trim()));
    }
    return urls;
  }

  private static JsonObject get(HttpClientAgent client, String path) throws java.util.concurrent.TimeoutException {
    return client.request(HttpMethod.GET, path)
        .compose(request -> request.send())
        .compose(response -> response.body().compose(body -> response.statusCode() == 200 ? Future.succeededFuture(body)
            : Future.failedFuture("GET " + path + ": HTTP " + response.statusCode() + " " + body)))
        .map(Buffer::toJsonObject)
        .await(30, TimeUnit.SECONDS);
  }

  /** One measurement; touched only on the event loop. */
  private static final class Run {
    final Vertx vertx;
    final List<HttpClientAgent> agents;
    final String base;
    final String topic;
    final String group;
    final int partitions;
    final long[] start;
    final long[] end;
    /** Per partition, the offset after the highest record delivered. */
    final long[] next;
    final int maxRecords;
    final int maxBytes;
    final long pollTimeoutMs;
    final long sessionTimeoutMs;
    final long deadline;
    final Histogram latency = Load.histogram();
    final Histogram commitLatency = Load.histogram();
    long joinStarted;
    long started;
    long finished;
    long deliveries;
    long requests;
    long emptyPolls;
    long commits;
    long bytes;
    int partitionsLeft;
    String failure;
    final Promise<Void> done = Promise.promise();

    Run(Vertx vertx, List<HttpClientAgent> agents, String base, String topic, String group, int partitions, long[] start, long[] end,
        int maxRecords, int maxBytes, long pollTimeoutMs, long sessionTimeoutMs, long deadline) {
      this.vertx = vertx;
      this.agents = agents;
      this.base = base;
      this.topic = topic;
      this.group = group;
      this.partitions = partitions;
      this.start = start;
      this.end = end;
      this.next = start.clone();
      this.maxRecords = maxRecords;
      this.maxBytes = maxBytes;
      this.pollTimeoutMs = pollTimeoutMs;
      this.sessionTimeoutMs = sessionTimeoutMs;
      this.deadline = deadline;
      for (int p = 0; p < partitions; p++) {
        if (next[p] < end[p]) {
          partitionsLeft++;
        }
      }
    }

    long expected() {
      long total = 0;
      for (int p = 0; p < partitions; p++) {
        total += end[p] - start[p];
      }
      return total;
    }

    long unique() {
      long total = 0;
      for (int p = 0; p < partitions; p++) {
        total += Math.min(next[p], end[p]) - start[p];
      }
      return total;
    }

    private void delivered(int partition, long offset) {
      deliveries++;
      if (partition < 0 || partition >= partitions || offset < next[partition]) {
        return;
      }
      boolean wasLeft = next[partition] < end[partition];
      next[partition] = offset + 1;
      if (wasLeft && next[partition] >= end[partition]) {
        partitionsLeft--;
      }
    }

    private boolean over() {
      return partitionsLeft == 0 || failure != null || System.nanoTime() >= deadline;
    }

    private void finish() {
      if (!done.future().isComplete()) {
        finished = System.nanoTime();
        done.tryComplete();
      }
    }

    // ------------------------------------------------------------------ group mode

    private final class Member {
      final HttpClientAgent client;
      String id;
      String cursor;

      Member(HttpClientAgent client) {
        this.client = client;
      }
    }

    Future<Void> group(int members) {
      joinStarted = System.nanoTime();
      List<Member> list = new ArrayList<>();
      Future<Void> joined = Future.succeededFuture();
      for (int i = 0; i < members; i++) {
        Member member = new Member(agents.get(i % agents.size()));
        list.add(member);
        joined = joined.compose(v -> join(member)); // one after the other, as members start
      }
      return joined.compose(v -> {
        started = System.nanoTime();
        if (partitionsLeft == 0) {
          finish();
        }
        list.forEach(this::poll);
        return done.future();
      }, failed -> {
        failure = String.valueOf(failed);
        started = finished = System.nanoTime();
        return Future.succeededFuture();
      }).compose(v -> Future.join(list.stream().filter(m -> m.id != null).map(this::leave).toList()).<Void>mapEmpty()
          .recover(ignored -> Future.succeededFuture()));
    }

    private Future<Void> join(Member member) {
      String body = new JsonObject().put("topics", new io.vertx.core.json.JsonArray().add(topic)).put("autoOffsetReset", "earliest")
          .put("sessionTimeoutMs", sessionTimeoutMs).encode();
      return send(member.client, HttpMethod.POST, base + "/v1/groups/" + group + "/members", Buffer.buffer(body), 201)
          .map(answer -> {
            JsonObject json = answer.toJsonObject();
            member.id = json.getString("memberId");
            member.cursor = json.getString("cursor");
            return null;
          });
    }

    private Future<Void> leave(Member member) {
      return send(member.client, HttpMethod.DELETE, base + "/v1/groups/" + group + "/members/" + member.id, null, 204).mapEmpty();
    }

    private void poll(Member member) {
      if (over()) {
        finish();
        return;
      }
      String uri = base + "/v1/groups/" + group + "/members/" + member.id + "/records?maxRecords=" + maxRecords + "&maxBytes="
          + maxBytes + "&timeoutMs=" + pollTimeoutMs + "&cursor=" + URLEncoder.encode(member.cursor, StandardCharsets.UTF_8);
      fetch(member.client, uri, body -> {
        int count = Scan.records(body, this::delivered);
        if (count == 0) {
          emptyPolls++;
        }
        String cursor = Scan.cursor(body);
        if (cursor == null) {
          failure = "a poll answer without a cursor";
          finish();
          return;
        }
        member.cursor = cursor;
        if (count == 0) {
          poll(member); // nothing to commit
          return;
        }
        long commitSent = System.nanoTime();
        send(member.client, HttpMethod.POST, base + "/v1/groups/" + group + "/members/" + member.id + "/commit",
            Buffer.buffer("{\"cursor\":\"" + cursor + "\"}"), 200).onComplete(committed -> {
              if (committed.failed()) {
                failure = String.valueOf(committed.cause());
                finish();
                return;
              }
              commits++;
              Load.recordUs(commitLatency, System.nanoTime() - commitSent);
              poll(member);
            });
      });
    }

    // ------------------------------------------------------------------ partition reads (the reference)

    Future<Void> partitions(int readers) {
      started = joinStarted = System.nanoTime();
      if (partitionsLeft == 0) {
        finish();
      }
      for (int i = 0; i < readers; i++) {
        List<Integer> mine = new ArrayList<>();
        for (int p = i; p < partitions; p += readers) {
          mine.add(p);
        }
        if (!mine.isEmpty()) {
          read(agents.get(i % agents.size()), mine, 0);
        }
      }
      return done.future();
    }

    private void read(HttpClientAgent client, List<Integer> mine, int turn) {
      if (over()) {
        finish();
        return;
      }
      int partition = -1;
      for (int i = 0; i < mine.size(); i++) {
        int candidate = mine.get((turn + i) % mine.size());
        if (next[candidate] < end[candidate]) {
          partition = candidate;
          break;
        }
      }
      if (partition < 0) {
        return; // this reader is done; the others finish the run
      }
      int p = partition;
      long offset = next[p];
      String uri = base + "/v1/topics/" + topic + "/partitions/" + p + "/records?offset=" + offset + "&maxRecords=" + maxRecords
          + "&maxBytes=" + maxBytes + "&timeoutMs=0";
      fetch(client, uri, body -> {
        long after = HttpConsume.nextFromJson(body, offset);
        if (after <= offset) {
          failure = "no progress in partition " + p + " at offset " + offset;
          finish();
          return;
        }
        deliveries += after - offset - 1;
        delivered(p, after - 1); // counts the last one
        read(client, mine, turn + 1);
      });
    }

    /** A read (a poll or a partition fetch), timed and counted; a failed one ends the run. */
    private void fetch(HttpClientAgent client, String uri, Consumer<Buffer> onAnswer) {
      long sent = System.nanoTime();
      send(client, HttpMethod.GET, uri, null, 200).onComplete(result -> {
        if (result.failed()) {
          failure = String.valueOf(result.cause());
          finish();
          return;
        }
        Load.recordUs(latency, System.nanoTime() - sent);
        requests++;
        bytes += result.result().length();
        onAnswer.accept(result.result());
      });
    }

    private Future<Buffer> send(HttpClientAgent client, HttpMethod method, String uri, Buffer body, int expected) {
      RequestOptions options = new RequestOptions().setMethod(method).setURI(uri).putHeader("Accept", "application/json");
      if (body != null) {
        options.putHeader("Content-Type", "application/json");
      }
      return client.request(options)
          .compose(request -> body == null ? request.send() : request.send(body))
          .compose(response -> response.body().compose(answer -> response.statusCode() == expected ? Future.succeededFuture(answer)
              : Future.failedFuture(method + " " + uri.replaceAll("cursor=[^&]*", "cursor=...") + ": HTTP " + response.statusCode()
                  + " " + answer)));
    }
  }

  /** Finding what the client needs in an answer's bytes without parsing the JSON. */
  static final class Scan {
    private static final byte[] PARTITION = "\"partition\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OFFSET = ",\"offset\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CURSOR = "\"cursor\":\"".getBytes(StandardCharsets.US_ASCII);

    private Scan() {}

    interface RecordSink {
      void record(int partition, long offset);
    }

    /**
     * Every record of a JSON answer: each begins {@code {"topic":...,"partition":P,"offset":O,}; an
     * assignment entry has a partition but no offset after it. Returns the count.
     */
    static int records(Buffer body, RecordSink sink) {
      byte[] bytes = body.getBytes();
      int count = 0;
      int last = bytes.length - PARTITION.length - OFFSET.length;
      for (int i = 0; i < last; i++) {
        if (bytes[i] != '"' || bytes[i + 1] != 'p' || !at(bytes, i, PARTITION)) {
          continue;
        }
        int digits = i + PARTITION.length;
        int after = digits;
        long partition = 0;
        while (after < bytes.length && bytes[after] >= '0' && bytes[after] <= '9') {
          partition = partition * 10 + (bytes[after++] - '0');
        }
        if (after == digits || !at(bytes, after, OFFSET)) {
          continue;
        }
        long offset = 0;
        int o = after + OFFSET.length;
        while (o < bytes.length && bytes[o] >= '0' && bytes[o] <= '9') {
          offset = offset * 10 + (bytes[o++] - '0');
        }
        sink.record((int) partition, offset);
        count++;
        i = o;
      }
      return count;
    }

    private static boolean at(byte[] bytes, int index, byte[] pattern) {
      if (index + pattern.length > bytes.length) {
        return false;
      }
      for (int j = 0; j < pattern.length; j++) {
        if (bytes[index + j] != pattern[j]) {
          return false;
        }
      }
      return true;
    }

    /** The answer's {@code "cursor":"..."} (the last one), or null. */
    static String cursor(Buffer body) {
      for (int i = body.length() - CURSOR.length; i >= 0; i--) {
        if (at(body, i, CURSOR)) {
          int from = i + CURSOR.length;
          int to = from;
          while (to < body.length() && body.getByte(to) != '"') {
            to++;
          }
          return body.getString(from, to, "US-ASCII");
        }
      }
      return null;
    }

    private static boolean at(Buffer body, int index, byte[] pattern) {
      if (index + pattern.length > body.length()) {
        return false;
      }
      for (int j = 0; j < pattern.length; j++) {
        if (body.getByte(index + j) != pattern[j]) {
          return false;
        }
      }
      return true;
    }
  }
}
