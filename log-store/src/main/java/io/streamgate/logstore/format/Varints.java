package io.streamgate.logstore.format;

import io.streamgate.logstore.CorruptRecordException;
import java.nio.ByteBuffer;

/**
 * Zig-zag variable-length integers as Kafka's {@code ByteUtils} writes them in record v2: 7 bits
 * per byte, least significant group first, high bit set on every byte but the last. Zig-zag keeps
 * small negative numbers (such as -1 for a null key) to one byte.
 *
 * <p>Reads advance the buffer's position. Like Kafka, an int takes at most 5 bytes and a long at
 * most 10; a longer encoding, or a buffer that ends inside one, is a {@link
 * CorruptRecordException}. Stateless and thread-safe.
 */
public final class Varints {
  private static final int MAX_INT_SHIFT = 28;
  private static final int MAX_LONG_SHIFT = 63;

  private Varints() {}

  public static int readVarint(ByteBuffer buffer) {
    int raw = 0;
    int shift = 0;
    int b;
    while (((b = nextByte(buffer)) & 0x80) != 0) {
      raw |= (b & 0x7f) << shift;
      shift += 7;
      if (shift > MAX_INT_SHIFT) {
        throw new CorruptRecordException("varint is longer than 5 bytes");
      }
    }
    raw |= b << shift;
    return (raw >>> 1) ^ -(raw & 1);
  }

  public static long readVarlong(ByteBuffer buffer) {
    long raw = 0;
    int shift = 0;
    long b;
    while (((b = nextByte(buffer)) & 0x80) != 0) {
      raw |= (b & 0x7f) << shift;
      shift += 7;
      if (shift > MAX_LONG_SHIFT) {
        throw new CorruptRecordException("varlong is longer than 10 bytes");
      }
    }
    raw |= b << shift;
    return (raw >>> 1) ^ -(raw & 1);
  }

  public static void writeVarint(int value, ByteBuffer buffer) {
    int raw = (value << 1) ^ (value >> 31);
    while ((raw & 0xffffff80) != 0) {
      buffer.put((byte) ((raw & 0x7f) | 0x80));
      raw >>>= 7;
    }
    buffer.put((byte) raw);
  }

  public static void writeVarlong(long value, ByteBuffer buffer) {
    long raw = (value << 1) ^ (value >> 63);
    while ((raw & 0xffffffffffffff80L) != 0) {
      buffer.put((byte) ((raw & 0x7f) | 0x80));
      raw >>>= 7;
    }
    buffer.put((byte) raw);
  }

  public static int sizeOfVarint(int value) {
    int raw = (value << 1) ^ (value >> 31);
    // Bits needed, rounded up to whole 7-bit groups; zero still takes one byte.
    int bits = 32 - Integer.numberOfLeadingZeros(raw);
    return Math.max(1, (bits + 6) / 7);
  }

  public static int sizeOfVarlong(long value) {
    long raw = (value << 1) ^ (value >> 63);
    int bits = 64 - Long.numberOfLeadingZeros(raw);
    return Math.max(1, (bits + 6) / 7);
  }

  private static int nextByte(ByteBuffer buffer) {
    if (!buffer.hasRemaining()) {
      throw new CorruptRecordException("buffer ends inside a varint");
    }
    return buffer.get();
  }
}
