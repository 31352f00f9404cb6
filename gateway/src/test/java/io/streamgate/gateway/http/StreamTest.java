package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.Api.assertProblem;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.http.Api.Response;
import io.streamgate.gateway.http.SseStream.Event;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/topics/{topic}/stream} over WebSocket and Server-Sent Events. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamTest extends HttpNodeTest {
  static Vertx clientVertx;

  /** This test's topics: names of their own on the class's node. */
  String t, sseTopic, wsTopic;
  WebSocketClient wsClient;

  @BeforeAll
  static void startClients() {
    clientVertx = Vertx.vertx();
  }

  @AfterAll
  static void stopClients() throws Exception {
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() {
    t = unique("t");
    sseTopic = unique("sse");
    wsTopic = unique("ws");
    awaitQuietNode();
    wsClient = clientVertx.createWebSocketClient(new WebSocketClientOptions().setReceiveBufferSize(64 * 1024));
  }

  @AfterEach
  void stop() throws Exception {
    wsClient.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Produces {@code count} records {@code "p-i"} to each of {@code partitions}. */
  private void produce(String topic, int count, int... partitions) {
    StringBuilder envelope = new StringBuilder("{\"records\":[");
    boolean first = true;
    for (int partition : partitions) {
      for (int i = 0; i < count; i++) {
        envelope.append(first ? "" : ",").append("{\"value\":\"").append(partition).append('-').append(i)
            .append("\",\"partition\":").append(partition).append('}');
        first = false;
      }
    }
    api.produce(topic, envelope.append("]}").toString());
  }

  /** {@code partition:offset} of a record. */
  private static String position(JsonNode record) {
    return record.get("partition").asInt() + ":" + record.get("offset").asLong();
  }

  /** Every record's offsets, per partition, in the order received. */
  private static Map<Integer, List<Long>> byPartition(List<JsonNode> records) {
    Map<Integer, List<Long>> offsets = new HashMap<>();
    for (JsonNode record : records) {
      offsets.computeIfAbsent(record.get("partition").asInt(), p -> new ArrayList<>()).add(record.get("offset").asLong());
    }
    return offsets;
  }

  private static List<JsonNode> json(List<Event> events) {
    List<JsonNode> records = new ArrayList<>();
    for (Event event : events) {
      assertThat(event.event()).isEqualTo("record");
      records.add(event.json());
    }
    return records;
  }

  // ------------------------------------------------------------------ WebSocket

  @Test
  void webSocketSendsStoredThenLiveRecordsInOrder() throws Exception {
    api.createTopic(t, 1);
    produce(t, 5, 0);

    try (WsStream stream = WsStream.open(wsClient, api.port, "/v1/topics/" + t + "/stream?offset=earliest")) {
      List<JsonNode> stored = stream.next(5);
      produce(t, 5, 0);
      List<JsonNode> live = stream.next(5);

      for (int i = 0; i < 5; i++) {
        assertThat(stored.get(i).get("topic").asText()).isEqualTo(t);
        assertThat(stored.get(i).get("partition").asInt()).isZero();
        assertThat(stored.get(i).get("offset").asLong()).isEqualTo(i);
        assertThat(stored.get(i).get("value").asText()).isEqualTo("0-" + i);
        assertThat(stored.get(i).has("timestamp")).isTrue();
        assertThat(stored.get(i).has("headers")).isTrue();
        assertThat(live.get(i).get("offset").asLong()).isEqualTo(5 + i);
        assertThat(live.get(i).get("value").asText()).isEqualTo("0-" + i);
      }
      assertThat(api.metric("streamgate_streams_open", null)).isEqualTo(1);
    }
    // A closed stream leaves nothing behind.
    await().atMost(Duration.ofSeconds(5)).until(() -> api.metric("streamgate_streams_open", null) == 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> node.service().watcherCount() == 0);
  }

  @Test
  void webSocketFromLatestSendsOnlyNewRecords() throws Exception {
    api.createTopic(t, 2);
    produce(t, 3, 0, 1);

    try (WsStream stream = WsStream.open(wsClient, api.port, "/v1/topics/" + t + "/stream")) {
      produce(t, 1, 1);
      produce(t, 1, 0);

      List<JsonNode> records = stream.next(2);

      assertThat(records).extracting(StreamTest::position).containsExactlyInAnyOrder("1:3", "0:3");
    }
  }

  @Test
  void webSocketOverSeveralPartitions() throws Exception {
    api.createTopic(t, 3);
    produce(t, 4, 0, 1, 2);

    try (WsStream all = WsStream.open(wsClient, api.port, "/v1/topics/" + t + "/stream?offset=earliest");
        WsStream some = WsStream.open(wsClient, api.port, "/v1/topics/" + t + "/stream?offset=earliest&partition=2,0")) {
      Map<Integer, List<Long>> allOffsets = byPartition(all.next(12));
      Map<Integer, List<Long>> someOffsets = byPartition(some.next(8));
      produce(t, 1, 1, 2);
      Map<Integer, List<Long>> liveAll = byPartition(all.next(2));
      JsonNode liveSome = some.nextJson();

      for (int p = 0; p < 3; p++) {
        assertThat(allOffsets.get(p)).containsExactly(0L, 1L, 2L, 3L);
      }
      assertThat(someOffsets.keySet()).containsExactlyInAnyOrder(0, 2);
      assertThat(someOffsets.get(0)).containsExactly(0L, 1L, 2L, 3L);
      assertThat(someOffsets.get(2)).containsExactly(0L, 1L, 2L, 3L);
      assertThat(liveAll.get(1)).containsExactly(4L);
      assertThat(liveAll.get(2)).containsExactly(4L);
      assertThat(position(liveSome)).isEqualTo("2:4");
      assertThat(some.messages.poll(300, TimeUnit.MILLISECONDS)).as("nothing of partition 1").isNull();
    }
  }

  @Test
  void webSocketResumeContinuesExactly() throws Exception {
    api.createTopic(t, 2);
    produce(t, 5, 0, 1);
    List<JsonNode> first;
    try (WsStream stream = WsStream.open(wsClient, api.port, "/v1/topics/" + t + "/stream?offset=earliest")) {
      first = stream.next(6);
    }
    produce(t, 2, 0, 1);
    // The client's position: for each partition the next offset to read.
    Map<Integer, Long> next = new HashMap<>(Map.of(0, 0L, 1, 0L));
    first.forEach(record -> next.put(record.get("partition").asInt(), record.get("offset").asLong() + 1));

    List<JsonNode> rest;
    try (WsStream stream = WsStream.open(wsClient, api.port,
        "/v1/topics/" + t + "/stream?offset=latest&resume=0:" + next.get(0) + ",1:" + next.get(1))) {
      rest = stream.next(8);
      assertThat(stream.messages.poll(300, TimeUnit.MILLISECONDS)).as("nothing more").isNull();
    }

    List<JsonNode> all = new ArrayList<>(first);
    all.addAll(rest);
    Set<String> positions = new HashSet<>();
    all.forEach(record -> assertThat(positions.add(position(record))).as("no duplicate of %s", position(record)).isTrue());
    assertThat(positions).hasSize(14);
    Map<Integer, List<Long>> offsets = byPartition(all);
    assertThat(offsets.get(0)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(offsets.get(1)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void webSocketPauseAndResume() throws Exception {
    api.createTopic(t, 1);
    try (WsStream stream = WsStream.open(wsClient, api.port, "/v1/topics/" + t + "/stream?offset=earliest")) {
      produce(t, 3, 0);
      assertThat(stream.next(3)).extracting(record -> record.get("offset").asLong()).containsExactly(0L, 1L, 2L);

      stream.send("{\"op\":\"pause\"}");
      // Messages are handled in order: the answer to a bad one proves the pause was seen.
      stream.send("{\"op\":\"sing\"}");
      JsonNode error = stream.nextJson().get("error");
      assertThat(error.get("status").asInt()).isEqualTo(400);
      assertThat(error.get("code").asText()).isEqualTo("invalid-request");
      produce(t, 3, 0);
      assertThat(stream.messages.poll(500, TimeUnit.MILLISECONDS)).as("nothing while paused").isNull();

      stream.send("{\"op\":\"resume\"}");
      assertThat(stream.next(3)).extracting(record -> record.get("offset").asLong()).containsExactly(3L, 4L, 5L);
      produce(t, 1, 0);
      assertThat(stream.nextJson().get("offset").asLong()).isEqualTo(6);
      stream.send("not json at all");
      assertThat(stream.nextJson().get("error").get("status").asInt()).isEqualTo(400);
    }
  }

  @Test
  void webSocketErrorsBeforeTheUpgradeAreProblems() {
    api.createTopic(t, 2);
    Map<String, Integer> cases = Map.of(
        "/v1/topics/missing/stream", 404,
        "/v1/topics/" + t + "/stream?partition=2", 404,
        "/v1/topics/" + t + "/stream?partition=x", 400,
        "/v1/topics/" + t + "/stream?offset=abc", 400,
        "/v1/topics/" + t + "/stream?offset=-1", 400,
        "/v1/topics/" + t + "/stream?resume=0", 400,
        "/v1/topics/" + t + "/stream?offset=1&timestamp=1", 400,
        "/v1/topics/" + t + "/stream?rack=a%20b", 400,
        "/v1/topics/" + t + "/stream?group=g&rack=a", 400);
    cases.forEach((uri, status) -> {
      Throwable failure = catchThrowable(() -> WsStream.open(wsClient, api.port, uri).close());
      assertThat(failure).as(uri).isInstanceOf(UpgradeRejectedException.class);
      UpgradeRejectedException rejected = (UpgradeRejectedException) failure;
      assertThat(rejected.getStatus()).as(uri).isEqualTo(status);
      assertThat(rejected.getHeaders().get("Content-Type")).as(uri).startsWith("application/problem+json");
      assertThat(Api.parse(rejected.getBody().toString(UTF_8)).get("status").asInt()).as(uri).isEqualTo(status);
    });
    assertThat(api.metric("streamgate_streams_open", null)).isZero();
  }

  @Test
  void deletingTheTopicEndsItsStreamsWithAnError() throws Exception {
    api.createTopic(t, 1);
    produce(t, 1, 0);
    try (WsStream ws = WsStream.open(wsClient, api.port, "/v1/topics/" + t + "/stream?offset=earliest");
        SseStream sse = SseStream.open(api.port, "/v1/topics/" + t + "/stream?offset=earliest")) {
      assertThat(ws.nextJson().get("offset").asLong()).isZero();
      assertThat(sse.next().event()).isEqualTo("record");

      assertThat(api.delete("/v1/topics/" + t).status()).isEqualTo(204);

      JsonNode wsError = ws.nextJson().get("error");
      assertThat(wsError.get("status").asInt()).isEqualTo(404);
      assertThat(wsError.get("code").asText()).isEqualTo("topic-not-found");
      assertThat(ws.closed.get(10, TimeUnit.SECONDS)).isEqualTo((short) 1011);
      Event sseError = sse.next();
      assertThat(sseError.event()).isEqualTo("error");
      assertThat(sseError.json().get("code").asText()).isEqualTo("topic-not-found");
      assertThat(catchThrowable(sse::next)).as("the event stream ends").isInstanceOf(java.io.EOFException.class);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> api.metric("streamgate_streams_open", null) == 0);
  }

  @Test
  void streamsPastTheNodesLimitAreRefusedAsRetryable(@TempDir Path otherDir) throws Exception {
    StreamgateNode small = TestNodes.start(otherDir, Map.of("max-streams", "1"));
    try {
      Api smallApi = new Api(small);
      smallApi.createTopic("t", 1);
      try (SseStream first = SseStream.open(smallApi.port, "/v1/topics/t/stream")) {
        Response refused = smallApi.get("/v1/topics/t/stream", "Accept", "text/event-stream");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("code").asText()).isEqualTo("overloaded");
        assertThat(refused.json().get("retryable").asBoolean()).isTrue();
        Throwable failure = catchThrowable(() -> WsStream.open(wsClient, smallApi.port, "/v1/topics/t/stream").close());
        assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
        assertThat(((UpgradeRejectedException) failure).getStatus()).isEqualTo(503);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> smallApi.metric("streamgate_streams_open", null) == 0);
      try (WsStream again = WsStream.open(wsClient, smallApi.port, "/v1/topics/t/stream")) {
        smallApi.produce("t", "{\"records\":[{\"value\":\"served\"}]}");
        assertThat(again.nextJson().get("value").asText()).isEqualTo("served");
      }
    } finally {
      TestNodes.stop(small);
    }
  }

  // ------------------------------------------------------------------ Server-Sent Events

  @Test
  void serverSentEventsCarryRecordsWithPositions() throws Exception {
    api.createTopic(t, 2);
    produce(t, 3, 0, 1);

    try (SseStream stream = SseStream.open(api.port, "/v1/topics/" + t + "/stream?offset=earliest")) {
      assertThat(stream.head.headers().get("cache-control")).isEqualTo("no-cache");
      List<Event> stored = stream.next(6);
      produce(t, 2, 1);
      List<Event> live = stream.next(2);

      Map<Integer, Long> next = new HashMap<>(Map.of(0, 0L, 1, 0L));
      List<Event> all = new ArrayList<>(stored);
      all.addAll(live);
      for (Event event : all) {
        assertThat(event.event()).isEqualTo("record");
        JsonNode record = event.json();
        int partition = record.get("partition").asInt();
        assertThat(record.get("offset").asLong()).as("in order").isEqualTo(next.get(partition));
        next.put(partition, record.get("offset").asLong() + 1);
        // The id is the stream's position after this event: the next offset of every partition.
        assertThat(event.id()).isEqualTo("0:" + next.get(0) + ",1:" + next.get(1));
      }
      assertThat(next).isEqualTo(Map.of(0, 3L, 1, 5L));
      assertThat(node.service().watcherCount()).isEqualTo(2);
    }
    // A client that goes away leaves nothing behind.
    await().atMost(Duration.ofSeconds(5)).until(() -> api.metric("streamgate_streams_open", null) == 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> node.service().watcherCount() == 0);
  }

  @Test
  void aPositionBelowTheLogStartIsRefusedBeforeTheStream() throws Exception {
    api.createTopic(t, 1);
    for (int i = 0; i < 4; i++) {
      produce(t, 1, 0);
    }
    node.service().logManager().partition(new io.streamgate.logstore.TopicPartition(t, 0)).deleteRecordsBefore(2)
        .get(10, TimeUnit.SECONDS);

    for (String query : List.of("offset=0", "resume=0:1", "offset=latest&resume=0:0")) {
      JsonNode problem = assertProblem(api.get("/v1/topics/" + t + "/stream?" + query, "Accept", "text/event-stream"), 416,
          "offset-out-of-range");
      assertThat(problem.get("earliestOffset").asLong()).as(query).isEqualTo(2);
      Throwable failure = catchThrowable(() -> WsStream.open(wsClient, api.port, "/v1/topics/" + t + "/stream?" + query).close());
      assertThat(failure).as(query).isInstanceOf(UpgradeRejectedException.class);
      assertThat(((UpgradeRejectedException) failure).getStatus()).as(query).isEqualTo(416);
    }
    assertProblem(api.get("/v1/topics/" + t + "/stream", "Accept", "text/event-stream", "Last-Event-ID", "0:1"), 416,
        "offset-out-of-range");
    try (SseStream stream = SseStream.open(api.port, "/v1/topics/" + t + "/stream?offset=earliest")) {
      assertThat(position(stream.next().json())).isEqualTo("0:2");
    }
    try (SseStream stream = SseStream.open(api.port, "/v1/topics/" + t + "/stream?offset=3")) {
      assertThat(position(stream.next().json())).isEqualTo("0:3");
    }
    assertThat(api.metric("streamgate_streams_open", null)).isLessThanOrEqualTo(1);
  }

  @Test
  void lastEventIdResumesExactlyAndWinsOverOffsetAndResume() throws Exception {
    api.createTopic(t, 2);
    produce(t, 5, 0, 1);
    List<Event> first;
    try (SseStream stream = SseStream.open(api.port, "/v1/topics/" + t + "/stream?offset=earliest")) {
      first = stream.next(6);
    }
    produce(t, 2, 0, 1);

    List<Event> rest;
    try (SseStream stream = SseStream.open(api.port, "/v1/topics/" + t + "/stream?offset=latest&resume=0:0,1:0",
        "Last-Event-ID: " + first.get(5).id())) {
      rest = stream.next(8);
      produce(t, 1, 0);
      Event live = stream.next();
      assertThat(position(live.json())).isEqualTo("0:7");
    }

    List<JsonNode> all = json(first);
    all.addAll(json(rest));
    Set<String> positions = new HashSet<>();
    all.forEach(record -> assertThat(positions.add(position(record))).as("no duplicate of %s", position(record)).isTrue());
    assertThat(positions).hasSize(14);
    Map<Integer, List<Long>> offsets = byPartition(all);
    assertThat(offsets.get(0)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(offsets.get(1)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void serverSentEventsResumeParameterAndTimestamp() throws Exception {
    api.createTopic(t, 1);
    api.produce(t, "{\"records\":[{\"value\":0,\"timestamp\":1000},{\"value\":1,\"timestamp\":2000},{\"value\":2,\"timestamp\":3000}]}");

    try (SseStream resumed = SseStream.open(api.port, "/v1/topics/" + t + "/stream?resume=0:2");
        SseStream fromTime = SseStream.open(api.port, "/v1/topics/" + t + "/stream?timestamp=1500");
        SseStream fromOffset = SseStream.open(api.port, "/v1/topics/" + t + "/stream?offset=1&partition=0")) {
      assertThat(position(resumed.next().json())).isEqualTo("0:2");
      assertThat(position(fromTime.next().json())).isEqualTo("0:1");
      assertThat(position(fromOffset.next().json())).isEqualTo("0:1");
    }
  }

  @Test
  void serverSentEventErrorsBeforeTheStreamAreProblems() {
    api.createTopic(t, 2);
    String sse = "text/event-stream";
    assertProblem(api.get("/v1/topics/missing/stream", "Accept", sse), 404, "topic-not-found");
    assertProblem(api.get("/v1/topics/" + t + "/stream?partition=5", "Accept", sse), 404, "partition-not-found");
    assertProblem(api.get("/v1/topics/" + t + "/stream?partition=0,9", "Accept", sse), 404, "partition-not-found");
    for (String query : List.of("offset=abc", "offset=-1", "partition=x", "partition=-1", "resume=0", "resume=0:x", "resume=a:1",
        "timestamp=soon", "offset=1&timestamp=1", "offset=1&offset=2", "rack=a%20b", "rack=", "group=g&rack=a")) {
      assertProblem(api.get("/v1/topics/" + t + "/stream?" + query, "Accept", sse), 400, "invalid-request");
    }
    assertProblem(api.get("/v1/topics/" + t + "/stream", "Last-Event-ID", "garbage", "Accept", sse), 400, "invalid-request");
    assertProblem(api.get("/v1/topics/" + t + "/stream"), 406, "not-acceptable");
    assertProblem(api.get("/v1/topics/" + t + "/stream", "Accept", "application/json"), 406, "not-acceptable");
    assertThat(api.metric("streamgate_streams_open", null)).isZero();
  }

  // ------------------------------------------------------------------ backpressure

  private static final int RECORD_BYTES = 4000;
  private static final int RECORDS_PER_REQUEST = 250;

  /** Produces {@code requests} NDJSON requests of {@code RECORDS_PER_REQUEST} text records, numbered on from {@code first}. */
  private void produceBulk(String topic, int first, int requests) {
    String padding = "x".repeat(RECORD_BYTES - 8);
    int sequence = first;
    for (int r = 0; r < requests; r++) {
      StringBuilder body = new StringBuilder(RECORDS_PER_REQUEST * (RECORD_BYTES + 1));
      for (int i = 0; i < RECORDS_PER_REQUEST; i++) {
        body.append(String.format("%08d", sequence++)).append(padding).append('\n');
      }
      Response response = api.post("/v1/topics/" + topic + "/records", "application/x-ndjson", body.toString());
      assertThat(response.status()).as("%s", response).isEqualTo(200);
    }
  }

  /** Record bytes the server has handed to streams of {@code topic}, once that has stopped moving for 300 ms. */
  private double settledBytesOut(String topic) {
    double[] last = {-1};
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
      double now = api.metric("streamgate_bytes_out_total", "topic=\"" + topic + "\"");
      boolean settled = now == last[0];
      last[0] = now;
      return settled;
    });
    return last[0];
  }

  /**
   * While a subscriber does not read, 2 x 25 MB are produced: the producer is not held up, the
   * connection stays open, and what the server has taken from the log for it stops growing once
   * its bounded buffer and the socket are full: the second 25 MB add nothing. Once the client
   * reads again, every record arrives, in order, without a gap or a duplicate.
   */
  private void assertHeldAndLossless(String topic, java.util.concurrent.Callable<String> nextRecordJson, Runnable resume)
      throws Exception {
    int half = 25;
    int total = 2 * half * RECORDS_PER_REQUEST;
    long started = System.nanoTime();
    produceBulk(topic, 0, half);
    double afterFirstHalf = settledBytesOut(topic);
    produceBulk(topic, half * RECORDS_PER_REQUEST, half);
    long producedMs = (System.nanoTime() - started) / 1_000_000;
    double afterSecondHalf = settledBytesOut(topic);

    double produced = (double) total * RECORD_BYTES;
    System.out.printf("backpressure (%s): produced %.0f MB in %d ms; the stalled stream took %.2f MB, then %.2f MB%n",
        topic, produced / 1e6, producedMs, afterFirstHalf / 1e6, afterSecondHalf / 1e6);
    assertThat(api.latestOffset(topic, 0)).isEqualTo(total);
    assertThat(afterFirstHalf).as("bytes taken for the stalled stream").isLessThan(produced / 4);
    assertThat(afterSecondHalf - afterFirstHalf).as("growth while stalled").isLessThan(StreamReads.CHUNK_BYTES * 2.0);
    assertThat(api.metric("streamgate_streams_open", null)).as("the stream is held, not dropped").isEqualTo(1);

    resume.run();
    for (int i = 0; i < total; i++) {
      String json = nextRecordJson.call();
      if (!json.contains("\"offset\":" + i + ",") || !json.contains("\"value\":\"" + String.format("%08d", i))) {
        throw new AssertionError("record " + i + " missing or out of order: " + json.substring(0, Math.min(200, json.length())));
      }
    }
  }

  @Test
  void aStalledServerSentEventsSubscriberIsHeldAndLosesNothing() throws Exception {
    api.createTopic(sseTopic, 1, "{\"value.format\":\"string\"}");
    // A small receive window, and nothing read past the response head until the end.
    try (SseStream stream = SseStream.open(api.port, 32 * 1024, "/v1/topics/" + sseTopic + "/stream?offset=earliest")) {
      int[] next = {0};
      assertHeldAndLossless(sseTopic, () -> {
        Event event = stream.next();
        assertThat(event.id()).isEqualTo("0:" + ++next[0]);
        return event.data();
      }, () -> {});
    }
  }

  @Test
  void aPausedWebSocketSubscriberIsHeldAndLosesNothing() throws Exception {
    api.createTopic(wsTopic, 1, "{\"value.format\":\"string\"}");
    try (WsStream stream = WsStream.open(wsClient, api.port, "/v1/topics/" + wsTopic + "/stream?offset=earliest")) {
      // The client stops taking frames: Vert.x then stops reading the socket.
      stream.ws.pause();
      assertHeldAndLossless(wsTopic, stream::next, stream.ws::resume);
    }
  }
}
