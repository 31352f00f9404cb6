package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Persistent sessions: subscriptions and unacknowledged deliveries across reconnects and node restarts; clean sessions. */
// A client that waits for an answer that never comes must fail the test, not hang the build.
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MqttSessionTest {
  @TempDir Path dir;
  StreamgateNode node;
  Rest rest;

  @BeforeEach
  void start() {
    node = startNode();
  }

  @AfterEach
  void stop() {
    TestNodes.stop(node);
  }

  private StreamgateNode startNode() {
    StreamgateNode started = TestNodes.start(dir, Map.of("mqtt-port", "-1"));
    rest = new Rest(started);
    return started;
  }

  private void restartNode() {
    TestNodes.stop(node);
    node = startNode();
  }

  @Test
  void aPersistentSessionKeepsItsSubscriptionsAndGetsWhatWasPublishedWhileAway() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    MqttClient client = persistentV3("keeper", got);
    assertThat(connect(client, false).getSessionPresent()).isFalse();
    client.subscribe("inbox/#", 1);
    client.disconnect();

    // The subscription made the topic (a string topic, as MQTT makes them).
    rest.produce("inbox",
        "{\"records\":[{\"key\":\"inbox/a\",\"value\":\"while away 1\"},{\"key\":\"inbox/b\",\"value\":\"while away 2\"}]}");

    assertThat(connect(client, false).getSessionPresent()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 2);
    assertThat(got).containsExactly("while away 1", "while away 2");
    client.disconnect();

    // A clean session drops what was kept.
    assertThat(connect(client, true).getSessionPresent()).isFalse();
    client.disconnect();
    assertThat(connect(client, false).getSessionPresent()).isFalse();
    client.disconnect();
    client.close();
  }

  @Test
  void aResumedSessionReadsATopicCreatedWhileItWasAwayFromItsStart() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    MqttClient client = persistentV3("wanderer", got);
    connect(client, false);
    client.subscribe("+/postcard", 1);
    client.disconnect();

    rest.createTopic("lisbon", 2, "{\"value.format\":\"string\"}");
    rest.produce("lisbon", "{\"records\":[{\"key\":\"lisbon/postcard\",\"value\":\"sunny\"}]}");

    assertThat(connect(client, false).getSessionPresent()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("sunny"));
    assertThat(got).containsExactly("sunny");
    client.disconnect();
    client.close();
  }

  @Test
  void anUnacknowledgedDeliveryIsSentAgainWithItsPacketIdAfterAReconnectAndAfterARestart() throws Exception {
    rest.createTopic("orders", 1, "{\"value.format\":\"string\"}");
    RawMqttClient.Packet first;
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      client.connectack("unacked", 0, false, 0, null);
      client.subscribe(1, "orders/#", 1);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.SUBACK);
      rest.produce("orders", "{\"records\":[{\"key\":\"orders/1\",\"value\":\"one\"}]}");
      first = client.read();
      assertThat(first.dup()).isFalse();
      // Gone without a PUBACK.
    }
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      RawMqttClient.Packet connack = client.connectack("unacked", 0, false, 0, null);
      assertThat(connack.body()[0] & 1).as("session present").isEqualTo(1);
      RawMqttClient.Packet again = client.read();
      assertThat(again.dup()).isTrue();
      assertThat(again.publishPacketId()).isEqualTo(first.publishPacketId());
      assertThat(again.payload()).isEqualTo("one");
    }

    restartNode();
    rest.produce("orders", "{\"records\":[{\"key\":\"orders/2\",\"value\":\"two\"}]}");
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      RawMqttClient.Packet connack = client.connectack("unacked", 0, false, 0, null);
      assertThat(connack.body()[0] & 1).as("session present after a restart").isEqualTo(1);
      RawMqttClient.Packet again = client.read();
      assertThat(again.dup()).isTrue();
      assertThat(again.publishPacketId()).isEqualTo(first.publishPacketId());
      assertThat(again.payload()).isEqualTo("one");
      client.puback(again.publishPacketId());
      RawMqttClient.Packet next = client.read();
      assertThat(next.payload()).isEqualTo("two");
      client.puback(next.publishPacketId());
      client.disconnect();
    }
  }

  @Test
  void anMqtt5SessionWithAnExpiryOutlivesARestart() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    org.eclipse.paho.mqttv5.client.MqttClient client = new org.eclipse.paho.mqttv5.client.MqttClient(
        "tcp://127.0.0.1:" + node.mqttPort(), "v5-keeper", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    client.connect(v5Options(node, true));
    client.subscribe(
        new org.eclipse.paho.mqttv5.common.MqttSubscription[] {new org.eclipse.paho.mqttv5.common.MqttSubscription("v5box/#", 1)},
        new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(topic, message) -> got.add(new String(message.getPayload(), UTF_8))});
    client.disconnect();
    client.close();

    restartNode();
    rest.produce("v5box", "{\"records\":[{\"key\":\"v5box/x\",\"value\":\"kept\"}]}");
    org.eclipse.paho.mqttv5.client.MqttClient again = new org.eclipse.paho.mqttv5.client.MqttClient(
        "tcp://127.0.0.1:" + node.mqttPort(), "v5-keeper", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    again.setCallback(Paho.V5Callback.collecting(got));
    org.eclipse.paho.mqttv5.client.IMqttToken token = again.connectWithResult(v5Options(node, false));
    assertThat(token.getSessionPresent()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("kept"));
    Paho.closeQuietly(again);
  }

  @Test
  void aNodeStoppingSavesTheSessionsOfItsConnectedClients() throws Exception {
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 5)) {
      client.connectack("still-connected", 0, false, 3600, null);
      client.subscribe(1, "shutdown/#", 1);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.SUBACK);
      rest.produce("shutdown", "{\"records\":[{\"key\":\"shutdown/a\",\"value\":\"before\"}]}");
      RawMqttClient.Packet before = client.read();
      client.puback(before.publishPacketId());
      restartNode();
      // Told why the connection ended: the server is shutting down.
      RawMqttClient.Packet disconnect = client.read();
      assertThat(disconnect.type()).isEqualTo(RawMqttClient.DISCONNECT);
      assertThat(disconnect.body()[0] & 0xff).isEqualTo(0x8B);
    }
    rest.produce("shutdown", "{\"records\":[{\"key\":\"shutdown/b\",\"value\":\"after\"}]}");
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 5)) {
      RawMqttClient.Packet connack = client.connectack("still-connected", 0, false, 3600, null);
      assertThat(connack.body()[0] & 1).as("session present").isEqualTo(1);
      RawMqttClient.Packet after = client.read();
      assertThat(after.topic()).isEqualTo("shutdown/b");
      client.puback(after.publishPacketId());
      assertThat(client.poll(500)).as("'before' was acknowledged: not sent again").isNull();
    }
  }

  @Test
  void aQos2PacketIdAwaitingItsReleaseIsRememberedByThePersistentSession() throws Exception {
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      client.connectack("qos2-keeper", 0, false, 0, null);
      client.publish("once/x", "only once".getBytes(UTF_8), 2, 9, false);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.PUBREC);
      // Gone before PUBREL.
    }
    restartNode();
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 4)) {
      RawMqttClient.Packet connack = client.connectack("qos2-keeper", 0, false, 0, null);
      assertThat(connack.body()[0] & 1).as("session present").isEqualTo(1);
      client.publish("once/x", "only once".getBytes(UTF_8), 2, 9, true);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.PUBREC);
      client.pubrel(9);
      assertThat(client.read().type()).isEqualTo(RawMqttClient.PUBCOMP);
    }
    assertThat(rest.records("once", 0)).hasSize(1);
  }

  @Test
  void aTakeoverHandsTheSessionToTheNewConnection() throws Exception {
    rest.createTopic("handover", 1, "{\"value.format\":\"string\"}");
    try (RawMqttClient first = new RawMqttClient(node.mqttPort(), 4)) {
      first.connectack("handed", 0, false, 0, null);
      first.subscribe(1, "handover/#", 1);
      assertThat(first.read().type()).isEqualTo(RawMqttClient.SUBACK);
      try (RawMqttClient second = new RawMqttClient(node.mqttPort(), 4)) {
        RawMqttClient.Packet connack = second.connectack("handed", 0, false, 0, null);
        assertThat(connack.body()[0] & 1).as("session present").isEqualTo(1);
        assertThat(first.closedByServer()).isTrue();
        rest.produce("handover", "{\"records\":[{\"key\":\"handover/x\",\"value\":\"for the new one\"}]}");
        assertThat(second.read().payload()).isEqualTo("for the new one");
      }
    }
  }

  private static org.eclipse.paho.mqttv5.client.MqttConnectionOptions v5Options(StreamgateNode node, boolean cleanStart) {
    org.eclipse.paho.mqttv5.client.MqttConnectionOptions options = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
    options.setCleanStart(cleanStart);
    options.setSessionExpiryInterval(3600L);
    options.setConnectionTimeout(10);
    return options;
  }

  private MqttClient persistentV3(String clientId, List<String> got) throws Exception {
    MqttClient client = new MqttClient("tcp://127.0.0.1:" + node.mqttPort(), clientId, new MemoryPersistence());
    client.setCallback(new Paho.V3Collector(got));
    return client;
  }

  private static IMqttToken connect(MqttClient client, boolean clean) throws Exception {
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(clean);
    options.setConnectionTimeout(10);
    return client.connectWithResult(options);
  }
}
