package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;

/**
 * Quotas over MQTT, with authentication off (every client is User:ANONYMOUS): a publisher sending
 * QoS 1 as fast as it can for several seconds has its connection's reading paused for its quota's
 * wait, which holds back its PUBACKs and so its publishes: the bytes stored over the elapsed time
 * are the quota's rate, within ±10% (measured by the test).
 */
class MqttQuotaTest extends MqttNodeTest {
  private static final long PRODUCE_RATE = 100_000;
  private static final int PAYLOAD_BYTES = 16 * 1024;
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(6);

  MqttQuotaTest() {
    super(Map.of("quota-produce-bytes-per-second", String.valueOf(PRODUCE_RATE)));
  }

  @Test
  void aPublisherIsHeldToItsQuota() throws Exception {
    String topic = unique("quota");
    rest.createTopic(topic, 1, "{\"value.format\":\"string\"}");
    byte[] payload = "x".repeat(PAYLOAD_BYTES).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    MqttClient client = Paho.v3(node.mqttPort(), unique("publisher"));
    long published = 0;
    long started = System.nanoTime();
    long lastAcked = started;
    try {
      while (System.nanoTime() - started < RUN_NANOS) {
        // Returns once the PUBACK came: after the record was written.
        client.publish(topic + "/x", payload, 1, false);
        published++;
        lastAcked = System.nanoTime();
      }
    } finally {
      Paho.closeQuietly(client);
    }
    long stored = rest.get("/v1/topics/" + topic + "/partitions/0/offsets").get("latest").asLong() * PAYLOAD_BYTES;
    double rate = stored / ((lastAcked - started) / 1e9);
    System.out.printf("MQTT publish: %d bytes stored in %.2f s = %.0f B/s against a quota of %d B/s%n", stored,
        (lastAcked - started) / 1e9, rate, PRODUCE_RATE);
    assertThat(stored).isEqualTo(published * PAYLOAD_BYTES);
    assertThat(rate).isBetween(PRODUCE_RATE * 0.9, PRODUCE_RATE * 1.1);
  }
}
