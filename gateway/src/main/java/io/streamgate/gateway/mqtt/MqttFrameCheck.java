package io.streamgate.gateway.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.util.BitSet;
import java.util.List;

/**
 * Cuts a client's bytes into whole packets for Netty's MQTT decoder, checking on the raw bytes what
 * the decoder does not: a remaining length over {@code mqtt-max-packet-bytes} is refused as soon as
 * the fixed header says so (the decoder first waits for the variable header, which a hostile client
 * never sends), and an MQTT 5 PUBLISH may give each property once, except User Property and
 * Subscription Identifier (§2.2.2.2; the decoder keeps the last of a repeated one), and a second
 * CONNECT is a protocol error (§3.1). A refusal goes
 * on as an exception to {@link MqttPacketScreen}; every byte after it is dropped.
 *
 * <p>One per connection, on its event loop.
 */
final class MqttFrameCheck extends ByteToMessageDecoder {
  /** MQTT 5 property ids, by the size of their value (§2.2.2.2). */
  private static final int USER_PROPERTY = 0x26;
  private static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
  private static final BitSet ONE_BYTE = ids(0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A);
  private static final BitSet TWO_BYTES = ids(0x13, 0x21, 0x22, 0x23);
  private static final BitSet FOUR_BYTES = ids(0x02, 0x11, 0x18, 0x27);
  private static final BitSet LENGTH_PREFIXED = ids(0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F);

  private final int maxPacketBytes;
  private boolean connectSeen;
  private boolean v5;
  private boolean refused;

  MqttFrameCheck(int maxPacketBytes) {
    this.maxPacketBytes = maxPacketBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (refused) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int start = in.readerIndex();
    int remaining = 0;
    int headerBytes = 1;
    while (true) {
      if (headerBytes > 4) {
        refuse(ctx, in, new DecoderException("a remaining length of more than 4 bytes (§1.5.5)"));
        return;
      }
      if (start + headerBytes >= in.writerIndex()) {
        return;
      }
      int digit = in.getUnsignedByte(start + headerBytes);
      remaining |= (digit & 0x7f) << (7 * (headerBytes - 1));
      headerBytes++;
      if ((digit & 0x80) == 0) {
        break;
      }
    }
    if (remaining > maxPacketBytes) {
      refuse(ctx, in,
          new TooLongFrameException("a packet of " + remaining + " bytes, over mqtt-max-packet-bytes (" + maxPacketBytes + ")"));
      return;
    }
    if (in.readableBytes() < headerBytes + remaining) {
      return;
    }
    int type = in.getUnsignedByte(start) >> 4;
    int body = start + headerBytes;
    int end = body + remaining;
    if (type == 1 && connectSeen) {
      // Before the decoder, which would take the second CONNECT's protocol level for the connection's.
      refuse(ctx, in, new MqttRefusal(MqttDisconnectReasonCode.PROTOCOL_ERROR, "a second CONNECT (§3.1)"));
      return;
    } else if (type == 1) {
      connectSeen = true;
      v5 = protocolLevel(in, body, end) == 5;
    } else if (type == 3 && v5) {
      int repeated = repeatedPublishProperty(in, in.getUnsignedByte(start), body, end);
      if (repeated >= 0) {
        refuse(ctx, in, new MqttRefusal(MqttDisconnectReasonCode.PROTOCOL_ERROR,
            "a PUBLISH gives property 0x" + Integer.toHexString(repeated) + " more than once"));
        return;
      }
    }
    out.add(in.readRetainedSlice(headerBytes + remaining));
  }

  private void refuse(ChannelHandlerContext ctx, ByteBuf in, Throwable why) {
    refused = true;
    in.skipBytes(in.readableBytes());
    ctx.fireExceptionCaught(why);
  }

  /** The CONNECT's protocol level (4: MQTT 3.1.1, 5: MQTT 5), -1 if the bytes do not say; the decoder judges the rest. */
  private static int protocolLevel(ByteBuf in, int body, int end) {
    if (body + 2 > end) {
      return -1;
    }
    int level = body + 2 + in.getUnsignedShort(body);
    return level < end ? in.getUnsignedByte(level) : -1;
  }

  /**
   * The first property an MQTT 5 PUBLISH gives twice that it may give once, or -1. Stops, finding
   * none, at anything it cannot read: the decoder refuses that packet as malformed.
   */
  private static int repeatedPublishProperty(ByteBuf in, int firstByte, int body, int end) {
    if (body + 2 > end) {
      return -1;
    }
    int at = body + 2 + in.getUnsignedShort(body) + (((firstByte >> 1) & 3) > 0 ? 2 : 0);
    long length = varint(in, at, end);
    if (length < 0) {
      return -1;
    }
    at += (int) (length & 7);
    long propertiesEnd = Math.min(end, at + (length >> 3));
    BitSet seen = new BitSet();
    while (at < propertiesEnd) {
      int id = in.getUnsignedByte(at++);
      if (id != USER_PROPERTY && id != SUBSCRIPTION_IDENTIFIER) {
        if (seen.get(id)) {
          return id;
        }
        seen.set(id);
      }
      if (ONE_BYTE.get(id)) {
        at += 1;
      } else if (TWO_BYTES.get(id)) {
        at += 2;
      } else if (FOUR_BYTES.get(id)) {
        at += 4;
      } else if (id == SUBSCRIPTION_IDENTIFIER) {
        long value = varint(in, at, end);
        if (value < 0) {
          return -1;
        }
        at += (int) (value & 7);
      } else if (LENGTH_PREFIXED.get(id) || id == USER_PROPERTY) {
        for (int strings = id == USER_PROPERTY ? 2 : 1; strings > 0; strings--) {
          if (at + 2 > end) {
            return -1;
          }
          at += 2 + in.getUnsignedShort(at);
        }
      } else {
        return -1;
      }
    }
    return -1;
  }

  /**
   * A Variable Byte Integer at {@code at} (§1.5.5) as its value times 8 plus the bytes it took, or
   * -1 if it runs past {@code end} or over 4 bytes.
   */
  private static long varint(ByteBuf in, int at, int end) {
    long value = 0;
    for (int i = 0; i < 4 && at + i < end; i++) {
      int digit = in.getUnsignedByte(at + i);
      value |= (long) (digit & 0x7f) << (7 * i);
      if ((digit & 0x80) == 0) {
        return value << 3 | (i + 1);
      }
    }
    return -1;
  }

  private static BitSet ids(int... ids) {
    BitSet set = new BitSet();
    for (int id : ids) {
      set.set(id);
    }
    return set;
  }
}
