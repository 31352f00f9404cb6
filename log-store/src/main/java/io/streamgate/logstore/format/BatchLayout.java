package io.streamgate.logstore.format;

/**
 * Byte offsets of the fields of a record batch v2 (magic 2) header, Kafka's on-disk and on-wire
 * format; see {@code docs/format.md}. Each offset is derived from the previous field's offset and
 * length, as in Kafka's {@code DefaultRecordBatch}, so the layout reads top to bottom. All fields
 * are big-endian.
 */
public final class BatchLayout {
  public static final int BASE_OFFSET_OFFSET = 0;
  private static final int BASE_OFFSET_LENGTH = 8;
  public static final int LENGTH_OFFSET = BASE_OFFSET_OFFSET + BASE_OFFSET_LENGTH;
  private static final int LENGTH_LENGTH = 4;

  /** Bytes before the part of the batch that {@code batchLength} counts. */
  public static final int LOG_OVERHEAD = LENGTH_OFFSET + LENGTH_LENGTH;

  public static final int PARTITION_LEADER_EPOCH_OFFSET = LOG_OVERHEAD;
  private static final int PARTITION_LEADER_EPOCH_LENGTH = 4;
  public static final int MAGIC_OFFSET =
      PARTITION_LEADER_EPOCH_OFFSET + PARTITION_LEADER_EPOCH_LENGTH;
  private static final int MAGIC_LENGTH = 1;
  public static final int CRC_OFFSET = MAGIC_OFFSET + MAGIC_LENGTH;
  private static final int CRC_LENGTH = 4;

  /** The CRC covers everything from here to the end of the batch. */
  public static final int ATTRIBUTES_OFFSET = CRC_OFFSET + CRC_LENGTH;

  private static final int ATTRIBUTES_LENGTH = 2;
  public static final int LAST_OFFSET_DELTA_OFFSET = ATTRIBUTES_OFFSET + ATTRIBUTES_LENGTH;
  private static final int LAST_OFFSET_DELTA_LENGTH = 4;
  public static final int BASE_TIMESTAMP_OFFSET =
      LAST_OFFSET_DELTA_OFFSET + LAST_OFFSET_DELTA_LENGTH;
  private static final int BASE_TIMESTAMP_LENGTH = 8;
  public static final int MAX_TIMESTAMP_OFFSET = BASE_TIMESTAMP_OFFSET + BASE_TIMESTAMP_LENGTH;
  private static final int MAX_TIMESTAMP_LENGTH = 8;
  public static final int PRODUCER_ID_OFFSET = MAX_TIMESTAMP_OFFSET + MAX_TIMESTAMP_LENGTH;
  private static final int PRODUCER_ID_LENGTH = 8;
  public static final int PRODUCER_EPOCH_OFFSET = PRODUCER_ID_OFFSET + PRODUCER_ID_LENGTH;
  private static final int PRODUCER_EPOCH_LENGTH = 2;
  public static final int BASE_SEQUENCE_OFFSET = PRODUCER_EPOCH_OFFSET + PRODUCER_EPOCH_LENGTH;
  private static final int BASE_SEQUENCE_LENGTH = 4;
  public static final int RECORDS_COUNT_OFFSET = BASE_SEQUENCE_OFFSET + BASE_SEQUENCE_LENGTH;
  private static final int RECORDS_COUNT_LENGTH = 4;

  /** Size of the header; the records start here. */
  public static final int RECORD_BATCH_OVERHEAD = RECORDS_COUNT_OFFSET + RECORDS_COUNT_LENGTH;

  public static final byte MAGIC = 2;
  public static final long NO_PRODUCER_ID = -1;
  public static final short NO_PRODUCER_EPOCH = -1;
  public static final int NO_SEQUENCE = -1;
  public static final int NO_PARTITION_LEADER_EPOCH = -1;
  public static final long NO_TIMESTAMP = -1;

  // Attribute bits.
  static final int COMPRESSION_CODEC_MASK = 0x07;
  static final int TIMESTAMP_TYPE_MASK = 0x08;
  static final int TRANSACTIONAL_FLAG_MASK = 0x10;
  static final int CONTROL_FLAG_MASK = 0x20;

  private BatchLayout() {}
}
