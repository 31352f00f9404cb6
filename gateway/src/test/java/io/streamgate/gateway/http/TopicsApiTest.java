package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.Api.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.http.Api.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topic administration: create, list, describe, update, delete, and their errors. */
class TopicsApiTest extends HttpNodeTest {
  /** This test's topics: names of their own on the class's node. */
  String t, sized, orders, metrics;

  @BeforeEach
  void nameTopics() {
    t = unique("t");
    sized = unique("sized");
    orders = unique("orders");
    metrics = unique("metrics");
  }

  @Test
  void theNodeReportsThePartitionsItLeadsAndNoneUnderReplicated(@TempDir Path ownDir) {
    StreamgateNode own = TestNodes.start(ownDir);
    try {
      Api api = new Api(own);
      api.createTopic("led", 3);
      assertThat(api.metric("streamgate_partitions_led", null)).isEqualTo(3);
      assertThat(api.metric("streamgate_partitions_under_replicated", null)).isZero();
    } finally {
      TestNodes.stop(own);
    }
  }

  @Test
  void theNodeReportsTheSizeOfEachPartitionItHolds() {
    api.createTopic(sized, 2);
    api.produce(sized, "{\"records\":[{\"value\":\"a\",\"partition\":0},{\"value\":\"b\",\"partition\":0}]}");

    double scraped = api.metric("streamgate_partition_size_bytes", "partition=\"0\",topic=\"" + sized + "\"");
    JsonNode stats = api.get("/v1/cluster/stats").json().get("nodes").get(0);
    List<Long> reported = new ArrayList<>();
    stats.get("partitions").forEach(p -> {
      if (p.get("topic").asText().equals(sized)) {
        reported.add(p.get("sizeBytes").asLong());
      }
    });
    assertThat(scraped).isPositive();
    assertThat(reported).as("partitions 0 and 1 of sized").containsExactly((long) scraped, 0L);
  }

  @Test
  void createFillsInDefaults() {
    Response response = api.postJson("/v1/topics", "{\"name\":\"" + orders + "\"}");

    assertThat(response.status()).isEqualTo(201);
    assertThat(response.contentType()).startsWith("application/json");
    JsonNode topic = response.json();
    assertThat(topic.get("name").asText()).isEqualTo(orders);
    assertThat(topic.get("replicationFactor").asInt()).isEqualTo(1);
    assertThat(topic.get("partitions")).hasSize(1);
    JsonNode partition = topic.get("partitions").get(0);
    assertThat(partition.get("partition").asInt()).isZero();
    assertThat(partition.get("leader").asText()).isEqualTo("node-0");
    assertThat(partition.get("replicas").toString()).isEqualTo("[\"node-0\"]");
    assertThat(partition.get("isr").toString()).isEqualTo("[\"node-0\"]");
    assertThat(partition.get("earliestOffset").asLong()).isZero();
    assertThat(partition.get("latestOffset").asLong()).isZero();
    JsonNode config = topic.get("config");
    assertThat(config.get("value.format").asText()).isEqualTo("json");
    assertThat(config.get("cleanup.policy").asText()).isEqualTo("delete");
    assertThat(config.get("min.insync.replicas").asText()).isEqualTo("1");
    assertThat(config.get("max.record.bytes").asText()).isEqualTo("1048576");
    assertThat(config.get("retention.ms").asText()).isEqualTo(String.valueOf(7L * 24 * 3600 * 1000));
    for (String key : List.of("retention.bytes", "segment.bytes", "flush.policy")) {
      assertThat(config.has(key)).as(key).isTrue();
    }
    assertThat(api.describe(orders)).isEqualTo(topic);
  }

  @Test
  void aTopicDeletedAndCreatedAgainUnderItsNameHasANewId() {
    String name = unique("incarnations");
    String first = api.createTopic(name, 1).get("id").asText();
    assertThat(first).matches("[A-Za-z0-9_-]{21}[AQgw]");
    assertThat(api.describe(name).get("id").asText()).isEqualTo(first);

    assertThat(api.delete("/v1/topics/" + name).status()).isEqualTo(204);
    String second = api.createTopic(name, 1).get("id").asText();

    assertThat(second).matches("[A-Za-z0-9_-]{21}[AQgw]").isNotEqualTo(first);
    assertThat(api.describe(name).get("id").asText()).isEqualTo(second);
  }

  @Test
  void configValuesMayBeStringsOrNumbers() {
    JsonNode topic = api.createTopic(metrics, 3, "{\"retention.ms\":3600000,\"retention.bytes\":\"1048576\","
        + "\"cleanup.policy\":\"compact\",\"max.record.bytes\":2048,\"value.format\":\"string\",\"segment.bytes\":\"65536\"}");

    assertThat(topic.get("partitions")).hasSize(3);
    JsonNode config = topic.get("config");
    assertThat(config.get("retention.ms").asText()).isEqualTo("3600000");
    assertThat(config.get("retention.bytes").asText()).isEqualTo("1048576");
    assertThat(config.get("cleanup.policy").asText()).isEqualTo("compact");
    assertThat(config.get("max.record.bytes").asText()).isEqualTo("2048");
    assertThat(config.get("value.format").asText()).isEqualTo("string");
    assertThat(config.get("segment.bytes").asText()).isEqualTo("65536");
    assertThat(api.describe(metrics).get("config")).isEqualTo(config);
  }

  @Test
  void duplicateIsAConflict() {
    api.createTopic(orders, 1);

    assertProblem(api.postJson("/v1/topics", "{\"name\":\"" + orders + "\",\"partitions\":4}"), 409, "topic-exists");
    assertThat(api.describe(orders).get("partitions")).hasSize(1);
  }

  @Test
  void badNamesAreRefused(@TempDir Path ownDir) {
    StreamgateNode own = TestNodes.start(ownDir);
    try {
      Api api = new Api(own);
      List<String> names = new ArrayList<>(List.of("..", ".", "a b", "x".repeat(250), "__internal", "", "a/b", "caf\u00e9",
          "tab\t", "semi;colon", "star*"));
      for (String name : names) {
        Response response = api.postJson("/v1/topics", "{\"name\":" + RecordJsonWriter.quote(name) + "}");
        assertProblem(response, 400, "invalid-topic-name");
      }
      assertThat(api.get("/v1/topics").json()).isEmpty();
      // The longest legal name, and the characters allowed, are fine.
      api.createTopic("a.b_c-D9", 1);
      api.createTopic("_single-underscore", 1);
    } finally {
      TestNodes.stop(own);
    }
  }

  /** A 249-character name is legal (Kafka's limit) even though file names derived from it are not. */
  @Test
  void theLongestLegalNameLivesThroughRestartAndDeletion(@TempDir Path ownDir) {
    StreamgateNode node = TestNodes.start(ownDir);
    try {
      Api api = new Api(node);
      String name = "x".repeat(249);
      String other = "x".repeat(248) + "y";
      api.createTopic(name, 2);
      api.createTopic(other, 1);
      api.produce(name, "{\"records\":[{\"value\":\"kept\",\"partition\":1}]}");

      TestNodes.stop(node);
      node = TestNodes.start(ownDir);
      api = new Api(node);

      assertThat(api.describe(name).get("partitions").get(1).get("latestOffset").asLong()).isEqualTo(1);
      assertThat(api.describe(other).get("partitions")).hasSize(1);
      assertThat(api.fetch(name, 1, "offset=0").json().get("records").get(0).get("value").asText()).isEqualTo("kept");
      assertThat(api.delete("/v1/topics/" + name).status()).isEqualTo(204);
      assertProblem(api.get("/v1/topics/" + name), 404, "topic-not-found");
      assertThat(api.createTopic(name, 2).get("partitions").get(1).get("latestOffset").asLong()).isZero();
      assertThat(api.fetch(name, 1, "offset=earliest").json().get("records")).isEmpty();
      assertThat(api.describe(other).get("name").asText()).isEqualTo(other);
    } finally {
      TestNodes.stop(node);
    }
  }

  @Test
  void malformedCreateRequestsAreRefused() {
    for (String body : List.of("", "{", "[]", "\"orders\"", "{\"name\":5}", "{\"partitions\":1}",
        "{\"name\":\"t\",\"partitions\":\"3\"}", "{\"name\":\"t\",\"partitions\":1.5}", "{\"name\":\"t\",\"shards\":1}",
        "{\"name\":\"t\",\"config\":[]}", "{\"name\":\"t\",\"config\":{\"retention.ms\":1.5}}",
        "{\"name\":\"t\",\"config\":{\"retention.ms\":true}}",
        "{\"name\":\"t\",\"replicationFactor\":\"1\"}")) {
      assertProblem(api.postJson("/v1/topics", body), 400, "invalid-request");
    }
    assertProblem(api.get("/v1/topics/t"), 404, "topic-not-found");
  }

  @Test
  void badConfigIsRefused() {
    for (String config : List.of("{\"no.such.key\":\"1\"}", "{\"retention.ms\":\"soon\"}", "{\"retention.ms\":-2}",
        "{\"cleanup.policy\":\"sometimes\"}", "{\"value.format\":\"xml\"}", "{\"segment.bytes\":10}",
        "{\"max.record.bytes\":1}", "{\"flush.policy\":\"often\"}", "{\"min.insync.replicas\":0}",
        "{\"segment.bytes\":99999999999999}")) {
      Response response = api.postJson("/v1/topics", "{\"name\":\"t\",\"config\":" + config + "}");
      assertProblem(response, 400, "invalid-config");
    }
    assertProblem(api.get("/v1/topics/t"), 404, "topic-not-found");
  }

  @Test
  void partitionCountsOutOfBoundsAreRefused() {
    for (String partitions : List.of("0", "-1", "1001")) {
      assertProblem(api.postJson("/v1/topics", "{\"name\":\"t\",\"partitions\":" + partitions + "}"), 400, "invalid-partitions");
    }
    // Not even a 32-bit number: the request itself is malformed.
    for (String partitions : List.of("2147483648", "99999999999999999999")) {
      assertProblem(api.postJson("/v1/topics", "{\"name\":\"t\",\"partitions\":" + partitions + "}"), 400, "invalid-request");
    }
    assertProblem(api.get("/v1/topics/t"), 404, "topic-not-found");
  }

  @Test
  void replicationBeyondTheClusterIsRefused() {
    for (String factor : List.of("2", "0", "-1", "3")) {
      assertProblem(api.postJson("/v1/topics", "{\"name\":\"t\",\"replicationFactor\":" + factor + "}"), 400,
          "invalid-replication-factor");
    }
    assertProblem(api.get("/v1/topics/t"), 404, "topic-not-found");
  }

  @Test
  void listNamesEveryTopic(@TempDir Path ownDir) {
    StreamgateNode own = TestNodes.start(ownDir);
    try {
      Api api = new Api(own);
      assertThat(api.get("/v1/topics").json()).isEmpty();
      api.createTopic("b", 3);
      api.createTopic("a", 1);

      Response response = api.get("/v1/topics");

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.json().toString()).isEqualTo(
          "[{\"name\":\"a\",\"partitions\":1,\"replicationFactor\":1},{\"name\":\"b\",\"partitions\":3,\"replicationFactor\":1}]");
    } finally {
      TestNodes.stop(own);
    }
  }

  @Test
  void describeShowsOffsetsMoving() {
    api.createTopic(t, 2);
    api.produce(t, "{\"records\":[{\"value\":1,\"partition\":0},{\"value\":2,\"partition\":0},{\"value\":3,\"partition\":0},"
        + "{\"value\":4,\"partition\":1}]}");

    JsonNode partitions = api.describe(t).get("partitions");

    assertThat(partitions.get(0).get("earliestOffset").asLong()).isZero();
    assertThat(partitions.get(0).get("latestOffset").asLong()).isEqualTo(3);
    assertThat(partitions.get(1).get("earliestOffset").asLong()).isZero();
    assertThat(partitions.get(1).get("latestOffset").asLong()).isEqualTo(1);
    assertProblem(api.get("/v1/topics/missing"), 404, "topic-not-found");
  }

  @Test
  void patchAddsPartitionsAndChangesConfig() {
    api.createTopic(t, 1, "{\"retention.ms\":60000}");
    api.produce(t, "{\"records\":[{\"value\":1}]}");

    Response response =
        api.patchJson("/v1/topics/" + t, "{\"partitions\":3,\"config\":{\"retention.ms\":\"1000\",\"max.record.bytes\":4096}}");

    assertThat(response.status()).as("%s", response).isEqualTo(200);
    JsonNode topic = response.json();
    assertThat(topic.get("partitions")).hasSize(3);
    assertThat(topic.get("partitions").get(0).get("latestOffset").asLong()).isEqualTo(1);
    assertThat(topic.get("partitions").get(2).get("latestOffset").asLong()).isZero();
    assertThat(topic.get("config").get("retention.ms").asText()).isEqualTo("1000");
    assertThat(topic.get("config").get("max.record.bytes").asText()).isEqualTo("4096");
    assertThat(topic.get("config").get("value.format").asText()).isEqualTo("json");
    assertThat(api.describe(t)).isEqualTo(topic);
    api.produce(t, "{\"records\":[{\"value\":2,\"partition\":2}]}");
    assertThat(api.latestOffset(t, 2)).isEqualTo(1);
    // The new max.record.bytes applies at once.
    assertProblem(api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{\"value\":\"" + "x".repeat(5000) + "\"}]}"), 413,
        "record-too-large");
    // Only config, only partitions, the same count: all fine.
    assertThat(api.patchJson("/v1/topics/" + t, "{\"config\":{\"cleanup.policy\":\"compact\"}}").status()).isEqualTo(200);
    assertThat(api.patchJson("/v1/topics/" + t, "{\"partitions\":3}").status()).isEqualTo(200);
    // An empty change is a mistake, not a no-op (the contract says so).
    assertProblem(api.patchJson("/v1/topics/" + t, "{}"), 400, "invalid-request");
    assertThat(api.describe(t).get("config").get("cleanup.policy").asText()).isEqualTo("compact");
  }

  @Test
  void patchErrors() {
    api.createTopic(t, 2);
    JsonNode before = api.describe(t);

    assertProblem(api.patchJson("/v1/topics/" + t, "{\"partitions\":1}"), 400, "invalid-partitions");
    assertProblem(api.patchJson("/v1/topics/" + t, "{\"partitions\":0}"), 400, "invalid-partitions");
    assertProblem(api.patchJson("/v1/topics/" + t, "{\"partitions\":1001}"), 400, "invalid-partitions");
    assertProblem(api.patchJson("/v1/topics/" + t, "{\"config\":{\"retention.ms\":\"soon\"}}"), 400, "invalid-config");
    assertProblem(api.patchJson("/v1/topics/" + t, "{\"config\":{\"nope\":1}}"), 400, "invalid-config");
    assertProblem(api.patchJson("/v1/topics/" + t, "{\"name\":\"u\"}"), 400, "invalid-request");
    assertProblem(api.patchJson("/v1/topics/" + t, "not json"), 400, "invalid-request");
    assertProblem(api.patchJson("/v1/topics/missing", "{\"partitions\":3}"), 404, "topic-not-found");
    // A refused change leaves everything as it was, also a valid part of it.
    assertProblem(api.patchJson("/v1/topics/" + t, "{\"partitions\":4,\"config\":{\"retention.ms\":\"soon\"}}"), 400, "invalid-config");
    assertThat(api.describe(t)).isEqualTo(before);
  }

  @Test
  void deleteIsImmediateAndARecreatedTopicIsEmpty(@TempDir Path ownDir) {
    StreamgateNode own = TestNodes.start(ownDir);
    try {
      Api api = new Api(own);
      api.createTopic("t", 2);
      for (int i = 0; i < 5; i++) {
        api.produce("t", "{\"records\":[{\"value\":" + i + ",\"partition\":" + (i % 2) + "}]}");
      }

      Response deleted = api.delete("/v1/topics/t");

      assertThat(deleted.status()).isEqualTo(204);
      assertThat(deleted.body()).isEmpty();
      assertProblem(api.get("/v1/topics/t"), 404, "topic-not-found");
      assertProblem(api.get("/v1/topics/t/partitions/0/records"), 404, "topic-not-found");
      assertProblem(api.get("/v1/topics/t/partitions/0/offsets"), 404, "topic-not-found");
      assertProblem(api.delete("/v1/topics/t"), 404, "topic-not-found");
      assertProblem(api.patchJson("/v1/topics/t", "{\"partitions\":3}"), 404, "topic-not-found");
      assertThat(api.get("/v1/topics").json()).isEmpty();

      JsonNode recreated = api.createTopic("t", 1);
      assertThat(recreated.get("partitions").get(0).get("latestOffset").asLong()).isZero();
      JsonNode empty = api.fetch("t", 0, "offset=earliest").json();
      assertThat(empty.get("records")).isEmpty();
      assertThat(empty.get("highWatermark").asLong()).isZero();
      assertThat(api.produce("t", "{\"records\":[{\"value\":\"new\"}]}").get("offsets").get(0).get("offset").asLong()).isZero();
      JsonNode read = api.fetch("t", 0, "offset=earliest").json();
      assertThat(read.get("records")).hasSize(1);
      assertThat(read.get("records").get(0).get("value").asText()).isEqualTo("new");
    } finally {
      TestNodes.stop(own);
    }
  }
}
