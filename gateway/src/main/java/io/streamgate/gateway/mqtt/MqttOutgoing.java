package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.streamgate.logstore.TopicPartition;
import java.util.List;

/**
 * A message ready to go to a client: a record of {@code partition} at {@code offset}, or a
 * retained message (no partition); {@code retain} is the RETAIN flag it goes with;
 * {@code subscriptionIds} the MQTT 5 Subscription Identifiers of the subscriptions it matched;
 * {@code share} the shared subscription it came through, if any. Made by {@link MqttMessages}.
 */
record MqttOutgoing(String topic, byte[] payload, MqttQoS qos, TopicPartition partition, long offset, boolean retain,
    List<Integer> subscriptionIds, MqttSharedSubscription share) {
  /** A record resent from a stored session, without RETAIN. */
  MqttOutgoing(String topic, byte[] payload, MqttQoS qos, TopicPartition partition, long offset) {
    this(topic, payload, qos, partition, offset, false, List.of(), null);
  }

  boolean isRetained() {
    return partition == null;
  }

  MqttOutgoing sharedBy(MqttSharedSubscription subscription) {
    return new MqttOutgoing(topic, payload, qos, partition, offset, retain, subscriptionIds, subscription);
  }
}
