package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetMetadataTooLarge;
import org.junit.jupiter.api.Test;

/**
 * Committed offsets as Kafka keeps them, with Kafka's own clients 4.4.0: a commit's metadata string
 * and leader epoch are kept and answered by OffsetFetch (the consumer's {@code committed}, the
 * admin's {@code listConsumerGroupOffsets}); a metadata string longer than Kafka's {@code
 * offset.metadata.max.bytes} (4096) is refused OFFSET_METADATA_TOO_LARGE and the other partitions
 * of the commit are committed.
 */
class KafkaCommittedOffsetsTest extends KafkaNodeTest {
  private static final Duration WITHIN = Duration.ofSeconds(60);

  @Test
  void aCommitsMetadataAndLeaderEpochAreAnsweredByTheConsumerAndTheAdmin() throws Exception {
    String topic = createStringTopic("with-metadata", 2);
    String group = unique("kept");
    TopicPartition first = new TopicPartition(topic, 0);
    TopicPartition second = new TopicPartition(topic, 1);
    try (KafkaConsumer<String, String> assigned = consumer(group)) {
      assigned.assign(List.of(first, second));
      assigned.commitSync(Map.of(first, new OffsetAndMetadata(2, Optional.of(0), "host-a:4711"), second,
          new OffsetAndMetadata(1)));

      Map<TopicPartition, OffsetAndMetadata> committed = assigned.committed(Set.of(first, second), WITHIN);
      assertThat(committed.get(first)).isEqualTo(new OffsetAndMetadata(2, Optional.of(0), "host-a:4711"));
      assertThat(committed.get(second)).isEqualTo(new OffsetAndMetadata(1, Optional.empty(), ""));
    }
    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetAndMetadata> listed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS);
      assertThat(listed).isEqualTo(Map.of(first, new OffsetAndMetadata(2, Optional.of(0), "host-a:4711"), second,
          new OffsetAndMetadata(1, Optional.empty(), "")));
    }
    // HTTP sees the offsets, as before.
    assertThat(http("GET", "/v1/groups/" + group, null, 200).get("offsets").findValuesAsText("committed"))
        .containsExactlyInAnyOrder("2", "1");
  }

  @Test
  void aSubscribedConsumersCommitKeepsTheLeaderEpochOfTheRecordsItRead() throws Exception {
    String topic = createStringTopic("subscribed-epoch", 1);
    String group = unique("epoch");
    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, String> member = consumer(group)) {
      member.subscribe(List.of(topic));
      List<String> read = new ArrayList<>();
      await().atMost(WITHIN).until(() -> {
        member.poll(Duration.ofMillis(100)).forEach(record -> read.add(record.value()));
        return read.size() == 3;
      });
      member.commitSync();

      OffsetAndMetadata committed = member.committed(Set.of(partition), WITHIN).get(partition);
      assertThat(committed.offset()).isEqualTo(3);
      // The consumer commits the leader epoch of the last record it read: the partition's first leader's, 0.
      assertThat(committed.leaderEpoch()).contains(0);
    }
  }

  @Test
  void aMetadataLongerThanKafkasLimitIsRefusedAndTheCommitsOtherPartitionsAreKept() throws Exception {
    String topic = createStringTopic("too-large", 2);
    String group = unique("limited");
    TopicPartition refused = new TopicPartition(topic, 0);
    TopicPartition kept = new TopicPartition(topic, 1);
    try (KafkaConsumer<String, String> assigned = consumer(group)) {
      assigned.assign(List.of(refused, kept));
      assertThatThrownBy(() -> assigned.commitSync(Map.of(refused, new OffsetAndMetadata(1, "x".repeat(4097)), kept,
          new OffsetAndMetadata(2, "fits")))).isInstanceOf(OffsetMetadataTooLarge.class);

      Map<TopicPartition, OffsetAndMetadata> committed = assigned.committed(Set.of(refused, kept), WITHIN);
      assertThat(committed.get(refused)).as("nothing committed for the partition refused").isNull();
      assertThat(committed.get(kept)).isEqualTo(new OffsetAndMetadata(2, Optional.empty(), "fits"));

      // Exactly at the limit: taken.
      assigned.commitSync(Map.of(refused, new OffsetAndMetadata(3, "y".repeat(4096))));
      assertThat(assigned.committed(Set.of(refused), WITHIN).get(refused).metadata()).hasSize(4096);
    }
  }
}
