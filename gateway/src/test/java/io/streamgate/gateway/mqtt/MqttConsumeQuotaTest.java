package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;

/**
 * The consume quota over MQTT (authentication off, so the subscriber is User:ANONYMOUS): a
 * subscriber offered far more than its quota for several seconds is delivered at the quota's rate,
 * within ±10% (payload bytes received over the time to the last one, measured by the test).
 */
class MqttConsumeQuotaTest extends MqttNodeTest {
  private static final long CONSUME_RATE = 100_000;
  private static final int PAYLOAD_BYTES = 16 * 1024;
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(6);
  private static final int RECORDS = 80;

  MqttConsumeQuotaTest() {
    super(Map.of("quota-consume-bytes-per-second", String.valueOf(CONSUME_RATE)));
  }

  @Test
  void aSubscriberIsDeliveredAtItsQuota() throws Exception {
    String topic = unique("quota");
    rest.createTopic(topic, 1, "{\"value.format\":\"string\"}");
    AtomicLong received = new AtomicLong();
    AtomicLong messages = new AtomicLong();
    AtomicLong lastReceived = new AtomicLong();
    MqttClient client = Paho.v3(node.mqttPort(), unique("subscriber"));
    try {
      client.subscribe(topic + "/#", 1, (mqttTopic, message) -> {
        received.addAndGet(message.getPayload().length);
        messages.incrementAndGet();
        lastReceived.set(System.nanoTime());
      });
      long started = System.nanoTime();
      String value = "x".repeat(PAYLOAD_BYTES);
      for (int request = 0; request < RECORDS / 8; request++) {
        StringBuilder envelope = new StringBuilder("{\"records\":[");
        for (int i = 0; i < 8; i++) {
          envelope.append(i == 0 ? "" : ",").append("{\"key\":\"").append(topic).append("/k\",\"value\":\"").append(value).append("\"}");
        }
        rest.produce(topic, envelope.append("]}").toString());
      }
      // The measurement window (not a wait for a condition): whatever arrived in it counts.
      TimeUnit.NANOSECONDS.sleep(RUN_NANOS - (System.nanoTime() - started));
      double rate = received.get() / ((lastReceived.get() - started) / 1e9);
      System.out.printf("MQTT delivery: %d bytes received in %.2f s = %.0f B/s against a quota of %d B/s%n", received.get(),
          (lastReceived.get() - started) / 1e9, rate, CONSUME_RATE);
      assertThat(messages.get()).as("messages delivered in the window: fewer than offered").isLessThan(RECORDS);
      assertThat(rate).isBetween(CONSUME_RATE * 0.9, CONSUME_RATE * 1.1);
    } finally {
      Paho.closeQuietly(client);
    }
  }
}
