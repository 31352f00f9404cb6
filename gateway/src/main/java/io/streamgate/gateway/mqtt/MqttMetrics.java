package io.streamgate.gateway.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The MQTT listener's meters: connections open, messages received from publishers and sent to
 * subscribers. Thread-safe.
 */
final class MqttMetrics {
  private final Counter received;
  private final Counter sent;

  MqttMetrics(MeterRegistry registry, MqttClients clients) {
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
}
