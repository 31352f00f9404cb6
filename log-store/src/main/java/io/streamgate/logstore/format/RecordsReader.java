package io.streamgate.logstore.format;

import io.streamgate.logstore.CorruptRecordException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the records section of a batch (already decompressed). Every length is checked against
 * the bytes that remain before anything is sliced or allocated, so damaged input yields {@link
 * CorruptRecordException} rather than an underflow or a huge allocation. Single use (it moves the
 * section buffer's position); not thread-safe.
 */
final class RecordsReader {
  /** Attributes, timestamp delta, offset delta, key length, value length, header count. */
  private static final int MIN_BODY_SIZE = 6;

  /** A one-byte length varint in front of the smallest body. */
  private static final int MIN_RECORD_SIZE = 1 + MIN_BODY_SIZE;

  /** Key length and value length, one byte each. */
  private static final int MIN_HEADER_SIZE = 2;

  private final ByteBuffer records;
  private final long baseOffset;
  private final long baseTimestamp;
  private final long logAppendTime;
  private final boolean useLogAppendTime;

  /**
   * @param records read-only buffer holding exactly the records section; key and value buffers
   *     handed out are slices of it
   */
  RecordsReader(
      ByteBuffer records,
      long baseOffset,
      long baseTimestamp,
      TimestampType type,
      long maxTimestamp) {
    this.records = records;
    this.baseOffset = baseOffset;
    this.baseTimestamp = baseTimestamp;
    this.useLogAppendTime = type == TimestampType.LOG_APPEND_TIME;
    this.logAppendTime = maxTimestamp;
  }

  List<Record> readAll(int declaredCount) {
    checkDeclaredCount(declaredCount);
    List<Record> result = new ArrayList<>(declaredCount);
    walk(declaredCount, result);
    return result;
  }

  /**
   * Checks every record exactly as {@link #readAll} does, without decoding it: nothing is allocated.
   * Returns the number of records that have no key.
   */
  int checkAll(int declaredCount) {
    checkDeclaredCount(declaredCount);
    return walk(declaredCount, null);
  }

  /** A count the section cannot hold is refused before anything is allocated for it. */
  private void checkDeclaredCount(int declaredCount) {
    if (declaredCount < 0 || declaredCount > records.remaining() / MIN_RECORD_SIZE) {
      throw new CorruptRecordException(
          "batch declares "
              + declaredCount
              + " records but its records section has only "
              + records.remaining()
              + " bytes");
    }
  }

  /**
   * Walks the framing of {@code declaredCount} records, decoding each into {@code decoded} or, when
   * it is null, only checking it. Returns the number of records without a key.
   */
  private int walk(int declaredCount, List<Record> decoded) {
    int keyless = 0;
    int sectionEnd = records.limit();
    for (int i = 0; i < declaredCount; i++) {
      if (!records.hasRemaining()) {
        throw new CorruptRecordException(
            "batch declares " + declaredCount + " records but holds only " + i);
      }
      int bodySize = Varints.readVarint(records);
      if (bodySize < MIN_BODY_SIZE || bodySize > records.remaining()) {
        throw new CorruptRecordException(
            "record "
                + i
                + " has length "
                + bodySize
                + " with "
                + records.remaining()
                + " bytes left in the batch");
      }
      int bodyEnd = records.position() + bodySize;
      // Bound reads to this record so that a bad field length cannot reach into the next one.
      records.limit(bodyEnd);
      if (decoded != null) {
        Record record = readBody();
        decoded.add(record);
        keyless += record.key() == null ? 1 : 0;
      } else {
        keyless += skipBody() ? 0 : 1;
      }
      if (records.position() != bodyEnd) {
        throw new CorruptRecordException(
            "record "
                + i
                + " has length "
                + bodySize
                + " but its fields leave "
                + (bodyEnd - records.position())
                + " bytes unread");
      }
      records.limit(sectionEnd);
    }
    if (records.hasRemaining()) {
      throw new CorruptRecordException(
          records.remaining() + " bytes follow the batch's " + declaredCount + " records");
    }
    return keyless;
  }

  private Record readBody() {
    records.get(); // Record attributes: unused in magic 2, always 0.
    long timestampDelta = Varints.readVarlong(records);
    int offsetDelta = Varints.readVarint(records);
    ByteBuffer key = readNullableBytes("key");
    ByteBuffer value = readNullableBytes("value");
    int headerCount = readHeaderCount();
    List<Header> headers = headerCount == 0 ? List.of() : readHeaders(headerCount);
    long timestamp = useLogAppendTime ? logAppendTime : baseTimestamp + timestampDelta;
    return new Record(baseOffset + offsetDelta, timestamp, key, value, headers);
  }

  /** Moves past one record body, checking it as {@link #readBody} does. Returns whether it has a key. */
  private boolean skipBody() {
    records.get();
    Varints.readVarlong(records);
    Varints.readVarint(records);
    boolean hasKey = skipNullableBytes("key");
    skipNullableBytes("value");
    int headerCount = readHeaderCount();
    for (int i = 0; i < headerCount; i++) {
      skip(readHeaderKeyLength());
      int valueLength = readLength("header value");
      skip(Math.max(0, valueLength));
    }
    return hasKey;
  }

  private int readHeaderCount() {
    int headerCount = Varints.readVarint(records);
    if (headerCount < 0 || headerCount > records.remaining() / MIN_HEADER_SIZE) {
      throw new CorruptRecordException(
          "record declares " + headerCount + " headers in " + records.remaining() + " bytes");
    }
    return headerCount;
  }

  private List<Header> readHeaders(int count) {
    Header[] headers = new Header[count];
    for (int i = 0; i < count; i++) {
      String key = new String(copyBytes(readHeaderKeyLength()), StandardCharsets.UTF_8);
      int valueLength = readLength("header value");
      headers[i] = new Header(key, valueLength < 0 ? null : copyBytes(valueLength));
    }
    return List.of(headers);
  }

  private int readHeaderKeyLength() {
    int keyLength = readLength("header key");
    if (keyLength < 0) {
      throw new CorruptRecordException("header key length " + keyLength + " is negative");
    }
    return keyLength;
  }

  /** Moves past a length-prefixed field; false for length -1 (null). */
  private boolean skipNullableBytes(String field) {
    int length = readLength(field);
    skip(Math.max(0, length));
    return length >= 0;
  }

  /** {@code length} was checked against the remaining bytes. */
  private void skip(int length) {
    records.position(records.position() + length);
  }

  /** A slice for a length-prefixed field, or null for length -1. */
  private ByteBuffer readNullableBytes(String field) {
    int length = readLength(field);
    if (length < 0) {
      return null;
    }
    ByteBuffer slice = records.slice(records.position(), length);
    records.position(records.position() + length);
    return slice;
  }

  /** A length varint that is -1 (null) or fits in the remaining bytes. */
  private int readLength(String field) {
    int length = Varints.readVarint(records);
    if (length < -1 || length > records.remaining()) {
      throw new CorruptRecordException(
          field + " length " + length + " with " + records.remaining() + " bytes left in record");
    }
    return length;
  }

  private byte[] copyBytes(int length) {
    byte[] bytes = new byte[length];
    records.get(bytes);
    return bytes;
  }
}
