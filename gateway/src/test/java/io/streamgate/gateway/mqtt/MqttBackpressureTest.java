package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.logstore.HighWatermarkListener;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.TopicPartition;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A subscriber that does not keep up is paused, never buffered without bound, and loses nothing. */
class MqttBackpressureTest extends MqttNodeTest {
  private static final int MAX_INFLIGHT = 5;

  MqttBackpressureTest() {
    super(Map.of("mqtt-max-inflight", String.valueOf(MAX_INFLIGHT), "stream-buffer-bytes", "1024"));
  }

  @Test
  void atMostMaxInflightQos1MessagesAwaitTheirPuback() throws Exception {
    rest.createTopic("acked", 1, "{\"value.format\":\"string\"}");
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(client.connect("slow-acker")).isZero();
      client.subscribe(1, "acked/#", 1);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.SUBACK);
      produce("acked", 0, 50, 10);

      int[] held = new int[MAX_INFLIGHT];
      for (int i = 0; i < MAX_INFLIGHT; i++) {
        RawMqttClient.Packet publish = client.read();
        assertThat(publish.type()).isEqualTo(RawMqttClient.PUBLISH);
        assertThat(publish.qos()).isEqualTo(1);
        held[i] = publish.publishPacketId();
      }
      assertThat(client.poll(500)).as("a message past the in-flight limit").isNull();

      client.puback(held[0]);
      RawMqttClient.Packet next = client.read();
      assertThat(next.type()).isEqualTo(RawMqttClient.PUBLISH);
      assertThat(client.poll(500)).as("a second message for one PUBACK").isNull();

      int received = MAX_INFLIGHT + 1;
      for (int i = 1; i < MAX_INFLIGHT; i++) {
        client.puback(held[i]);
      }
      client.puback(next.publishPacketId());
      while (received < 50) {
        RawMqttClient.Packet publish = client.read();
        client.puback(publish.publishPacketId());
        received++;
      }
      assertThat(client.poll(500)).isNull();
    }
  }

  @Test
  void aSubscriberThatStopsReadingPausesDeliveryAndGetsEverythingOnceItReadsAgain() throws Exception {
    rest.createTopic("flood", 1, "{\"value.format\":\"string\"}");
    int records = 3000;
    int valueBytes = 8 * 1024;  // 24 MB in all: far more than the socket buffers between node and client hold
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4, 4096)) {
      assertThat(client.connect("slow-reader")).isZero();
      client.subscribe(1, "flood/#", 0);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.SUBACK);
      double sentBefore = rest.metric("streamgate_mqtt_messages_sent_total");
      for (int batch = 0; batch < records / 100; batch++) {
        produce("flood", batch * 100, 100, valueBytes);
      }
      // The client reads nothing: the node sends what the socket takes, then stops reading the log.
      await().atMost(Duration.ofSeconds(30)).during(Duration.ofSeconds(1))
          .until(() -> rest.metric("streamgate_mqtt_messages_sent_total") - sentBefore < records / 2.0);

      for (int i = 0; i < records; i++) {
        RawMqttClient.Packet publish = client.read();
        assertThat(publish.type()).isEqualTo(RawMqttClient.PUBLISH);
        assertThat(publish.topic()).isEqualTo("flood/" + i);
      }
    }
  }

  @Test
  void aPublisherAheadOfItsAppendsIsPausedAndResumed() throws Exception {
    rest.createTopic("burst", 1, "{\"value.format\":\"string\"}");
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(client.connect("bursty")).isZero();
      // Ten times the in-flight limit, without waiting: the node stops reading at the limit and goes on as appends complete.
      for (int id = 1; id <= MAX_INFLIGHT * 10; id++) {
        client.publish("burst/x", ("m" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, id, false);
      }
      for (int id = 1; id <= MAX_INFLIGHT * 10; id++) {
        RawMqttClient.Packet ack = client.read();
        assertThat(ack.type()).isEqualTo(RawMqttClient.PUBACK);
        assertThat(ack.packetId()).isEqualTo(id);
      }
    }
    assertThat(rest.records("burst", 0)).hasSize(MAX_INFLIGHT * 10);
  }

  /**
   * The pause must stop the node reading the publisher's socket, not only hold its PUBACKs: with the
   * log's writer held, what the publisher manages to write stops growing at the socket buffers, far
   * below what it has to send; released, every message is appended once, in order, and acknowledged.
   */
  @Test
  void aPublisherAheadOfItsAppendsIsNotReadFromUntilTheyComplete() throws Exception {
    rest.createTopic("held", 1, "{\"value.format\":\"string\"}");
    int messages = 4000;
    byte[] payload = new byte[8 * 1024];  // 32 MB in all: far more than the socket buffers between client and node hold
    PartitionLog log = node.service().logManager().partition(new TopicPartition("held", 0));
    CountDownLatch writerHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // The writer thread moves the high watermark after an append: holding it there holds every append behind it.
    HighWatermarkListener holdWriter = (tp, hw) -> {
      if (Thread.currentThread().getName().startsWith("streamgate-log-writer")) {
        writerHeld.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    log.addListener(holdWriter);
    AtomicLong written = new AtomicLong();
    ExecutorService publisherThread = Executors.newSingleThreadExecutor();
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(client.connect("ahead")).isZero();
      Future<?> publishing = publisherThread.submit(() -> {
        for (int id = 1; id <= messages; id++) {
          client.publish("held/x", payload, 1, id, false);
          written.addAndGet(payload.length);
        }
        return null;
      });
      await().atMost(Duration.ofSeconds(30)).until(() -> writerHeld.getCount() == 0);
      AtomicLong seen = new AtomicLong(-1);
      await().atMost(Duration.ofSeconds(30)).during(Duration.ofSeconds(1))
          .until(() -> seen.getAndSet(written.get()) == written.get());
      long writtenWhileHeld = written.get();
      assertThat(writtenWhileHeld).as("bytes the node let the publisher write while its appends were held")
          .isLessThan((long) messages * payload.length / 2);

      release.countDown();
      publishing.get(60, TimeUnit.SECONDS);
      for (int id = 1; id <= messages; id++) {
        RawMqttClient.Packet ack = client.read();
        assertThat(ack.type()).isEqualTo(RawMqttClient.PUBACK);
        assertThat(ack.packetId()).isEqualTo(id);
      }
      assertThat(log.logEndOffset()).isEqualTo(messages);
    } finally {
      release.countDown();
      log.removeListener(holdWriter);
      publisherThread.shutdownNow();
    }
  }

  /** Produces {@code count} records keyed {@code topic/i} over REST. */
  private void produce(String topic, int first, int count, int valueBytes) {
    String value = "x".repeat(valueBytes);
    StringBuilder envelope = new StringBuilder("{\"records\":[");
    for (int i = first; i < first + count; i++) {
      envelope.append(i == first ? "" : ",").append("{\"key\":\"").append(topic).append('/').append(i)
          .append("\",\"value\":\"").append(value).append("\"}");
    }
    rest.produce(topic, envelope.append("]}").toString());
  }
}
