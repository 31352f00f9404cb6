package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/** Retained messages and last wills. */
class MqttRetainedAndWillTest extends MqttNodeTest {
  private static final int MAX_RETAINED_BYTES = 4096;

  MqttRetainedAndWillTest() {
    super(Map.of("mqtt-max-retained-bytes", String.valueOf(MAX_RETAINED_BYTES)));
  }

  /** A message as a subscriber got it, with its RETAIN flag. */
  record Got(String topic, String payload, int qos, boolean retained) {}

  private List<Got> subscribe(MqttClient client, String filter, int qos) throws Exception {
    List<Got> got = new CopyOnWriteArrayList<>();
    client.subscribe(filter, qos,
        (topic, message) -> got.add(new Got(topic, new String(message.getPayload(), UTF_8), message.getQos(), message.isRetained())));
    return got;
  }

  @Test
  void aRetainedMessageGoesToLaterSubscribersUntilAnEmptyOneClearsIt() throws Exception {
    MqttClient publisher = Paho.v3(node.mqttPort(), "status-publisher");
    MqttClient early = Paho.v3(node.mqttPort(), "early");
    try {
      List<Got> earlyGot = subscribe(early, "status/+", 1);
      publisher.publish("status/dev1", "online".getBytes(UTF_8), 1, true);
      publisher.publish("status/dev2", "booting".getBytes(UTF_8), 0, true);
      publisher.publish("status/dev2", "online".getBytes(UTF_8), 1, true);
      await().atMost(Duration.ofSeconds(10)).until(() -> earlyGot.size() == 3);
      // A subscriber there when it was published gets it live, without RETAIN.
      assertThat(earlyGot).extracting(Got::retained).containsOnly(false);

      MqttClient late = Paho.v3(node.mqttPort(), "late");
      try {
        List<Got> lateGot = subscribe(late, "status/#", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> lateGot.size() == 2);
        assertThat(lateGot).containsExactlyInAnyOrder(new Got("status/dev1", "online", 1, true), new Got("status/dev2", "online", 1, true));
        // The record is in the log like any other.
        assertThat(rest.records("status", 0)).hasSize(3);
      } finally {
        Paho.closeQuietly(late);
      }

      publisher.publish("status/dev1", new byte[0], 1, true);
      MqttClient later = Paho.v3(node.mqttPort(), "later");
      try {
        List<Got> laterGot = subscribe(later, "status/#", 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> laterGot.size() == 1);
        assertThat(laterGot).containsExactly(new Got("status/dev2", "online", 0, true));
      } finally {
        Paho.closeQuietly(later);
      }
    } finally {
      Paho.closeQuietly(publisher);
      Paho.closeQuietly(early);
    }
  }

  @Test
  void retainedMessagesPastTheLimitAreRefused() throws Exception {
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("hoarder")).isZero();
      v5.publish("hoard/a", new byte[MAX_RETAINED_BYTES / 2], 1, 1, false);
      assertThat(v5.read().type()).isEqualTo(RawMqttClient.PUBACK);
      v5.publishRetained("hoard/b", new byte[MAX_RETAINED_BYTES / 4], 2);
      assertThat(v5.read().type()).isEqualTo(RawMqttClient.PUBACK);
      v5.publishRetained("hoard/c", new byte[MAX_RETAINED_BYTES], 3);
      RawMqttClient.Packet disconnect = v5.read();
      assertThat(disconnect.type()).isEqualTo(RawMqttClient.DISCONNECT);
      assertThat(disconnect.body()[0] & 0xff).isEqualTo(0x97);  // Quota exceeded
    }
  }

  @Test
  void aWillIsPublishedWhenAClientVanishesAndNotAfterADisconnect() throws Exception {
    MqttClient watcher = Paho.v3(node.mqttPort(), "will-watcher");
    try {
      List<Got> got = subscribe(watcher, "wills/#", 1);
      RawMqttClient.Will will = new RawMqttClient.Will("wills/dev1", "dev1 gone".getBytes(UTF_8), 1, true);
      try (RawMqttClient vanishing = new RawMqttClient(node.mqttPort(), 4)) {
        vanishing.connectack("dev1", 0, true, 0, will);
      }  // closed without DISCONNECT
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
      assertThat(got.get(0)).isEqualTo(new Got("wills/dev1", "dev1 gone", 1, false));

      try (RawMqttClient polite = new RawMqttClient(node.mqttPort(), 4)) {
        polite.connectack("dev2", 0, true, 0, new RawMqttClient.Will("wills/dev2", "dev2 gone".getBytes(UTF_8), 1, false));
        polite.disconnect();
        assertThat(polite.closedByServer()).isTrue();
      }
      // The will was retained: a later subscriber gets it; dev2's was never published.
      MqttClient late = Paho.v3(node.mqttPort(), "will-late");
      try {
        List<Got> lateGot = subscribe(late, "wills/#", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> lateGot.size() == 1);
        assertThat(lateGot.get(0)).isEqualTo(new Got("wills/dev1", "dev1 gone", 1, true));
      } finally {
        Paho.closeQuietly(late);
      }
      assertThat(rest.records("wills", 0)).extracting(r -> r.get("value").asText()).containsExactly("dev1 gone");
    } finally {
      Paho.closeQuietly(watcher);
    }
  }

  @Test
  void aWillWithATopicTheNodeWouldNotTakeRefusesTheConnect() throws Exception {
    MqttClient client = new MqttClient("tcp://127.0.0.1:" + node.mqttPort(), "bad-will", new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setWill("__groups/x", "x".getBytes(UTF_8), 0, false);
    try {
      client.connect(options);
      throw new AssertionError("connected with a will to an internal topic");
    } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
      assertThat(e.getReasonCode()).isEqualTo(org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_NOT_AUTHORIZED);
    } finally {
      client.close();
    }
  }

  @Test
  void anMqtt5WillWaitsOutItsDelayAndIsDroppedIfTheClientComesBackInTime() throws Exception {
    MqttClient watcher = Paho.v3(node.mqttPort(), "delay-watcher");
    try {
      List<Got> got = subscribe(watcher, "late-wills/#", 1);

      // Gone for good: the will comes after its delay, not at once.
      vanish(connectWithDelayedWill("dev-gone", "late-wills/gone", 2, false));
      await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(got::isEmpty);
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
      assertThat(got.get(0).payload()).isEqualTo("late-wills/gone");

      // Back within the delay, resuming its session: the will is never published.
      vanish(connectWithDelayedWill("dev-back", "late-wills/back", 4, false));
      org.eclipse.paho.mqttv5.client.MqttClient back = connectWithDelayedWill("dev-back", "late-wills/back-again", 60, false);
      // Past the 4 s delay (a generous margin for the reconnect on a loaded machine), nothing more arrived.
      await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> got.size() == 1);
      Paho.closeQuietly(back);

      // Back with a clean start: the old session ends, so its will goes at once, long before its delay.
      vanish(connectWithDelayedWill("dev-new", "late-wills/new", 60, false));
      org.eclipse.paho.mqttv5.client.MqttClient fresh = connectWithDelayedWill("dev-new", "late-wills/unused", 60, true);
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 2);
      assertThat(got.get(1).payload()).isEqualTo("late-wills/new");
      Paho.closeQuietly(fresh);
    } finally {
      Paho.closeQuietly(watcher);
    }
  }

  @Test
  void anMqtt5RetainAsPublishedSubscriptionKeepsTheRetainFlagOfLiveMessages() throws Exception {
    org.eclipse.paho.mqttv5.client.MqttClient keeper = Paho.v5(node.mqttPort(), "rap-keeper");
    org.eclipse.paho.mqttv5.client.MqttClient plain = Paho.v5(node.mqttPort(), "rap-plain");
    MqttClient publisher = Paho.v3(node.mqttPort(), "rap-publisher");
    try {
      List<Got> kept = subscribeV5(keeper, "signs/#", true);
      List<Got> cleared = subscribeV5(plain, "signs/#", false);
      publisher.publish("signs/door", "open".getBytes(UTF_8), 1, true);
      publisher.publish("signs/door", "ajar".getBytes(UTF_8), 1, false);
      await().atMost(Duration.ofSeconds(10)).until(() -> kept.size() == 2 && cleared.size() == 2);
      assertThat(kept).containsExactly(new Got("signs/door", "open", 1, true), new Got("signs/door", "ajar", 1, false));
      assertThat(cleared).containsExactly(new Got("signs/door", "open", 1, false), new Got("signs/door", "ajar", 1, false));
    } finally {
      Paho.closeQuietly(keeper);
      Paho.closeQuietly(plain);
      Paho.closeQuietly(publisher);
    }
  }

  private static List<Got> subscribeV5(org.eclipse.paho.mqttv5.client.MqttClient client, String filter, boolean retainAsPublished)
      throws Exception {
    List<Got> got = new CopyOnWriteArrayList<>();
    org.eclipse.paho.mqttv5.common.MqttSubscription subscription = new org.eclipse.paho.mqttv5.common.MqttSubscription(filter, 1);
    subscription.setRetainAsPublished(retainAsPublished);
    client.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {subscription},
        new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {
            (topic, message) -> got.add(new Got(topic, new String(message.getPayload(), UTF_8), message.getQos(), message.isRetained()))});
    return got;
  }

  /** An MQTT 5 client with a session of 60 s and a will to {@code willTopic} (its payload: the topic) delayed by {@code delaySeconds}. */
  private org.eclipse.paho.mqttv5.client.MqttClient connectWithDelayedWill(String clientId, String willTopic, long delaySeconds,
      boolean cleanStart) throws Exception {
    org.eclipse.paho.mqttv5.client.MqttClient client = new org.eclipse.paho.mqttv5.client.MqttClient(
        "tcp://127.0.0.1:" + node.mqttPort(), clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    org.eclipse.paho.mqttv5.client.MqttConnectionOptions options = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
    options.setCleanStart(cleanStart);
    options.setSessionExpiryInterval(60L);
    options.setConnectionTimeout(10);
    options.setWill(willTopic, new org.eclipse.paho.mqttv5.common.MqttMessage(willTopic.getBytes(UTF_8), 1, false, null));
    org.eclipse.paho.mqttv5.common.packet.MqttProperties willProperties = new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
    willProperties.setWillDelayInterval(delaySeconds);
    options.setWillMessageProperties(willProperties);
    client.connect(options);
    return client;
  }

  /** Drops the connection without a DISCONNECT, as a device that loses power. */
  private static void vanish(org.eclipse.paho.mqttv5.client.MqttClient client) throws Exception {
    client.disconnectForcibly(0, 0, false);
    client.close();
  }
}
