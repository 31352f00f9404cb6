package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeleteConsumerGroupOffsetsResult;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.junit.jupiter.api.Test;

/**
 * OffsetDelete with Kafka's own admin client 4.4.0 ({@code Admin.deleteConsumerGroupOffsets}): an
 * empty group's offsets of the partitions named are gone, for Kafka (OffsetFetch) and over HTTP,
 * and its other offsets stay; a topic a member consumes (a Kafka member's subscription, an HTTP
 * member's topics) is refused with GROUP_SUBSCRIBED_TO_TOPIC and keeps its offsets; a group that
 * does not exist is GROUP_ID_NOT_FOUND.
 */
class KafkaOffsetDeleteTest extends KafkaNodeTest {
  private static final Duration WITHIN = Duration.ofSeconds(60);

  @Test
  void anEmptyGroupsOffsetsOfTheNamedPartitionsAreDeletedAndTheOthersKept() throws Exception {
    String topic = createStringTopic("deleted", 2);
    String group = unique("emptied");
    TopicPartition first = new TopicPartition(topic, 0);
    TopicPartition second = new TopicPartition(topic, 1);
    try (KafkaConsumer<String, String> assigned = consumer(group)) {
      assigned.assign(List.of(first, second));
      assigned.commitSync(Map.of(first, new OffsetAndMetadata(2), second, new OffsetAndMetadata(3)));
    }
    try (Admin admin = admin()) {
      DeleteConsumerGroupOffsetsResult deleted = admin.deleteConsumerGroupOffsets(group, Set.of(first));
      deleted.all().get(30, TimeUnit.SECONDS);

      Map<TopicPartition, OffsetAndMetadata> left = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS);
      assertThat(left).containsOnlyKeys(second);
      assertThat(left.get(second).offset()).isEqualTo(3);
    }
    assertThat(httpCommitted(group)).containsExactly(Map.entry(1, 3L));
  }

  @Test
  void aTopicAKafkaMemberIsSubscribedToIsRefusedAndKeepsItsOffsets() throws Exception {
    String topic = createStringTopic("subscribed", 1);
    String other = createStringTopic("unsubscribed", 1);
    String group = unique("consuming");
    TopicPartition consumed = new TopicPartition(topic, 0);
    TopicPartition notConsumed = new TopicPartition(other, 0);
    try (KafkaConsumer<String, String> assigned = consumer(group)) {
      assigned.assign(List.of(consumed, notConsumed));
      assigned.commitSync(Map.of(consumed, new OffsetAndMetadata(1), notConsumed, new OffsetAndMetadata(1)));
    }
    try (KafkaConsumer<String, String> member = consumer(group); Admin admin = admin()) {
      member.subscribe(List.of(topic));
      await().atMost(WITHIN).until(() -> {
        member.poll(Duration.ofMillis(100));
        return !member.assignment().isEmpty();
      });

      DeleteConsumerGroupOffsetsResult refused = admin.deleteConsumerGroupOffsets(group, Set.of(consumed, notConsumed));
      assertThatThrownBy(() -> refused.partitionResult(consumed).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupSubscribedToTopicException.class);
      // The partition of a topic nobody consumes is deleted all the same, as Kafka does.
      refused.partitionResult(notConsumed).get(30, TimeUnit.SECONDS);

      Map<TopicPartition, OffsetAndMetadata> left = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS);
      assertThat(left).containsOnlyKeys(consumed);
      assertThat(left.get(consumed).offset()).isEqualTo(1);
    }
  }

  @Test
  void aTopicAnHttpMemberConsumesIsRefusedAndAnUnknownGroupIsNotFound() throws Exception {
    String topic = createStringTopic("http-consumed", 1);
    String group = unique("http-run");
    http("POST", "/v1/groups/" + group + "/offsets", "{\"topic\":\"" + topic + "\",\"to\":\"latest\"}", 200);
    http("POST", "/v1/groups/" + group + "/members", "{\"topics\":[\"" + topic + "\"]}", 201);
    TopicPartition consumed = new TopicPartition(topic, 0);
    try (Admin admin = admin()) {
      DeleteConsumerGroupOffsetsResult refused = admin.deleteConsumerGroupOffsets(group, Set.of(consumed));
      assertThatThrownBy(() -> refused.all().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(GroupSubscribedToTopicException.class);
      assertThat(httpCommitted(group)).containsOnlyKeys(0);

      DeleteConsumerGroupOffsetsResult unknown = admin.deleteConsumerGroupOffsets(unique("never-made"), Set.of(consumed));
      assertThatThrownBy(() -> unknown.all().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(GroupIdNotFoundException.class);
    }
  }

  /** The group's committed offsets per partition as {@code GET /v1/groups/{group}} shows them. */
  private Map<Integer, Long> httpCommitted(String group) {
    Map<Integer, Long> committed = new HashMap<>();
    for (JsonNode partition : http("GET", "/v1/groups/" + group, null, 200).get("offsets")) {
      if (partition.hasNonNull("committed")) {
        committed.put(partition.get("partition").asInt(), partition.get("committed").asLong());
      }
    }
    return committed;
  }
}
