package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** CONNECT and the life of a connection: keep-alive, assigned client ids, takeover, the announced address. */
class MqttConnectTest extends MqttNodeTest {
  MqttConnectTest() {
    // Two instances share the port, as in production.
    super(Map.of("mqtt-instances", "2"));
  }

  @Test
  void aClientSilentForOneAndAHalfKeepAlivesIsDisconnectedAndPingsKeepItAlive() throws Exception {
    try (RawMqttClient pinging = new RawMqttClient(node.mqttPort(), 4); RawMqttClient silent = new RawMqttClient(node.mqttPort(), 4)) {
      pinging.connectack("pinging", 1);
      silent.connectack("silent", 1);
      long started = System.nanoTime();
      // The silent client is closed after 1.5 s (§3.1.2.10); the other pings every half second meanwhile.
      for (int i = 0; i < 6; i++) {
        pinging.pingreq();
        assertThat(pinging.read().type()).isEqualTo(RawMqttClient.PINGRESP);
        pinging.poll(500);
      }
      assertThat(silent.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(1400));
      pinging.pingreq();
      assertThat(pinging.read().type()).isEqualTo(RawMqttClient.PINGRESP);
    }
  }

  @Test
  void anMqtt5ClientWithoutAnIdIsGivenOneAndTheServersLimits() throws Exception {
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 5)) {
      RawMqttClient.Packet connack = client.connectack("", 0);
      assertThat(connack.body()[1]).isZero();
      String properties = new String(connack.body(), UTF_8);
      assertThat(properties).contains("streamgate-");  // Assigned Client Identifier (0x12)
      assertThat(connack.body()).contains((byte) 0x21, (byte) 0x27);  // Receive Maximum, Maximum Packet Size
    }
  }

  @Test
  void aSecondConnectionWithTheSameClientIdTakesOverTheFirst() throws Exception {
    try (RawMqttClient first = new RawMqttClient(node.mqttPort(), 5); RawMqttClient second = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(first.connect("same-id")).isZero();
      assertThat(second.connect("same-id")).isZero();
      RawMqttClient.Packet disconnect = first.read();
      assertThat(disconnect.type()).isEqualTo(RawMqttClient.DISCONNECT);
      assertThat(disconnect.body()[0] & 0xff).isEqualTo(0x8E);  // Session taken over
      second.publish("takeover/x", "still here".getBytes(UTF_8), 1, 1, false);
      assertThat(second.read().type()).isEqualTo(RawMqttClient.PUBACK);
    }
  }

  @Test
  void theNodeAnnouncesItsMqttAddressAndCountsConnections() throws Exception {
    JsonNode nodes = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/cluster")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body())
        .get("nodes");
    assertThat(nodes.get(0).get("mqttAddress").asText()).isEqualTo("127.0.0.1:" + node.mqttPort());
    AtomicInteger open = new AtomicInteger();
    try (RawMqttClient a = new RawMqttClient(node.mqttPort(), 4); RawMqttClient b = new RawMqttClient(node.mqttPort(), 4)) {
      a.connect("count-a");
      b.connect("count-b");
      open.set((int) rest.metric("streamgate_mqtt_connections"));
    }
    assertThat(open.get()).isGreaterThanOrEqualTo(2);
    await().atMost(Duration.ofSeconds(10)).until(() -> rest.metric("streamgate_mqtt_connections") == 0);
  }
}
