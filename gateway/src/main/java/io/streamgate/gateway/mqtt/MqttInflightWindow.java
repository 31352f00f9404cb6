package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.streamgate.cluster.PartitionService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one connection has sent and not had acknowledged: the QoS 1 messages awaiting their PUBACK,
 * by packet id (1-65535, never one still held), at most {@code maxInflight} at once; and the
 * socket's backpressure. {@link #canSend} says whether a message may go now; the connection pumps
 * again on a PUBACK ({@link #acknowledge}) or when the socket drains. A resumed session's
 * unacknowledged messages go out again with their packet ids and DUP set ({@link #resend}, §4.4).
 *
 * <p>Confined to the connection's event loop.
 */
final class MqttInflightWindow {
  private static final Logger LOG = LoggerFactory.getLogger(MqttInflightWindow.class);

  private final MqttEndpoint endpoint;
  private final NetSocket socket;
  private final int maxInflight;
  private final MqttMetrics metrics;
  private final ResendReader resendReader;
  /** QoS 1 messages sent and not yet acknowledged, by packet id. */
  private final Map<Integer, MqttOutgoing> inflight = new LinkedHashMap<>();
  /** A resumed session's unacknowledged QoS 1 messages not sent again yet, by packet id. */
  private final Map<Integer, MqttSessionState.Inflight> awaitingResend = new LinkedHashMap<>();
  private int lastPacketId;
  private boolean closed;

  /** @param maxInflight QoS 1 messages that may await a PUBACK at once */
  MqttInflightWindow(PartitionService service, Context context, MqttEndpoint endpoint, NetSocket socket, int maxInflight,
      MqttMetrics metrics) {
    this.endpoint = endpoint;
    this.socket = socket;
    this.maxInflight = maxInflight;
    this.metrics = metrics;
    this.resendReader = new ResendReader(service, context, () -> MqttRetry.on(context), () -> closed);
  }

  /** Whether a message may go out now: connected, the socket keeps up and the window has room. */
  boolean canSend() {
    // vertx-mqtt closes the endpoint (a DISCONNECT came) before the connection's close reaches MqttConnection.
    return !closed && endpoint.isConnected() && !socket.writeQueueFull() && inflight.size() < maxInflight;
  }

  /** Sends a message; a QoS 1 one takes a packet id and a place in the window until its PUBACK. */
  void send(MqttOutgoing message) {
    metrics.sent();
    if (!message.isRetained()) {
      metrics.recordOut(message.partition().topic(), message.payload().length);
    }
    // A retained message goes out with RETAIN set (§3.3.1.3); a live one only through Retain As Published.
    boolean retain = message.retain();
    if (message.qos() == MqttQoS.AT_MOST_ONCE) {
      endpoint.publish(message.topic(), Buffer.buffer(message.payload()), MqttQoS.AT_MOST_ONCE, false, retain, 0,
          MqttMessages.properties(message));
      if (message.share() != null) {
        message.share().settled();
      }
      return;
    }
    int packetId = nextPacketId();
    inflight.put(packetId, message);
    endpoint.publish(message.topic(), Buffer.buffer(message.payload()), MqttQoS.AT_LEAST_ONCE, false, retain, packetId,
        MqttMessages.properties(message));
  }

  /** PUBACK: the client has the message; its place is free. False if no message awaited it. */
  boolean acknowledge(int packetId) {
    MqttOutgoing acknowledged = inflight.remove(packetId);
    if (acknowledged == null) {
      return false;
    }
    if (acknowledged.share() != null) {
      acknowledged.share().settled();
    }
    return true;
  }

  /** A stored session's unacknowledged messages: they are owed (and their packet ids held) until {@link #resend} sends them. */
  void owe(List<MqttSessionState.Inflight> unacknowledged) {
    unacknowledged.forEach(entry -> awaitingResend.put(entry.packetId(), entry));
  }

  /**
   * Sends the stored unacknowledged messages again, in order, each read back from the log
   * ({@link ResendReader}: waits out a missing leader, skips only what the log no longer has).
   */
  Future<Void> resend(List<MqttSessionState.Inflight> pending) {
    return resend(pending, 0);
  }

  private Future<Void> resend(List<MqttSessionState.Inflight> pending, int index) {
    if (index == pending.size() || closed) {
      return Future.succeededFuture();
    }
    MqttSessionState.Inflight entry = pending.get(index);
    return resendReader.recordAt(entry.partition(), entry.offset())
        .map(record -> {
          MqttOutgoing message = record.map(r -> MqttMessages.forResend(entry.partition(), entry.offset(), r)).orElse(null);
          if (message == null) {
            awaitingResend.remove(entry.packetId());
            LOG.info("mqtt client {}: unacknowledged message {} offset {} is no longer in the log (or has no MQTT topic), not sent again",
                endpoint.clientIdentifier(), entry.partition(), entry.offset());
          } else if (!closed && endpoint.isConnected()) {
            awaitingResend.remove(entry.packetId());
            inflight.put(entry.packetId(), message);
            metrics.sent();
            endpoint.publish(message.topic(), Buffer.buffer(message.payload()), MqttQoS.AT_LEAST_ONCE, true, false, entry.packetId());
          }
          return (Void) null;
        })
        .compose(v -> resend(pending, index + 1));
  }

  /**
   * The unacknowledged messages a stored session must send again: those sent from partitions and not
   * acknowledged, and those of a resumed session not sent again yet (their positions are already
   * past them). Not retained messages, nor a shared subscription's: those go to the share's other
   * subscribers instead.
   */
  List<MqttSessionState.Inflight> unacknowledged() {
    List<MqttSessionState.Inflight> sent = new ArrayList<>();
    inflight.forEach((id, message) -> {
      if (!message.isRetained() && message.share() == null) {
        sent.add(new MqttSessionState.Inflight(id, message.partition(), message.offset()));
      }
    });
    sent.addAll(awaitingResend.values());
    return sent;
  }

  void close() {
    closed = true;
  }

  /** The next packet id (1-65535) not held by an unacknowledged message. */
  private int nextPacketId() {
    do {
      lastPacketId = lastPacketId == 65_535 ? 1 : lastPacketId + 1;
    } while (inflight.containsKey(lastPacketId) || awaitingResend.containsKey(lastPacketId));
    return lastPacketId;
  }
}
