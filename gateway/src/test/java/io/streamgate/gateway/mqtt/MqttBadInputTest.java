package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What clients must not do, and the reaction MQTT prescribes: an MQTT 5 client is told why in a
 * DISCONNECT, an MQTT 3.1.1 connection is closed, a bad filter gets a failure in its SUBACK; and
 * after each, the node still serves a well-behaved client.
 */
class MqttBadInputTest extends MqttNodeTest {
  private static final int MAX_PACKET = 2048;

  MqttBadInputTest() {
    super(Map.of("mqtt-max-packet-bytes", String.valueOf(MAX_PACKET), "mqtt-max-connections", "20"));
  }

  /** After every bad client, a good one still publishes and its record is committed. */
  @AfterEach
  void nodeStillServesOthers() throws Exception {
    MqttClient good = Paho.v3(node.mqttPort(), "good-citizen");
    try {
      int before = rest.recordsIfAny("fine", 0).size();
      good.publish("fine/x", "ok".getBytes(UTF_8), 1, false);
      assertThat(rest.records("fine", 0)).hasSize(before + 1);
    } finally {
      Paho.closeQuietly(good);
    }
  }

  @Test
  void anOversizePacketEndsTheConnection() throws Exception {
    byte[] big = new byte[MAX_PACKET * 2];
    try (RawMqttClient v3 = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(v3.connect("big-3")).isZero();
      v3.publish("big/x", big, 1, 1, false);
      assertThat(v3.closedByServer()).isTrue();
    }
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("big-5")).isZero();
      v5.publish("big/x", big, 1, 1, false);
      assertDisconnected(v5, 0x95);  // Packet too large
    }
    assertThat(rest.recordsIfAny("big", 0)).isEmpty();
  }

  /** Found by MqttFuzzTest (seed 5744139691740): the will's QoS 3 threw when the connection ended, and its slot was never freed. */
  @Test
  void aWillOfQos3IsAMalformedConnect() throws Exception {
    RawMqttClient.Will will = new RawMqttClient.Will("wills/x", "bye".getBytes(java.nio.charset.StandardCharsets.UTF_8), 3, false);
    try (RawMqttClient v3 = new RawMqttClient(node.mqttPort(), 4)) {
      // MQTT 3.1.1 §3.1.2.6: no CONNACK, the connection is closed.
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> v3.connectack("will-3", 0, true, 0, will))
          .isInstanceOf(java.io.IOException.class);
    }
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connectack("will-5", 0, true, 0, will).body()[1] & 0xff).isEqualTo(0x81);  // Malformed Packet
    }
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> rest.metric("streamgate_mqtt_connections") == 0);
    assertThat(rest.recordsIfAny("wills", 0)).isEmpty();
  }

  @Test
  void aMalformedPacketEndsTheConnection() throws Exception {
    try (RawMqttClient v3 = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(v3.connect("garbage-3")).isZero();
      v3.raw((byte) 0x00, (byte) 0x00);  // packet type 0 is reserved
      assertThat(v3.closedByServer()).isTrue();
    }
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("garbage-5")).isZero();
      v5.raw((byte) 0x36, (byte) 0x00);  // a PUBLISH with both QoS bits set (§3.3.1.2)
      assertDisconnected(v5, 0x81);  // Malformed packet
    }
  }

  @Test
  void aMalformedPacketIsOneWarningNamingTheClientNeverAnError() throws Exception {
    try (LogCapture log = new LogCapture()) {
      try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
        assertThat(v5.connect("garbled-5")).isZero();
        // A PUBLISH with both QoS bits set, then more of the same after it: one refusal, one line.
        byte[] flood = new byte[200];
        for (int i = 0; i < flood.length; i += 2) {
          flood[i] = 0x36;
        }
        v5.raw(flood);
        assertDisconnected(v5, 0x81);
      }
      try (RawMqttClient early = new RawMqttClient(node.mqttPort(), 4)) {
        // Packet type 0 is reserved: the client never gets as far as saying who it is, its address names it.
        early.raw(new byte[200]);
        assertThat(early.closedByServer()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> log.warningsAbout(":" + early.localPort()).size() == 1);
      }
      assertThat(log.warningsAbout("garbled-5")).hasSize(1).allMatch(line -> line.contains("MALFORMED_PACKET"));
      assertThat(log.errors()).isEmpty();
    }
  }

  @Test
  void aPacketBeforeConnectClosesTheConnectionWithOneWarning() throws Exception {
    try (LogCapture log = new LogCapture(); RawMqttClient early = new RawMqttClient(node.mqttPort(), 4)) {
      // Twenty PINGREQs in one write: the node closes after the first, and a later write of ours would meet a reset.
      byte[] pingreqs = new byte[40];
      for (int i = 0; i < pingreqs.length; i += 2) {
        pingreqs[i] = (byte) 0xc0;
      }
      early.raw(pingreqs);
      assertThat(early.closedByServer()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> log.warningsAbout(":" + early.localPort()).size() == 1);
      assertThat(log.warningsAbout(":" + early.localPort())).allMatch(line -> line.contains("before CONNECT"));
      assertThat(log.errors()).isEmpty();
    }
  }

  @Test
  void aReasonCodeThePacketDoesNotHaveEndsTheConnectionWithAProtocolError() throws Exception {
    // 0x05 is no reason code of PUBACK, PUBREC, DISCONNECT or AUTH (MQTT 5 §3.4.2.1, §3.5.2.1, §3.14.2.1, §3.15.2.1).
    int[] headers = {0x40, 0x50, 0xe0, 0xf0};
    byte[][] bodies = {{0, 1, 0x05}, {0, 1, 0x05}, {0x05}, {0x05}};
    try (LogCapture log = new LogCapture()) {
      for (int i = 0; i < headers.length; i++) {
        String client = "odd-reason-" + Integer.toHexString(headers[i]);
        try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
          assertThat(v5.connect(client)).isZero();
          // 50 of them in one write: one refusal, one line.
          java.io.ByteArrayOutputStream flood = new java.io.ByteArrayOutputStream();
          for (int n = 0; n < 50; n++) {
            flood.write(headers[i]);
            flood.write(bodies[i].length);
            flood.writeBytes(bodies[i]);
          }
          v5.raw(flood.toByteArray());
          assertDisconnected(v5, 0x82);  // Protocol error
        }
        assertThat(log.warningsAbout(client)).as(client).hasSize(1).allMatch(line -> line.contains("PROTOCOL_ERROR"));
      }
      assertThat(log.errors()).isEmpty();
    }
  }

  @Test
  void aSecondConnectOrAPacketOnlyAServerSendsIsAProtocolError() throws Exception {
    try (LogCapture log = new LogCapture()) {
      try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
        assertThat(v5.connect("twice-5")).isZero();
        // A second CONNECT as MQTT 3.1.1: refused before the decoder would take its protocol level for the connection's.
        v5.raw(MqttFuzzer.connect(new java.util.Random(1), 4, "twice-5"));
        assertDisconnected(v5, 0x82);
      }
      try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
        assertThat(v5.connect("pingresp-5")).isZero();
        v5.send(0xd0, new byte[0]);  // PINGRESP
        assertDisconnected(v5, 0x82);
      }
      assertThat(log.errors()).isEmpty();
      assertThat(log.withStackTraces()).isEmpty();
    }
  }

  @Test
  void aPublishedTopicOfIllFormedUtf8OrWithNulEndsTheConnection() throws Exception {
    rest.createTopic("utf", 1, "{\"value.format\":\"string\"}");
    byte[][] topics = {
        {'u', 't', 'f', '/', (byte) 0xff},                      // never a UTF-8 byte
        {'u', 't', 'f', '/', (byte) 0xed, (byte) 0xa0, (byte) 0x80},  // a UTF-16 surrogate, U+D800
        {'u', 't', 'f', '/', (byte) 0xc0, (byte) 0x80},          // overlong NUL
        {'u', 't', 'f', '/', 0},                                // U+0000 (§1.5.4)
    };
    for (byte[] topic : topics) {
      try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
        assertThat(v5.connect("utf-5")).isZero();
        v5.publishRawTopic(topic, new byte[0], "x".getBytes(UTF_8), 1, 1);
        assertDisconnected(v5, 0x81);
      }
      try (RawMqttClient v3 = new RawMqttClient(node.mqttPort(), 4)) {
        assertThat(v3.connect("utf-3")).isZero();
        v3.publishRawTopic(topic, new byte[0], "x".getBytes(UTF_8), 1, 1);
        assertThat(v3.closedByServer()).isTrue();
      }
    }
    assertThat(rest.records("utf", 0)).isEmpty();
  }

  @Test
  void aTopicAliasGivenTwiceInOnePublishIsAProtocolError() throws Exception {
    rest.createTopic("alias", 1, "{\"value.format\":\"string\"}");
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("two-aliases")).isZero();
      // Topic Alias (0x23) 1, then Topic Alias 2: "more than once is a Protocol Error" (§3.3.2.3.4).
      v5.publishRawTopic("alias/x".getBytes(UTF_8), new byte[] {0x23, 0, 1, 0x23, 0, 2}, "x".getBytes(UTF_8), 1, 1);
      assertDisconnected(v5, 0x82);
    }
    assertThat(rest.records("alias", 0)).isEmpty();
  }

  @Test
  void aPacketDeclaringTheLargestLengthIsTooLarge() throws Exception {
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("huge-5")).isZero();
      // A PUBLISH declaring 268,435,455 bytes (256 MB), the most a remaining length can say (§1.5.5).
      v5.raw((byte) 0x32, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f);
      assertDisconnected(v5, 0x95);  // Packet too large
    }
  }

  @Test
  void aWildcardInAPublishedTopicNameEndsTheConnection() throws Exception {
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("wildcard-publisher")).isZero();
      v5.publish("a/+/b", "x".getBytes(UTF_8), 0, 0, false);
      assertDisconnected(v5, 0x81);
    }
  }

  @Test
  void aTopicThatMapsToNoValidLogTopicEndsTheConnection() throws Exception {
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("leading-slash")).isZero();
      v5.publish("/starts/empty", "x".getBytes(UTF_8), 1, 1, false);
      assertDisconnected(v5, 0x90);  // Topic name invalid
    }
  }

  @Test
  void publishingToAnInternalTopicIsNotAuthorized() throws Exception {
    org.eclipse.paho.mqttv5.client.MqttClient v5 = Paho.v5(node.mqttPort(), "sneaky-5");
    AtomicInteger reason = new AtomicInteger(-1);
    v5.setCallback(new MqttPublishTest.DisconnectRecorder(reason));
    try {
      try {
        v5.publish("__groups/x", new org.eclipse.paho.mqttv5.common.MqttMessage("x".getBytes(UTF_8), 0, false, new MqttProperties()));
      } catch (org.eclipse.paho.mqttv5.common.MqttException closedMeanwhile) {
        // The server closed the connection while Paho was still at it: the reaction under test.
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> reason.get() >= 0);
      assertThat(reason.get()).isEqualTo(0x87);  // Not authorized
    } finally {
      Paho.closeQuietly(v5);
    }
    MqttClient v3 = Paho.v3(node.mqttPort(), "sneaky-3");
    AtomicBoolean lost = new AtomicBoolean();
    v3.setCallback(new ConnectionLostRecorder(lost));
    try {
      try {
        v3.publish("__groups/x", "x".getBytes(UTF_8), 0, false);
      } catch (MqttException closedMeanwhile) {
        // The server closed the connection while Paho was still at it: the reaction under test.
      }
      await().atMost(Duration.ofSeconds(10)).untilTrue(lost);
    } finally {
      Paho.closeQuietly(v3);
    }
  }

  @Test
  void anInvalidFilterGetsAFailureInItsSubackAndTheConnectionGoesOn() throws Exception {
    try (RawMqttClient v3 = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(v3.connect("bad-filter-3")).isZero();
      v3.subscribe(1, "a/#/b", 1);
      RawMqttClient.Packet suback = v3.read();
      assertThat(suback.type()).isEqualTo(RawMqttClient.SUBACK);
      assertThat(suback.body()[2] & 0xff).isEqualTo(0x80);
      v3.subscribe(2, "a/+", 1);
      assertThat(v3.read().body()[2] & 0xff).isEqualTo(1);
    }
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("bad-filter-5")).isZero();
      v5.subscribe(1, "a+/b", 0);
      RawMqttClient.Packet suback = v5.read();
      // Packet id, properties length 0, then the reason code: Topic Filter invalid.
      assertThat(suback.body()[3] & 0xff).isEqualTo(0x8F);
    }
  }

  @Test
  void refusedFiltersAreLoggedAtARateNotOneLineEach() throws Exception {
    java.util.List<String> filters = java.util.stream.IntStream.range(0, 150).mapToObj(i -> i + "#").toList();
    try (LogCapture log = new LogCapture(); RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("many-bad-filters")).isZero();
      for (int round = 1; round <= 3; round++) {
        v5.subscribe(round, filters, 1);
        RawMqttClient.Packet suback = v5.read();
        assertThat(suback.body()).hasSize(3 + filters.size());
        for (int i = 0; i < filters.size(); i++) {
          assertThat(suback.body()[3 + i] & 0xff).isEqualTo(0x8F);
        }
      }
      // 450 refusals; a burst of lines, then one per interval (the test takes less than one).
      assertThat(log.warningsAbout("many-bad-filters")).hasSizeBetween(1, RefusalLog.BURST + 1);
    }
  }

  @Test
  void pastTheConnectionLimitConnectIsRefused() throws Exception {
    java.util.List<RawMqttClient> clients = new java.util.ArrayList<>();
    try {
      int refusedWith = 0;
      for (int i = 0; i < 25 && refusedWith == 0; i++) {
        RawMqttClient client = new RawMqttClient(node.mqttPort(), 4);
        clients.add(client);
        refusedWith = client.connect("crowd-" + i);
      }
      assertThat(refusedWith).isEqualTo(3);  // Server unavailable
    } finally {
      for (RawMqttClient client : clients) {
        client.close();
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> clientsConnected() == 0);
  }

  private double clientsConnected() {
    return rest.metric("streamgate_mqtt_connections");
  }

  private static void assertDisconnected(RawMqttClient client, int reason) throws Exception {
    RawMqttClient.Packet disconnect = client.read();
    assertThat(disconnect.type()).isEqualTo(RawMqttClient.DISCONNECT);
    assertThat(disconnect.body()[0] & 0xff).isEqualTo(reason);
    assertThat(client.closedByServer()).isTrue();
  }

  /** Notes that the server closed a 3.1.1 connection. */
  private record ConnectionLostRecorder(AtomicBoolean lost) implements MqttCallback {
    @Override
    public void connectionLost(Throwable cause) {
      lost.set(true);
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {}

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}
  }
}
