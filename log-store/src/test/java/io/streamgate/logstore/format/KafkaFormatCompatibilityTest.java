package io.streamgate.logstore.format;

import static io.streamgate.logstore.format.SampleRecords.BASE_TIMESTAMP;
import static io.streamgate.logstore.format.SampleRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.logstore.format.SampleRecords.Input;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checks our batches against Kafka's own implementation (kafka-clients, test scope only): Kafka's
 * batches read here, ours read by Kafka, and uncompressed batches byte for byte.
 */
class KafkaFormatCompatibilityTest {
  private static final long BASE_OFFSET = 1_000_000L;
  private static final int LEADER_EPOCH = 17;
  private static final long PRODUCER_ID = 4242L;
  private static final short PRODUCER_EPOCH = 9;
  private static final int BASE_SEQUENCE = 77;

  // ---- (a) Kafka writes, we read ----

  @ParameterizedTest
  @EnumSource(Compression.class)
  void kafkaBatchesReadIdentically(Compression compression) {
    List<Input> inputs = SampleRecords.many(500, 7);
    MemoryRecordsBuilder kafka =
        kafkaBuilder(compression, org.apache.kafka.common.record.TimestampType.CREATE_TIME, false);
    for (Input input : inputs) {
      kafka.append(input.timestamp(), input.key(), input.value(), kafkaHeaders(input.headers()));
    }
    MemoryRecords kafkaRecords = kafka.build();

    RecordBatch ours = RecordBatch.wrap(kafkaRecords.buffer());
    ours.ensureValid();

    MutableRecordBatch expected = onlyBatch(kafkaRecords);
    assertSameHeader(ours, expected);
    assertThat(ours.compression()).isEqualTo(compression);
    assertThat(ours.records()).map(SampleRecords::asInput).containsExactlyElementsOf(inputs);
    assertSameRecords(ours, expected);
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void kafkaCompactedStyleBatchKeepsGapsAndLastOffset(Compression compression) {
    MemoryRecordsBuilder kafka =
        kafkaBuilder(compression, org.apache.kafka.common.record.TimestampType.CREATE_TIME, false);
    kafka.appendWithOffset(BASE_OFFSET + 3, BASE_TIMESTAMP, utf8("a"), utf8("1"));
    kafka.appendWithOffset(BASE_OFFSET + 9, BASE_TIMESTAMP + 4, null, utf8("2"));
    kafka.overrideLastOffset(BASE_OFFSET + 15);
    MemoryRecords kafkaRecords = kafka.build();

    RecordBatch ours = RecordBatch.wrap(kafkaRecords.buffer());
    ours.ensureValid();

    assertThat(ours.lastOffset()).isEqualTo(BASE_OFFSET + 15);
    assertThat(ours.records())
        .extracting(Record::offset)
        .containsExactly(BASE_OFFSET + 3, BASE_OFFSET + 9);
    assertSameHeader(ours, onlyBatch(kafkaRecords));
    assertSameRecords(ours, onlyBatch(kafkaRecords));
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void kafkaLogAppendTimeTransactionalBatchReadsIdentically(Compression compression) {
    long appendTime = BASE_TIMESTAMP + 999;
    MemoryRecordsBuilder kafka =
        MemoryRecords.builder(
            ByteBuffer.allocate(256),
            org.apache.kafka.common.record.internal.RecordBatch.MAGIC_VALUE_V2,
            kafkaCompression(compression),
            org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME,
            BASE_OFFSET,
            appendTime,
            PRODUCER_ID,
            PRODUCER_EPOCH,
            BASE_SEQUENCE,
            true,
            LEADER_EPOCH);
    SampleRecords.edgeCases()
        .forEach(i -> kafka.append(i.timestamp(), i.key(), i.value(), kafkaHeaders(i.headers())));
    MemoryRecords kafkaRecords = kafka.build();

    RecordBatch ours = RecordBatch.wrap(kafkaRecords.buffer());
    ours.ensureValid();

    assertThat(ours.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
    assertThat(ours.isTransactional()).isTrue();
    assertThat(ours.records()).extracting(Record::timestamp).containsOnly(appendTime);
    assertSameHeader(ours, onlyBatch(kafkaRecords));
    assertSameRecords(ours, onlyBatch(kafkaRecords));
  }

  // ---- (b) we write, Kafka reads ----

  @ParameterizedTest
  @EnumSource(Compression.class)
  void ourBatchesReadIdenticallyByKafka(Compression compression) {
    List<Input> inputs = SampleRecords.many(500, 11);
    RecordBatch ours = SampleRecords.appendAll(ourBuilder(compression), inputs).build();

    MutableRecordBatch kafka = onlyBatch(MemoryRecords.readableRecords(ours.buffer()));
    kafka.ensureValid();

    assertThat(kafka.compressionType().name).isEqualTo(compression.configName());
    assertSameHeader(ours, kafka);
    assertSameRecords(ours, kafka);
    assertThat(kafkaInputs(kafka)).containsExactlyElementsOf(inputs);
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void ourGappedBatchWithLogAppendTimeReadsIdenticallyByKafka(Compression compression) {
    RecordBatch ours =
        ourBuilder(compression)
            .appendWithOffset(
                BASE_OFFSET + 2, BASE_TIMESTAMP, null, ByteBuffer.wrap(utf8("x")), List.of())
            .appendWithOffset(BASE_OFFSET + 5, BASE_TIMESTAMP + 1, null, null, List.of())
            .lastOffsetDelta(8)
            .build();
    ours.setLogAppendTime(BASE_TIMESTAMP + 50);

    MutableRecordBatch kafka = onlyBatch(MemoryRecords.readableRecords(ours.buffer()));
    kafka.ensureValid();

    assertThat(kafka.timestampType())
        .isEqualTo(org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME);
    assertThat(kafka.lastOffset()).isEqualTo(BASE_OFFSET + 8);
    assertSameHeader(ours, kafka);
    assertSameRecords(ours, kafka);
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void setLogAppendTimeMatchesKafkasSetMaxTimestamp(Compression compression) {
    RecordBatch ours =
        SampleRecords.appendAll(ourBuilder(compression), SampleRecords.edgeCases()).build();
    ByteBuffer kafkaCopy = copyOf(ours.buffer());
    MutableRecordBatch kafka = onlyBatch(MemoryRecords.readableRecords(kafkaCopy));

    ours.setLogAppendTime(BASE_TIMESTAMP + 77);
    kafka.setMaxTimestamp(
        org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, BASE_TIMESTAMP + 77);

    assertThat(ours.buffer()).isEqualTo(kafkaCopy);
  }

  // ---- (c) byte for byte, uncompressed ----

  @Test
  void uncompressedBytesEqualKafkasWithDefaults() {
    RecordBatch ours =
        SampleRecords.appendAll(new RecordBatchBuilder(Compression.NONE), SampleRecords.edgeCases())
            .build();
    MemoryRecordsBuilder kafka =
        MemoryRecords.builder(
            ByteBuffer.allocate(64),
            org.apache.kafka.common.compress.Compression.NONE,
            org.apache.kafka.common.record.TimestampType.CREATE_TIME,
            0L);
    SampleRecords.edgeCases()
        .forEach(i -> kafka.append(i.timestamp(), i.key(), i.value(), kafkaHeaders(i.headers())));

    assertThat(ours.buffer()).isEqualTo(kafka.build().buffer());
  }

  @Test
  void uncompressedBytesEqualKafkasWithProducerEpochAndGaps() {
    RecordBatch ours =
        ourBuilder(Compression.NONE)
            .appendWithOffset(
                BASE_OFFSET + 1, BASE_TIMESTAMP + 10, ByteBuffer.wrap(utf8("k")), null, List.of())
            .appendWithOffset(
                BASE_OFFSET + 4,
                BASE_TIMESTAMP,
                null,
                ByteBuffer.wrap(utf8("v")),
                List.of(new Header("h", null)))
            .lastOffsetDelta(6)
            .build();
    MemoryRecordsBuilder kafka =
        kafkaBuilder(
            Compression.NONE, org.apache.kafka.common.record.TimestampType.CREATE_TIME, false);
    kafka.appendWithOffset(BASE_OFFSET + 1, BASE_TIMESTAMP + 10, utf8("k"), null);
    kafka.appendWithOffset(
        BASE_OFFSET + 4,
        BASE_TIMESTAMP,
        null,
        utf8("v"),
        new org.apache.kafka.common.header.Header[] {new RecordHeader("h", null)});
    kafka.overrideLastOffset(BASE_OFFSET + 6);

    assertThat(ours.buffer()).isEqualTo(kafka.build().buffer());
  }

  @Test
  void uncompressedBytesEqualKafkasForManyRecords() {
    List<Input> inputs = SampleRecords.many(2000, 3);
    RecordBatch ours = SampleRecords.appendAll(ourBuilder(Compression.NONE), inputs).build();
    MemoryRecordsBuilder kafka =
        kafkaBuilder(
            Compression.NONE, org.apache.kafka.common.record.TimestampType.CREATE_TIME, false);
    inputs.forEach(i -> kafka.append(i.timestamp(), i.key(), i.value(), kafkaHeaders(i.headers())));

    assertThat(ours.buffer()).isEqualTo(kafka.build().buffer());
  }

  @Property(tries = 300)
  void uncompressedBytesEqualKafkasForAnyInput(
      @ForAll("inputs") List<Input> inputs,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long baseOffset,
      @ForAll @IntRange(min = -1) int leaderEpoch,
      @ForAll boolean idempotent,
      @ForAll @LongRange(min = 0) long someProducerId,
      @ForAll @IntRange(min = 0, max = Short.MAX_VALUE) int someProducerEpoch,
      @ForAll @IntRange(min = 0) int someBaseSequence) {
    // Kafka refuses a producer id without epoch and sequence, so it is all or nothing.
    long producerId = idempotent ? someProducerId : BatchLayout.NO_PRODUCER_ID;
    short producerEpoch = idempotent ? (short) someProducerEpoch : BatchLayout.NO_PRODUCER_EPOCH;
    int baseSequence = idempotent ? someBaseSequence : BatchLayout.NO_SEQUENCE;
    RecordBatch ours =
        SampleRecords.appendAll(
            new RecordBatchBuilder(Compression.NONE)
                .baseOffset(baseOffset)
                .partitionLeaderEpoch(leaderEpoch)
                .producer(producerId, producerEpoch, baseSequence),
            inputs)
            .build();
    MemoryRecordsBuilder kafka =
        MemoryRecords.builder(
            ByteBuffer.allocate(64),
            org.apache.kafka.common.record.internal.RecordBatch.MAGIC_VALUE_V2,
            org.apache.kafka.common.compress.Compression.NONE,
            org.apache.kafka.common.record.TimestampType.CREATE_TIME,
            baseOffset,
            org.apache.kafka.common.record.internal.RecordBatch.NO_TIMESTAMP,
            producerId,
            producerEpoch,
            baseSequence,
            false,
            leaderEpoch);
    inputs.forEach(i -> kafka.append(i.timestamp(), i.key(), i.value(), kafkaHeaders(i.headers())));

    assertThat(ours.buffer()).isEqualTo(kafka.build().buffer());
  }

  @Provide
  Arbitrary<List<Input>> inputs() {
    Arbitrary<byte[]> bytes =
        Arbitraries.bytes().array(byte[].class).ofMaxSize(300).injectNull(0.2);
    Arbitrary<Header> header =
        Combinators.combine(Arbitraries.strings().ofMaxLength(12), bytes).as(Header::new);
    Arbitrary<Long> timestamp =
        Arbitraries.oneOf(
            Arbitraries.longs().between(0, 4_000_000_000_000L),
            Arbitraries.just(BatchLayout.NO_TIMESTAMP));
    return Combinators.combine(timestamp, bytes, bytes, header.list().ofMaxSize(4))
        .as(Input::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(30);
  }

  // ---- helpers ----

  private static RecordBatchBuilder ourBuilder(Compression compression) {
    return new RecordBatchBuilder(compression)
        .baseOffset(BASE_OFFSET)
        .partitionLeaderEpoch(LEADER_EPOCH)
        .producer(PRODUCER_ID, PRODUCER_EPOCH, BASE_SEQUENCE);
  }

  private static MemoryRecordsBuilder kafkaBuilder(
      Compression compression,
      org.apache.kafka.common.record.TimestampType timestampType,
      boolean transactional) {
    return MemoryRecords.builder(
        ByteBuffer.allocate(256),
        org.apache.kafka.common.record.internal.RecordBatch.MAGIC_VALUE_V2,
        kafkaCompression(compression),
        timestampType,
        BASE_OFFSET,
        org.apache.kafka.common.record.internal.RecordBatch.NO_TIMESTAMP,
        PRODUCER_ID,
        PRODUCER_EPOCH,
        BASE_SEQUENCE,
        transactional,
        LEADER_EPOCH);
  }

  private static org.apache.kafka.common.compress.Compression kafkaCompression(
      Compression compression) {
    return org.apache.kafka.common.compress.Compression.of(compression.configName()).build();
  }

  private static org.apache.kafka.common.header.Header[] kafkaHeaders(List<Header> headers) {
    return headers.stream()
        .map(h -> new RecordHeader(h.key(), h.value()))
        .toArray(org.apache.kafka.common.header.Header[]::new);
  }

  private static MutableRecordBatch onlyBatch(MemoryRecords records) {
    List<MutableRecordBatch> batches = new ArrayList<>();
    records.batches().forEach(batches::add);
    assertThat(batches).hasSize(1);
    return batches.get(0);
  }

  private static void assertSameHeader(RecordBatch ours, MutableRecordBatch kafka) {
    assertThat(ours.baseOffset()).isEqualTo(kafka.baseOffset());
    assertThat(ours.lastOffset()).isEqualTo(kafka.lastOffset());
    assertThat(ours.sizeInBytes()).isEqualTo(kafka.sizeInBytes());
    assertThat(ours.partitionLeaderEpoch()).isEqualTo(kafka.partitionLeaderEpoch());
    assertThat(ours.magic()).isEqualTo(kafka.magic());
    assertThat(ours.checksum()).isEqualTo(kafka.checksum());
    assertThat(ours.compression().configName()).isEqualTo(kafka.compressionType().name);
    assertThat(ours.timestampType().name()).isEqualTo(kafka.timestampType().name());
    assertThat(ours.isTransactional()).isEqualTo(kafka.isTransactional());
    assertThat(ours.isControl()).isEqualTo(kafka.isControlBatch());
    assertThat(ours.maxTimestamp()).isEqualTo(kafka.maxTimestamp());
    assertThat(ours.producerId()).isEqualTo(kafka.producerId());
    assertThat(ours.producerEpoch()).isEqualTo(kafka.producerEpoch());
    assertThat(ours.baseSequence()).isEqualTo(kafka.baseSequence());
    assertThat(ours.recordCount()).isEqualTo(kafka.countOrNull());
    assertThat(ours.isValid()).isTrue();
  }

  /** Offsets, timestamps, keys, values and headers (in order, with null values) all equal. */
  private static void assertSameRecords(RecordBatch ours, MutableRecordBatch kafka) {
    List<Record> ourRecords = ours.records();
    List<org.apache.kafka.common.record.internal.Record> kafkaRecords = new ArrayList<>();
    kafka.forEach(kafkaRecords::add);

    assertThat(ourRecords)
        .extracting(Record::offset)
        .containsExactlyElementsOf(kafkaRecords.stream().map(r -> r.offset()).toList());
    assertThat(ourRecords)
        .map(SampleRecords::asInput)
        .containsExactlyElementsOf(kafkaInputs(kafka));
  }

  private static List<Input> kafkaInputs(MutableRecordBatch kafka) {
    List<Input> inputs = new ArrayList<>();
    for (org.apache.kafka.common.record.internal.Record r : kafka) {
      List<Header> headers =
          Arrays.stream(r.headers()).map(h -> new Header(h.key(), h.value())).toList();
      inputs.add(new Input(r.timestamp(), bytes(r.key()), bytes(r.value()), headers));
    }
    return inputs;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  private static ByteBuffer copyOf(ByteBuffer source) {
    ByteBuffer copy = ByteBuffer.allocate(source.remaining());
    copy.put(source.duplicate()).flip();
    return copy;
  }
}
