package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * The current-leader-epoch checks of KIP-320 at the wire: Fetch, ListOffsets and
 * OffsetForLeaderEpoch answer a client whose epoch is behind the partition's FENCED_LEADER_EPOCH,
 * one ahead of it UNKNOWN_LEADER_EPOCH, and serve the matching epoch (and -1, no check);
 * OffsetForLeaderEpoch answers where an epoch ends, which is how a consumer tells that records it
 * read were truncated away. A single node keeps epoch 0 (a restart does not move it), so the older
 * epoch asked here is -2, which Kafka fences too; a real leader change is {@code ClusterServiceTest}'s.
 */
class KafkaLeaderEpochTest extends KafkaNodeTest {
  private static final short FETCH_VERSION = 12;
  private static final short LIST_OFFSETS_VERSION = 8;
  private static final short EPOCH_VERSION = 4;

  @Test
  void fetchAndListOffsetsServeTheLeadersEpochAndNoCheckButRefuseANewerEpoch() throws IOException {
    String topic = createTopicWithRecords("current", 3);
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      int epoch = leaderEpoch(kafka, topic);
      assertThat(fetch(kafka, topic, epoch + 1).errorCode()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
      assertThat(listLatest(kafka, topic, epoch + 1).errorCode()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
      // Kafka fences any epoch below the leader's but -1, which asks for no check.
      assertThat(fetch(kafka, topic, epoch - 2).errorCode()).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
      assertThat(listLatest(kafka, topic, epoch - 2).errorCode()).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
      for (int asked : new int[] {epoch, -1}) {
        FetchResponseData.PartitionData fetched = fetch(kafka, topic, asked);
        assertThat(fetched.errorCode()).as("fetch in epoch %d", asked).isZero();
        assertThat(fetched.highWatermark()).isEqualTo(3);
        ListOffsetsResponseData.ListOffsetsPartitionResponse latest = listLatest(kafka, topic, asked);
        assertThat(latest.errorCode()).as("list offsets in epoch %d", asked).isZero();
        assertThat(latest.offset()).isEqualTo(3);
      }
    }
  }

  @Test
  void offsetForLeaderEpochAnswersWhereTheEpochEndsInTheLeadersEpochAndRefusesAnotherCurrentEpoch() throws IOException {
    String topic = createTopicWithRecords("ends", 3);
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      int epoch = leaderEpoch(kafka, topic);
      EpochEndOffset end = offsetForLeaderEpoch(kafka, topic, epoch, epoch);
      assertThat(end.errorCode()).isZero();
      assertThat(end.leaderEpoch()).isEqualTo(epoch);
      assertThat(end.endOffset()).isEqualTo(3);
      assertThat(offsetForLeaderEpoch(kafka, topic, -1, epoch).endOffset()).isEqualTo(3);
      // v2, the oldest served, has no replica id field (a consumer's request all the same) and no tagged fields.
      EpochEndOffset oldest = offsetForLeaderEpoch(kafka, topic, epoch, epoch, (short) 2);
      assertThat(oldest.errorCode()).isZero();
      assertThat(oldest.endOffset()).isEqualTo(3);

      EpochEndOffset unknown = offsetForLeaderEpoch(kafka, topic, epoch + 1, epoch);
      assertThat(unknown.errorCode()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
      assertThat(unknown.endOffset()).isEqualTo(-1);
      assertThat(offsetForLeaderEpoch(kafka, topic, epoch - 2, epoch).errorCode()).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
      // No epoch asked (Kafka's UNDEFINED_EPOCH): answered undefined, without an error.
      EpochEndOffset undefined = offsetForLeaderEpoch(kafka, topic, epoch, -1);
      assertThat(undefined.errorCode()).isZero();
      assertThat(undefined.leaderEpoch()).isEqualTo(-1);
      assertThat(undefined.endOffset()).isEqualTo(-1);
    }
  }

  @Test
  void offsetForLeaderEpochAnswersPerPartitionAndRefusesAReplicaAndAnUnknownPartition() throws IOException {
    String topic = createTopicWithRecords("replica", 2);
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      int epoch = leaderEpoch(kafka, topic);
      OffsetForLeaderTopicCollection topics = new OffsetForLeaderTopicCollection();
      topics.add(new OffsetForLeaderTopic().setTopic(topic).setPartitions(List.of(
          new OffsetForLeaderPartition().setPartition(0).setCurrentLeaderEpoch(epoch).setLeaderEpoch(epoch),
          new OffsetForLeaderPartition().setPartition(7).setCurrentLeaderEpoch(-1).setLeaderEpoch(epoch))));
      kafka.send(new OffsetForLeaderEpochRequestData().setReplicaId(-1).setTopics(topics), EPOCH_VERSION, 1);
      List<EpochEndOffset> answered = kafka.read(ApiKeys.OFFSET_FOR_LEADER_EPOCH.id, EPOCH_VERSION, 1,
          OffsetForLeaderEpochResponseData.class).topics().find(topic).partitions();
      assertThat(answered).extracting(EpochEndOffset::partition, EpochEndOffset::errorCode, EpochEndOffset::endOffset)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(0, Errors.NONE.code(), 2L),
              org.assertj.core.groups.Tuple.tuple(7, Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), -1L));

      // Replicas do not fetch over the Kafka listener: a broker's request is refused, nothing is answered for it.
      OffsetForLeaderTopicCollection again = new OffsetForLeaderTopicCollection();
      again.add(new OffsetForLeaderTopic().setTopic(topic).setPartitions(List.of(
          new OffsetForLeaderPartition().setPartition(0).setCurrentLeaderEpoch(epoch).setLeaderEpoch(epoch))));
      kafka.send(new OffsetForLeaderEpochRequestData().setReplicaId(3).setTopics(again), EPOCH_VERSION, 2);
      EpochEndOffset refused = kafka.read(ApiKeys.OFFSET_FOR_LEADER_EPOCH.id, EPOCH_VERSION, 2,
          OffsetForLeaderEpochResponseData.class).topics().find(topic).partitions().get(0);
      assertThat(refused.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
      assertThat(refused.endOffset()).isEqualTo(-1);
    }
  }

  private String createTopicWithRecords(String base, int records) {
    String topic = unique(base);
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}", 201);
    for (int i = 0; i < records; i++) {
      http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"value\":\"r" + i + "\"}]}", 200);
    }
    return topic;
  }

  /** Partition 0's leader epoch, from Metadata (the topic is created if it does not exist). */
  private static int leaderEpoch(RawKafka kafka, String topic) throws IOException {
    kafka.send(new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)))
        .setAllowAutoTopicCreation(true), (short) 12, 99);
    MetadataResponseData.MetadataResponsePartition partition = kafka.read(ApiKeys.METADATA.id, (short) 12, 99,
        MetadataResponseData.class).topics().find(topic).partitions().get(0);
    assertThat(partition.errorCode()).isZero();
    return partition.leaderEpoch();
  }

  private static FetchResponseData.PartitionData fetch(RawKafka kafka, String topic, int currentLeaderEpoch) throws IOException {
    kafka.send(new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1024 * 1024).setSessionId(0)
        .setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
            new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1024 * 1024)
                .setCurrentLeaderEpoch(currentLeaderEpoch).setLogStartOffset(-1))))),
        FETCH_VERSION, 1);
    return kafka.read(ApiKeys.FETCH.id, FETCH_VERSION, 1, FetchResponseData.class).responses().get(0).partitions().get(0);
  }

  private static ListOffsetsResponseData.ListOffsetsPartitionResponse listLatest(RawKafka kafka, String topic,
      int currentLeaderEpoch) throws IOException {
    kafka.send(new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic()
        .setName(topic).setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
            .setCurrentLeaderEpoch(currentLeaderEpoch).setTimestamp(ListOffsetsApi.LATEST))))),
        LIST_OFFSETS_VERSION, 2);
    return kafka.read(ApiKeys.LIST_OFFSETS.id, LIST_OFFSETS_VERSION, 2, ListOffsetsResponseData.class).topics().get(0)
        .partitions().get(0);
  }

  private static EpochEndOffset offsetForLeaderEpoch(RawKafka kafka, String topic, int currentLeaderEpoch, int leaderEpoch)
      throws IOException {
    return offsetForLeaderEpoch(kafka, topic, currentLeaderEpoch, leaderEpoch, EPOCH_VERSION);
  }

  private static EpochEndOffset offsetForLeaderEpoch(RawKafka kafka, String topic, int currentLeaderEpoch, int leaderEpoch,
      short version) throws IOException {
    OffsetForLeaderTopicCollection topics = new OffsetForLeaderTopicCollection();
    topics.add(new OffsetForLeaderTopic().setTopic(topic).setPartitions(List.of(new OffsetForLeaderPartition().setPartition(0)
        .setCurrentLeaderEpoch(currentLeaderEpoch).setLeaderEpoch(leaderEpoch))));
    kafka.send(new OffsetForLeaderEpochRequestData().setReplicaId(-1).setTopics(topics), version, 3);
    return kafka.read(ApiKeys.OFFSET_FOR_LEADER_EPOCH.id, version, 3, OffsetForLeaderEpochResponseData.class).topics()
        .find(topic).partitions().get(0);
  }
}
