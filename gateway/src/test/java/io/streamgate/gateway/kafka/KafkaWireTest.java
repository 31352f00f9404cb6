package io.streamgate.gateway.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * The Kafka listener at the wire, with what real clients never send or cannot show: the ranges
 * ApiVersions advertises, the v0 answer to an ApiVersions version it does not know, connections
 * closed for an unknown api key and an oversized frame, Produce v2 refused, acks=0 unanswered, the
 * order of answers behind a waiting Fetch, and a waiting Fetch woken by a produce.
 */
class KafkaWireTest extends KafkaNodeTest {
  KafkaWireTest() {
    super(Map.of("kafka-max-frame-bytes", String.valueOf(1024 * 1024)));
  }

  @Test
  void apiVersionsAdvertisesExactlyTheServedRanges() throws IOException {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"), (short) 3, 7);
      ApiVersionsResponseData answer = kafka.read(ApiKeys.API_VERSIONS.id, (short) 3, 7, ApiVersionsResponseData.class);

      assertThat(answer.errorCode()).isZero();
      assertThat(ranges(answer)).isEqualTo(new TreeMap<>(Map.ofEntries(Map.entry(0, "0-12"), Map.entry(1, "4-13"),
          Map.entry(2, "1-8"), Map.entry(3, "1-12"), Map.entry(8, "2-8"), Map.entry(9, "1-9"), Map.entry(10, "0-6"),
          Map.entry(11, "0-9"), Map.entry(12, "0-4"), Map.entry(13, "0-5"), Map.entry(14, "0-5"), Map.entry(15, "0-5"),
          Map.entry(16, "0-5"), Map.entry(17, "0-1"), Map.entry(18, "0-4"), Map.entry(19, "2-7"), Map.entry(20, "1-6"),
          Map.entry(21, "0-2"),
          Map.entry(22, "0-5"), Map.entry(23, "2-4"), Map.entry(42, "0-2"), Map.entry(47, "0-0"), Map.entry(60, "0-1"),
          Map.entry(29, "1-3"), Map.entry(30, "1-3"), Map.entry(31, "1-3"), Map.entry(32, "1-4"), Map.entry(33, "0-2"),
          Map.entry(36, "0-2"), Map.entry(37, "0-3"), Map.entry(44, "0-1"), Map.entry(50, "0-0"), Map.entry(51, "0-0"),
          Map.entry(35, "1-4"), Map.entry(45, "0-1"), Map.entry(46, "0-0"))));
    }
  }

  @Test
  void anApiVersionsVersionItDoesNotKnowGetsTheV0AnswerWithUnsupportedVersionAndTheRanges() throws IOException {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      // ApiVersions v127, header v2 (client id "x", no tagged fields), and a body nobody can read.
      ByteBuffer frame = ByteBuffer.allocate(4 + 2 + 2 + 4 + 3 + 1 + 3);
      frame.putInt(frame.capacity() - 4).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 127).putInt(11)
          .putShort((short) 1).put((byte) 'x').put((byte) 0).put(new byte[] {9, 9, 9});
      kafka.sendRaw(frame.array());

      ApiVersionsResponseData answer = kafka.read(ApiKeys.API_VERSIONS.id, (short) 0, 11, ApiVersionsResponseData.class);
      assertThat(answer.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
      assertThat(ranges(answer)).containsEntry(18, "0-4").containsEntry(0, "0-12").hasSize(KafkaApi.values().length);
    }
  }

  @Test
  void anApiKeyItDoesNotServeClosesTheConnection() throws IOException {
    for (short key : new short[] {ApiKeys.DESCRIBE_LOG_DIRS.id, ApiKeys.WRITE_TXN_MARKERS.id, 999}) {
      try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
        ByteBuffer frame = ByteBuffer.allocate(4 + 10).putInt(10).putShort(key).putShort((short) 0).putInt(1).putShort((short) -1);
        kafka.sendRaw(frame.array());
        assertThat(kafka.closedByServer()).as("api key %d", key).isTrue();
      }
    }
  }

  @Test
  void aFrameOverTheLimitClosesTheConnectionOnItsSizeAlone() throws IOException {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.sendRaw(ByteBuffer.allocate(4).putInt(1024 * 1024 + 1).array());
      assertThat(kafka.closedByServer()).isTrue();
    }
  }

  @Test
  void aConnectionPastTheNodesLimitIsClosedAndOneClosedMakesRoom() throws Exception {
    // A node of its own: the shared one's connections come and go with the other tests.
    StreamgateNode limited = TestNodes.start(dir.resolve("limited"), Map.of("kafka-port", "-1", "kafka-max-connections", "2"));
    try (RawKafka first = new RawKafka(limited.kafkaPort()); RawKafka second = new RawKafka(limited.kafkaPort())) {
      for (RawKafka open : List.of(first, second)) {
        open.send(new ApiVersionsRequestData(), (short) 0, 1);
        open.read(ApiKeys.API_VERSIONS.id, (short) 0, 1, ApiVersionsResponseData.class);
      }
      try (RawKafka third = new RawKafka(limited.kafkaPort())) {
        assertThat(third.closedByServer()).isTrue();
      }
      first.close();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        try (RawKafka again = new RawKafka(limited.kafkaPort())) {
          again.send(new ApiVersionsRequestData(), (short) 0, 2);
          assertThat(again.read(ApiKeys.API_VERSIONS.id, (short) 0, 2, ApiVersionsResponseData.class).errorCode()).isZero();
        }
      });
    } finally {
      TestNodes.stop(limited);
    }
  }

  @Test
  void aMalformedRequestClosesTheConnection() throws IOException {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      // Metadata v12 whose topic array claims more topics than the frame holds.
      ByteBuffer frame = ByteBuffer.allocate(4 + 14).putInt(14).putShort(ApiKeys.METADATA.id).putShort((short) 12).putInt(1)
          .putShort((short) -1).put((byte) 0).put((byte) 100).put((byte) 0).put((byte) 0);
      kafka.sendRaw(frame.array());
      assertThat(kafka.closedByServer()).isTrue();
    }
  }

  @Test
  void produceV2IsAnsweredUnsupportedVersionAndWritesNothing() throws IOException {
    String topic = createTopic("legacy");
    byte[] name = topic.getBytes(UTF_8);
    byte[] batch = batch("old").buffer().array();
    ByteBuffer body = ByteBuffer.allocate(2 + 2 + 4 + 4 + 2 + name.length + 4 + 4 + 4 + batch.length);
    // Client id (null), acks 1, timeout, one topic with one partition.
    body.putShort((short) -1).putShort((short) 1).putInt(30_000).putInt(1).putShort((short) name.length).put(name).putInt(1).putInt(0)
        .putInt(batch.length).put(batch);
    ByteBuffer frame = ByteBuffer.allocate(4 + 8 + body.capacity());
    frame.putInt(8 + body.capacity()).putShort(ApiKeys.PRODUCE.id).putShort((short) 2).putInt(5).put(body.array());
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.sendRaw(frame.array());
      ByteBuffer answer = kafka.readFrame();

      assertThat(answer.getInt()).as("correlation id").isEqualTo(5);
      assertThat(answer.getInt()).as("topics").isEqualTo(1);
      answer.position(answer.position() + 2 + answer.getShort(answer.position()));
      assertThat(answer.getInt()).as("partitions").isEqualTo(1);
      assertThat(answer.getInt()).as("partition").isZero();
      assertThat(answer.getShort()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
    }
    assertThat(httpRecords(topic, 0)).isEmpty();
  }

  @Test
  void deleteRecordsAnswersEachPartitionItsLowWatermarkOrItsError() throws IOException {
    String topic = createTopic("purge");
    http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"value\":\"a\"},{\"value\":\"b\"},{\"value\":\"c\"}]}",
        200);
    DeleteRecordsRequestData request = new DeleteRecordsRequestData().setTimeoutMs(10_000).setTopics(List.of(
        new DeleteRecordsTopic().setName(topic).setPartitions(List.of(
            new DeleteRecordsPartition().setPartitionIndex(0).setOffset(2),
            new DeleteRecordsPartition().setPartitionIndex(7).setOffset(0))),
        new DeleteRecordsTopic().setName(unique("absent")).setPartitions(List.of(new DeleteRecordsPartition().setOffset(0))),
        new DeleteRecordsTopic().setName("no/such name").setPartitions(List.of(new DeleteRecordsPartition().setOffset(0)))));
    for (short version = 0; version <= 2; version++) {
      try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
        kafka.send(request, version, 5);
        DeleteRecordsResponseData answer = kafka.read(ApiKeys.DELETE_RECORDS.id, version, 5, DeleteRecordsResponseData.class);

        List<String> results = new ArrayList<>();
        answer.topics()
            .forEach(t -> t.partitions().forEach(p -> results.add(p.partitionIndex() + ":" + p.errorCode() + ":" + p.lowWatermark())));
        assertThat(results).as("v%d", version).containsExactly("0:0:2", "7:3:-1", "0:3:-1", "0:3:-1");
      }
    }
    // Past the high watermark (3): OFFSET_OUT_OF_RANGE, nothing deleted.
    request.topics().get(0).setPartitions(List.of(new DeleteRecordsPartition().setPartitionIndex(0).setOffset(4)));
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new DeleteRecordsRequestData().setTimeoutMs(10_000).setTopics(List.of(request.topics().get(0))), (short) 2, 6);
      DeleteRecordsResponseData answer = kafka.read(ApiKeys.DELETE_RECORDS.id, (short) 2, 6, DeleteRecordsResponseData.class);
      assertThat(answer.topics().iterator().next().partitions().iterator().next().errorCode())
          .isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
    }
    assertThat(http("GET", "/v1/topics/" + topic + "/partitions/0/offsets", null, 200).get("earliest").asLong()).isEqualTo(2);
  }

  @Test
  void produceWithAcksZeroIsNotAnsweredAndItsRecordsAreStored() throws IOException {
    String topic = createTopic("acks0");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(produce(topic, (short) 0, batch("unanswered")), (short) 9, 1);
      kafka.send(metadata(topic), (short) 12, 2);

      // The next answer on the connection is the Metadata's: the produce got none.
      MetadataResponseData metadata = kafka.read(ApiKeys.METADATA.id, (short) 12, 2, MetadataResponseData.class);
      assertThat(metadata.topics().find(topic).partitions()).hasSize(1);
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(httpRecords(topic, 0)).singleElement()
        .satisfies(record -> assertThat(record.get("value").asText()).isEqualTo("unanswered")));
  }

  @Test
  void aLaterAnswerWaitsBehindAWaitingFetch() throws IOException {
    String topic = createTopic("order");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(fetch(topic, 0), (short) 12, 1);
      kafka.send(metadata(topic), (short) 12, 2);
      http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"value\":\"wakes the fetch\"}]}", 200);

      FetchResponseData fetch = kafka.read(ApiKeys.FETCH.id, (short) 12, 1, FetchResponseData.class);
      assertThat(values(fetch)).containsExactly("wakes the fetch");
      assertThat(kafka.read(ApiKeys.METADATA.id, (short) 12, 2, MetadataResponseData.class).topics().find(topic)).isNotNull();
    }
  }

  @Test
  void aFetchWaitingAtTheEndAnswersWithTheRecordProducedMeanwhile() throws IOException {
    String topic = createTopic("longpoll");
    http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"value\":\"first\"}]}", 200);
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      // Waits up to 60 s (max-wait-ms); the socket gives up after 30 s, so only a woken fetch passes.
      kafka.send(fetch(topic, 1), (short) 12, 1);
      http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"value\":\"second\"}]}", 200);

      FetchResponseData fetch = kafka.read(ApiKeys.FETCH.id, (short) 12, 1, FetchResponseData.class);
      assertThat(fetch.sessionId()).isZero();
      FetchResponseData.PartitionData partition = fetch.responses().get(0).partitions().get(0);
      assertThat(partition.errorCode()).isZero();
      assertThat(partition.highWatermark()).isEqualTo(2);
      assertThat(values(fetch)).containsExactly("second");
    }
  }

  @Test
  void fetchAndProduceElsewhereThanTheLeaderOrOutsideTheLogAreRefusedPerPartition() throws IOException {
    String topic = createTopic("outside");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(fetch(topic, 5).setMaxWaitMs(0), (short) 12, 1);
      FetchResponseData fetch = kafka.read(ApiKeys.FETCH.id, (short) 12, 1, FetchResponseData.class);
      assertThat(fetch.responses().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());

      kafka.send(produce("no-such-topic-" + topic, (short) -1, batch("lost")), (short) 9, 2);
      var produced = kafka.read(ApiKeys.PRODUCE.id, (short) 9, 2, org.apache.kafka.common.message.ProduceResponseData.class);
      assertThat(produced.responses().iterator().next().partitionResponses().get(0).errorCode())
          .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }
  }

  @Test
  void aFetchHonoursMaxBytesAndPartitionMaxBytesButAnswersAtLeastOneBatchAndEveryPartition() throws IOException {
    String topic = unique("budget");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":2,\"config\":{\"value.format\":\"string\"}}", 201);
    for (int i = 0; i < 3; i++) {
      // One request, one batch, per partition and round.
      http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"partition\":0,\"value\":\"p0-" + i + "\"}]}", 200);
      http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[{\"partition\":1,\"value\":\"p1-" + i + "\"}]}", 200);
    }
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      // max_bytes 1: the first batch of the first partition only; the other partition still answered, with its offsets.
      kafka.send(fetch(topic, List.of(0, 1), 0, 1024 * 1024).setMaxBytes(1).setMaxWaitMs(0), (short) 12, 1);
      FetchResponseData tight = kafka.read(ApiKeys.FETCH.id, (short) 12, 1, FetchResponseData.class);
      assertThat(values(tight, 0)).containsExactly("p0-0");
      assertThat(values(tight, 1)).isEmpty();
      assertThat(tight.responses().get(0).partitions().get(1).highWatermark()).isEqualTo(3);

      // partition_max_bytes 1: one batch from each.
      kafka.send(fetch(topic, List.of(0, 1), 0, 1).setMaxWaitMs(0), (short) 12, 2);
      FetchResponseData perPartition = kafka.read(ApiKeys.FETCH.id, (short) 12, 2, FetchResponseData.class);
      assertThat(values(perPartition, 0)).containsExactly("p0-0");
      assertThat(values(perPartition, 1)).containsExactly("p1-0");

      // Enough room: everything.
      kafka.send(fetch(topic, List.of(0, 1), 0, 1024 * 1024).setMaxWaitMs(0), (short) 12, 3);
      FetchResponseData all = kafka.read(ApiKeys.FETCH.id, (short) 12, 3, FetchResponseData.class);
      assertThat(values(all, 0)).containsExactly("p0-0", "p0-1", "p0-2");
      assertThat(values(all, 1)).containsExactly("p1-0", "p1-1", "p1-2");
    }
  }

  @Test
  void metadataCreatesATopicAskedForWhenTheClientAllowsItAndOtherwiseAnswersUnknown() throws IOException {
    String created = unique("auto");
    String unknown = unique("not-created");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(created)))
          .setAllowAutoTopicCreation(true), (short) 12, 1);
      MetadataResponseData answer = kafka.read(ApiKeys.METADATA.id, (short) 12, 1, MetadataResponseData.class);
      assertThat(answer.topics().find(created).errorCode()).isZero();
      assertThat(answer.topics().find(created).partitions()).singleElement()
          .satisfies(partition -> assertThat(partition.leaderId()).isEqualTo(answer.brokers().iterator().next().nodeId()));
      assertThat(answer.brokers()).singleElement().satisfies(broker -> assertThat(broker.port()).isEqualTo(node.kafkaPort()));

      kafka.send(metadata(unknown), (short) 12, 2);
      MetadataResponseData refused = kafka.read(ApiKeys.METADATA.id, (short) 12, 2, MetadataResponseData.class);
      assertThat(refused.topics().find(unknown).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }
    http("GET", "/v1/topics/" + created, null, 200);
    http("GET", "/v1/topics/" + unknown, null, 404);
  }

  @Test
  void batchesTheLogCannotTakeAreRefusedPerPartitionAndNothingIsWritten() throws IOException {
    String topic = createTopic("refused");
    String jsonTopic = unique("json-only");
    http("POST", "/v1/topics", "{\"name\":\"" + jsonTopic + "\",\"partitions\":1}", 201);
    ByteBuffer badCrc = copy(batch("flipped"));
    badCrc.put(badCrc.limit() - 1, (byte) (badCrc.get(badCrc.limit() - 1) ^ 1));
    ByteBuffer unknownCodec = copy(batch("codec 5"));
    // Compression bits 0-2 of the attributes (offset 21) set to 5, which no Kafka codec has; the CRC made right again.
    unknownCodec.putShort(21, (short) (unknownCodec.getShort(21) | 5));
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(unknownCodec.duplicate().position(21));
    unknownCodec.putInt(17, (int) crc.getValue());
    ByteBuffer twoBatches = ByteBuffer.allocate(batch("one").sizeInBytes() * 2 + 8);
    twoBatches.put(batch("one").buffer()).put(batch("two").buffer()).flip();

    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(produce(topic, (short) -1, MemoryRecords.readableRecords(badCrc)), (short) 9, 1);
      assertThat(produceError(kafka, 1)).isEqualTo(Errors.CORRUPT_MESSAGE.code());
      kafka.send(produce(topic, (short) -1, MemoryRecords.readableRecords(unknownCodec)), (short) 9, 2);
      assertThat(produceError(kafka, 2)).isEqualTo(Errors.CORRUPT_MESSAGE.code());
      kafka.send(produce(topic, (short) -1, MemoryRecords.readableRecords(twoBatches)), (short) 9, 3);
      assertThat(produceError(kafka, 3)).isEqualTo(Errors.INVALID_RECORD.code());
      kafka.send(produce(jsonTopic, (short) -1, batch("not json")), (short) 9, 4);
      assertThat(produceError(kafka, 4)).isEqualTo(Errors.INVALID_RECORD.code());
      kafka.send(produce(jsonTopic, (short) -1, batch("{\"is\":\"json\"}")), (short) 9, 5);
      assertThat(produceError(kafka, 5)).isZero();
    }
    assertThat(httpRecords(topic, 0)).isEmpty();
    assertThat(httpRecords(jsonTopic, 0)).singleElement().satisfies(record -> assertThat(record.get("value").get("is").asText())
        .isEqualTo("json"));
  }

  @Test
  void anIdempotentProducersRetriedBatchIsAnsweredItsFirstOffsetAndStoredOnceAndAGapIsRefused() throws IOException {
    String topic = createTopic("idempotent");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      InitProducerIdResponseData id = initProducerId(kafka, null, 1);
      assertThat(id.errorCode()).isZero();
      assertThat(id.producerId()).isNotNegative();
      assertThat(id.producerEpoch()).isZero();
      assertThat(initProducerId(kafka, null, 2).producerId()).as("another producer's").isNotEqualTo(id.producerId());
      MemoryRecords first = idempotentBatch(id.producerId(), 0, "a", "b");

      kafka.send(produce(topic, (short) -1, first), (short) 9, 3);
      assertThat(produceAnswer(kafka, 3).baseOffset()).isZero();
      // The answer was lost; the client sends the same batch again.
      kafka.send(produce(topic, (short) -1, idempotentBatch(id.producerId(), 0, "a", "b")), (short) 9, 4);
      PartitionProduceResponse retried = produceAnswer(kafka, 4);
      assertThat(retried.errorCode()).isZero();
      assertThat(retried.baseOffset()).as("the first offset of the batch it repeats").isZero();
      kafka.send(produce(topic, (short) -1, idempotentBatch(id.producerId(), 2, "c")), (short) 9, 5);
      assertThat(produceAnswer(kafka, 5).baseOffset()).isEqualTo(2);
      kafka.send(produce(topic, (short) -1, idempotentBatch(id.producerId(), 7, "after a gap")), (short) 9, 6);
      assertThat(produceAnswer(kafka, 6).errorCode()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());

      assertThat(initProducerId(kafka, "a-transaction", 7).errorCode()).as("transactions are not served")
          .isEqualTo(Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT.code());
    }
    assertThat(httpRecords(topic, 0)).extracting(record -> record.get("value").asText()).containsExactly("a", "b", "c");
  }

  /**
   * Found by KafkaClientsTest once the producer was idempotent: a large compressed batch is checked on
   * the decode pool, a small one on the event loop, so the second of two pipelined requests reached
   * the log first (keys out of order; an idempotent producer's sequences out of order).
   */
  @Test
  void pipelinedProducesOnOneConnectionLandInTheOrderSent() throws IOException {
    String topic = createTopic("pipelined");
    java.util.Random random = new java.util.Random(7);
    SimpleRecord[] large = new SimpleRecord[40];
    for (int i = 0; i < large.length; i++) {
      byte[] value = new byte[10_000]; // incompressible: the batch stays past the decode pool's threshold
      random.nextBytes(value);
      large[i] = new SimpleRecord(System.currentTimeMillis(), ("large-" + i).getBytes(UTF_8), value);
    }
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(produce(topic, (short) -1, MemoryRecords.withRecords(Compression.gzip().build(), large)), (short) 9, 1);
      kafka.send(produce(topic, (short) -1, batch("small, sent second")), (short) 9, 2);
      assertThat(produceAnswer(kafka, 1).baseOffset()).isZero();
      assertThat(produceAnswer(kafka, 2).baseOffset()).isEqualTo(large.length);
    }
  }

  @Test
  void findCoordinatorAnswersTheNodeForAGroupAndRefusesATransactionKey() throws IOException {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new FindCoordinatorRequestData().setKey(unique("wire-group")).setKeyType((byte) 0), (short) 3, 1);
      FindCoordinatorResponseData single = kafka.read(ApiKeys.FIND_COORDINATOR.id, (short) 3, 1, FindCoordinatorResponseData.class);
      assertThat(single.errorCode()).isZero();
      assertThat(single.port()).isEqualTo(node.kafkaPort());
      assertThat(single.host()).isEqualTo("127.0.0.1");

      kafka.send(new FindCoordinatorRequestData().setKeyType((byte) 1).setCoordinatorKeys(List.of("a-transaction")), (short) 6, 2);
      FindCoordinatorResponseData transaction = kafka.read(ApiKeys.FIND_COORDINATOR.id, (short) 6, 2,
          FindCoordinatorResponseData.class);
      assertThat(transaction.coordinators()).singleElement().satisfies(coordinator -> {
        assertThat(coordinator.key()).isEqualTo("a-transaction");
        assertThat(coordinator.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
      });
    }
  }

  @Test
  void anOffsetCommitNamingAnIllegalTopicIsAnsweredInvalidRequestAndTheConnectionStaysOpen() throws IOException {
    String group = unique("wire-commit");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1)
          .setMemberId("").setTopics(List.of(new OffsetCommitRequestTopic().setName("no/such name")
              .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)))));
      kafka.send(commit, (short) 8, 1);
      OffsetCommitResponseData answer = kafka.read(ApiKeys.OFFSET_COMMIT.id, (short) 8, 1, OffsetCommitResponseData.class);
      assertThat(answer.topics().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());

      kafka.send(new OffsetFetchRequestData().setGroupId(group).setTopics(null), (short) 7, 2);
      OffsetFetchResponseData offsets = kafka.read(ApiKeys.OFFSET_FETCH.id, (short) 7, 2, OffsetFetchResponseData.class);
      assertThat(offsets.errorCode()).isZero();
      assertThat(offsets.topics()).as("nothing was committed").isEmpty();
    }
  }

  /**
   * Kafka stores a negative offset as sent, and kafkajs's admin.resetOffsets relies on it: it commits -2
   * (earliest) or -1 (latest), and its consumers take any negative commit as none. Here such a commit
   * drops the partition's commit; it was refused INVALID_REQUEST, which kafkajs cannot retry.
   */
  @Test
  void aNegativeCommittedOffsetAtKafkajsVersionsIsAnsweredAsCommittedAsKafkaDoesAndCountsAsNone() throws IOException {
    String group = unique("wire-reset");
    String topic = unique("reset");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":2}", 201);
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      // As a client does: FindCoordinator (which makes __groups), then retry while the coordinator loads.
      int[] correlationId = {100};
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        kafka.send(new FindCoordinatorRequestData().setKey(group).setKeyType((byte) 0), (short) 2, ++correlationId[0]);
        kafka.read(ApiKeys.FIND_COORDINATOR.id, (short) 2, correlationId[0], FindCoordinatorResponseData.class);
        kafka.send(commit(group, topic, Map.of(0, 13L, 1, 7L)), (short) 5, ++correlationId[0]);
        return commitErrors(kafka, correlationId[0]).equals(List.of(Errors.NONE.code(), Errors.NONE.code()));
      });

      kafka.send(commit(group, topic, Map.of(0, -2L)), (short) 5, 2);
      assertThat(commitErrors(kafka, 2)).as("kafkajs's reset to earliest").containsOnly(Errors.NONE.code());
      kafka.send(commit(group, topic, Map.of(1, -1L)), (short) 5, 3);
      assertThat(commitErrors(kafka, 3)).as("kafkajs's reset to latest").containsOnly(Errors.NONE.code());

      kafka.send(new OffsetFetchRequestData().setGroupId(group).setTopics(List.of(new OffsetFetchRequestTopic().setName(topic)
          .setPartitionIndexes(List.of(0, 1)))), (short) 4, 4);
      OffsetFetchResponseData offsets = kafka.read(ApiKeys.OFFSET_FETCH.id, (short) 4, 4, OffsetFetchResponseData.class);
      assertThat(offsets.errorCode()).isZero();
      assertThat(offsets.topics()).singleElement().satisfies(t -> assertThat(t.partitions())
          .extracting(p -> p.partitionIndex() + "=" + p.committedOffset() + "/" + p.errorCode())
          .containsExactly("0=-2/0", "1=-1/0"));
    }
    // Over HTTP, a negative commit is no commit.
    for (JsonNode partition : http("GET", "/v1/groups/" + group, null, 200).get("offsets")) {
      assertThat(partition.hasNonNull("committed")).as("partition %s committed over HTTP", partition.get("partition")).isFalse();
    }
  }

  /**
   * kafkajs (JoinGroup v5, Heartbeat v3, OffsetCommit v5) commits after each batch; once another member
   * joins, the group prepares a rebalance, and Kafka still takes the commits of the old generation.
   * They were refused REBALANCE_IN_PROGRESS, and kafkajs read those records again after the rebalance.
   */
  @Test
  void aMembersCommitWhileTheGroupPreparesARebalanceIsTakenAtKafkajsVersions() throws IOException {
    String group = unique("wire-rebalance");
    String topic = unique("rebalance");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1}", 201);
    try (RawKafka first = new RawKafka(node.kafkaPort()); RawKafka second = new RawKafka(node.kafkaPort())) {
      int[] correlationId = {200};
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        first.send(new FindCoordinatorRequestData().setKey(group).setKeyType((byte) 0), (short) 2, ++correlationId[0]);
        return first.read(ApiKeys.FIND_COORDINATOR.id, (short) 2, correlationId[0], FindCoordinatorResponseData.class)
            .errorCode() == Errors.NONE.code();
      });
      JoinGroupResponseData joined = joinWithMemberId(first, group, 300);
      assertThat(joined.generationId()).isEqualTo(1);
      first.send(new SyncGroupRequestData().setGroupId(group).setGenerationId(1).setMemberId(joined.memberId())
          .setAssignments(List.of(new SyncGroupRequestAssignment().setMemberId(joined.memberId()).setAssignment(new byte[0]))),
          (short) 3, 310);
      assertThat(first.read(ApiKeys.SYNC_GROUP.id, (short) 3, 310, SyncGroupResponseData.class).errorCode()).isZero();

      // A second member joins: its join waits for the first to rejoin, and the group prepares a rebalance.
      second.send(join(group, ""), (short) 5, 400);
      String secondId = second.read(ApiKeys.JOIN_GROUP.id, (short) 5, 400, JoinGroupResponseData.class).memberId();
      second.send(join(group, secondId), (short) 5, 401);
      int[] heartbeatId = {500};
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        first.send(new HeartbeatRequestData().setGroupId(group).setGenerationId(1).setMemberId(joined.memberId()), (short) 3,
            ++heartbeatId[0]);
        return first.read(ApiKeys.HEARTBEAT.id, (short) 3, heartbeatId[0], HeartbeatResponseData.class)
            .errorCode() == Errors.REBALANCE_IN_PROGRESS.code();
      });

      OffsetCommitRequestData commit = commit(group, topic, Map.of(0, 42L)).setGenerationIdOrMemberEpoch(1)
          .setMemberId(joined.memberId());
      first.send(commit, (short) 5, 600);
      assertThat(commitErrors(first, 600)).as("the old generation's commit").containsOnly(Errors.NONE.code());
      first.send(new OffsetFetchRequestData().setGroupId(group).setTopics(List.of(new OffsetFetchRequestTopic().setName(topic)
          .setPartitionIndexes(List.of(0)))), (short) 4, 601);
      OffsetFetchResponseData offsets = first.read(ApiKeys.OFFSET_FETCH.id, (short) 4, 601, OffsetFetchResponseData.class);
      assertThat(offsets.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(42);
    }
  }

  private static JoinGroupRequestData join(String group, String memberId) {
    JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
    protocols.add(new JoinGroupRequestProtocol().setName("RoundRobinAssigner").setMetadata(new byte[0]));
    return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setSessionTimeoutMs(30_000)
        .setRebalanceTimeoutMs(60_000).setProtocolType("consumer").setProtocols(protocols);
  }

  /** JoinGroup v5 as kafkajs sends it: refused MEMBER_ID_REQUIRED first, then joined with the id given. */
  private static JoinGroupResponseData joinWithMemberId(RawKafka kafka, String group, int correlationId) throws IOException {
    kafka.send(join(group, ""), (short) 5, correlationId);
    JoinGroupResponseData refused = kafka.read(ApiKeys.JOIN_GROUP.id, (short) 5, correlationId, JoinGroupResponseData.class);
    assertThat(refused.errorCode()).isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
    kafka.send(join(group, refused.memberId()), (short) 5, correlationId + 1);
    JoinGroupResponseData joined = kafka.read(ApiKeys.JOIN_GROUP.id, (short) 5, correlationId + 1, JoinGroupResponseData.class);
    assertThat(joined.errorCode()).isZero();
    return joined;
  }

  private static OffsetCommitRequestData commit(String group, String topic, Map<Integer, Long> offsets) {
    List<OffsetCommitRequestPartition> partitions = new ArrayList<>();
    offsets.forEach((partition, offset) -> partitions.add(new OffsetCommitRequestPartition().setPartitionIndex(partition)
        .setCommittedOffset(offset)));
    return new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1).setMemberId("")
        .setTopics(List.of(new OffsetCommitRequestTopic().setName(topic).setPartitions(partitions)));
  }

  private static List<Short> commitErrors(RawKafka kafka, int correlationId) throws IOException {
    OffsetCommitResponseData answer = kafka.read(ApiKeys.OFFSET_COMMIT.id, (short) 5, correlationId, OffsetCommitResponseData.class);
    return answer.topics().stream().flatMap(t -> t.partitions().stream()).map(p -> p.errorCode()).toList();
  }

  /** Transactions are not served: a transactional batch is refused by the log, Kafka's answer for a broker without them. */
  @Test
  void aTransactionalBatchIsRefusedAsUnsupportedAndNothingIsWritten() throws IOException {
    String topic = createTopic("transactional");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      long producerId = initProducerId(kafka, null, 1).producerId();
      MemoryRecords transactional = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, 0,
          new SimpleRecord(System.currentTimeMillis(), null, "in a transaction".getBytes(UTF_8)));
      kafka.send(produce(topic, (short) -1, transactional), (short) 9, 2);
      assertThat(produceError(kafka, 2)).isEqualTo(Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT.code());
    }
    assertThat(httpRecords(topic, 0)).isEmpty();
  }

  private static InitProducerIdResponseData initProducerId(RawKafka kafka, String transactionalId, int correlationId)
      throws IOException {
    kafka.send(new InitProducerIdRequestData().setTransactionalId(transactionalId).setTransactionTimeoutMs(60_000)
        .setProducerId(-1).setProducerEpoch((short) -1), (short) 4, correlationId);
    return kafka.read(ApiKeys.INIT_PRODUCER_ID.id, (short) 4, correlationId, InitProducerIdResponseData.class);
  }

  private static MemoryRecords idempotentBatch(long producerId, int baseSequence, String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(UTF_8));
    }
    return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, baseSequence, records);
  }

  private static PartitionProduceResponse produceAnswer(RawKafka kafka, int correlationId) throws IOException {
    ProduceResponseData answer = kafka.read(ApiKeys.PRODUCE.id, (short) 9, correlationId, ProduceResponseData.class);
    return answer.responses().iterator().next().partitionResponses().get(0);
  }

  private static short produceError(RawKafka kafka, int correlationId) throws IOException {
    ProduceResponseData answer = kafka.read(ApiKeys.PRODUCE.id, (short) 9, correlationId, ProduceResponseData.class);
    return answer.responses().iterator().next().partitionResponses().get(0).errorCode();
  }

  private static ByteBuffer copy(MemoryRecords records) {
    ByteBuffer copy = ByteBuffer.allocate(records.sizeInBytes());
    copy.put(records.buffer().duplicate()).flip();
    return copy;
  }

  private String createTopic(String base) {
    String topic = unique(base);
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}", 201);
    return topic;
  }

  private static Map<Integer, String> ranges(ApiVersionsResponseData answer) {
    Map<Integer, String> ranges = new TreeMap<>();
    answer.apiKeys().forEach(key -> ranges.put((int) key.apiKey(), key.minVersion() + "-" + key.maxVersion()));
    return ranges;
  }

  private static MemoryRecords batch(String value) {
    return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(UTF_8)));
  }

  private static ProduceRequestData produce(String topic, short acks, MemoryRecords records) {
    ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
    topics.add(new ProduceRequestData.TopicProduceData().setName(topic)
        .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
    return new ProduceRequestData().setAcks(acks).setTimeoutMs(30_000).setTopicData(topics);
  }

  private static MetadataRequestData metadata(String topic) {
    return new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)))
        .setAllowAutoTopicCreation(false);
  }

  private static FetchRequestData fetch(String topic, long offset) {
    return fetch(topic, List.of(0), offset, 1024 * 1024);
  }

  private static FetchRequestData fetch(String topic, List<Integer> partitions, long offset, int partitionMaxBytes) {
    return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(60_000).setMinBytes(1).setMaxBytes(1024 * 1024)
        .setSessionId(0).setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic)
            .setPartitions(partitions.stream().map(p -> new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(offset)
                .setPartitionMaxBytes(partitionMaxBytes).setCurrentLeaderEpoch(-1).setLogStartOffset(-1)).toList())));
  }

  private static List<String> values(FetchResponseData fetch) {
    return values(fetch, 0);
  }

  private static List<String> values(FetchResponseData fetch, int partition) {
    List<String> values = new ArrayList<>();
    MemoryRecords records = (MemoryRecords) fetch.responses().get(0).partitions().get(partition).records();
    for (Record record : records.records()) {
      values.add(UTF_8.decode(record.value()).toString());
    }
    return values;
  }
}
