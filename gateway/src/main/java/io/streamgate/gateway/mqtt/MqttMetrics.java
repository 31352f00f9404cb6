package io.streamgate.gateway.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.streamgate.gateway.metrics.GatewayMetrics;

/**
 * The MQTT listener's meters: connections open, messages received from publishers and sent to
 * subscribers; and its share of the node's records in and out per topic, which HTTP traffic counts
 * too. Thread-safe.
 */
final class MqttMetrics {
  private final Counter received;
  private final Counter sent;
  private final GatewayMetrics traffic;

  MqttMetrics(MeterRegistry registry, MqttClients clients, GatewayMetrics traffic) {
    this.traffic = traffic;
    Gauge.builder("streamgate.mqtt.connections", clients, MqttClients::connected)
        .description("MQTT connections open on this node").register(registry);
    received = Counter.builder("streamgate.mqtt.messages.received").description("PUBLISH packets received from MQTT clients")
        .register(registry);
    sent = Counter.builder("streamgate.mqtt.messages.sent").description("PUBLISH packets sent to MQTT subscribers")
        .register(registry);
  }

  void received() {
    received.increment();
  }

  void sent() {
    sent.increment();
  }

  /** A published message appended to a log topic. */
  void recordIn(String logTopic, int payloadBytes) {
    traffic.recordsIn(logTopic, 1, payloadBytes);
  }

  /** A record of a log topic sent to a subscriber. */
  void recordOut(String logTopic, int payloadBytes) {
    traffic.recordsOut(logTopic, 1, payloadBytes);
  }
}
