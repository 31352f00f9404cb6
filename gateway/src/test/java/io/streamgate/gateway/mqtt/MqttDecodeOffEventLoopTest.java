package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.Acks;
import io.streamgate.gateway.HeldDecodes;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a subscriber gets of compressed batches (a partition reader's chunk, a shared subscription's
 * poll) is decoded off the event loop: while its decode is held, another client still connects to
 * the same (only) MQTT event loop, and the subscriber then gets every record, in order.
 */
class MqttDecodeOffEventLoopTest extends MqttNodeTest {
  private static final int RECORDS = 500;
  // The class's tests share one instance (MqttNodeTest): each holds decodes of its own.
  HeldDecodes decodes;

  @BeforeEach
  void holdDecodes() {
    decodes = HeldDecodes.hold();
  }

  @AfterEach
  void releaseDecodes() {
    decodes.close();
  }

  @Test
  void aCompressedChunkBeingDecodedForASubscriberDoesNotHoldItsEventLoop() throws Exception {
    rest.createTopic("zipped", 1, "{\"value.format\":\"string\"}");
    MqttClient subscriber = Paho.v3(node.mqttPort(), "zipped-reader");
    MqttClient other = null;
    try {
      List<Paho.Received> got = Paho.subscribe(subscriber, "zipped/#", 1);
      other = connectWhileADecodeIsHeld("zipped", got);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(got).hasSize(RECORDS));
      assertInOrder(got.stream().map(Paho.Received::payload).toList());
      for (int i = 0; i < RECORDS; i++) {
        assertThat(got.get(i).topic()).isEqualTo("zipped/" + (i % 7));
      }
    } finally {
      Paho.closeQuietly(subscriber);
      Paho.closeQuietly(other);
    }
  }

  @Test
  void aCompressedPollBeingDecodedForASharedSubscriberDoesNotHoldItsEventLoop() throws Exception {
    rest.createTopic("zshared", 1, "{\"value.format\":\"string\"}");
    MqttClient subscriber = Paho.v3(node.mqttPort(), "zshared-reader");
    MqttClient other = null;
    try {
      // Paho routes a message to a listener by filter, which a shared filter never matches: collect them all.
      List<String> got = new CopyOnWriteArrayList<>();
      subscriber.setCallback(new Paho.V3Collector(got));
      subscriber.subscribe("$share/readers/zshared/#", 1);
      other = connectWhileADecodeIsHeld("zshared", got);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(got).hasSize(RECORDS));
      assertInOrder(got);
    } finally {
      Paho.closeQuietly(subscriber);
      Paho.closeQuietly(other);
    }
  }

  /**
   * Writes one zstd batch of {@link #RECORDS} to the topic's partition 0 and, once its decode has
   * begun (and is held), connects another client to the same (only) MQTT event loop; then lets the decode go.
   */
  private MqttClient connectWhileADecodeIsHeld(String topic, List<?> got) throws Exception {
    RecordBatchBuilder batch = new RecordBatchBuilder(Compression.ZSTD);
    for (int i = 0; i < RECORDS; i++) {
      batch.append(1000L + i, (topic + "/" + (i % 7)).getBytes(UTF_8), ("m" + i).getBytes(UTF_8), List.of());
    }
    node.service().append(new TopicPartition(topic, 0), batch.build(), Acks.ALL).get(30, TimeUnit.SECONDS);
    decodes.awaitHeld(Duration.ofSeconds(15));

    MqttClient other = Paho.v3(node.mqttPort(), topic + "-bystander");
    assertThat(other.isConnected()).isTrue();
    assertThat(got).isEmpty();
    decodes.release();
    return other;
  }

  private static void assertInOrder(List<String> payloads) {
    for (int i = 0; i < RECORDS; i++) {
      assertThat(payloads.get(i)).isEqualTo("m" + i);
    }
  }
}
