package io.streamgate.gateway.mqtt;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.util.ReferenceCountUtil;
import io.vertx.mqtt.messages.codes.MqttAuthenticateReasonCode;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubCompReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRelReasonCode;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits between Netty's MQTT decoder and vertx-mqtt and lets through only packets vertx-mqtt can
 * take: it refuses what vertx-mqtt would log as an ERROR with a stack trace and otherwise ignore or
 * drop silently. Refused: a packet the decoder could not read (0x81, or 0x95 past the size limit),
 * any packet but CONNECT before CONNECT, one only a server sends, a reason
 * code the packet type does not have (0x82, §2.4), a PUBLISH topic of ill-formed UTF-8 or with
 * U+0000 (0x81, §1.5.4), and what {@link MqttFrameCheck} refused.
 *
 * <p>A refusal once the client has sent CONNECT goes to its {@link MqttConnection} (as an
 * exception through vertx-mqtt), which logs it with the client id and disconnects it; before
 * CONNECT the screen logs it with the client's address and closes the connection. Either way it is
 * one WARN line per connection: every packet after a refusal, or once the node has ended the
 * connection, is dropped unlogged. One per connection, on its event loop.
 */
final class MqttPacketScreen extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(MqttPacketScreen.class);

  /** Packets a client may send before the CONNACK (§3.1.4) that it could not have meanwhile: past them it is refused. */
  static final int MAX_EARLY_PACKETS = 1000;

  private boolean connectSeen;
  private boolean accepted;
  /** Packets that came after CONNECT and before the CONNACK: they wait for the session to be ready. */
  private final ArrayDeque<MqttMessage> early = new ArrayDeque<>();
  /** Refused, or the node is ending the connection: nothing more reaches vertx-mqtt. */
  private boolean ending;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof MqttMessage packet)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (!ending && (!early.isEmpty() || connectSeen && !accepted)) {
      // A client need not wait for the CONNACK (§3.1.4), but vertx-mqtt drops a connection it has not accepted yet that
      // sends: hold the packets (and read no more) until the CONNACK is out.
      if (early.size() == MAX_EARLY_PACKETS) {
        ReferenceCountUtil.release(msg);
        refuse(ctx, new MqttRefusal(MqttDisconnectReasonCode.QUOTA_EXCEEDED, MAX_EARLY_PACKETS + " packets before the CONNACK"));
        return;
      }
      early.add(packet);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    screen(ctx, packet);
  }

  private void screen(ChannelHandlerContext ctx, MqttMessage packet) {
    if (ending) {
      ReferenceCountUtil.release(packet);
      return;
    }
    Throwable refusal = check(packet);
    if (refusal != null) {
      ReferenceCountUtil.release(packet);
      refuse(ctx, refusal);
      return;
    }
    MqttMessageType type = packet.fixedHeader().messageType();
    connectSeen |= type == MqttMessageType.CONNECT;
    // After its DISCONNECT a client sends nothing (§3.14.4); vertx-mqtt has closed the endpoint.
    ending |= type == MqttMessageType.DISCONNECT;
    ctx.fireChannelRead(packet);
  }

  /** Why the packet is refused, or null to let it through. */
  private Throwable check(MqttMessage packet) {
    DecoderResult decoded = packet.decoderResult();
    if (decoded.isFailure()) {
      // vertx-mqtt answers an unknown protocol version itself, with the CONNACK return code for it.
      boolean unknownVersion = decoded.cause() instanceof MqttUnacceptableProtocolVersionException && !connectSeen;
      if (unknownVersion) {
        connectSeen = true;
        return null;
      }
      return decoded.cause() instanceof DecoderException ? decoded.cause() : new DecoderException(decoded.cause());
    }
    MqttMessageType type = packet.fixedHeader().messageType();
    if (type == MqttMessageType.CONNECT) {
      return null;  // a second one MqttFrameCheck refused
    }
    if (!connectSeen) {
      return protocolError("a " + type + " before CONNECT (§3.1)");
    }
    if (type == MqttMessageType.CONNACK || type == MqttMessageType.SUBACK || type == MqttMessageType.UNSUBACK
        || type == MqttMessageType.PINGRESP) {
      return protocolError("a " + type + ", which only a server sends");
    }
    try {
      // The reason code lookups vertx-mqtt makes, which throw for a code the packet type does not have.
      Object header = packet.variableHeader();
      switch (type) {
        case PUBACK -> {
          if (header instanceof MqttPubReplyMessageVariableHeader reply) {
            MqttPubAckReasonCode.valueOf(reply.reasonCode());
          }
        }
        case PUBREC -> {
          if (header instanceof MqttPubReplyMessageVariableHeader reply) {
            MqttPubRecReasonCode.valueOf(reply.reasonCode());
          }
        }
        case PUBREL -> {
          if (header instanceof MqttPubReplyMessageVariableHeader reply) {
            MqttPubRelReasonCode.valueOf(reply.reasonCode());
          }
        }
        case PUBCOMP -> {
          if (header instanceof MqttPubReplyMessageVariableHeader reply) {
            MqttPubCompReasonCode.valueOf(reply.reasonCode());
          }
        }
        case DISCONNECT -> {
          if (header instanceof MqttReasonCodeAndPropertiesVariableHeader reason) {
            MqttDisconnectReasonCode.valueOf(reason.reasonCode());
          }
        }
        case AUTH -> {
          if (header instanceof MqttReasonCodeAndPropertiesVariableHeader reason) {
            MqttAuthenticateReasonCode.valueOf(reason.reasonCode());
          }
        }
        case PUBLISH -> {
          if (header instanceof MqttPublishVariableHeader publish && !MqttTopics.isWellFormed(publish.topicName())) {
            return new MqttRefusal(MqttDisconnectReasonCode.MALFORMED_PACKET,
                "a PUBLISH topic of ill-formed UTF-8 or with U+0000 (§1.5.4)");
          }
        }
        default -> {
          // nothing more to check
        }
      }
    } catch (IllegalArgumentException unknownCode) {
      return protocolError(unknownCode.getMessage());
    }
    return null;
  }

  private static MqttRefusal protocolError(String why) {
    return new MqttRefusal(MqttDisconnectReasonCode.PROTOCOL_ERROR, why);
  }

  private void refuse(ChannelHandlerContext ctx, Throwable refusal) {
    ending = true;
    if (connectSeen) {
      ctx.fireExceptionCaught(refusal);
    } else {
      LOG.warn("mqtt connection from {} refused ({}): {}", ctx.channel().remoteAddress(), MqttFailures.reason(refusal),
          refusal.getMessage());
      ctx.close();
    }
  }

  /** Refusals from {@link MqttFrameCheck} and the decoder come as exceptions; so do I/O errors. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (ending) {
      LOG.debug("mqtt connection from {}: after its end: {}", ctx.channel().remoteAddress(), cause.toString());
    } else if (cause instanceof MqttRefusal || cause instanceof DecoderException) {
      refuse(ctx, cause);
    } else if (!connectSeen) {
      LOG.debug("mqtt connection from {} failed before CONNECT: {}", ctx.channel().remoteAddress(), cause.toString());
      ending = true;
      ctx.close();
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  /** What the node sends tells whether the connection goes on: CONNACK accepted, or refused; DISCONNECT. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof MqttConnAckMessage connack) {
      accepted = connack.variableHeader().connectReturnCode() == MqttConnectReturnCode.CONNECTION_ACCEPTED;
      ending |= !accepted;
      // Once vertx-mqtt has the connection accepted (it is, when this write returns): the packets that waited.
      ctx.executor().execute(() -> releaseEarly(ctx));
    } else if (msg instanceof MqttMessage packet && packet.fixedHeader().messageType() == MqttMessageType.DISCONNECT) {
      ending = true;
    }
    ctx.write(msg, promise);
  }

  private void releaseEarly(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(true);
    if (early.isEmpty()) {
      return;
    }
    while (!early.isEmpty()) {
      screen(ctx, early.poll());
    }
    // Vert.x flushes what a read caused at the read's end: these packets are a read of their own.
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ending = true;
    early.forEach(ReferenceCountUtil::release);
    early.clear();
    ctx.fireChannelInactive();
  }

  /** The node is ending the connection (vertx-mqtt closes its endpoint before the channel): nothing more goes to it. */
  void ending() {
    ending = true;
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    ending = true;
    ctx.close(promise);
  }
}
