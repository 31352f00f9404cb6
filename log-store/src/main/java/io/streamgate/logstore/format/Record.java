package io.streamgate.logstore.format;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * One decoded record with its absolute offset and effective timestamp. Key and value are null when
 * absent, otherwise read-only buffers positioned at 0; for an uncompressed batch they are slices of
 * the batch's own bytes (no copy), so they are only valid while those bytes are. Share a record
 * between threads only if none of them moves the key or value buffers' positions.
 */
public record Record(
    long offset, long timestamp, ByteBuffer key, ByteBuffer value, List<Header> headers) {
  public Record {
    Objects.requireNonNull(headers, "headers (use List.of() for none)");
  }

  /** A copy of the key's bytes, or null when the record has no key. */
  public byte[] keyBytes() {
    return copy(key);
  }

  /** A copy of the value's bytes, or null when the record has no value (a tombstone). */
  public byte[] valueBytes() {
    return copy(value);
  }

  private static byte[] copy(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(buffer.position(), bytes);
    return bytes;
  }
}
