package io.streamgate.logstore.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.CorruptRecordException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.kafka.common.utils.internals.ByteUtils;
import org.junit.jupiter.api.Test;

class VarintsTest {
  private static final int[] EDGE_INTS = {
      0,
      1,
      -1,
      63,
      -64,
      64,
      -65,
      127,
      128,
      -128,
      8191,
      -8192,
      8192,
      1 << 20,
      -(1 << 20),
      (1 << 27) - 1,
      1 << 27,
      -(1 << 27) - 1,
      Integer.MAX_VALUE,
      Integer.MIN_VALUE
  };
  private static final long[] EDGE_LONGS = {
      0,
      1,
      -1,
      63,
      -64,
      64,
      -65,
      Integer.MAX_VALUE,
      Integer.MIN_VALUE,
      1L << 34,
      -(1L << 34),
      (1L << 62) - 1,
      1L << 62,
      -(1L << 62) - 1,
      Long.MAX_VALUE,
      Long.MIN_VALUE
  };

  @Test
  void knownIntEncodings() {
    assertThat(varint(0)).containsExactly(0x00);
    assertThat(varint(-1)).containsExactly(0x01);
    assertThat(varint(1)).containsExactly(0x02);
    assertThat(varint(63)).containsExactly(0x7e);
    assertThat(varint(-64)).containsExactly(0x7f);
    assertThat(varint(64)).containsExactly(0x80, 0x01);
    assertThat(varint(Integer.MAX_VALUE)).containsExactly(0xfe, 0xff, 0xff, 0xff, 0x0f);
    assertThat(varint(Integer.MIN_VALUE)).containsExactly(0xff, 0xff, 0xff, 0xff, 0x0f);
  }

  @Test
  void intEdgeValuesMatchKafka() {
    for (int value : EDGE_INTS) {
      ByteBuffer kafka = ByteBuffer.allocate(5);
      ByteUtils.writeVarint(value, kafka);
      byte[] expected = Arrays.copyOf(kafka.array(), kafka.position());

      assertThat(toBytes(b -> Varints.writeVarint(value, b))).as("%d", value).isEqualTo(expected);
      assertThat(Varints.sizeOfVarint(value)).isEqualTo(ByteUtils.sizeOfVarint(value));
      assertThat(Varints.readVarint(ByteBuffer.wrap(expected))).isEqualTo(value);
    }
  }

  @Test
  void longEdgeValuesMatchKafka() {
    for (long value : EDGE_LONGS) {
      ByteBuffer kafka = ByteBuffer.allocate(10);
      ByteUtils.writeVarlong(value, kafka);
      byte[] expected = Arrays.copyOf(kafka.array(), kafka.position());

      assertThat(toBytes(b -> Varints.writeVarlong(value, b))).as("%d", value).isEqualTo(expected);
      assertThat(Varints.sizeOfVarlong(value)).isEqualTo(ByteUtils.sizeOfVarlong(value));
      assertThat(Varints.readVarlong(ByteBuffer.wrap(expected))).isEqualTo(value);
    }
  }

  @Test
  void readAdvancesPastExactlyOneValue() {
    ByteBuffer buffer = ByteBuffer.wrap(new byte[] {(byte) 0x80, 0x01, 0x02});
    assertThat(Varints.readVarint(buffer)).isEqualTo(64);
    assertThat(buffer.position()).isEqualTo(2);
    assertThat(Varints.readVarint(buffer)).isEqualTo(1);
  }

  @Test
  void overlongEncodingsAreCorrupt() {
    byte[] sixBytes = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00};
    assertThatThrownBy(() -> Varints.readVarint(ByteBuffer.wrap(sixBytes)))
        .isInstanceOf(CorruptRecordException.class);
    byte[] elevenBytes = new byte[11];
    Arrays.fill(elevenBytes, 0, 10, (byte) 0x80);
    assertThatThrownBy(() -> Varints.readVarlong(ByteBuffer.wrap(elevenBytes)))
        .isInstanceOf(CorruptRecordException.class);
  }

  @Test
  void truncatedEncodingsAreCorrupt() {
    assertThatThrownBy(() -> Varints.readVarint(ByteBuffer.wrap(new byte[] {(byte) 0x80})))
        .isInstanceOf(CorruptRecordException.class);
    assertThatThrownBy(() -> Varints.readVarlong(ByteBuffer.allocate(0)))
        .isInstanceOf(CorruptRecordException.class);
  }

  @Property
  void anyIntRoundTripsInItsSizeLikeKafka(@ForAll int value) {
    byte[] ours = toBytes(b -> Varints.writeVarint(value, b));
    ByteBuffer kafka = ByteBuffer.allocate(5);
    ByteUtils.writeVarint(value, kafka);

    assertThat(ours).hasSize(Varints.sizeOfVarint(value));
    assertThat(ours).isEqualTo(Arrays.copyOf(kafka.array(), kafka.position()));
    ByteBuffer in = ByteBuffer.wrap(ours);
    assertThat(Varints.readVarint(in)).isEqualTo(value);
    assertThat(in.hasRemaining()).isFalse();
  }

  @Property
  void anyLongRoundTripsInItsSizeLikeKafka(@ForAll long value) {
    byte[] ours = toBytes(b -> Varints.writeVarlong(value, b));
    ByteBuffer kafka = ByteBuffer.allocate(10);
    ByteUtils.writeVarlong(value, kafka);

    assertThat(ours).hasSize(Varints.sizeOfVarlong(value));
    assertThat(ours).isEqualTo(Arrays.copyOf(kafka.array(), kafka.position()));
    ByteBuffer in = ByteBuffer.wrap(ours);
    assertThat(Varints.readVarlong(in)).isEqualTo(value);
    assertThat(in.hasRemaining()).isFalse();
  }

  private static byte[] toBytes(java.util.function.Consumer<ByteBuffer> writer) {
    ByteBuffer buffer = ByteBuffer.allocate(16);
    writer.accept(buffer);
    return Arrays.copyOf(buffer.array(), buffer.position());
  }

  private static int[] varint(int value) {
    return unsigned(toBytes(b -> Varints.writeVarint(value, b)));
  }

  private static int[] unsigned(byte[] bytes) {
    int[] result = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      result[i] = bytes[i] & 0xff;
    }
    return result;
  }
}
