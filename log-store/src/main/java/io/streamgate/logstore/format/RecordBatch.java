package io.streamgate.logstore.format;

import static io.streamgate.logstore.format.BatchLayout.ATTRIBUTES_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.BASE_OFFSET_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.BASE_SEQUENCE_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.BASE_TIMESTAMP_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.COMPRESSION_CODEC_MASK;
import static io.streamgate.logstore.format.BatchLayout.CONTROL_FLAG_MASK;
import static io.streamgate.logstore.format.BatchLayout.CRC_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LENGTH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LOG_OVERHEAD;
import static io.streamgate.logstore.format.BatchLayout.MAGIC;
import static io.streamgate.logstore.format.BatchLayout.MAGIC_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.MAX_TIMESTAMP_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.PARTITION_LEADER_EPOCH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.PRODUCER_EPOCH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.PRODUCER_ID_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.RECORDS_COUNT_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.RECORD_BATCH_OVERHEAD;
import static io.streamgate.logstore.format.BatchLayout.TIMESTAMP_TYPE_MASK;
import static io.streamgate.logstore.format.BatchLayout.TRANSACTIONAL_FLAG_MASK;

import io.streamgate.logstore.CorruptRecordException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/**
 * A view of one record batch v2 (Kafka's magic 2 format, see {@code docs/format.md}) over a byte
 * buffer that holds exactly the batch. Header fields are read straight from the bytes on every
 * call; nothing is cached, so in-place setters are seen at once.
 *
 * <p>Wrapping checks only the length framing; {@link #ensureValid()} checks magic and CRC. Reading
 * an uncompressed batch's records copies no key or value bytes.
 *
 * <p>The setters write into the wrapped bytes (a {@code ReadOnlyBufferException} if they are
 * read-only). Not thread-safe for mutation; concurrent reads of a batch nobody modifies are safe.
 */
public final class RecordBatch {
  private static final int MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

  /** Exactly the batch, position 0; only absolute reads and writes, so the position never moves. */
  private final ByteBuffer buffer;

  private RecordBatch(ByteBuffer buffer) {
    this.buffer = buffer;
  }

  /**
   * The batch that starts at {@code buffer.position()}. The result views a slice of exactly {@code
   * LOG_OVERHEAD + batchLength} bytes, shares the caller's bytes, and leaves the caller's position
   * alone. No CRC check here: call {@link #ensureValid()}.
   *
   * @throws CorruptRecordException if fewer than {@link BatchLayout#RECORD_BATCH_OVERHEAD} bytes
   *     remain, the batch length is too small for a header, or the batch runs past the limit
   */
  public static RecordBatch wrap(ByteBuffer buffer) {
    int start = buffer.position();
    int available = buffer.remaining();
    if (available < RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordException(
          "only " + available + " bytes left; a batch header takes " + RECORD_BATCH_OVERHEAD);
    }
    long size = batchSize(buffer, start);
    if (size > available) {
      throw new CorruptRecordException(
          "batch of " + size + " bytes runs past the " + available + " bytes available");
    }
    return new RecordBatch(buffer.slice(start, (int) size));
  }

  /**
   * The consecutive batches from {@code buffer.position()} to its limit, as of this call. Iteration
   * stops silently at an incomplete trailing batch, as a read cut at a byte limit leaves one. The
   * caller's position is not moved.
   *
   * @throws CorruptRecordException (from the iterator) when a batch's length field is readable but
   *     too small to hold a header
   */
  public static Iterable<RecordBatch> iterate(ByteBuffer buffer) {
    ByteBuffer view = buffer.slice();
    return () -> new BatchIterator(view);
  }

  /** {@code LOG_OVERHEAD + batchLength}, checking that the length can hold a header. */
  private static long batchSize(ByteBuffer buffer, int start) {
    int batchLength = bigEndianInt(buffer, start + LENGTH_OFFSET);
    if (batchLength < MIN_BATCH_LENGTH) {
      throw new CorruptRecordException(
          "batch length " + batchLength + " is below the minimum " + MIN_BATCH_LENGTH);
    }
    return LOG_OVERHEAD + (long) batchLength;
  }

  /** The caller's buffer may be little-endian; the format never is. */
  private static int bigEndianInt(ByteBuffer buffer, int index) {
    return (buffer.get(index) & 0xff) << 24
        | (buffer.get(index + 1) & 0xff) << 16
        | (buffer.get(index + 2) & 0xff) << 8
        | (buffer.get(index + 3) & 0xff);
  }

  public int sizeInBytes() {
    return buffer.limit();
  }

  public long baseOffset() {
    return buffer.getLong(BASE_OFFSET_OFFSET);
  }

  public long lastOffset() {
    return baseOffset() + lastOffsetDelta();
  }

  public long nextOffset() {
    return lastOffset() + 1;
  }

  public int lastOffsetDelta() {
    return buffer.getInt(LAST_OFFSET_DELTA_OFFSET);
  }

  public int partitionLeaderEpoch() {
    return buffer.getInt(PARTITION_LEADER_EPOCH_OFFSET);
  }

  public byte magic() {
    return buffer.get(MAGIC_OFFSET);
  }

  /** The stored CRC-32C, unsigned. */
  public long checksum() {
    return Integer.toUnsignedLong(buffer.getInt(CRC_OFFSET));
  }

  public short attributes() {
    return buffer.getShort(ATTRIBUTES_OFFSET);
  }

  /**
   * @throws CorruptRecordException if the codec id is not one of Kafka's
   */
  public Compression compression() {
    return Compression.forId(attributes() & COMPRESSION_CODEC_MASK);
  }

  public TimestampType timestampType() {
    return (attributes() & TIMESTAMP_TYPE_MASK) != 0
        ? TimestampType.LOG_APPEND_TIME
        : TimestampType.CREATE_TIME;
  }

  public boolean isTransactional() {
    return (attributes() & TRANSACTIONAL_FLAG_MASK) != 0;
  }

  public boolean isControl() {
    return (attributes() & CONTROL_FLAG_MASK) != 0;
  }

  public long baseTimestamp() {
    return buffer.getLong(BASE_TIMESTAMP_OFFSET);
  }

  public long maxTimestamp() {
    return buffer.getLong(MAX_TIMESTAMP_OFFSET);
  }

  public long producerId() {
    return buffer.getLong(PRODUCER_ID_OFFSET);
  }

  public short producerEpoch() {
    return buffer.getShort(PRODUCER_EPOCH_OFFSET);
  }

  public int baseSequence() {
    return buffer.getInt(BASE_SEQUENCE_OFFSET);
  }

  public int recordCount() {
    return buffer.getInt(RECORDS_COUNT_OFFSET);
  }

  public boolean isValid() {
    return validationProblem() == null;
  }

  /**
   * Checks magic, CRC-32C, and that record count and last offset delta are not negative.
   *
   * @throws CorruptRecordException naming the failed check with expected and actual values
   */
  public void ensureValid() {
    String problem = validationProblem();
    if (problem != null) {
      throw new CorruptRecordException(
          "invalid record batch at base offset " + baseOffset() + ": " + problem);
    }
  }

  private String validationProblem() {
    if (magic() != MAGIC) {
      return "magic is " + magic() + ", expected " + MAGIC;
    }
    long stored = checksum();
    long computed = computeChecksum(buffer);
    if (stored != computed) {
      return "stored CRC-32C is "
          + Long.toHexString(stored)
          + " but the bytes give "
          + Long.toHexString(computed);
    }
    if (recordCount() < 0) {
      return "record count is " + recordCount() + ", expected >= 0";
    }
    if (lastOffsetDelta() < 0) {
      return "last offset delta is " + lastOffsetDelta() + ", expected >= 0";
    }
    return null;
  }

  /** A duplicate covering exactly the batch, position 0; it shares (and may write) the bytes. */
  public ByteBuffer buffer() {
    return buffer.duplicate();
  }

  /** Sets the base offset in place; it lies outside the CRC, so the CRC stays valid. */
  public void setBaseOffset(long offset) {
    buffer.putLong(BASE_OFFSET_OFFSET, offset);
  }

  /** Sets the partition leader epoch in place; it lies outside the CRC, so the CRC stays valid. */
  public void setPartitionLeaderEpoch(int epoch) {
    buffer.putInt(PARTITION_LEADER_EPOCH_OFFSET, epoch);
  }

  /**
   * Marks the batch LOG_APPEND_TIME with {@code timestamp} as its max timestamp and recomputes the
   * CRC. As in Kafka, every record then reads with this timestamp; the per-record deltas stay.
   */
  public void setLogAppendTime(long timestamp) {
    buffer.putShort(ATTRIBUTES_OFFSET, (short) (attributes() | TIMESTAMP_TYPE_MASK));
    buffer.putLong(MAX_TIMESTAMP_OFFSET, timestamp);
    buffer.putInt(CRC_OFFSET, (int) computeChecksum(buffer));
  }

  /**
   * Decodes (and decompresses) all records, in a new list. Offsets are {@code baseOffset +
   * offsetDelta}; timestamps are {@code baseTimestamp + timestampDelta}, or the max timestamp for
   * LOG_APPEND_TIME batches. Does not check the CRC.
   *
   * @throws CorruptRecordException if the framing is malformed, a length runs past the batch, the
   *     count differs from {@link #recordCount()}, or decompression fails or exceeds 64 MiB
   */
  public List<Record> records() {
    return recordsReader().readAll(recordCount());
  }

  /**
   * Checks the framing of every record (decompressing first if needed) exactly as {@link #records()}
   * does, but decodes nothing: for an uncompressed batch nothing is allocated. Does not check the CRC.
   *
   * @return how many records have no key
   * @throws CorruptRecordException where {@link #records()} would throw it
   */
  public int checkRecords() {
    return recordsReader().checkAll(recordCount());
  }

  private RecordsReader recordsReader() {
    Compression compression = compression();
    ByteBuffer section =
        buffer.slice(RECORD_BATCH_OVERHEAD, buffer.limit() - RECORD_BATCH_OVERHEAD);
    if (compression != Compression.NONE) {
      section = CompressionCodec.decompress(compression, section);
    }
    return new RecordsReader(
        section.asReadOnlyBuffer(), baseOffset(), baseTimestamp(), timestampType(), maxTimestamp());
  }

  /** CRC-32C of a whole batch's bytes from the attributes to the end. */
  static long computeChecksum(ByteBuffer batch) {
    CRC32C crc = new CRC32C();
    crc.update(batch.duplicate().position(ATTRIBUTES_OFFSET));
    return crc.getValue();
  }

  /** Wraps a batch the builder just wrote, whose length framing is right by construction. */
  static RecordBatch ofBuilt(ByteBuffer exactBatch) {
    return new RecordBatch(exactBatch);
  }

  @Override
  public String toString() {
    int codecId = attributes() & COMPRESSION_CODEC_MASK;
    String codec =
        codecId < Compression.values().length
            ? Compression.forId(codecId).configName()
            : "unknown(" + codecId + ")";
    return "RecordBatch(baseOffset="
        + baseOffset()
        + ", lastOffset="
        + lastOffset()
        + ", count="
        + recordCount()
        + ", size="
        + sizeInBytes()
        + ", compression="
        + codec
        + ")";
  }

  /** Walks consecutive batches in a snapshot view, stopping at an incomplete tail. */
  private static final class BatchIterator implements Iterator<RecordBatch> {
    private final ByteBuffer view;
    private int position;
    private RecordBatch next;

    BatchIterator(ByteBuffer view) {
      this.view = view;
    }

    @Override
    public boolean hasNext() {
      if (next == null) {
        next = advance();
      }
      return next != null;
    }

    @Override
    public RecordBatch next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RecordBatch batch = next;
      next = null;
      return batch;
    }

    private RecordBatch advance() {
      int remaining = view.limit() - position;
      if (remaining < LOG_OVERHEAD) {
        return null;
      }
      long size = batchSize(view, position);
      if (size > remaining) {
        return null;
      }
      RecordBatch batch = new RecordBatch(view.slice(position, (int) size));
      position += (int) size;
      return batch;
    }
  }
}
