package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Retained messages (MQTT 3.1.1 §3.3.1.3): the last PUBLISH with the RETAIN flag per MQTT topic,
 * delivered to whoever subscribes to a matching filter later. Kept in the compacted internal topic
 * {@code __mqtt_retained} (key: the MQTT topic; value: the QoS byte, then the payload) and mirrored on
 * every node; an empty retained payload clears the topic's message. Thread-safe.
 */
final class MqttRetained {
  static final String TOPIC = "__mqtt_retained";
  static final int PARTITIONS = 8;

  /** A retained message. */
  record Message(String topic, byte[] payload, MqttQoS qos) {}

  private final CompactedTopicMirror mirror;
  private final long maxBytes;

  /** @param maxBytes payload bytes all retained messages may hold */
  MqttRetained(CompactedTopicMirror mirror, long maxBytes) {
    this.mirror = mirror;
    this.maxBytes = maxBytes;
  }

  Future<Void> loaded() {
    return mirror.loaded();
  }

  /**
   * Keeps {@code payload} as the topic's retained message, or clears it when the payload is empty
   * (§3.3.1.3); fails with a Quota exceeded refusal when it would take the store past its limit.
   */
  Future<Void> retain(String topic, byte[] payload, MqttQoS qos) {
    if (payload.length == 0) {
      return mirror.get(topic).isPresent() ? mirror.put(topic, null).mapEmpty() : Future.succeededFuture();
    }
    long current = mirror.get(topic).map(value -> (long) value.length).orElse(0L);
    if (mirror.valueBytes() - current + payload.length + 1 > maxBytes) {
      return Future.failedFuture(new MqttRefusal(MqttDisconnectReasonCode.QUOTA_EXCEEDED,
          "retained messages would exceed mqtt-max-retained-bytes (" + maxBytes + ")"));
    }
    byte[] value = new byte[payload.length + 1];
    value[0] = (byte) qos.value();
    System.arraycopy(payload, 0, value, 1, payload.length);
    return mirror.put(topic, value).mapEmpty();
  }

  /** The retained messages whose topic matches the valid {@code filter}. */
  List<Message> matching(String filter) {
    List<Message> matching = new ArrayList<>();
    mirror.snapshot().forEach((topic, value) -> {
      if (MqttTopics.matches(filter, topic)) {
        matching.add(new Message(topic, Arrays.copyOfRange(value, 1, value.length), MqttQoS.valueOf(value[0])));
      }
    });
    return matching;
  }
}
