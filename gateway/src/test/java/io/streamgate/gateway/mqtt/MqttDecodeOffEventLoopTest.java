package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.Acks;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A subscriber's chunk of compressed batches is decoded off the event loop: while its decode is
 * held, another client still connects to the same (only) MQTT event loop, and the subscriber then
 * gets every record, in order.
 */
class MqttDecodeOffEventLoopTest extends MqttNodeTest {
  private static final int RECORDS = 500;
  final CountDownLatch decoding = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseDecodes() {
    release.countDown();
    RecordDecoding.decodeHook = null;
  }

  @Test
  void aCompressedChunkBeingDecodedForASubscriberDoesNotHoldItsEventLoop() throws Exception {
    rest.createTopic("zipped", 1, "{\"value.format\":\"string\"}");
    MqttClient subscriber = Paho.v3(node.mqttPort(), "zipped-reader");
    MqttClient other = null;
    try {
      List<Paho.Received> got = Paho.subscribe(subscriber, "zipped/#", 1);
      RecordDecoding.decodeHook = () -> {
        decoding.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
      RecordBatchBuilder batch = new RecordBatchBuilder(Compression.ZSTD);
      for (int i = 0; i < RECORDS; i++) {
        batch.append(1000L + i, ("zipped/" + (i % 7)).getBytes(UTF_8), ("m" + i).getBytes(UTF_8),
            List.of());
      }
      node.service().append(new TopicPartition("zipped", 0), batch.build(), Acks.ALL).get(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(15)).until(() -> decoding.getCount() == 0);

      // Same event loop (the node has one MQTT instance): a CONNECT is answered while the decode is held.
      other = Paho.v3(node.mqttPort(), "zipped-bystander");
      assertThat(other.isConnected()).isTrue();
      assertThat(got).isEmpty();

      release.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == RECORDS);
      for (int i = 0; i < RECORDS; i++) {
        assertThat(got.get(i).payload()).isEqualTo("m" + i);
        assertThat(got.get(i).topic()).isEqualTo("zipped/" + (i % 7));
      }
    } finally {
      Paho.closeQuietly(subscriber);
      Paho.closeQuietly(other);
    }
  }
}
