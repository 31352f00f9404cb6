package io.streamgate.logstore.format;

import static io.streamgate.logstore.format.BatchLayout.ATTRIBUTES_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.CRC_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LENGTH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LOG_OVERHEAD;
import static io.streamgate.logstore.format.BatchLayout.MAGIC_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.RECORDS_COUNT_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.RECORD_BATCH_OVERHEAD;
import static io.streamgate.logstore.format.SampleRecords.BASE_TIMESTAMP;
import static io.streamgate.logstore.format.SampleRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.CorruptRecordException;
import io.streamgate.logstore.format.SampleRecords.Input;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RecordBatchTest {

  // ---- round trips ----

  @ParameterizedTest
  @EnumSource(Compression.class)
  void edgeCasesRoundTrip(Compression compression) {
    List<Input> inputs = SampleRecords.edgeCases();
    RecordBatch built =
        SampleRecords.appendAll(
            new RecordBatchBuilder(compression)
                .baseOffset(1000)
                .partitionLeaderEpoch(7)
                .producer(42, (short) 3, 11),
            inputs)
            .build();

    RecordBatch batch = RecordBatch.wrap(built.buffer());
    batch.ensureValid();

    assertThat(batch.magic()).isEqualTo(BatchLayout.MAGIC);
    assertThat(batch.compression()).isEqualTo(compression);
    assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
    assertThat(batch.isTransactional()).isFalse();
    assertThat(batch.isControl()).isFalse();
    assertThat(batch.baseOffset()).isEqualTo(1000);
    assertThat(batch.lastOffset()).isEqualTo(1000 + inputs.size() - 1);
    assertThat(batch.nextOffset()).isEqualTo(1000 + inputs.size());
    assertThat(batch.recordCount()).isEqualTo(inputs.size());
    assertThat(batch.partitionLeaderEpoch()).isEqualTo(7);
    assertThat(batch.producerId()).isEqualTo(42);
    assertThat(batch.producerEpoch()).isEqualTo((short) 3);
    assertThat(batch.baseSequence()).isEqualTo(11);
    assertThat(batch.baseTimestamp()).isEqualTo(BASE_TIMESTAMP);
    assertThat(batch.maxTimestamp()).isEqualTo(BASE_TIMESTAMP + 11);
    assertThat(batch.sizeInBytes()).isEqualTo(built.sizeInBytes());

    List<Record> records = batch.records();
    assertThat(records)
        .extracting(Record::offset)
        .containsExactly(1000L, 1001L, 1002L, 1003L, 1004L, 1005L);
    assertThat(records).map(SampleRecords::asInput).containsExactlyElementsOf(inputs);
    assertThat(records.get(1).key()).isNull();
    assertThat(records.get(2).value()).isNull();
    assertThat(records.get(4).value().remaining()).isZero();
    assertThat(records.get(5).headers().get(1).value()).isNull();
    assertThat(records.get(5).headers().get(3).key()).isEqualTo("ключ-🔑-鍵");
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void manyRecordsRoundTrip(Compression compression) {
    List<Input> inputs = SampleRecords.many(3000, compression.ordinal());
    RecordBatch batch =
        SampleRecords.appendAll(new RecordBatchBuilder(compression), inputs).build();

    batch.ensureValid();
    List<Record> records = RecordBatch.wrap(batch.buffer()).records();
    assertThat(records).map(SampleRecords::asInput).containsExactlyElementsOf(inputs);
    assertThat(records)
        .extracting(Record::offset)
        .containsExactlyElementsOf(offsets(0, inputs.size()));
    assertThat(batch.maxTimestamp())
        .isEqualTo(inputs.stream().mapToLong(Input::timestamp).max().orElseThrow());
    if (compression != Compression.NONE) {
      assertThat(batch.sizeInBytes()).isLessThan(estimateUncompressed(inputs));
    }
  }

  @Test
  void uncompressedRecordsAreReadOnlySlicesOfTheBatch() {
    RecordBatch batch =
        new RecordBatchBuilder(Compression.NONE)
            .append(1, utf8("k"), utf8("value"), List.of())
            .build();
    Record record = batch.records().get(0);
    assertThat(record.key().isReadOnly()).isTrue();
    assertThat(record.value().position()).isZero();

    ByteBuffer bytes = batch.buffer();
    int valueStart = bytes.limit() - 1 - "value".length(); // the header count follows the value
    bytes.put(valueStart, (byte) 'V');

    assertThat(record.valueBytes()).isEqualTo(utf8("Value"));
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void directAndReadOnlyBuffersReadTheSame(Compression compression) {
    ByteBuffer heap = sampleBatch(compression).buffer();
    ByteBuffer direct = ByteBuffer.allocateDirect(heap.limit()).put(heap.duplicate()).flip();

    for (ByteBuffer bytes : List.of(direct, heap.asReadOnlyBuffer(), direct.asReadOnlyBuffer())) {
      RecordBatch batch = RecordBatch.wrap(bytes);
      batch.ensureValid();
      assertThat(batch.records())
          .map(SampleRecords::asInput)
          .containsExactlyElementsOf(sampleInputs());
    }
  }

  @Test
  void keyBytesDoesNotMoveTheKeyBuffer() {
    Record record =
        new RecordBatchBuilder(Compression.NONE)
            .append(1, utf8("key"), null, List.of())
            .build()
            .records()
            .get(0);
    assertThat(record.keyBytes()).isEqualTo(utf8("key"));
    assertThat(record.keyBytes()).isEqualTo(utf8("key"));
    assertThat(record.valueBytes()).isNull();
  }

  @Test
  void bufferKeysAndValuesAreReadFromTheirPositionWithoutMovingIt() {
    ByteBuffer key = ByteBuffer.wrap(utf8("xxkey")).position(2);
    ByteBuffer value = ByteBuffer.wrap(utf8("value"));
    RecordBatch batch =
        new RecordBatchBuilder(Compression.NONE).append(1, key, value, List.of()).build();

    assertThat(key.position()).isEqualTo(2);
    assertThat(value.position()).isZero();
    assertThat(batch.records().get(0).keyBytes()).isEqualTo(utf8("key"));
  }

  // ---- validation ----

  @ParameterizedTest
  @EnumSource(Compression.class)
  void anyFlippedByteInTheCrcRangeIsDetected(Compression compression) {
    ByteBuffer original = sampleBatch(compression).buffer();
    for (int i = ATTRIBUTES_OFFSET; i < original.limit(); i++) {
      RecordBatch damaged = RecordBatch.wrap(copyOf(original));
      damaged.buffer().put(i, (byte) (original.get(i) ^ 0x01));

      assertThat(damaged.isValid()).as("flip at %d", i).isFalse();
      assertThatThrownBy(damaged::ensureValid)
          .isInstanceOf(CorruptRecordException.class)
          .hasMessageContaining("CRC");
    }
  }

  @Test
  void damagedStoredCrcIsDetected() {
    RecordBatch damaged = RecordBatch.wrap(copyOf(sampleBatch(Compression.NONE).buffer()));
    damaged.buffer().put(CRC_OFFSET + 2, (byte) ~damaged.buffer().get(CRC_OFFSET + 2));
    assertThatThrownBy(damaged::ensureValid).hasMessageContaining("CRC");
  }

  @Test
  void wrongMagicIsDetected() {
    RecordBatch batch = RecordBatch.wrap(copyOf(sampleBatch(Compression.NONE).buffer()));
    batch.buffer().put(MAGIC_OFFSET, (byte) 1);

    assertThat(batch.isValid()).isFalse();
    assertThatThrownBy(batch::ensureValid)
        .isInstanceOf(CorruptRecordException.class)
        .hasMessageContaining("magic is 1, expected 2");
  }

  @Test
  void negativeRecordCountIsDetectedEvenWithAMatchingCrc() {
    RecordBatch batch = RecordBatch.wrap(copyOf(sampleBatch(Compression.NONE).buffer()));
    batch.buffer().putInt(RECORDS_COUNT_OFFSET, -3);
    fixCrc(batch);

    assertThatThrownBy(batch::ensureValid).hasMessageContaining("record count is -3");
    assertThatThrownBy(batch::records).isInstanceOf(CorruptRecordException.class);
  }

  @Test
  void recordCountMismatchIsCorrupt() {
    for (int declared : new int[] {0, 2, 4, Integer.MAX_VALUE}) {
      RecordBatch batch = RecordBatch.wrap(copyOf(sampleBatch(Compression.GZIP).buffer()));
      batch.buffer().putInt(RECORDS_COUNT_OFFSET, declared);
      fixCrc(batch);

      batch.ensureValid();
      assertThatThrownBy(batch::records)
          .as("declared %d", declared)
          .isInstanceOf(CorruptRecordException.class);
    }
  }

  @Test
  void unknownCompressionIdIsCorrupt() {
    RecordBatch batch = RecordBatch.wrap(copyOf(sampleBatch(Compression.NONE).buffer()));
    batch.buffer().putShort(ATTRIBUTES_OFFSET, (short) 5);
    fixCrc(batch);

    assertThatThrownBy(batch::records).isInstanceOf(CorruptRecordException.class);
    assertThat(batch.toString()).contains("unknown(5)");
  }

  @ParameterizedTest
  @EnumSource(value = Compression.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
  void decompressionBombIsCappedAt64MiB(Compression compression) {
    int tooLarge = CompressionCodec.MAX_DECOMPRESSED_BYTES + 1;
    ByteBuffer section =
        CompressionCodec.compress(
            compression, new byte[tooLarge], 0, tooLarge, RECORD_BATCH_OVERHEAD);
    RecordBatch batch = RecordBatch.wrap(withHeaderLike(sampleBatch(compression), section));
    batch.ensureValid();

    assertThatThrownBy(batch::records)
        .isInstanceOf(CorruptRecordException.class)
        .hasMessageContaining("exceed");
  }

  // ---- in-place updates ----

  @ParameterizedTest
  @EnumSource(Compression.class)
  void setBaseOffsetAndEpochKeepTheCrcValid(Compression compression) {
    RecordBatch batch = sampleBatch(compression);
    long crc = batch.checksum();

    batch.setBaseOffset(5_000_000_000L);
    batch.setPartitionLeaderEpoch(12);

    batch.ensureValid();
    assertThat(batch.checksum()).isEqualTo(crc);
    assertThat(batch.baseOffset()).isEqualTo(5_000_000_000L);
    assertThat(batch.partitionLeaderEpoch()).isEqualTo(12);
    assertThat(batch.records())
        .extracting(Record::offset)
        .containsExactlyElementsOf(offsets(5_000_000_000L, 3));
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void setLogAppendTimeRecomputesTheCrcAndOverridesRecordTimestamps(Compression compression) {
    RecordBatch batch = sampleBatch(compression);
    long crc = batch.checksum();

    batch.setLogAppendTime(1_800_000_000_000L);

    batch.ensureValid();
    assertThat(batch.checksum()).isNotEqualTo(crc);
    assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
    assertThat(batch.compression()).isEqualTo(compression);
    assertThat(batch.maxTimestamp()).isEqualTo(1_800_000_000_000L);
    assertThat(batch.baseTimestamp()).isEqualTo(BASE_TIMESTAMP);
    assertThat(batch.records()).extracting(Record::timestamp).containsOnly(1_800_000_000_000L);
  }

  // ---- wrap and iterate ----

  @Test
  void wrapViewsExactlyTheBatchAtThePositionWithoutMovingIt() {
    ByteBuffer bytes = sampleBatch(Compression.NONE).buffer();
    ByteBuffer container = ByteBuffer.allocate(bytes.limit() + 20).order(ByteOrder.LITTLE_ENDIAN);
    container.position(7).put(bytes.duplicate()).position(7);

    RecordBatch batch = RecordBatch.wrap(container);

    assertThat(container.position()).isEqualTo(7);
    assertThat(batch.sizeInBytes()).isEqualTo(bytes.limit());
    assertThat(batch.buffer()).isEqualTo(bytes);
    assertThat(batch.buffer().position()).isZero();
    batch.ensureValid();
    assertThat(batch.records()).hasSize(3);
  }

  @Test
  void wrapRejectsShortBuffers() {
    ByteBuffer bytes = sampleBatch(Compression.NONE).buffer();
    for (int length : new int[] {0, 1, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD - 1}) {
      assertThatThrownBy(() -> RecordBatch.wrap(bytes.slice(0, length)))
          .isInstanceOf(CorruptRecordException.class)
          .hasMessageContaining("header");
    }
  }

  @Test
  void wrapRejectsABatchRunningPastTheLimit() {
    ByteBuffer bytes = sampleBatch(Compression.NONE).buffer();
    assertThatThrownBy(() -> RecordBatch.wrap(bytes.slice(0, bytes.limit() - 1)))
        .isInstanceOf(CorruptRecordException.class)
        .hasMessageContaining("runs past");
  }

  @Test
  void wrapRejectsBatchLengthsTooSmallForAHeader() {
    for (int batchLength : new int[] {-1, 0, RECORD_BATCH_OVERHEAD - LOG_OVERHEAD - 1}) {
      ByteBuffer bytes = copyOf(sampleBatch(Compression.NONE).buffer());
      bytes.putInt(LENGTH_OFFSET, batchLength);
      assertThatThrownBy(() -> RecordBatch.wrap(bytes))
          .isInstanceOf(CorruptRecordException.class)
          .hasMessageContaining("batch length " + batchLength);
    }
  }

  @Test
  void iterateWalksConcatenatedBatches() {
    List<RecordBatch> written = new ArrayList<>();
    long offset = 0;
    for (Compression compression : Compression.values()) {
      RecordBatch batch = sampleBatch(compression);
      batch.setBaseOffset(offset);
      offset = batch.nextOffset();
      written.add(batch);
    }
    ByteBuffer log = concat(written);
    log.position(0);

    List<RecordBatch> read = collect(RecordBatch.iterate(log));

    assertThat(log.position()).isZero();
    assertThat(read).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L, 6L, 9L, 12L);
    assertThat(read).extracting(RecordBatch::compression).containsExactly(Compression.values());
    read.forEach(RecordBatch::ensureValid);
    assertThat(read.get(4).records())
        .map(SampleRecords::asInput)
        .containsExactlyElementsOf(sampleInputs());
    // An Iterable walks again from the start.
    assertThat(collect(RecordBatch.iterate(log))).hasSize(5);
  }

  @Test
  void iterateStopsSilentlyAtAnyIncompleteTail() {
    RecordBatch first = sampleBatch(Compression.NONE);
    RecordBatch second = sampleBatch(Compression.LZ4);
    ByteBuffer log = concat(List.of(first, second));
    int firstSize = first.sizeInBytes();

    for (int cut = 0; cut <= log.limit(); cut++) {
      int expected = cut < firstSize ? 0 : cut < log.limit() ? 1 : 2;
      assertThat(collect(RecordBatch.iterate(log.slice(0, cut))))
          .as("cut at %d", cut)
          .hasSize(expected);
    }
  }

  @Test
  void iterateThrowsOnACompleteLengthFieldThatCannotHoldAHeader() {
    ByteBuffer log = concat(List.of(sampleBatch(Compression.NONE), sampleBatch(Compression.NONE)));
    int second = log.limit() / 2;
    log.putInt(second + LENGTH_OFFSET, 10);

    var iterator = RecordBatch.iterate(log).iterator();
    assertThat(iterator.next().baseOffset()).isZero();
    assertThatThrownBy(iterator::hasNext)
        .isInstanceOf(CorruptRecordException.class)
        .hasMessageContaining("batch length 10");
  }

  // ---- builder ----

  @Test
  void explicitOffsetsKeepGapsAndLastOffsetDeltaKeepsTheLastOffset() {
    RecordBatch batch =
        new RecordBatchBuilder(Compression.SNAPPY)
            .baseOffset(100)
            .appendWithOffset(102, 1, null, ByteBuffer.wrap(utf8("a")), List.of())
            .appendWithOffset(107, 2, null, ByteBuffer.wrap(utf8("b")), List.of())
            .append(3, null, utf8("c"), List.of())
            .lastOffsetDelta(20)
            .build();

    batch.ensureValid();
    assertThat(batch.baseOffset()).isEqualTo(100);
    assertThat(batch.lastOffset()).isEqualTo(120);
    assertThat(batch.recordCount()).isEqualTo(3);
    assertThat(batch.records()).extracting(Record::offset).containsExactly(102L, 107L, 108L);
  }

  @Test
  void builderRejectsOffsetsThatDoNotIncrease() {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE).baseOffset(10);
    assertThatThrownBy(() -> builder.appendWithOffset(9, 1, null, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    builder.appendWithOffset(12, 1, null, null, List.of());
    assertThatThrownBy(() -> builder.appendWithOffset(12, 1, null, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
        () -> builder.appendWithOffset(10L + Integer.MAX_VALUE + 1, 1, null, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.baseOffset(0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void builderRejectsNegativeTimestampsOtherThanNoTimestamp() {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
    assertThatThrownBy(() -> builder.append(-2, (byte[]) null, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    RecordBatch batch =
        builder.append(BatchLayout.NO_TIMESTAMP, (byte[]) null, null, List.of()).build();
    assertThat(batch.maxTimestamp()).isEqualTo(BatchLayout.NO_TIMESTAMP);
    assertThat(batch.records().get(0).timestamp()).isEqualTo(BatchLayout.NO_TIMESTAMP);
  }

  @Test
  void lastOffsetDeltaBelowTheRecordsFailsTheBuild() {
    RecordBatchBuilder builder =
        new RecordBatchBuilder(Compression.NONE)
            .appendWithOffset(5, 1, null, null, List.of())
            .lastOffsetDelta(4);
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> builder.lastOffsetDelta(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void builderMakesOneNonEmptyBatch() {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.ZSTD);
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    assertThat(builder.estimatedSizeInBytes()).isEqualTo(RECORD_BATCH_OVERHEAD);

    builder.append(1, utf8("k"), utf8("v"), List.of());
    assertThat(builder.recordCount()).isEqualTo(1);
    assertThat(builder.estimatedSizeInBytes()).isGreaterThan(RECORD_BATCH_OVERHEAD);
    RecordBatch batch = builder.build();

    assertThat(builder.estimatedSizeInBytes()).isEqualTo(batch.sizeInBytes());
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> builder.append(2, (byte[]) null, null, List.of()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void builtBatchBufferEndsWhereTheBatchEnds() {
    for (Compression compression : Compression.values()) {
      ByteBuffer buffer = sampleBatch(compression).buffer();
      assertThat(buffer.capacity()).as("%s", compression).isEqualTo(buffer.limit());
    }
  }

  @Test
  void compressionNamesAndIds() {
    for (Compression compression : Compression.values()) {
      assertThat(Compression.forId(compression.id())).isEqualTo(compression);
      assertThat(Compression.forName(compression.configName())).isEqualTo(compression);
    }
    assertThatThrownBy(() -> Compression.forId(5)).isInstanceOf(CorruptRecordException.class);
    assertThatThrownBy(() -> Compression.forName("brotli"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("none, gzip, snappy, lz4, zstd");
  }

  @Test
  void toStringNamesTheBatch() {
    RecordBatch batch = sampleBatch(Compression.LZ4);
    batch.setBaseOffset(40);
    assertThat(batch.toString())
        .contains(
            "baseOffset=40", "lastOffset=42", "count=3", "size=" + batch.sizeInBytes(), "lz4");
  }

  // ---- damaged input: only CorruptRecordException may escape ----

  @Property(tries = 500)
  void randomBytesOnlyEverFailAsCorrupt(@ForAll @Size(max = 400) byte[] bytes) {
    exerciseExpectingOnlyCorruption(ByteBuffer.wrap(bytes));
  }

  @Property(tries = 1000)
  void randomBytesBehindAPlausibleHeaderOnlyFailAsCorrupt(
      @ForAll @IntRange(min = 0, max = 7) int codecId,
      @ForAll @IntRange(min = -1, max = 200) int recordCount,
      @ForAll @Size(max = 400) byte[] section) {
    ByteBuffer bytes = ByteBuffer.allocate(RECORD_BATCH_OVERHEAD + section.length);
    bytes.putInt(LENGTH_OFFSET, bytes.limit() - LOG_OVERHEAD);
    bytes.put(MAGIC_OFFSET, BatchLayout.MAGIC);
    bytes.putShort(ATTRIBUTES_OFFSET, (short) codecId);
    bytes.putInt(RECORDS_COUNT_OFFSET, recordCount);
    bytes.put(RECORD_BATCH_OVERHEAD, section);
    RecordBatch batch = RecordBatch.wrap(bytes);
    fixCrc(batch);

    exerciseExpectingOnlyCorruption(bytes);
  }

  @Property(tries = 1000)
  void flippedBytesOfAValidBatchOnlyFailAsCorrupt(
      @ForAll Compression compression, @ForAll("flips") List<int[]> flips, @ForAll boolean fixCrc) {
    ByteBuffer bytes = copyOf(sampleBatch(compression).buffer());
    for (int[] flip : flips) {
      int index = Math.floorMod(flip[0], bytes.limit());
      bytes.put(index, (byte) (bytes.get(index) ^ flip[1]));
    }
    if (fixCrc && bytes.getInt(LENGTH_OFFSET) == bytes.limit() - LOG_OVERHEAD) {
      fixCrc(RecordBatch.wrap(bytes));
    }
    exerciseExpectingOnlyCorruption(bytes);
  }

  @Property(tries = 1000)
  void truncatedBatchesOnlyFailAsCorrupt(
      @ForAll Compression compression,
      @ForAll @IntRange(min = 0, max = 100_000) int cutSeed,
      @ForAll boolean patchLength) {
    ByteBuffer original = sampleBatch(compression).buffer();
    int cut = cutSeed % original.limit();
    ByteBuffer truncated = copyOf(original.slice(0, cut));
    // With the length patched to match (and a valid CRC) the codecs see a cut-off stream.
    if (patchLength && cut >= RECORD_BATCH_OVERHEAD) {
      truncated.putInt(LENGTH_OFFSET, cut - LOG_OVERHEAD);
      fixCrc(RecordBatch.wrap(truncated));
    }
    exerciseExpectingOnlyCorruption(truncated);
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void everyTruncationOfTheRecordsIsDetected(Compression compression) {
    ByteBuffer original = sampleBatch(compression).buffer();
    for (int cut = RECORD_BATCH_OVERHEAD; cut < original.limit(); cut++) {
      ByteBuffer truncated = copyOf(original.slice(0, cut));
      truncated.putInt(LENGTH_OFFSET, cut - LOG_OVERHEAD);
      RecordBatch batch = RecordBatch.wrap(truncated);
      fixCrc(batch);

      batch.ensureValid();
      assertThatThrownBy(batch::records)
          .as("cut at %d", cut)
          .isInstanceOf(CorruptRecordException.class);
    }
  }

  @Provide
  Arbitrary<List<int[]>> flips() {
    Arbitrary<int[]> flip =
        Arbitraries.integers()
            .greaterOrEqual(0)
            .flatMap(
                index -> Arbitraries.integers().between(1, 255).map(mask -> new int[] {index, mask}));
    return flip.list().ofMinSize(1).ofMaxSize(4);
  }

  /** Runs every read path; any exception but CorruptRecordException fails the property. */
  private static void exerciseExpectingOnlyCorruption(ByteBuffer bytes) {
    RecordBatch batch;
    try {
      batch = RecordBatch.wrap(bytes);
    } catch (CorruptRecordException expected) {
      return;
    }
    try {
      batch.ensureValid();
    } catch (CorruptRecordException expected) {
      // Keep going: records() must cope with damage the CRC would have caught.
    }
    assertThat(batch.toString()).isNotEmpty();
    try {
      List<Record> records = batch.records();
      records.forEach(
          r -> {
            r.keyBytes();
            r.valueBytes();
          });
    } catch (CorruptRecordException expected) {
      // fine
    }
    try {
      collect(RecordBatch.iterate(bytes));
    } catch (CorruptRecordException expected) {
      // fine
    }
  }

  // ---- helpers ----

  private static List<Input> sampleInputs() {
    return List.of(
        new Input(BASE_TIMESTAMP, utf8("a"), utf8("first value, first value"), List.of()),
        new Input(BASE_TIMESTAMP + 1, null, null, List.of(new Header("h", null))),
        new Input(
            BASE_TIMESTAMP + 2,
            utf8("c"),
            utf8("third value, third value"),
            List.of(new Header("k", utf8("v")))));
  }

  private static RecordBatch sampleBatch(Compression compression) {
    return SampleRecords.appendAll(new RecordBatchBuilder(compression), sampleInputs()).build();
  }

  /** A batch with {@code template}'s header and {@code section}'s records, CRC made valid. */
  private static ByteBuffer withHeaderLike(RecordBatch template, ByteBuffer section) {
    ByteBuffer bytes = section.duplicate();
    bytes.put(0, template.buffer(), 0, RECORD_BATCH_OVERHEAD);
    bytes.putInt(LENGTH_OFFSET, bytes.limit() - LOG_OVERHEAD);
    fixCrc(RecordBatch.wrap(bytes));
    return bytes;
  }

  private static void fixCrc(RecordBatch batch) {
    batch.buffer().putInt(CRC_OFFSET, (int) RecordBatch.computeChecksum(batch.buffer()));
  }

  private static ByteBuffer copyOf(ByteBuffer source) {
    ByteBuffer copy = ByteBuffer.allocate(source.remaining());
    copy.put(source.duplicate()).flip();
    return copy;
  }

  private static ByteBuffer concat(List<RecordBatch> batches) {
    ByteBuffer log = ByteBuffer.allocate(batches.stream().mapToInt(RecordBatch::sizeInBytes).sum());
    batches.forEach(b -> log.put(b.buffer()));
    return log.flip();
  }

  private static List<RecordBatch> collect(Iterable<RecordBatch> batches) {
    List<RecordBatch> result = new ArrayList<>();
    batches.forEach(result::add);
    return Collections.unmodifiableList(result);
  }

  private static List<Long> offsets(long from, int count) {
    List<Long> offsets = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      offsets.add(from + i);
    }
    return offsets;
  }

  private static int estimateUncompressed(List<Input> inputs) {
    return SampleRecords.appendAll(new RecordBatchBuilder(Compression.NONE), inputs)
        .build()
        .sizeInBytes();
  }
}
