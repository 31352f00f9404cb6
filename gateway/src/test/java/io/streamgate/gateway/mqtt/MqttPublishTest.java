package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.Acks;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.ProducerIds;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;

/** MQTT PUBLISH into the log, read back over REST: QoS 0, 1 and 2, the default and configured mappings. */
class MqttPublishTest extends MqttNodeTest {
  MqttPublishTest() {
    super(Map.of("mqtt-topic-mappings", "factory/+/temperature -> temperatures {2}"));
  }

  @Test
  void qos0And1PublishesOfAnMqtt311ClientAreRecordsOfTheFirstLevelsTopic() throws Exception {
    MqttClient client = Paho.v3(node.mqttPort(), "kitchen-sensor");
    try {
      client.publish("home/kitchen/temp", "21.5".getBytes(UTF_8), 1, false);
      // QoS 1 is acknowledged only once committed: readable at once.
      JsonNode records = rest.records("home", 0);
      assertThat(records).hasSize(1);
      JsonNode record = records.get(0);
      assertThat(record.get("key").asText()).isEqualTo("home/kitchen/temp");
      assertThat(record.get("value").asText()).isEqualTo("21.5");
      assertThat(record.get("headers").get("mqtt.topic").asText()).isEqualTo("home/kitchen/temp");
      assertThat(record.get("headers").get("mqtt.qos").asText()).isEqualTo("1");
      assertThat(record.get("headers").get("mqtt.clientId").asText()).isEqualTo("kitchen-sensor");

      client.publish("home/hall/light", "on".getBytes(UTF_8), 0, false);
      await().atMost(Duration.ofSeconds(10)).until(() -> rest.records("home", 0).size() == 2);
      JsonNode qos0 = rest.records("home", 0).get(1);
      assertThat(qos0.get("key").asText()).isEqualTo("home/hall/light");
      assertThat(qos0.get("headers").get("mqtt.qos").asText()).isEqualTo("0");
    } finally {
      Paho.closeQuietly(client);
    }
  }

  /**
   * Each batch of PUBLISHes carries an idempotency id of its own, so that the same batch asked of a
   * leader again (the router's retry after a leadership move, when the old leader took it in the
   * overlap) is answered with its first offsets and stored once: before, a rolling restart stored
   * 1–5 QoS 1 messages twice.
   */
  @Test
  void aPublishedBatchAskedOfItsLeaderAgainIsStoredOnce() throws Exception {
    MqttClient client = Paho.v3(node.mqttPort(), "retried-sensor");
    try {
      for (String value : List.of("1", "2", "3")) {
        client.publish("retried/sensor", value.getBytes(UTF_8), 1, false);
      }
    } finally {
      Paho.closeQuietly(client);
    }
    TopicPartition partition = new TopicPartition("retried", 0);
    List<RecordBatch> stored = read(partition).batchList();
    assertThat(stored).allSatisfy(batch -> assertThat(ProducerIds.isIdempotencyKey(batch.producerId()))
        .as("batch at %d carries an idempotency id", batch.baseOffset()).isTrue());
    assertThat(stored.stream().map(RecordBatch::producerId).distinct()).as("one id per batch").hasSize(stored.size());

    RecordBatch first = stored.get(0);
    ByteBuffer again = ByteBuffer.allocate(first.sizeInBytes()).put(first.buffer()).flip();
    AppendResult answered = node.service().append(partition, RecordBatch.wrap(again), Acks.ALL).get(30, TimeUnit.SECONDS);
    assertThat(answered.baseOffset()).as("the first append's offset, answered again").isEqualTo(first.baseOffset());
    assertThat(rest.records("retried", 0)).extracting(record -> record.get("value").asText()).containsExactly("1", "2", "3");
  }

  private ReadResult read(TopicPartition partition) throws Exception {
    return node.service().read(partition, 0, 1 << 20).get(30, TimeUnit.SECONDS);
  }

  @Test
  void mqtt5PublishesAreCommittedWhenAcknowledgedAndBinaryPayloadsReadBackAsBase64() throws Exception {
    org.eclipse.paho.mqttv5.client.MqttClient client = Paho.v5(node.mqttPort(), "v5-publisher");
    try {
      client.publish("binary/blob", new MqttMessage(new byte[] {(byte) 0xff, 0, 1}, 1, false, new MqttProperties()));
      JsonNode record = rest.records("binary", 0).get(0);
      assertThat(record.get("valueBase64").asText()).isEqualTo("/wAB");
      assertThat(record.get("headers").get("mqtt.clientId").asText()).isEqualTo("v5-publisher");
    } finally {
      Paho.closeQuietly(client);
    }
  }

  @Test
  void configuredRulesMapTopicsToALogTopicAndKey() throws Exception {
    MqttClient client = Paho.v3(node.mqttPort(), "line-sensor");
    try {
      client.publish("factory/line1/temperature", "70".getBytes(UTF_8), 1, false);
      client.publish("factory/line1/pressure", "2".getBytes(UTF_8), 1, false);
      JsonNode temperatures = rest.records("temperatures", 0);
      assertThat(temperatures).hasSize(1);
      assertThat(temperatures.get(0).get("key").asText()).isEqualTo("line1");
      assertThat(temperatures.get(0).get("headers").get("mqtt.topic").asText()).isEqualTo("factory/line1/temperature");
      // No rule but the default matches the pressure: the first level names the topic.
      assertThat(rest.records("factory", 0).get(0).get("key").asText()).isEqualTo("factory/line1/pressure");
    } finally {
      Paho.closeQuietly(client);
    }
  }

  @Test
  void aJsonTopicTakesJsonPayloadsAndDisconnectsAClientThatSendsOtherBytes() throws Exception {
    rest.createTopic("readings", 1, "{\"value.format\":\"json\"}");
    org.eclipse.paho.mqttv5.client.MqttClient client = Paho.v5(node.mqttPort(), "json-publisher");
    AtomicInteger disconnectReason = new AtomicInteger(-1);
    client.setCallback(new DisconnectRecorder(disconnectReason));
    try {
      client.publish("readings/a", new MqttMessage("{\"t\":21}".getBytes(UTF_8), 1, false, new MqttProperties()));
      assertThat(rest.records("readings", 0).get(0).get("value").get("t").asInt()).isEqualTo(21);

      try {
        client.publish("readings/a", new MqttMessage("not json".getBytes(UTF_8), 0, false, new MqttProperties()));
      } catch (MqttException closedMeanwhile) {
        // The server closed the connection while Paho was still at it: the reaction under test.
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> disconnectReason.get() >= 0);
      assertThat(disconnectReason.get()).isEqualTo(0x99);  // Payload format invalid
      assertThat(rest.records("readings", 0)).hasSize(1);
    } finally {
      Paho.closeQuietly(client);
    }
  }

  @Test
  void aQos2PacketIdIsWrittenOnceUntilItIsReleased() throws Exception {
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(client.connect("qos2-client")).isZero();
      client.publish("exactly/once", "first".getBytes(UTF_8), 2, 7, false);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.PUBREC);
      // The same packet id again before PUBREL, as a client resends after a lost PUBREC: no second record.
      client.publish("exactly/once", "first".getBytes(UTF_8), 2, 7, true);
      RawMqttClient.Packet again = client.read();
      assertThat(again.type()).isEqualTo(RawMqttClient.PUBREC);
      assertThat(again.packetId()).isEqualTo(7);
      client.pubrel(7);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.PUBCOMP);
      // Released: the id may now carry a new message.
      client.publish("exactly/once", "second".getBytes(UTF_8), 2, 7, false);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.PUBREC);
      client.pubrel(7);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.PUBCOMP);
    }
    JsonNode records = rest.records("exactly", 0);
    assertThat(records).hasSize(2);
    assertThat(records.get(0).get("value").asText()).isEqualTo("first");
    assertThat(records.get(1).get("value").asText()).isEqualTo("second");
    assertThat(records.get(0).get("headers").get("mqtt.qos").asText()).isEqualTo("2");
  }

  @Test
  void pahoQos2PublishesAreWrittenOnce() throws Exception {
    org.eclipse.paho.mqttv5.client.MqttClient client = Paho.v5(node.mqttPort(), "paho-qos2");
    try {
      for (int i = 0; i < 5; i++) {
        client.publish("twice/x", new MqttMessage(("m" + i).getBytes(UTF_8), 2, false, new MqttProperties()));
      }
      assertThat(rest.records("twice", 0)).extracting(r -> r.get("value").asText()).containsExactly("m0", "m1", "m2", "m3", "m4");
    } finally {
      Paho.closeQuietly(client);
    }
  }

  @Test
  void acksComeInPublishOrderAcrossPartitions() throws Exception {
    rest.createTopic("ordered", 4, "{\"value.format\":\"string\"}");
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(client.connect("pipelining")).isZero();
      for (int id = 1; id <= 50; id++) {
        client.publish("ordered/" + id, ("v" + id).getBytes(UTF_8), 1, id, false);
      }
      for (int id = 1; id <= 50; id++) {
        RawMqttClient.Packet ack = client.read();
        assertThat(ack.type()).isEqualTo(RawMqttClient.PUBACK);
        assertThat(ack.packetId()).isEqualTo(id);
      }
    }
    int total = 0;
    for (int p = 0; p < 4; p++) {
      total += rest.records("ordered", p).size();
    }
    assertThat(total).isEqualTo(50);
  }

  @Test
  void aBurstOfPublishesIsBatchedUnderTheTopicsRecordLimitAndAMessageOverItIsRefused() throws Exception {
    rest.createTopic("small", 1, "{\"value.format\":\"string\",\"max.record.bytes\":2048}");
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(client.connect("burster")).isZero();
      String value = "v".repeat(200);
      for (int id = 1; id <= 50; id++) {
        client.publish("small/x", (id + value).getBytes(UTF_8), 1, id, false);
      }
      for (int id = 1; id <= 50; id++) {
        assertThat(client.read().packetId()).isEqualTo(id);
      }
      client.publish("small/x", new byte[4096], 1, 51, false);
      RawMqttClient.Packet disconnect = client.read();
      assertThat(disconnect.type()).isEqualTo(RawMqttClient.DISCONNECT);
      assertThat(disconnect.body()[0] & 0xff).isEqualTo(0x95);  // Packet too large (for the topic)
    }
    JsonNode records = rest.records("small", 0);
    assertThat(records).hasSize(50);
    for (int i = 0; i < 50; i++) {
      assertThat(records.get(i).get("value").asText()).startsWith((i + 1) + "v");
    }
  }

  /** Records the reason code of the server's DISCONNECT. */
  static final class DisconnectRecorder implements MqttCallback {
    private final AtomicInteger reason;

    DisconnectRecorder(AtomicInteger reason) {
      this.reason = reason;
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
      reason.set(response.getReturnCode());
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {}

    @Override
    public void messageArrived(String topic, MqttMessage message) {}

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }
}
