package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client need not wait for the CONNACK before sending (MQTT 3.1.1 and 5 §3.1.4). Here the
 * CONNECT takes over a connection of the same client id, so it is accepted only once that one has
 * gone: what follows the CONNECT arrives before the connection is accepted; it is held and
 * answered once it is.
 */
class MqttEarlyPacketsTest extends MqttNodeTest {

  @Test
  void packetsSentBeforeTheConnackAreAnsweredOnceTheConnectionIsAccepted() throws Exception {
    rest.createTopic("eager", 1, "{\"value.format\":\"string\"}");
    for (int version : new int[] {4, 5}) {
      try (RawMqttClient previous = new RawMqttClient(node.mqttPort(), version);
          RawMqttClient eager = new RawMqttClient(node.mqttPort(), version)) {
        assertThat(previous.connect("eager-" + version)).isZero();
        // CONNECT, a QoS 1 PUBLISH and a PINGREQ in one write.
        ByteArrayOutputStream connect = new ByteArrayOutputStream();
        connect.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', (byte) version, 0x02, 0, 0});
        if (version == 5) {
          connect.write(0);
        }
        connect.writeBytes(new byte[] {0, 7, 'e', 'a', 'g', 'e', 'r', '-', (byte) ('0' + version)});
        ByteArrayOutputStream publish = new ByteArrayOutputStream();
        publish.writeBytes(new byte[] {0, 7, 'e', 'a', 'g', 'e', 'r', '/', 'x', 0, 9});
        if (version == 5) {
          publish.write(0);
        }
        publish.writeBytes(("from MQTT " + version).getBytes(UTF_8));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(MqttFuzzer.packet(0x10, connect.toByteArray()));
        all.writeBytes(MqttFuzzer.packet(0x32, publish.toByteArray()));
        all.writeBytes(new byte[] {(byte) 0xc0, 0});
        eager.raw(all.toByteArray());
        RawMqttClient.Packet connack = eager.read();
        assertThat(connack.type()).isEqualTo(RawMqttClient.CONNACK);
        assertThat(connack.body()[1]).isZero();
        // The PUBACK waits for the commit, the PINGRESP does not: either may come first.
        Map<Integer, RawMqttClient.Packet> answers = new HashMap<>();
        for (int i = 0; i < 2; i++) {
          RawMqttClient.Packet answer = eager.read();
          answers.put(answer.type(), answer);
        }
        assertThat(answers).containsKeys(RawMqttClient.PUBACK, RawMqttClient.PINGRESP);
        assertThat(answers.get(RawMqttClient.PUBACK).packetId()).isEqualTo(9);
      }
    }
    JsonNode records = rest.records("eager", 0);
    assertThat(records).hasSize(2);
    assertThat(records.get(0).get("value").asText()).isEqualTo("from MQTT 4");
    assertThat(records.get(1).get("value").asText()).isEqualTo("from MQTT 5");
  }
}
