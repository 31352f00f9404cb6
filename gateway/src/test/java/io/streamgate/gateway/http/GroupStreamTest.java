package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/topics/{topic}/stream?group=G}: a stream that is a member of a consumer group. */
class GroupStreamTest {
  @TempDir Path dir;
  private StreamgateNode node;
  private Api api;

  @BeforeEach
  void start() {
    node = TestNodes.start(dir);
    api = new Api(node);
  }

  @AfterEach
  void stop() {
    TestNodes.stop(node);
  }

  /**
   * Reads events until {@code records} records have come, returning them; assignment events are
   * collected too. Gives up after 30 s (keep-alive comments would hold a plain read open forever).
   */
  private static List<JsonNode> records(SseStream stream, int records, List<JsonNode> assignments) throws Exception {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return readRecords(stream, records, assignments);
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }).get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static List<JsonNode> readRecords(SseStream stream, int records, List<JsonNode> assignments) throws Exception {
    List<JsonNode> seen = new ArrayList<>();
    while (seen.size() < records) {
      SseStream.Event event = stream.next();
      if ("assignment".equals(event.event())) {
        assignments.add(event.json());
      } else {
        assertThat(event.event()).isEqualTo("record");
        assertThat(event.id()).as("a record's id is the cursor after it").isNotBlank();
        seen.add(event.json());
      }
    }
    return seen;
  }

  @Test
  void anSseMemberGetsTheGroupsRecordsAndItsCommitsLetTheNextMemberResume() throws Exception {
    api.createTopic("t", 2);
    for (int i = 0; i < 10; i++) {
      api.produce("t", "{\"records\":[{\"value\":\"v" + i + "\",\"partition\":" + (i % 2) + "}]}");
    }
    List<JsonNode> assignments = new ArrayList<>();
    try (SseStream stream = SseStream.open(node.httpPort(), "/v1/topics/t/stream?group=g&offset=earliest&autoCommitMs=100",
        "Accept: text/event-stream")) {
      List<JsonNode> got = records(stream, 10, assignments);
      Set<String> values = new TreeSet<>();
      got.forEach(r -> values.add(r.get("value").asText()));
      assertThat(values).hasSize(10);
      assertThat(assignments.get(0).get("assignment")).hasSize(2);
      await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/v1/groups/g").json().get("lag").asLong() == 0);
    }
    // Closing the stream leaves the group; what it committed holds.
    await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/v1/groups/g").json().get("members").isEmpty());
    api.produce("t", "{\"records\":[{\"value\":\"after\",\"partition\":0}]}");
    try (SseStream stream = SseStream.open(node.httpPort(), "/v1/topics/t/stream?group=g&offset=earliest",
        "Accept: text/event-stream")) {
      assertThat(records(stream, 1, new ArrayList<>()).get(0).get("value").asText()).isEqualTo("after");
    }
  }

  @Test
  void twoStreamsOfOneGroupSplitThePartitions() throws Exception {
    api.createTopic("t", 4);
    // earliest: with latest, a partition's start is where its log ends when its new owner first
    // reads it, which may be after the records below.
    try (SseStream first = SseStream.open(node.httpPort(), "/v1/topics/t/stream?group=g&offset=earliest", "Accept: text/event-stream");
        SseStream second = SseStream.open(node.httpPort(), "/v1/topics/t/stream?group=g&offset=earliest",
            "Accept: text/event-stream")) {
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        JsonNode members = api.get("/v1/groups/g").json().get("members");
        return members.size() == 2 && members.get(0).get("assignment").size() == 2 && members.get(1).get("assignment").size() == 2;
      });
      for (int i = 0; i < 8; i++) {
        api.produce("t", "{\"records\":[{\"value\":\"p" + i + "\",\"partition\":" + (i % 4) + "}]}");
      }
      List<JsonNode> a = new ArrayList<>();
      List<JsonNode> b = new ArrayList<>();
      Set<Integer> partitionsA = new TreeSet<>();
      Set<Integer> partitionsB = new TreeSet<>();
      records(first, 4, a).forEach(r -> partitionsA.add(r.get("partition").asInt()));
      records(second, 4, b).forEach(r -> partitionsB.add(r.get("partition").asInt()));
      assertThat(partitionsA).hasSize(2).doesNotContainAnyElementsOf(partitionsB);
      assertThat(partitionsB).hasSize(2);
    }
  }

  @Test
  void aGroupStreamRefusesPositionalParametersBeforeItOpens() {
    api.createTopic("t", 1);
    Api.assertProblem(api.get("/v1/topics/t/stream?group=g&partition=0", "Accept", "text/event-stream"), 400, "invalid-request");
    Api.assertProblem(api.get("/v1/topics/t/stream?group=g&offset=5", "Accept", "text/event-stream"), 400, "invalid-request");
    Api.assertProblem(api.get("/v1/topics/t/stream?group=bad%20name", "Accept", "text/event-stream"), 400, "invalid-request");
  }
}
