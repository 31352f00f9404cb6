package io.streamgate.gateway.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A growable byte array that JSON is written into as UTF-8: the read path renders each record
 * here and hands the whole to the response at once, instead of making a dozen small appends to a
 * Netty buffer per record. Strings stored as UTF-8 bytes are escaped byte by byte, validated in the
 * same pass, never decoded into Java strings. Escapes as Jackson does: {@code "} and {@code \},
 * and the control characters (as {@code \b \t \n \f \r}, else {@code \\u00XX}). Not thread-safe.
 */
final class JsonBytes {
  private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();
  /** The escape of each ASCII byte, or null for a byte written as it is. */
  private static final byte[][] ESCAPES = new byte[128][];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPES[c] = String.format("\\u%04X", c).getBytes(StandardCharsets.US_ASCII);
    }
    ESCAPES['\b'] = ascii("\\b");
    ESCAPES['\t'] = ascii("\\t");
    ESCAPES['\n'] = ascii("\\n");
    ESCAPES['\f'] = ascii("\\f");
    ESCAPES['\r'] = ascii("\\r");
    ESCAPES['"'] = ascii("\\\"");
    ESCAPES['\\'] = ascii("\\\\");
  }

  private byte[] bytes;
  private int length;

  JsonBytes(int capacity) {
    bytes = new byte[Math.max(16, capacity)];
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  void reset() {
    length = 0;
  }

  /** Drops what was written past {@code newLength}. */
  void truncate(int newLength) {
    if (newLength < 0 || newLength > length) {
      throw new IndexOutOfBoundsException(newLength + " of " + length);
    }
    length = newLength;
  }

  int length() {
    return length;
  }

  /** The array written into; its first {@link #length} bytes are the JSON. */
  byte[] array() {
    return bytes;
  }

  /** What was written, as a buffer over this array (not copied): write nothing more after. */
  Buffer toBuffer() {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(bytes, 0, length));
  }

  /** Appends bytes that are JSON already (punctuation, names, a json topic's values). */
  JsonBytes raw(byte[] json) {
    ensure(json.length);
    System.arraycopy(json, 0, bytes, length, json.length);
    length += json.length;
    return this;
  }

  /** Appends the remaining bytes of {@code json}, which are JSON already. */
  JsonBytes raw(ByteBuffer json) {
    int size = json.remaining();
    ensure(size);
    json.duplicate().get(bytes, length, size);
    length += size;
    return this;
  }

  /** Appends {@code value} in decimal, digit by digit into the array (no string on the way). */
  JsonBytes number(long value) {
    if (value == Long.MIN_VALUE) {
      return raw(ascii(Long.toString(value)));
    }
    ensure(20);
    if (value < 0) {
      bytes[length++] = '-';
      value = -value;
    }
    int digits = 1;
    for (long rest = value / 10; rest > 0; rest /= 10) {
      digits++;
    }
    for (int at = length + digits - 1; at >= length; at--) {
      bytes[at] = (byte) ('0' + value % 10);
      value /= 10;
    }
    length += digits;
    return this;
  }

  /** Appends {@code text} as a JSON string, quotes included. */
  JsonBytes string(String text) {
    ensure(1);
    bytes[length++] = '"';
    raw(ESCAPER.quoteAsUTF8(text));
    ensure(1);
    bytes[length++] = '"';
    return this;
  }

  /** Appends the Base64 of the remaining bytes of {@code value} as a JSON string. */
  JsonBytes base64(ByteBuffer value) {
    ensure(1);
    bytes[length++] = '"';
    raw(Base64.getEncoder().encode(value.duplicate()));
    ensure(1);
    bytes[length++] = '"';
    return this;
  }

  /**
   * Appends the remaining bytes of {@code utf8} as a JSON string, quotes included, when they are
   * valid UTF-8 (as a strict decoder judges: no overlong forms, surrogates or code points past
   * U+10FFFF); otherwise appends nothing and answers false.
   */
  boolean utf8String(ByteBuffer utf8) {
    if (!utf8.hasArray()) {
      byte[] copy = new byte[utf8.remaining()];
      utf8.duplicate().get(copy);
      return utf8String(copy, 0, copy.length);
    }
    return utf8String(utf8.array(), utf8.arrayOffset() + utf8.position(), utf8.remaining());
  }

  private boolean utf8String(byte[] in, int from, int size) {
    int start = length;
    int end = from + size;
    // Room for every byte as it is and the quotes; an escape makes room again for what follows it.
    ensure(size + 2);
    bytes[length++] = '"';
    for (int i = from; i < end;) {
      int b = in[i] & 0xFF;
      if (b < 0x80) {
        byte[] escape = ESCAPES[b];
        if (escape == null) {
          bytes[length++] = (byte) b;
        } else {
          raw(escape);
          ensure(end - i + 1);
        }
        i++;
        continue;
      }
      int sequence = sequenceLength(in, i, end);
      if (sequence == 0) {
        length = start;
        return false;
      }
      System.arraycopy(in, i, bytes, length, sequence);
      length += sequence;
      i += sequence;
    }
    bytes[length++] = '"';
    return true;
  }

  /** The length of the well-formed multi-byte sequence at {@code i} (Unicode's table 3-7), or 0. */
  private static int sequenceLength(byte[] in, int i, int end) {
    int lead = in[i] & 0xFF;
    int size;
    int secondMin = 0x80;
    int secondMax = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      size = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      size = 3;
      if (lead == 0xE0) {
        secondMin = 0xA0;
      } else if (lead == 0xED) {
        secondMax = 0x9F;
      }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      size = 4;
      if (lead == 0xF0) {
        secondMin = 0x90;
      } else if (lead == 0xF4) {
        secondMax = 0x8F;
      }
    } else {
      return 0;
    }
    if (i + size > end) {
      return 0;
    }
    int second = in[i + 1] & 0xFF;
    if (second < secondMin || second > secondMax) {
      return 0;
    }
    for (int k = 2; k < size; k++) {
      int next = in[i + k] & 0xFF;
      if (next < 0x80 || next > 0xBF) {
        return 0;
      }
    }
    return size;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(length + more, bytes.length * 2));
    }
  }
}
