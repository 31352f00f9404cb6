package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.Api.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.http.Api.Response;
import io.streamgate.logstore.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET .../partitions/{p}/records} and {@code .../offsets}: positions, limits, long-poll. */
class ConsumeApiTest extends HttpNodeTest {
  /** This test's topic: a name of its own on the class's node. */
  String t;

  @BeforeEach
  void nameTopic() {
    t = unique("t");
    awaitQuietNode();
  }

  /** Ten records with values 0..9 and timestamps 1000, 2000, ... 10000 in partition 0 of {@code t}. */
  private void tenRecords() {
    api.createTopic(t, 2);
    StringBuilder envelope = new StringBuilder("{\"records\":[");
    for (int i = 0; i < 10; i++) {
      envelope.append(i == 0 ? "" : ",").append("{\"value\":").append(i).append(",\"partition\":0,\"timestamp\":")
          .append((i + 1) * 1000).append("}");
    }
    api.produce(t, envelope.append("]}").toString());
  }

  private static List<Long> offsets(JsonNode answer) {
    List<Long> offsets = new ArrayList<>();
    answer.get("records").forEach(record -> offsets.add(record.get("offset").asLong()));
    return offsets;
  }

  @Test
  void readsFromEarliestLatestOrAnOffset() {
    tenRecords();

    JsonNode earliest = api.fetch(t, 0, "offset=earliest").json();
    JsonNode latest = api.fetch(t, 0, "offset=latest").json();
    JsonNode fromFour = api.fetch(t, 0, "offset=4").json();
    JsonNode last = api.fetch(t, 0, "offset=9").json();

    assertThat(offsets(earliest)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(earliest.get("nextOffset").asLong()).isEqualTo(10);
    assertThat(earliest.get("highWatermark").asLong()).isEqualTo(10);
    JsonNode first = earliest.get("records").get(0);
    assertThat(first.get("topic").asText()).isEqualTo(t);
    assertThat(first.get("partition").asInt()).isZero();
    assertThat(first.get("timestamp").asLong()).isEqualTo(1000);
    assertThat(first.get("value").asInt()).isZero();
    assertThat(latest.get("records")).isEmpty();
    assertThat(latest.get("nextOffset").asLong()).isEqualTo(10);
    assertThat(latest.get("highWatermark").asLong()).isEqualTo(10);
    assertThat(offsets(fromFour)).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(fromFour.get("records").get(0).get("value").asInt()).isEqualTo(4);
    assertThat(offsets(last)).containsExactly(9L);
    assertThat(last.get("nextOffset").asLong()).isEqualTo(10);

    JsonNode empty = api.fetch(t, 1, "offset=earliest").json();
    assertThat(empty.get("records")).isEmpty();
    assertThat(empty.get("nextOffset").asLong()).isZero();
    assertThat(empty.get("highWatermark").asLong()).isZero();
  }

  @Test
  void aRackHintWithoutAReplicaInThatRackIsServedByTheLeaderAndABadOneIsRefused() {
    tenRecords();
    // One node without racks: the leader serves whatever rack the reader is in.
    assertThat(offsets(api.fetch(t, 0, "offset=8&rack=eu-west-1a").json())).containsExactly(8L, 9L);
    assertProblem(api.get("/v1/topics/" + t + "/partitions/0/records?rack=a%20b"), 400, "invalid-request");
    assertProblem(api.get("/v1/topics/" + t + "/partitions/0/records?rack=" + "r".repeat(65)), 400, "invalid-request");
  }

  @Test
  void readsFromATimestamp() {
    tenRecords();

    assertThat(offsets(api.fetch(t, 0, "timestamp=2500").json())).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(offsets(api.fetch(t, 0, "timestamp=3000").json())).startsWith(2L);
    assertThat(offsets(api.fetch(t, 0, "timestamp=0").json())).startsWith(0L).hasSize(10);
    JsonNode future = api.fetch(t, 0, "timestamp=99999").json();
    assertThat(future.get("records")).isEmpty();
    assertThat(future.get("nextOffset").asLong()).isEqualTo(10);

    assertThat(api.get("/v1/topics/" + t + "/partitions/0/offsets?timestamp=2500").json().toString())
        .isEqualTo("{\"earliest\":0,\"latest\":10,\"offset\":2,\"timestamp\":3000}");
    assertThat(api.get("/v1/topics/" + t + "/partitions/0/offsets").json().toString()).isEqualTo("{\"earliest\":0,\"latest\":10}");
    assertThat(api.get("/v1/topics/" + t + "/partitions/0/offsets?timestamp=99999").json().toString())
        .isEqualTo("{\"earliest\":0,\"latest\":10}");
    assertThat(api.get("/v1/topics/" + t + "/partitions/1/offsets?timestamp=0").json().toString())
        .isEqualTo("{\"earliest\":0,\"latest\":0}");
    assertProblem(api.get("/v1/topics/" + t + "/partitions/0/offsets?timestamp=-1"), 400, "invalid-request");
    assertProblem(api.get("/v1/topics/" + t + "/partitions/0/offsets?timestamp=soon"), 400, "invalid-request");
    assertProblem(api.get("/v1/topics/" + t + "/partitions/2/offsets"), 404, "partition-not-found");
    assertProblem(api.get("/v1/topics/nope/partitions/0/offsets"), 404, "topic-not-found");
    assertProblem(api.get("/v1/topics/" + t + "/partitions/0/records?offset=1&timestamp=1"), 400, "invalid-request");
  }

  @Test
  void maxRecordsBoundsAnAnswerAndNextOffsetContinuesIt() {
    tenRecords();

    JsonNode three = api.fetch(t, 0, "offset=earliest&maxRecords=3").json();
    assertThat(offsets(three)).containsExactly(0L, 1L, 2L);
    assertThat(three.get("nextOffset").asLong()).isEqualTo(3);
    assertThat(three.get("highWatermark").asLong()).isEqualTo(10);

    List<Long> all = new ArrayList<>();
    long next = 0;
    for (int page = 0; page < 10 && next < 10; page++) {
      JsonNode answer = api.fetch(t, 0, "offset=" + next + "&maxRecords=3").json();
      all.addAll(offsets(answer));
      next = answer.get("nextOffset").asLong();
    }
    assertThat(all).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(offsets(api.fetch(t, 0, "offset=earliest&maxRecords=10000").json())).hasSize(10);
  }

  /**
   * An answer of more records than the first read holds (1 MiB stored) is filled by further reads,
   * sized by what it still takes: every record once, in order, up to maxRecords or maxBytes.
   */
  @Test
  void anAnswerLargerThanOneReadIsFilledByMoreReadsInOrder() {
    api.createTopic(t, 1, "{\"value.format\":\"string\"}");
    String value = "x".repeat(1000);
    for (int request = 0; request < 6; request++) {
      StringBuilder envelope = new StringBuilder("{\"records\":[");
      for (int i = 0; i < 500; i++) {
        envelope.append(i == 0 ? "" : ",").append("{\"value\":\"").append(value).append("\"}");
      }
      api.produce(t, envelope.append("]}").toString());
    }

    JsonNode all = api.fetch(t, 0, "offset=0&maxRecords=2999&maxBytes=16777216").json();
    assertThat(offsets(all)).isEqualTo(LongStream.range(0, 2999).boxed().toList());
    assertThat(all.get("nextOffset").asLong()).isEqualTo(2999);
    all.get("records").forEach(record -> assertThat(record.get("value").asText()).isEqualTo(value));

    JsonNode byBytes = api.fetch(t, 0, "offset=7&maxRecords=10000&maxBytes=2000000").json();
    List<Long> offsets = offsets(byBytes);
    assertThat(offsets).isEqualTo(LongStream.range(7, 7 + offsets.size()).boxed().toList());
    assertThat(offsets.size()).as("records in 2,000,000 bytes of JSON, about 1,050 bytes each").isBetween(1800, 1950);
    assertThat(byBytes.get("nextOffset").asLong()).isEqualTo(7 + offsets.size());
  }

  @Test
  void maxBytesBoundsAnAnswerButAlwaysGivesOneRecord() {
    tenRecords();

    JsonNode one = api.fetch(t, 0, "offset=earliest&maxBytes=1").json();
    assertThat(offsets(one)).containsExactly(0L);
    assertThat(one.get("nextOffset").asLong()).isEqualTo(1);

    int recordBytes = one.get("records").get(0).toString().length();
    JsonNode some = api.fetch(t, 0, "offset=2&maxBytes=" + (2 * recordBytes + 1)).json();
    assertThat(offsets(some)).hasSizeBetween(2, 3).startsWith(2L, 3L);
    assertThat(some.get("nextOffset").asLong()).isEqualTo(2 + some.get("records").size());

    List<Long> all = new ArrayList<>();
    long next = 0;
    for (int page = 0; page < 20 && next < 10; page++) {
      JsonNode answer = api.fetch(t, 0, "offset=" + next + "&maxBytes=1").json();
      all.addAll(offsets(answer));
      next = answer.get("nextOffset").asLong();
    }
    assertThat(all).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
  }

  @Test
  void anOffsetBelowTheLogStartIsOutOfRange() throws Exception {
    api.createTopic(t, 1);
    for (int i = 0; i < 10; i++) {
      api.produce(t, "{\"records\":[{\"value\":" + i + "}]}");
    }
    // What retention would do, on the node's log (DeleteRecords over HTTP has a test of its own).
    long logStart = node.service().logManager().partition(new TopicPartition(t, 0)).deleteRecordsBefore(5)
        .get(10, TimeUnit.SECONDS);
    assertThat(logStart).isEqualTo(5);

    JsonNode problem = assertProblem(api.get("/v1/topics/" + t + "/partitions/0/records?offset=2"), 416, "offset-out-of-range");
    assertThat(problem.get("earliestOffset").asLong()).isEqualTo(5);
    assertThat(problem.get("latestOffset").asLong()).isEqualTo(10);
    assertProblem(api.get("/v1/topics/" + t + "/partitions/0/records?offset=0&timeoutMs=1000"), 416, "offset-out-of-range");
    assertThat(offsets(api.fetch(t, 0, "offset=earliest").json())).containsExactly(5L, 6L, 7L, 8L, 9L);
    assertThat(offsets(api.fetch(t, 0, "offset=5").json())).startsWith(5L);
    assertThat(offsets(api.fetch(t, 0, "timestamp=0").json())).startsWith(5L);
    assertThat(api.get("/v1/topics/" + t + "/partitions/0/offsets").json().get("earliest").asLong()).isEqualTo(5);
    assertThat(api.describe(t).get("partitions").get(0).get("earliestOffset").asLong()).isEqualTo(5);
  }

  @Test
  void deletingRecordsBeforeAnOffsetMovesTheEarliestOffsetAndReadsBelowItAreOutOfRange() throws Exception {
    tenRecords();
    String records = "/v1/topics/" + t + "/partitions/0/records";

    Response deleted = api.delete(records + "?before=4");
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().get("earliest").asLong()).isEqualTo(4);
    JsonNode problem = assertProblem(api.get(records + "?offset=3"), 416, "offset-out-of-range");
    assertThat(problem.get("earliestOffset").asLong()).isEqualTo(4);
    assertThat(offsets(api.fetch(t, 0, "offset=earliest").json())).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(api.get("/v1/topics/" + t + "/partitions/0/offsets").json().get("earliest").asLong()).isEqualTo(4);
    // Below the start deletes nothing more; the other partition is untouched.
    assertThat(api.delete(records + "?before=1").json().get("earliest").asLong()).isEqualTo(4);
    assertThat(api.get("/v1/topics/" + t + "/partitions/1/offsets").json().get("earliest").asLong()).isZero();

    // Past the high watermark: refused, nothing deleted.
    JsonNode tooFar = assertProblem(api.delete(records + "?before=11"), 416, "offset-out-of-range");
    assertThat(tooFar.get("earliestOffset").asLong()).isEqualTo(4);
    for (String query : List.of("", "?before=-1", "?before=abc", "?before=LATEST", "?before=1&before=2", "?before=")) {
      assertProblem(api.delete(records + query), 400, "invalid-request");
    }
    assertProblem(api.delete("/v1/topics/" + t + "/partitions/2/records?before=0"), 404, "partition-not-found");
    assertProblem(api.delete("/v1/topics/nope/partitions/0/records?before=0"), 404, "topic-not-found");
    node.service().ensureInternalTopic("__" + t, 1).get(10, TimeUnit.SECONDS);
    assertProblem(api.delete("/v1/topics/__" + t + "/partitions/0/records?before=0"), 403, "internal-topic");
    assertThat(api.get("/v1/topics/" + t + "/partitions/0/offsets").json().get("earliest").asLong()).isEqualTo(4);

    // latest: everything written so far.
    assertThat(api.delete(records + "?before=latest").json().get("earliest").asLong()).isEqualTo(10);
    assertThat(api.fetch(t, 0, "offset=earliest").json().get("records")).isEmpty();
    api.produce(t, "{\"records\":[{\"value\":10,\"partition\":0}]}");
    assertThat(offsets(api.fetch(t, 0, "offset=earliest").json())).containsExactly(10L);
  }

  @Test
  void anOffsetPastTheEndAnswersEmpty() {
    tenRecords();

    for (String offset : List.of("10", "11", "1000000", String.valueOf(Long.MAX_VALUE))) {
      JsonNode answer = api.fetch(t, 0, "offset=" + offset + "&timeoutMs=0").json();
      assertThat(answer.get("records")).isEmpty();
      assertThat(answer.get("highWatermark").asLong()).isEqualTo(10);
      assertThat(answer.get("nextOffset").asLong()).isEqualTo(Long.parseLong(offset));
    }
  }

  @Test
  void limitsPastTheirMaximumAreRefused() {
    tenRecords();

    for (String query : List.of("maxRecords=10001", "maxRecords=0", "maxRecords=-1", "maxRecords=many", "maxRecords=1.5",
        "timeoutMs=60001", "timeoutMs=-1", "timeoutMs=1e3", "maxBytes=0", "maxBytes=52428801", "maxBytes=99999999999",
        "offset=-1", "offset=abc", "offset=", "offset=1e3", "offset=99999999999999999999", "offset=EARLIEST",
        "timestamp=-5", "timestamp=yesterday", "offset=1&offset=2", "maxRecords=1&maxRecords=2")) {
      JsonNode problem = assertProblem(api.get("/v1/topics/" + t + "/partitions/0/records?" + query), 400, "invalid-request");
      assertThat(problem.get("detail").asText()).as(query).isNotBlank();
    }
    for (String partition : List.of("-1", "x", "99999999999", "0x1")) {
      assertProblem(api.get("/v1/topics/" + t + "/partitions/" + partition + "/records"), 400, "invalid-request");
    }
    assertProblem(api.get("/v1/topics/" + t + "/partitions/2/records"), 404, "partition-not-found");
    assertProblem(api.get("/v1/topics/nope/partitions/0/records"), 404, "topic-not-found");
    // The documented maximums themselves are fine.
    assertThat(api.fetch(t, 0, "offset=earliest&maxRecords=10000&maxBytes=52428800&timeoutMs=60000").json().get("records"))
        .hasSize(10);
  }

  @Test
  void ndjsonStreamsOneRecordPerLine() {
    tenRecords();

    Response response = api.get("/v1/topics/" + t + "/partitions/0/records?offset=7", "Accept", "application/x-ndjson");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("application/x-ndjson");
    String[] lines = response.text().split("\n");
    assertThat(lines).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode record = Api.parse(lines[i]);
      assertThat(record.get("offset").asLong()).isEqualTo(7 + i);
      assertThat(record.get("value").asInt()).isEqualTo(7 + i);
    }
    assertThat(response.text()).endsWith("\n");
    Response empty = api.get("/v1/topics/" + t + "/partitions/1/records?offset=earliest", "Accept", "application/x-ndjson");
    assertThat(empty.status()).isEqualTo(200);
    assertThat(empty.body()).isEmpty();
  }

  @Test
  void aLongPollAnswersAsSoonAsARecordArrives() throws Exception {
    tenRecords();
    long started = System.nanoTime();
    CompletableFuture<Response> poll =
        api.sendAsync(api.request("/v1/topics/" + t + "/partitions/0/records?offset=10&timeoutMs=5000").build());
    await().atMost(Duration.ofSeconds(5)).until(() -> node.service().watcherCount() == 1);
    assertThat(poll).isNotDone();

    long produced = System.nanoTime();
    api.produce(t, "{\"records\":[{\"value\":\"wake\",\"partition\":0}]}");
    Response response = poll.get(10, TimeUnit.SECONDS);
    long answered = System.nanoTime();

    assertThat(response.status()).isEqualTo(200);
    JsonNode answer = response.json();
    assertThat(offsets(answer)).containsExactly(10L);
    assertThat(answer.get("records").get(0).get("value").asText()).isEqualTo("wake");
    assertThat(answer.get("nextOffset").asLong()).isEqualTo(11);
    assertThat(answer.get("highWatermark").asLong()).isEqualTo(11);
    assertThat(Duration.ofNanos(answered - produced)).isLessThan(Duration.ofSeconds(2));
    assertThat(Duration.ofNanos(answered - started)).isLessThan(Duration.ofMillis(4500));
    await().atMost(Duration.ofSeconds(5)).until(() -> node.service().watcherCount() == 0);
  }

  @Test
  void anIdleLongPollAnswersEmptyAtItsDeadline() {
    tenRecords();
    long started = System.nanoTime();

    JsonNode answer = api.fetch(t, 0, "offset=latest&timeoutMs=300").json();

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(answer.get("records")).isEmpty();
    assertThat(answer.get("nextOffset").asLong()).isEqualTo(10);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(280)).isLessThan(Duration.ofSeconds(3));
    assertThat(node.service().watcherCount()).isZero();
  }

  @Test
  void manyLongPollsAllWakeOnOneRecord() throws Exception {
    api.createTopic(t, 1);
    int polls = 200;
    List<CompletableFuture<Response>> waiting = new ArrayList<>();
    for (int i = 0; i < polls; i++) {
      waiting.add(api.sendAsync(api.request("/v1/topics/" + t + "/partitions/0/records?offset=0&timeoutMs=30000").build()));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> node.service().watcherCount() == polls);
    assertThat(api.metric("streamgate_long_polls_waiting", null)).isEqualTo(polls);

    long produced = System.nanoTime();
    api.produce(t, "{\"records\":[{\"value\":\"everyone\"}]}");
    CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

    assertThat(Duration.ofNanos(System.nanoTime() - produced)).isLessThan(Duration.ofSeconds(10));
    for (CompletableFuture<Response> poll : waiting) {
      JsonNode answer = poll.get().json();
      assertThat(offsets(answer)).containsExactly(0L);
      assertThat(answer.get("records").get(0).get("value").asText()).isEqualTo("everyone");
    }
    assertThat(node.service().watcherCount()).isZero();
  }

  @Test
  void deletingATopicEndsItsLongPolls() throws Exception {
    api.createTopic(t, 1);
    CompletableFuture<Response> poll =
        api.sendAsync(api.request("/v1/topics/" + t + "/partitions/0/records?offset=0&timeoutMs=30000").build());
    await().atMost(Duration.ofSeconds(5)).until(() -> node.service().watcherCount() == 1);

    assertThat(api.delete("/v1/topics/" + t).status()).isEqualTo(204);

    assertProblem(poll.get(10, TimeUnit.SECONDS), 404, "topic-not-found");
  }

  @Test
  void aLongPollWhoseClientLeftStopsWaiting() throws Exception {
    api.createTopic(t, 1);
    List<RawHttp> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        RawHttp client = RawHttp.connect(api.port);
        clients.add(client);
        client.write("GET /v1/topics/" + t + "/partitions/0/records?offset=0&timeoutMs=60000 HTTP/1.1\r\nHost: x\r\n\r\n");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> node.service().watcherCount() == 20);
    } finally {
      for (RawHttp client : clients) {
        client.close();
      }
    }

    // Gone clients hold no watch and no place under max-long-polls, long before their deadline.
    await().atMost(Duration.ofSeconds(5)).until(() -> node.service().watcherCount() == 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> api.metric("streamgate_long_polls_waiting", null) == 0);
  }

  @Test
  void longPollsPastTheNodesLimitAreRefusedAsRetryable(@TempDir Path otherDir) throws Exception {
    StreamgateNode small = TestNodes.start(otherDir, java.util.Map.of("max-long-polls", "2"));
    try {
      Api smallApi = new Api(small);
      smallApi.createTopic("t", 1);
      List<CompletableFuture<Response>> waiting = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        waiting.add(smallApi.sendAsync(smallApi.request("/v1/topics/t/partitions/0/records?offset=0&timeoutMs=30000").build()));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> small.service().watcherCount() == 2);

      Response refused = smallApi.get("/v1/topics/t/partitions/0/records?offset=0&timeoutMs=30000");
      JsonNode problem = assertProblem5xx(refused, 503, "overloaded");
      assertThat(problem.get("retryable").asBoolean()).isTrue();
      assertThat(problem.get("retryAfterMs").asLong()).isPositive();
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      // A read that does not wait is not a long-poll.
      assertThat(smallApi.fetch("t", 0, "offset=0").json().get("records")).isEmpty();

      smallApi.produce("t", "{\"records\":[{\"value\":1}]}");
      for (CompletableFuture<Response> poll : waiting) {
        assertThat(offsets(poll.get(10, TimeUnit.SECONDS).json())).containsExactly(0L);
      }
    } finally {
      TestNodes.stop(small);
    }
  }

  private static JsonNode assertProblem5xx(Response response, int status, String code) {
    assertThat(response.status()).as("%s", response).isEqualTo(status);
    assertThat(response.contentType()).startsWith("application/problem+json");
    JsonNode problem = response.json();
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("code").asText()).isEqualTo(code);
    return problem;
  }
}
