package io.streamgate.logstore.format;

import static io.streamgate.logstore.format.BatchLayout.ATTRIBUTES_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.BASE_OFFSET_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.BASE_SEQUENCE_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.BASE_TIMESTAMP_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.CRC_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LENGTH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LOG_OVERHEAD;
import static io.streamgate.logstore.format.BatchLayout.MAGIC;
import static io.streamgate.logstore.format.BatchLayout.MAGIC_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.MAX_TIMESTAMP_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.NO_PARTITION_LEADER_EPOCH;
import static io.streamgate.logstore.format.BatchLayout.NO_PRODUCER_EPOCH;
import static io.streamgate.logstore.format.BatchLayout.NO_PRODUCER_ID;
import static io.streamgate.logstore.format.BatchLayout.NO_SEQUENCE;
import static io.streamgate.logstore.format.BatchLayout.NO_TIMESTAMP;
import static io.streamgate.logstore.format.BatchLayout.PARTITION_LEADER_EPOCH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.PRODUCER_EPOCH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.PRODUCER_ID_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.RECORDS_COUNT_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.RECORD_BATCH_OVERHEAD;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Builds one record batch v2, byte-identical to Kafka's {@code MemoryRecordsBuilder} for
 * uncompressed batches with the same inputs (CREATE_TIME, not transactional). Records are encoded
 * straight into one growable heap buffer behind room for the header; {@link #build()} compresses
 * that region once, fills the header and computes the CRC once.
 *
 * <p>A builder makes one batch: after {@link #build()} every method but the counters throws {@link
 * IllegalStateException}. Not thread-safe.
 */
public final class RecordBatchBuilder {
  private static final int INITIAL_CAPACITY = 1024;

  /** Leaves headroom below the JVM's array size limit. */
  private static final int MAX_BUFFER_SIZE = Integer.MAX_VALUE - 16;

  private static final int NO_OVERRIDE = -1;

  private final Compression compression;
  private long baseOffset;
  private int partitionLeaderEpoch = NO_PARTITION_LEADER_EPOCH;
  private long producerId = NO_PRODUCER_ID;
  private short producerEpoch = NO_PRODUCER_EPOCH;
  private int baseSequence = NO_SEQUENCE;
  private int lastOffsetDeltaOverride = NO_OVERRIDE;

  /** Header room, then the uncompressed records; null once built. */
  private ByteBuffer buffer = ByteBuffer.allocate(INITIAL_CAPACITY).position(RECORD_BATCH_OVERHEAD);

  private int recordCount;
  private long lastOffset;
  private long baseTimestamp = NO_TIMESTAMP;
  private long maxTimestamp = NO_TIMESTAMP;
  private RecordBatch built;

  /** An empty builder: base offset 0, CREATE_TIME, no producer, no partition leader epoch. */
  public RecordBatchBuilder(Compression compression) {
    this.compression = Objects.requireNonNull(compression, "compression");
  }

  /** Sets the base offset; only before the first record, as record offsets are relative to it. */
  public RecordBatchBuilder baseOffset(long offset) {
    ensureOpen();
    if (recordCount > 0) {
      throw new IllegalStateException("base offset cannot change after records were appended");
    }
    baseOffset = offset;
    return this;
  }

  public RecordBatchBuilder partitionLeaderEpoch(int epoch) {
    ensureOpen();
    partitionLeaderEpoch = epoch;
    return this;
  }

  public RecordBatchBuilder producer(long producerId, short producerEpoch, int baseSequence) {
    ensureOpen();
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    return this;
  }

  /**
   * Appends at the next offset: the base offset for the first record, then one past the last
   * record's offset (so {@code baseOffset + recordCount()} unless offsets were skipped).
   */
  public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
    return append(timestamp, wrapNullable(key), wrapNullable(value), headers);
  }

  /** As {@link #append(long, byte[], byte[], List)}; reads key and value without moving them. */
  public RecordBatchBuilder append(
      long timestamp, ByteBuffer key, ByteBuffer value, List<Header> headers) {
    return appendWithOffset(nextOffset(), timestamp, key, value, headers);
  }

  /**
   * Appends with an explicit offset, as compaction does to keep original offsets (gaps allowed).
   *
   * @param timestamp epoch millis, or {@link BatchLayout#NO_TIMESTAMP}
   * @param key null for none; the remaining bytes are copied, the position is not moved
   * @param value null for a tombstone; as key
   * @param headers non-null, possibly empty
   * @throws IllegalArgumentException if the offset is below the base offset, not above the last
   *     record's, or more than {@code Integer.MAX_VALUE} past the base offset; or the timestamp is
   *     negative but not {@code NO_TIMESTAMP} (as Kafka refuses it)
   */
  public RecordBatchBuilder appendWithOffset(
      long offset, long timestamp, ByteBuffer key, ByteBuffer value, List<Header> headers) {
    ensureOpen();
    Objects.requireNonNull(headers, "headers (use List.of() for none)");
    int offsetDelta = checkedOffsetDelta(offset);
    if (timestamp < 0 && timestamp != NO_TIMESTAMP) {
      throw new IllegalArgumentException("invalid negative timestamp " + timestamp);
    }
    if (recordCount == 0) {
      baseTimestamp = timestamp;
    }
    long timestampDelta = timestamp - baseTimestamp;

    byte[][] headerKeys = encodeHeaderKeys(headers);
    long bodySize = bodySize(timestampDelta, offsetDelta, key, value, headers, headerKeys);
    if (bodySize > MAX_BUFFER_SIZE) {
      throw new IllegalArgumentException("record of " + bodySize + " bytes is too large");
    }
    ensureRoom(Varints.sizeOfVarint((int) bodySize) + bodySize);
    writeRecord((int) bodySize, timestampDelta, offsetDelta, key, value, headers, headerKeys);

    recordCount++;
    lastOffset = offset;
    maxTimestamp = Math.max(maxTimestamp, timestamp);
    return this;
  }

  /**
   * Makes the batch's last offset delta larger than its last record's, as compaction does to keep a
   * batch's last offset (and so the producer's last sequence) when it drops the tail records.
   * Checked against the records at {@link #build()}.
   */
  public RecordBatchBuilder lastOffsetDelta(int delta) {
    ensureOpen();
    if (delta < 0) {
      throw new IllegalArgumentException("last offset delta " + delta + " is negative");
    }
    lastOffsetDeltaOverride = delta;
    return this;
  }

  public int recordCount() {
    return recordCount;
  }

  /**
   * The size so far with records uncompressed (an upper bound for a compressible batch); after
   * {@link #build()}, the built batch's exact size.
   */
  public int estimatedSizeInBytes() {
    return built != null ? built.sizeInBytes() : buffer.position();
  }

  /**
   * Compresses the records, fills the header (base timestamp = first record's, max timestamp =
   * largest) and computes the CRC.
   *
   * @throws IllegalStateException if no record was appended, the builder was already built, or the
   *     last offset delta set is below the last record's
   */
  public RecordBatch build() {
    ensureOpen();
    if (recordCount == 0) {
      throw new IllegalStateException("cannot build an empty record batch");
    }
    int recordsLastDelta = (int) (lastOffset - baseOffset);
    if (lastOffsetDeltaOverride != NO_OVERRIDE && lastOffsetDeltaOverride < recordsLastDelta) {
      throw new IllegalStateException(
          "last offset delta "
              + lastOffsetDeltaOverride
              + " is below the last record's offset delta "
              + recordsLastDelta);
    }
    int lastDelta = Math.max(lastOffsetDeltaOverride, recordsLastDelta);

    int uncompressedEnd = buffer.position();
    ByteBuffer batch =
        compression == Compression.NONE
            ? ByteBuffer.wrap(buffer.array(), 0, uncompressedEnd)
            : CompressionCodec.compress(
                compression,
                buffer.array(),
                RECORD_BATCH_OVERHEAD,
                uncompressedEnd - RECORD_BATCH_OVERHEAD,
                RECORD_BATCH_OVERHEAD);
    writeHeader(batch, lastDelta);
    // A slice, so that the batch's capacity ends where the batch does.
    built = RecordBatch.ofBuilt(batch.slice());
    buffer = null;
    return built;
  }

  private void writeHeader(ByteBuffer batch, int lastDelta) {
    batch.putLong(BASE_OFFSET_OFFSET, baseOffset);
    batch.putInt(LENGTH_OFFSET, batch.limit() - LOG_OVERHEAD);
    batch.putInt(PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
    batch.put(MAGIC_OFFSET, MAGIC);
    // Only the codec bits: the builder makes CREATE_TIME, non-transactional, non-control batches.
    batch.putShort(ATTRIBUTES_OFFSET, (short) compression.id());
    batch.putInt(LAST_OFFSET_DELTA_OFFSET, lastDelta);
    batch.putLong(BASE_TIMESTAMP_OFFSET, baseTimestamp);
    batch.putLong(MAX_TIMESTAMP_OFFSET, maxTimestamp);
    batch.putLong(PRODUCER_ID_OFFSET, producerId);
    batch.putShort(PRODUCER_EPOCH_OFFSET, producerEpoch);
    batch.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
    batch.putInt(RECORDS_COUNT_OFFSET, recordCount);
    batch.putInt(CRC_OFFSET, (int) RecordBatch.computeChecksum(batch));
  }

  private long nextOffset() {
    return recordCount == 0 ? baseOffset : lastOffset + 1;
  }

  private int checkedOffsetDelta(long offset) {
    if (offset < baseOffset) {
      throw new IllegalArgumentException(
          "offset " + offset + " is below the base offset " + baseOffset);
    }
    if (recordCount > 0 && offset <= lastOffset) {
      throw new IllegalArgumentException(
          "offset " + offset + " does not follow the previous offset " + lastOffset);
    }
    long delta = offset - baseOffset;
    if (delta > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "offset " + offset + " is too far past the base offset " + baseOffset);
    }
    return (int) delta;
  }

  /** Header keys as UTF-8, encoded once for both sizing and writing; null when there are none. */
  private static byte[][] encodeHeaderKeys(List<Header> headers) {
    if (headers.isEmpty()) {
      return null;
    }
    byte[][] keys = new byte[headers.size()][];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = headers.get(i).key().getBytes(StandardCharsets.UTF_8);
    }
    return keys;
  }

  /** Kafka's {@code DefaultRecord.sizeOfBodyInBytes}: everything after the length varint. */
  private static long bodySize(
      long timestampDelta,
      int offsetDelta,
      ByteBuffer key,
      ByteBuffer value,
      List<Header> headers,
      byte[][] headerKeys) {
    long size =
        1 // attributes
            + Varints.sizeOfVarlong(timestampDelta)
            + Varints.sizeOfVarint(offsetDelta)
            + sizeOfNullable(key == null ? -1 : key.remaining())
            + sizeOfNullable(value == null ? -1 : value.remaining())
            + Varints.sizeOfVarint(headers.size());
    for (int i = 0; i < headers.size(); i++) {
      byte[] headerValue = headers.get(i).value();
      size +=
          sizeOfNullable(headerKeys[i].length)
              + sizeOfNullable(headerValue == null ? -1 : headerValue.length);
    }
    return size;
  }

  /** A length varint plus that many bytes; length -1 (null) is just the varint. */
  private static long sizeOfNullable(int length) {
    return Varints.sizeOfVarint(length) + (long) Math.max(length, 0);
  }

  private void writeRecord(
      int bodySize,
      long timestampDelta,
      int offsetDelta,
      ByteBuffer key,
      ByteBuffer value,
      List<Header> headers,
      byte[][] headerKeys) {
    Varints.writeVarint(bodySize, buffer);
    buffer.put((byte) 0); // record attributes: unused in magic 2
    Varints.writeVarlong(timestampDelta, buffer);
    Varints.writeVarint(offsetDelta, buffer);
    writeNullable(key);
    writeNullable(value);
    Varints.writeVarint(headers.size(), buffer);
    for (int i = 0; i < headers.size(); i++) {
      Varints.writeVarint(headerKeys[i].length, buffer);
      buffer.put(headerKeys[i]);
      byte[] headerValue = headers.get(i).value();
      if (headerValue == null) {
        Varints.writeVarint(-1, buffer);
      } else {
        Varints.writeVarint(headerValue.length, buffer);
        buffer.put(headerValue);
      }
    }
  }

  private void writeNullable(ByteBuffer bytes) {
    if (bytes == null) {
      Varints.writeVarint(-1, buffer);
      return;
    }
    int length = bytes.remaining();
    Varints.writeVarint(length, buffer);
    buffer.put(buffer.position(), bytes, bytes.position(), length);
    buffer.position(buffer.position() + length);
  }

  private void ensureRoom(long needed) {
    if (needed <= buffer.remaining()) {
      return;
    }
    long required = buffer.position() + needed;
    if (required > MAX_BUFFER_SIZE) {
      throw new IllegalArgumentException("record batch would exceed " + MAX_BUFFER_SIZE + " bytes");
    }
    int capacity = (int) Math.min(MAX_BUFFER_SIZE, Math.max(2L * buffer.capacity(), required));
    ByteBuffer grown = ByteBuffer.allocate(capacity);
    grown.put(buffer.flip());
    buffer = grown;
  }

  private void ensureOpen() {
    if (built != null) {
      throw new IllegalStateException("record batch already built");
    }
  }

  private static ByteBuffer wrapNullable(byte[] bytes) {
    return bytes == null ? null : ByteBuffer.wrap(bytes);
  }
}
