package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * Issue #17 item 5, as a user sees it: a group commits in topic {@code t}, {@code t} is deleted and
 * created again under its name, and the group, over HTTP or as a Kafka consumer, starts the new
 * topic by its reset policy, not at the old topic's position (which lies inside the new log here,
 * so only the topic's id can tell them apart); a poll cursor of the old topic is refused with a
 * clear answer. And Kafka's DeleteTopics by topic id (v6), with a request naming a topic by both
 * or neither refused.
 */
class TopicIncarnationGroupsTest extends KafkaNodeTest {
  private static final Duration WITHIN = Duration.ofSeconds(60);

  /** Creates {@code topic} (one partition, string values) holding {@code values}, in order. */
  private void create(String topic, String... values) {
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}", 201);
    List<String> records = new ArrayList<>();
    for (String value : values) {
      records.add("{\"value\":\"" + value + "\"}");
    }
    http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[" + String.join(",", records) + "]}", 200);
  }

  private String join(String group, String topic) {
    return http("POST", "/v1/groups/" + group + "/members", "{\"topics\":[\"" + topic + "\"],\"autoOffsetReset\":\"earliest\"}", 201)
        .get("memberId").asText();
  }

  private static List<String> values(JsonNode answer) {
    List<String> values = new ArrayList<>();
    answer.get("records").forEach(r -> values.add(r.get("value").asText()));
    return values;
  }

  @Test
  void anHttpGroupStartsATopicCreatedAgainByItsResetPolicyAndAnOldCursorIsRefused() {
    String topic = unique("t");
    String group = unique("g");
    create(topic, "a", "b", "c");
    String member = join(group, topic);
    JsonNode first = http("GET", "/v1/groups/" + group + "/members/" + member + "/records?maxRecords=2", null, 200);
    assertThat(values(first)).containsExactly("a", "b");
    String oldCursor = first.get("cursor").asText();
    http("POST", "/v1/groups/" + group + "/members/" + member + "/commit", "{\"cursor\":\"" + oldCursor + "\"}", 200);
    http("DELETE", "/v1/groups/" + group + "/members/" + member, null, 204);
    assertThat(http("GET", "/v1/groups/" + group, null, 200).get("offsets").findValuesAsText("committed")).containsExactly("2");

    http("DELETE", "/v1/topics/" + topic, null, 204);
    create(topic, "v", "w", "x", "y");

    // Offset 2, committed in the old topic, lies inside the new one: the group must not start there.
    assertThat(http("GET", "/v1/groups/" + group, null, 200).get("offsets").findValuesAsText("committed")).isEmpty();
    String next = join(group, topic);
    JsonNode answer = http("GET", "/v1/groups/" + group + "/members/" + next + "/records?maxRecords=100", null, 200);
    assertThat(values(answer)).as("from the earliest, the member's reset policy").containsExactly("v", "w", "x", "y");
    assertThat(answer.has("offsetResets")).as("nothing was committed to reset").isFalse();

    JsonNode refused = http("GET", "/v1/groups/" + group + "/members/" + next + "/records?cursor="
        + URLEncoder.encode(oldCursor, StandardCharsets.UTF_8), null, 400);
    assertThat(refused.get("code").asText()).isEqualTo("invalid-request");
    assertThat(refused.get("detail").asText()).contains("earlier topic '" + topic + "'");
    JsonNode refusedCommit = http("POST", "/v1/groups/" + group + "/members/" + next + "/commit",
        "{\"cursor\":\"" + oldCursor + "\"}", 400);
    assertThat(refusedCommit.get("code").asText()).isEqualTo("invalid-request");
    // The refusals moved nothing: the member's own cursor commits what it read.
    http("POST", "/v1/groups/" + group + "/members/" + next + "/commit", "{\"cursor\":\"" + answer.get("cursor").asText() + "\"}",
        200);
    assertThat(http("GET", "/v1/groups/" + group, null, 200).get("offsets").findValuesAsText("committed")).containsExactly("4");
  }

  @Test
  void aKafkaConsumerGroupStartsATopicCreatedAgainByItsResetPolicy() throws Exception {
    String topic = unique("k");
    String group = unique("kg");
    TopicPartition partition = new TopicPartition(topic, 0);
    create(topic, "a", "b", "c");
    try (KafkaConsumer<String, String> member = consumer(group)) {
      member.subscribe(List.of(topic));
      assertThat(readAll(member, 3)).containsExactly("a", "b", "c");
      member.commitSync();
      assertThat(member.committed(Set.of(partition), WITHIN).get(partition).offset()).isEqualTo(3);
    }

    Uuid oldId;
    try (Admin admin = admin()) {
      oldId = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId();
      // Deleted by its id (DeleteTopics v6), as the Admin's TopicCollection.ofTopicIds sends it.
      admin.deleteTopics(TopicCollection.ofTopicIds(List.of(oldId))).all().get(30, TimeUnit.SECONDS);
    }
    create(topic, "v", "w", "x", "y", "z");

    try (KafkaConsumer<String, String> member = consumer(group)) {
      assertThat(member.committed(Set.of(partition), WITHIN).get(partition)).as("OffsetFetch answers no commit (-1)").isNull();
      member.subscribe(List.of(topic));
      assertThat(readAll(member, 5)).as("from the earliest, the consumer's reset policy").containsExactly("v", "w", "x", "y", "z");
      member.commitSync();
      assertThat(member.committed(Set.of(partition), WITHIN).get(partition).offset()).isEqualTo(5);
    }
    try (Admin admin = admin()) {
      // The old id is no live topic's, though its name was taken again.
      assertThatThrownBy(() -> admin.deleteTopics(TopicCollection.ofTopicIds(List.of(oldId))).all().get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnknownTopicIdException.class);
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
    }
  }

  @Test
  void aTopicToDeleteNamedByBothItsNameAndAnIdOrByNeitherIsAnInvalidRequestAndNothingIsDeleted() throws Exception {
    String topic = unique("both");
    create(topic, "a");
    Uuid id;
    try (Admin admin = admin()) {
      id = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId();
    }
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new DeleteTopicsRequestData().setTimeoutMs(30_000).setTopics(List.of(new DeleteTopicState().setName(topic)
          .setTopicId(id), new DeleteTopicState())), (short) 6, 1);
      List<DeletableTopicResult> results = List.copyOf(kafka.read(ApiKeys.DELETE_TOPICS.id, (short) 6, 1,
          DeleteTopicsResponseData.class).responses());
      assertThat(results).extracting(result -> Errors.forCode(result.errorCode())).containsExactly(Errors.INVALID_REQUEST,
          Errors.INVALID_REQUEST);
    }
    assertThat(httpRecords(topic, 0).findValuesAsText("value")).containsExactly("a");
  }

  /** Polls until {@code count} records are read; their values in order. */
  private static List<String> readAll(KafkaConsumer<String, String> member, int count) {
    List<String> read = new ArrayList<>();
    await().atMost(WITHIN).until(() -> {
      member.poll(Duration.ofMillis(100)).forEach(record -> read.add(record.value()));
      return read.size() >= count;
    });
    return read;
  }
}
