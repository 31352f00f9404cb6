package io.streamgate.gateway.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DeleteRecordsResult;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka's own Java clients (4.4.0) against a node: the producer (acks=all, not idempotent: the
 * idempotent producer is not served yet) in every compression, a consumer that assigns partitions
 * itself, the admin client; and the same records over HTTP, both ways.
 */
class KafkaClientsTest extends KafkaNodeTest {
  private static final int RECORDS = 300;
  private static final int PARTITIONS = 3;
  private static final long BASE_TIMESTAMP = System.currentTimeMillis() - 60_000;

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void recordsProducedWithTheJavaProducerAreReadBackInOrderByTheConsumerAndOverHttp(String compression) throws Exception {
    String topic = unique("produce-" + compression);
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(Map.of("value.format", "string"))))
          .all().get(30, TimeUnit.SECONDS);
    }
    List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer(compression)) {
      List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, BASE_TIMESTAMP + i, bytes("key-" + (i % 17)),
            bytes("value-" + i + "-" + compression));
        record.headers().add("h", bytes("header-" + i)).add("n", bytes(Integer.toString(i)));
        sent.add(record);
        acks.add(producer.send(record));
      }
      for (java.util.concurrent.Future<RecordMetadata> ack : acks) {
        assertThat(ack.get(30, TimeUnit.SECONDS).hasOffset()).isTrue();
      }
    }

    assertThat(storedCompressions(topic)).as("batches are stored as the producer compressed them").containsOnly(compression);
    assertThat(topicMetric("streamgate_records_in_total", topic)).as("records in, counted like every edge's").isEqualTo(RECORDS);

    Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read = consumeAll(topic, RECORDS);
    Map<Integer, List<ProducerRecord<byte[], byte[]>>> expected = byPartition(sent);
    assertThat(topicMetric("streamgate_records_out_total", topic)).as("records out").isGreaterThanOrEqualTo(RECORDS);
    assertThat(read.keySet()).isEqualTo(expected.keySet());
    for (int partition : expected.keySet()) {
      List<ConsumerRecord<byte[], byte[]>> got = read.get(partition);
      List<ProducerRecord<byte[], byte[]>> want = expected.get(partition);
      assertThat(got).hasSameSizeAs(want);
      JsonNode overHttp = httpRecords(topic, partition);
      assertThat(overHttp).hasSameSizeAs(want);
      for (int i = 0; i < want.size(); i++) {
        ConsumerRecord<byte[], byte[]> record = got.get(i);
        assertThat(record.offset()).isEqualTo(i);
        assertThat(string(record.key())).isEqualTo(string(want.get(i).key()));
        assertThat(string(record.value())).isEqualTo(string(want.get(i).value()));
        assertThat(record.timestamp()).isEqualTo(want.get(i).timestamp());
        assertThat(headers(record.headers())).isEqualTo(headers(want.get(i).headers()));
        JsonNode http = overHttp.get(i);
        assertThat(http.get("offset").asLong()).isEqualTo(i);
        assertThat(http.get("key").asText()).isEqualTo(string(want.get(i).key()));
        assertThat(http.get("value").asText()).isEqualTo(string(want.get(i).value()));
        assertThat(http.get("timestamp").asLong()).isEqualTo(want.get(i).timestamp());
        assertThat(http.get("headers").get("h").asText()).isEqualTo("header-" + string(want.get(i).value()).split("-")[1]);
      }
    }
  }

  @Test
  void aClientSetUpForSaslWorksAgainstANodeWithoutAuthentication() throws Exception {
    String topic = unique("sasl-open");
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    properties.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
    properties.put(SaslConfigs.SASL_JAAS_CONFIG,
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"someone\" password=\"anything\";");
    try (Admin admin = Admin.create(properties)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, 0, bytes("k"), bytes("over SASL"))).get(30, TimeUnit.SECONDS);
    }
    JsonNode records = httpRecords(topic, 0);
    assertThat(records).hasSize(1);
    assertThat(records.get(0).get("value").asText()).isEqualTo("over SASL");
  }

  @Test
  void recordsProducedOverHttpAreReadByTheKafkaConsumer() throws Exception {
    String topic = unique("from-http");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}", 201);
    http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"key\":\"k1\",\"value\":\"v1\",\"headers\":{\"h\":\"x\"},"
        + "\"timestamp\":1700000000000},{\"key\":\"k2\",\"value\":\"v2\",\"timestamp\":1700000000001}]}", 200);

    List<ConsumerRecord<byte[], byte[]>> read = consumeAll(topic, 2).get(0);
    assertThat(read).extracting(r -> string(r.key()), r -> string(r.value()), ConsumerRecord::timestamp, ConsumerRecord::offset)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("k1", "v1", 1700000000000L, 0L),
            org.assertj.core.groups.Tuple.tuple("k2", "v2", 1700000000001L, 1L));
    assertThat(headers(read.get(0).headers())).isEqualTo(Map.of("h", "x"));
  }

  @Test
  void theAdminClientDeletesRecordsAndAConsumerFromTheBeginningStartsAtTheNewLogStart() throws Exception {
    String topic = unique("purge");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":2,\"config\":{\"value.format\":\"string\"}}", 201);
    StringBuilder records = new StringBuilder("{\"records\":[");
    for (int i = 0; i < 13; i++) {
      records.append(i == 0 ? "" : ",").append("{\"value\":\"v").append(i).append("\",\"partition\":").append(i < 10 ? 0 : 1)
          .append("}");
    }
    http("POST", "/v1/topics/" + topic + "/records", records.append("]}").toString(), 200);
    TopicPartition first = new TopicPartition(topic, 0);
    TopicPartition second = new TopicPartition(topic, 1);

    try (Admin admin = admin()) {
      DeleteRecordsResult deleted = admin.deleteRecords(Map.of(first, RecordsToDelete.beforeOffset(6),
          second, RecordsToDelete.beforeOffset(DeleteRecordsRequest.HIGH_WATERMARK)));
      assertThat(deleted.lowWatermarks().get(first).get(30, TimeUnit.SECONDS).lowWatermark()).isEqualTo(6);
      assertThat(deleted.lowWatermarks().get(second).get(30, TimeUnit.SECONDS).lowWatermark()).isEqualTo(3);
      // Below the log start deletes nothing more.
      assertThat(admin.deleteRecords(Map.of(first, RecordsToDelete.beforeOffset(2))).lowWatermarks().get(first)
          .get(30, TimeUnit.SECONDS).lowWatermark()).isEqualTo(6);
      // Past the high watermark: refused, nothing deleted.
      assertThatThrownBy(() -> admin.deleteRecords(Map.of(first, RecordsToDelete.beforeOffset(11))).all().get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(OffsetOutOfRangeException.class);
      assertThat(offset(admin, first, OffsetSpec.earliest()).offset()).isEqualTo(6);
      assertThat(offset(admin, second, OffsetSpec.earliest()).offset()).isEqualTo(3);
    }

    List<ConsumerRecord<byte[], byte[]>> read = consumeAll(topic, 4).get(0);
    assertThat(read).extracting(ConsumerRecord::offset).containsExactly(6L, 7L, 8L, 9L);
    assertThat(read).extracting(r -> string(r.value())).containsExactly("v6", "v7", "v8", "v9");
  }

  @Test
  void theAdminClientCreatesDescribesListsOffsetsOfAndDeletesTopics() throws Exception {
    String topic = unique("admin");
    try (Admin admin = admin()) {
      CreateTopicsResult created = admin.createTopics(List.of(new NewTopic(topic, java.util.Optional.empty(), java.util.Optional.empty())
          .configs(Map.of("retention.ms", "3600000", "max.message.bytes", "200000"))));
      created.all().get(30, TimeUnit.SECONDS);
      assertThat(created.numPartitions(topic).get()).isEqualTo(1);
      assertThat(created.replicationFactor(topic).get()).isEqualTo(1);
      assertThat(created.config(topic).get().get("retention.ms").value()).isEqualTo("3600000");
      assertThat(created.config(topic).get().get("max.message.bytes").value()).isEqualTo("200000");
      // Kafka's clients write any bytes: a topic they create takes them (not only JSON values).
      assertThat(created.config(topic).get().get("value.format").value()).isEqualTo("string");
      assertThat(http("GET", "/v1/topics/" + topic, null, 200).get("config").get("max.record.bytes").asText()).isEqualTo("200000");

      assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicExistsException.class);
      String validated = unique("validated");
      admin.createTopics(List.of(new NewTopic(validated, 2, (short) 1)), new CreateTopicsOptions().validateOnly(true))
          .all().get(30, TimeUnit.SECONDS);
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic).doesNotContain(validated);
      assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(unique("bad-config"), 1, (short) 1)
          .configs(Map.of("no.such.config", "1")))).all().get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class)
          .cause().as("the reason, not the server's exception class").hasMessageContaining("no.such.config")
          .hasMessageNotContaining("io.streamgate");

      TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      assertThat(description.partitions()).hasSize(1);
      assertThat(description.partitions().get(0).leader().id()).isEqualTo(KafkaBrokers.brokerId("node-0"));
      assertThat(description.partitions().get(0).leader().port()).isEqualTo(node.kafkaPort());
      assertThat(description.partitions().get(0).isr()).hasSize(1);

      try (KafkaProducer<byte[], byte[]> producer = producer("none")) {
        long[] timestamps = {1_000_000, 3_000_000, 2_000_000};
        for (long timestamp : timestamps) {
          producer.send(new ProducerRecord<>(topic, 0, timestamp, null, bytes("at-" + timestamp))).get(30, TimeUnit.SECONDS);
        }
      }
      TopicPartition partition = new TopicPartition(topic, 0);
      assertThat(offset(admin, partition, OffsetSpec.earliest()).offset()).isZero();
      assertThat(offset(admin, partition, OffsetSpec.latest()).offset()).isEqualTo(3);
      ListOffsetsResultInfo byTime = offset(admin, partition, OffsetSpec.forTimestamp(1_500_000));
      assertThat(byTime.offset()).isEqualTo(1);
      assertThat(byTime.timestamp()).isEqualTo(3_000_000);
      ListOffsetsResultInfo max = offset(admin, partition, OffsetSpec.maxTimestamp());
      assertThat(max.offset()).isEqualTo(1);
      assertThat(max.timestamp()).isEqualTo(3_000_000);
      ListOffsetsResultInfo none = offset(admin, partition, OffsetSpec.forTimestamp(9_000_000));
      assertThat(none.offset()).isEqualTo(-1);
      assertThat(none.timestamp()).isEqualTo(-1);

      assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isEqualTo(KafkaBrokers.CLUSTER_ID);
      assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).singleElement()
          .satisfies(broker -> assertThat(broker.port()).isEqualTo(node.kafkaPort()));

      admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      http("GET", "/v1/topics/" + topic, null, 404);
      assertThatThrownBy(() -> admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }
  }

  /** The compression of every batch of partition 0 as a Fetch returns it: the stored bytes, as they are. */
  private Set<String> storedCompressions(String topic) throws IOException {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(16 * 1024 * 1024)
          .setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic)
              .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                  .setPartitionMaxBytes(16 * 1024 * 1024).setCurrentLeaderEpoch(-1).setLogStartOffset(-1))))),
          (short) 12, 1);
      FetchResponseData fetch = kafka.read(ApiKeys.FETCH.id, (short) 12, 1, FetchResponseData.class);
      Set<String> compressions = new HashSet<>();
      ((MemoryRecords) fetch.responses().get(0).partitions().get(0).records()).batches()
          .forEach(batch -> compressions.add(batch.compressionType().name));
      return compressions;
    }
  }

  private static ListOffsetsResultInfo offset(Admin admin, TopicPartition partition, OffsetSpec spec) throws Exception {
    return admin.listOffsets(Map.of(partition, spec)).partitionResult(partition).get(30, TimeUnit.SECONDS);
  }

  private KafkaProducer<byte[], byte[]> producer(String compression) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    // Idempotent, as the client's default: InitProducerId, then sequences the log checks.
    properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Every record of every partition of {@code topic}, by partition, once {@code count} were read in all. */
  private Map<Integer, List<ConsumerRecord<byte[], byte[]>>> consumeAll(String topic, int count) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200");
    Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(info -> new TopicPartition(topic, info.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      int total = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (total < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          read.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record);
          total++;
        }
      }
      assertThat(total).as("records read").isEqualTo(count);
      // Nothing more: no record read twice.
      assertThat(consumer.poll(Duration.ofMillis(500))).isEmpty();
    }
    return read;
  }

  /** The records sent, by the partition Kafka's partitioner gave them (murmur2 of the key). */
  private static Map<Integer, List<ProducerRecord<byte[], byte[]>>> byPartition(List<ProducerRecord<byte[], byte[]>> sent) {
    Map<Integer, List<ProducerRecord<byte[], byte[]>>> byPartition = new HashMap<>();
    for (ProducerRecord<byte[], byte[]> record : sent) {
      int partition = org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(record.key(), PARTITIONS);
      byPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(record);
    }
    return byPartition;
  }

  private static Map<String, String> headers(Iterable<Header> headers) {
    Map<String, String> map = new HashMap<>();
    headers.forEach(header -> map.put(header.key(), string(header.value())));
    return map;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  private static String string(byte[] bytes) {
    return bytes == null ? null : new String(bytes, UTF_8);
  }
}
