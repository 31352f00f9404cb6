package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;

/** SUBSCRIBE: live records of any protocol, matched by MQTT topic with wildcards. */
class MqttSubscribeTest extends MqttNodeTest {
  @Test
  void recordsProducedOverRestReachSubscribersWhoseFilterMatchesTheirKey() throws Exception {
    rest.createTopic("plant", 3, "{\"value.format\":\"string\"}");
    rest.produce("plant", "{\"records\":[{\"key\":\"plant/old/temp\",\"value\":\"before the subscription\"}]}");
    MqttClient temps = Paho.v3(node.mqttPort(), "temps");
    MqttClient everything = Paho.v3(node.mqttPort(), "everything");
    try {
      List<Paho.Received> tempsGot = Paho.subscribe(temps, "plant/+/temp", 1);
      List<Paho.Received> everythingGot = Paho.subscribe(everything, "plant/#", 0);
      rest.produce("plant", "{\"records\":["
          + "{\"key\":\"plant/a/temp\",\"value\":\"20\"},"
          + "{\"key\":\"plant/b/humidity\",\"value\":\"40\"},"
          + "{\"key\":\"plant/c/temp\",\"value\":\"22\"},"
          + "{\"key\":\"plant/a/temp/raw\",\"value\":\"x\"},"
          + "{\"value\":\"no key, no MQTT topic\"}]}");
      await().atMost(Duration.ofSeconds(10)).until(() -> tempsGot.size() == 2 && everythingGot.size() == 4);
      assertThat(tempsGot).extracting(Paho.Received::topic).containsExactlyInAnyOrder("plant/a/temp", "plant/c/temp");
      assertThat(tempsGot).extracting(Paho.Received::qos).containsOnly(1);
      assertThat(everythingGot).extracting(Paho.Received::topic)
          .containsExactlyInAnyOrder("plant/a/temp", "plant/b/humidity", "plant/c/temp", "plant/a/temp/raw");
      assertThat(everythingGot).extracting(Paho.Received::qos).containsOnly(0);
      assertThat(everythingGot).extracting(Paho.Received::payload).doesNotContain("before the subscription");
    } finally {
      Paho.closeQuietly(temps);
      Paho.closeQuietly(everything);
    }
  }

  @Test
  void mqttPublishesReachMqttSubscribersAtTheLowerQosAndInOrder() throws Exception {
    MqttClient subscriber = Paho.v3(node.mqttPort(), "room-watcher");
    MqttClient publisher = Paho.v3(node.mqttPort(), "room-sensor");
    try {
      List<Paho.Received> got = Paho.subscribe(subscriber, "room/#", 1);
      for (int i = 0; i < 20; i++) {
        publisher.publish("room/1", ("m" + i).getBytes(UTF_8), i % 2, false);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 20);
      for (int i = 0; i < 20; i++) {
        assertThat(got.get(i).payload()).isEqualTo("m" + i);
        assertThat(got.get(i).qos()).as("message %d", i).isEqualTo(i % 2);
      }
      // MQTT traffic counts in the node's records in and out per topic, as HTTP traffic does (the console charts them).
      await().atMost(Duration.ofSeconds(10)).until(() -> rest.topicMetric("streamgate_records_in_total", "room") == 20);
      assertThat(rest.topicMetric("streamgate_records_out_total", "room")).isEqualTo(20);
    } finally {
      Paho.closeQuietly(subscriber);
      Paho.closeQuietly(publisher);
    }
  }

  @Test
  void jsonValuesProducedOverRestToATopicAnMqttDeviceCreatedReachSubscribersAsTheirJsonText() throws Exception {
    MqttClient device = Paho.v3(node.mqttPort(), "greenhouse-device");
    MqttClient watcher = Paho.v3(node.mqttPort(), "greenhouse-watcher");
    try {
      // The device's first publish creates the topic, with value.format=string.
      device.publish("greenhouse/1/temp", "20".getBytes(UTF_8), 1, false);
      List<Paho.Received> got = Paho.subscribe(watcher, "greenhouse/#", 1);
      rest.produce("greenhouse", "{\"records\":["
          + "{\"key\":\"greenhouse/1/temp\",\"value\":{\"c\": 21}},"
          + "{\"key\":\"greenhouse/1/temp\",\"value\":[21.5,22]},"
          + "{\"key\":\"greenhouse/1/temp\",\"value\":22},"
          + "{\"key\":\"greenhouse/1/temp\",\"value\":\"23\"}]}");
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 4);
      assertThat(got).extracting(Paho.Received::payload).containsExactly("{\"c\": 21}", "[21.5,22]", "22", "23");
      assertThat(rest.records("greenhouse", 0)).extracting(r -> r.get("value").asText())
          .containsExactly("20", "{\"c\": 21}", "[21.5,22]", "22", "23");
    } finally {
      Paho.closeQuietly(device);
      Paho.closeQuietly(watcher);
    }
  }

  @Test
  void aFilterWithAWildcardFirstLevelReadsEveryTopic() throws Exception {
    rest.createTopic("alpha", 1, "{\"value.format\":\"string\"}");
    rest.createTopic("beta", 2, "{\"value.format\":\"string\"}");
    MqttClient client = Paho.v3(node.mqttPort(), "wide");
    try {
      List<Paho.Received> got = Paho.subscribe(client, "+/status", 0);
      rest.produce("alpha", "{\"records\":[{\"key\":\"alpha/status\",\"value\":\"a\"},{\"key\":\"alpha/other\",\"value\":\"-\"}]}");
      rest.produce("beta", "{\"records\":[{\"key\":\"beta/status\",\"value\":\"b\"}]}");
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 2);
      assertThat(got).extracting(Paho.Received::topic).containsExactlyInAnyOrder("alpha/status", "beta/status");
    } finally {
      Paho.closeQuietly(client);
    }
  }

  @Test
  void aWideFilterReadsTopicsCreatedAndPartitionsAddedAfterItSubscribed() throws Exception {
    MqttClient client = Paho.v3(node.mqttPort(), "late-topics");
    MqttClient publisher = Paho.v3(node.mqttPort(), "late-publisher");
    try {
      List<Paho.Received> got = Paho.subscribe(client, "+/level", 1);
      // Written at once after creation: the subscription must read the new topic from its start.
      rest.createTopic("gamma", 1, "{\"value.format\":\"string\"}");
      rest.produce("gamma", "{\"records\":[{\"key\":\"gamma/level\",\"value\":\"g1\"}]}");
      publisher.publish("delta/level", "d1".getBytes(UTF_8), 1, false);  // creates topic delta
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 2);

      rest.updateTopic("gamma", "{\"partitions\":3}");
      rest.produce("gamma", "{\"records\":[{\"partition\":2,\"key\":\"gamma/level\",\"value\":\"g2\"}]}");
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 3);
      assertThat(got).extracting(Paho.Received::payload).containsExactlyInAnyOrder("g1", "d1", "g2");
    } finally {
      Paho.closeQuietly(client);
      Paho.closeQuietly(publisher);
    }
  }

  @Test
  void mqtt5NoLocalSubscriptionsSkipTheClientsOwnPublishesAndUnsubscribeStopsDelivery() throws Exception {
    org.eclipse.paho.mqttv5.client.MqttClient client = Paho.v5(node.mqttPort(), "chatty");
    MqttClient other = Paho.v3(node.mqttPort(), "other");
    try {
      List<String> got = new CopyOnWriteArrayList<>();
      MqttSubscription noLocal = new MqttSubscription("chat/#", 1);
      noLocal.setNoLocal(true);
      client.subscribe(new MqttSubscription[] {noLocal}, new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {
          (topic, message) -> got.add(new String(message.getPayload(), UTF_8))});
      client.publish("chat/room", new MqttMessage("mine".getBytes(UTF_8), 1, false, new MqttProperties()));
      other.publish("chat/room", "theirs".getBytes(UTF_8), 1, false);
      await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("theirs"));
      assertThat(got).containsExactly("theirs");

      client.unsubscribe("chat/#");
      other.publish("chat/room", "after".getBytes(UTF_8), 1, false);
      // A marker on another subscription shows delivery has moved past "after".
      List<Paho.Received> marker = new CopyOnWriteArrayList<>();
      client.subscribe(new MqttSubscription[] {new MqttSubscription("chat/marker", 1)},
          new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(topic, message) -> marker.add(new Paho.Received(topic, "", 1))});
      other.publish("chat/marker", "m".getBytes(UTF_8), 1, false);
      await().atMost(Duration.ofSeconds(10)).until(() -> marker.size() == 1);
      assertThat(got).containsExactly("theirs");
    } finally {
      Paho.closeQuietly(client);
      Paho.closeQuietly(other);
    }
  }

  @Test
  void mqtt5MessagesCarryTheSubscriptionIdentifiersOfTheSubscriptionsTheyMatch() throws Exception {
    org.eclipse.paho.mqttv5.client.MqttAsyncClient client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
        "tcp://127.0.0.1:" + node.mqttPort(), "tagged", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    MqttClient publisher = Paho.v3(node.mqttPort(), "tag-publisher");
    try {
      List<List<Integer>> ids = new CopyOnWriteArrayList<>();
      client.setCallback(new Paho.V5Callback(message -> ids.add(message.getProperties().getSubscriptionIdentifiers())));
      client.connect(new org.eclipse.paho.mqttv5.client.MqttConnectionOptions()).waitForCompletion(10_000);
      subscribeWithId(client, "tags/+/a", 7);
      subscribeWithId(client, "tags/x/#", 9);
      publisher.publish("tags/x/a", "both".getBytes(UTF_8), 1, false);
      publisher.publish("tags/y/a", "first".getBytes(UTF_8), 1, false);
      await().atMost(Duration.ofSeconds(10)).until(() -> ids.size() == 2);
      assertThat(ids.get(0)).containsExactlyInAnyOrder(7, 9);
      assertThat(ids.get(1)).containsExactly(7);
    } finally {
      client.disconnect().waitForCompletion(10_000);
      client.close();
      Paho.closeQuietly(publisher);
    }
  }

  private static void subscribeWithId(org.eclipse.paho.mqttv5.client.MqttAsyncClient client, String filter, int id) throws Exception {
    MqttProperties properties = new MqttProperties();
    properties.setSubscriptionIdentifier(id);
    client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)}, null, null, properties).waitForCompletion(10_000);
  }

  @Test
  void aSubscribeOfMoreFiltersThanAllowedGetsASubackRefusingThoseOverTheLimit() throws Exception {
    int count = MqttSubscriptions.MAX_SUBSCRIPTIONS + 500;
    List<String> filters = java.util.stream.IntStream.range(0, count).mapToObj(i -> "many/" + i).toList();
    try (RawMqttClient v5 = new RawMqttClient(node.mqttPort(), 5)) {
      assertThat(v5.connect("many-filters")).isZero();
      v5.subscribe(7, filters, 1);
      RawMqttClient.Packet suback = v5.read();
      assertThat(suback.type()).isEqualTo(RawMqttClient.SUBACK);
      assertThat(suback.packetId()).isEqualTo(7);
      // Packet id, properties length 0, then one reason code per filter.
      assertThat(suback.body()).hasSize(3 + count);
      for (int i = 0; i < count; i++) {
        assertThat(suback.body()[3 + i] & 0xff).as("filter %d", i).isEqualTo(i < MqttSubscriptions.MAX_SUBSCRIPTIONS ? 0x01 : 0x97);
      }
      v5.subscribe(8, "many/later", 0);
      assertThat(v5.read().body()[3] & 0xff).isEqualTo(0x97);  // Quota exceeded
    }
  }
}
