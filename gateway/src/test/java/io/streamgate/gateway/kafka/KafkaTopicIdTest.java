package io.streamgate.gateway.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;

/**
 * Topic ids over Kafka: Metadata answers each topic's id and finds a topic by it; Fetch v13 reads
 * by id, and an id that is not a live topic's (a deleted topic's, even once its name lives again)
 * is UNKNOWN_TOPIC_ID, never the new topic's records; a real consumer across a deletion and
 * re-creation recovers by itself and reads on in the new topic, none of the old one's records.
 */
class KafkaTopicIdTest extends KafkaNodeTest {
  private static final short METADATA_V12 = 12;
  private static final short FETCH_V13 = 13;

  @Test
  void metadataAnswersTheTopicsIdAndFindsTheTopicByItAndFetchV13ReadsByIt() throws IOException {
    String topic = unique("by-id");
    Uuid id = Uuid.fromString(createTopic(topic));
    produce(topic, "a");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      MetadataResponseTopic byName = metadata(kafka, 1, new MetadataRequestData.MetadataRequestTopic().setName(topic));
      assertThat(byName.errorCode()).isZero();
      assertThat(byName.topicId()).isEqualTo(id);

      MetadataResponseTopic byId = metadata(kafka, 2, new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(id));
      assertThat(byId.errorCode()).isZero();
      assertThat(byId.name()).isEqualTo(topic);
      assertThat(byId.partitions()).hasSize(1);

      FetchResponseData.FetchableTopicResponse fetched = fetch(kafka, 3, id);
      assertThat(fetched.topicId()).isEqualTo(id);
      assertThat(fetched.partitions().get(0).errorCode()).isZero();
      assertThat(values(fetched)).containsExactly("a");
    }
  }

  @Test
  void aDeletedTopicsIdIsUnknownTopicIdEvenOnceItsNameLivesAgain() throws IOException {
    String topic = unique("again");
    Uuid old = Uuid.fromString(createTopic(topic));
    produce(topic, "old");
    http("DELETE", "/v1/topics/" + topic, null, 204);
    Uuid renewed = Uuid.fromString(createTopic(topic));
    produce(topic, "new");
    assertThat(renewed).isNotEqualTo(old);

    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      FetchResponseData.FetchableTopicResponse stale = fetch(kafka, 1, old);
      assertThat(stale.topicId()).isEqualTo(old);
      assertThat(stale.partitions().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
      assertThat(values(stale)).isEmpty();
      FetchResponseData.FetchableTopicResponse never = fetch(kafka, 2, Uuid.randomUuid());
      assertThat(never.partitions().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
      FetchResponseData.FetchableTopicResponse zero = fetch(kafka, 3, Uuid.ZERO_UUID);
      assertThat(zero.partitions().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());

      MetadataResponseTopic staleMetadata = metadata(kafka, 4,
          new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(old));
      assertThat(staleMetadata.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
      assertThat(staleMetadata.topicId()).isEqualTo(old);
      assertThat(staleMetadata.name()).isNull();

      FetchResponseData.FetchableTopicResponse current = fetch(kafka, 5, renewed);
      assertThat(current.partitions().get(0).errorCode()).isZero();
      assertThat(values(current)).containsExactly("new");
    }
  }

  @Test
  void aConsumerAcrossADeletionAndRecreationReadsTheNewTopicAndNothingOfTheOld() {
    String topic = unique("consumed");
    createTopic(topic);
    for (int i = 0; i < 3; i++) {
      produce(topic, "old-" + i);
    }
    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, String> consumer = consumer(unique("g"))) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      List<String> before = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(100)).forEach(record -> before.add(record.value()));
        return before.size() >= 3;
      });
      assertThat(before).containsExactly("old-0", "old-1", "old-2");

      http("DELETE", "/v1/topics/" + topic, null, 204);
      createTopic(topic);
      for (int i = 0; i < 5; i++) {
        produce(topic, "new-" + i);
      }
      List<String> after = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
          after.add(record.value());
        }
        return after.contains("new-4");
      });
      // The client keeps its position (3) across the change of id, as it does against Kafka, and
      // recovers from UNKNOWN_TOPIC_ID by itself: it reads on in the new topic from there (new-3 on),
      // or from its start if it came while the new topic held fewer than 3 records (out of range,
      // reset to earliest). Either way the new topic's records in order, none of the old one's.
      List<String> all = List.of("new-0", "new-1", "new-2", "new-3", "new-4");
      assertThat(after).isIn(all.subList(3, 5), all);
    }
  }

  private String createTopic(String topic) {
    return http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}", 201)
        .get("id").asText();
  }

  private void produce(String topic, String value) {
    http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"value\":\"" + value + "\"}]}", 200);
  }

  private static MetadataResponseTopic metadata(RawKafka kafka, int correlationId, MetadataRequestData.MetadataRequestTopic asked)
      throws IOException {
    kafka.send(new MetadataRequestData().setTopics(List.of(asked)).setAllowAutoTopicCreation(false), METADATA_V12, correlationId);
    MetadataResponseData answer = kafka.read(ApiKeys.METADATA.id, METADATA_V12, correlationId, MetadataResponseData.class);
    assertThat(answer.topics()).hasSize(1);
    return answer.topics().iterator().next();
  }

  private static FetchResponseData.FetchableTopicResponse fetch(RawKafka kafka, int correlationId, Uuid topicId) throws IOException {
    FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1024 * 1024)
        .setSessionId(0).setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopicId(topicId)
            .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                .setPartitionMaxBytes(1024 * 1024).setCurrentLeaderEpoch(-1).setLogStartOffset(-1)))));
    kafka.send(request, FETCH_V13, correlationId);
    FetchResponseData answer = kafka.read(ApiKeys.FETCH.id, FETCH_V13, correlationId, FetchResponseData.class);
    assertThat(answer.errorCode()).isZero();
    assertThat(answer.responses()).hasSize(1);
    return answer.responses().get(0);
  }

  private static List<String> values(FetchResponseData.FetchableTopicResponse topic) {
    List<String> values = new ArrayList<>();
    MemoryRecords records = (MemoryRecords) topic.partitions().get(0).records();
    for (Record record : records.records()) {
      values.add(UTF_8.decode(record.value()).toString());
    }
    return values;
  }
}
