package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.StoredRecord;
import io.streamgate.gateway.mqtt.Paho;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MQTT on a three-node cluster of real processes: a device publishes through one node and a
 * subscriber on another gets every message, whichever nodes lead the partitions; a leader is
 * SIGKILLed and no QoS 1 message acknowledged before or after is lost, and the subscriber goes on.
 * A persistent session moves between nodes, and the subscribers of a share on two nodes split it.
 */
class MqttClusterIT {
  private static final String TOPIC = "fleet";
  private static final int PARTITIONS = 3;
  private static final int MESSAGES_PER_PHASE = 30;
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(45);

  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws IOException, InterruptedException {
    cluster = new LocalCluster("mqtt-cluster", 3).withMqtt();
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    cluster.awaitSettled(TOPIC, PARTITIONS, SETTLE_TIMEOUT);
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  void aDeviceOnOneNodeReachesASubscriberOnAnotherAndALeadersDeathLosesNoAcknowledgedMessage() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    MqttClient subscriber = connect(cluster.node(2), "fleet-watcher");
    subscriber.subscribe(TOPIC + "/#", 1, (topic, message) -> received.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
    MqttClient publisher = connect(cluster.node(0), "fleet-device");
    List<String> acknowledged = new ArrayList<>();
    try {
      publisher = publishAll(publisher, 0, acknowledged);
      await().atMost(Duration.ofSeconds(20)).until(() -> received.containsAll(acknowledged));
      assertClusterStatsCountTheMessages(acknowledged.size());

      // Node 1 leads a partition (the preferred leaders are spread); neither client is connected to it.
      assertThat(cluster.topic(TOPIC).partitions()).anyMatch(p -> "node-1".equals(p.leader()));
      cluster.kill(1);
      cluster.awaitTopic(TOPIC, "every partition led by a live node", FAILOVER_TIMEOUT,
          view -> view.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().equals("node-1")));

      publisher = publishAll(publisher, MESSAGES_PER_PHASE, acknowledged);
      await().atMost(Duration.ofSeconds(30)).until(() -> received.containsAll(acknowledged));

      List<String> stored = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        for (StoredRecord record : cluster.readPartition(cluster.node(2), TOPIC, p)) {
          stored.add(LocalCluster.JSON.readTree(record.value()).asText());  // the value's JSON: a string topic's text, quoted
        }
      }
      assertThat(stored).containsAll(acknowledged);
    } finally {
      Paho.closeQuietly(publisher);
      Paho.closeQuietly(subscriber);
    }
  }

  /**
   * GET /v1/cluster/stats through the subscriber's node lists every node, reachable, with the
   * publisher's node counting the messages in and the subscriber's node counting them out.
   */
  private static void assertClusterStatsCountTheMessages(int messages) {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      JsonNode stats = cluster.getJson(cluster.node(2), "/v1/cluster/stats");
      assertThat(stats.get("nodes")).hasSize(3).allMatch(node -> node.get("reachable").asBoolean());
      // At least: the other test publishes a few messages of this topic through node 0 too.
      assertThat(topicCount(stats, "node-0", "recordsIn")).isGreaterThanOrEqualTo(messages);
      assertThat(topicCount(stats, "node-2", "recordsOut")).isGreaterThanOrEqualTo(messages);
    });
  }

  private static long topicCount(JsonNode stats, String nodeId, String counter) {
    for (JsonNode node : stats.get("nodes")) {
      if (node.get("id").asText().equals(nodeId)) {
        for (JsonNode topic : node.get("topics")) {
          if (topic.get("topic").asText().equals(TOPIC)) {
            return topic.get(counter).asLong();
          }
        }
      }
    }
    return 0;
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aPersistentSessionMovesToAnotherNodeAndTheOldConnectionIsTakenOver() throws Exception {
    List<String> onFirst = new CopyOnWriteArrayList<>();
    List<String> onSecond = new CopyOnWriteArrayList<>();
    AtomicBoolean firstLost = new AtomicBoolean();
    MqttClient publisher = connect(cluster.node(0), "roam-publisher");  // node 1 may be down: the other test kills it
    MqttClient first = new MqttClient("tcp://127.0.0.1:" + cluster.node(0).mqttPort, "roamer", new MemoryPersistence());
    MqttClient second = new MqttClient("tcp://127.0.0.1:" + cluster.node(2).mqttPort, "roamer", new MemoryPersistence());
    try {
      first.setCallback(recorder(onFirst, firstLost));
      first.connect(persistentSession());
      first.subscribe(TOPIC + "/roamer/#", 1);
      publisher.publish(TOPIC + "/roamer/a", "before".getBytes(StandardCharsets.UTF_8), 1, false);
      await().atMost(Duration.ofSeconds(20)).until(() -> onFirst.contains("before"));

      // The same client id on another node: the session moves there, and the first connection is ended.
      second.setCallback(recorder(onSecond, new AtomicBoolean()));
      assertThat(second.connectWithResult(persistentSession()).getSessionPresent()).isTrue();
      await().atMost(Duration.ofSeconds(20)).untilTrue(firstLost);

      // No SUBSCRIBE on the second connection: the moved session's subscription delivers.
      publisher.publish(TOPIC + "/roamer/b", "after".getBytes(StandardCharsets.UTF_8), 1, false);
      await().atMost(Duration.ofSeconds(20)).until(() -> onSecond.contains("after"));
      // "before" may come again, if its PUBACK had not reached the first node yet: at least once.
      assertThat(onSecond).containsOnlyOnce("after");
      assertThat(onFirst).containsExactly("before");
    } finally {
      Paho.closeQuietly(publisher);
      Paho.closeQuietly(first);
      Paho.closeQuietly(second);
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void theSubscribersOfAShareOnDifferentNodesSplitItsMessages() throws Exception {
    String shared = "$share/dispatch/" + TOPIC + "/orders/#";
    List<String> onFirst = new CopyOnWriteArrayList<>();
    List<String> onSecond = new CopyOnWriteArrayList<>();
    MqttClient first = connect(cluster.node(0), "dispatcher-0");
    MqttClient second = connect(cluster.node(2), "dispatcher-2");
    MqttClient publisher = connect(cluster.node(2), "order-desk");
    try {
      // Shared deliveries reach the client's callback: Paho matches a listener's filter as written, $share included.
      first.setCallback(recorder(onFirst, new AtomicBoolean()));
      first.subscribe(shared, 1);
      second.setCallback(recorder(onSecond, new AtomicBoolean()));
      second.subscribe(shared, 1);
      awaitBothOwnPartitions();

      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        String payload = "order-" + i;
        publisher.publish(TOPIC + "/orders/" + i, payload.getBytes(StandardCharsets.UTF_8), 1, false);
        sent.add(payload);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> onFirst.size() + onSecond.size() >= sent.size());
      List<String> all = new ArrayList<>(onFirst);
      all.addAll(onSecond);
      assertThat(all).as("each message to one subscriber of the share").containsExactlyInAnyOrderElementsOf(sent);
      assertThat(onFirst).isNotEmpty();
      assertThat(onSecond).isNotEmpty();
    } finally {
      Paho.closeQuietly(publisher);
      Paho.closeQuietly(first);
      Paho.closeQuietly(second);
    }
  }

  /** Waits until the share's group has its two members, each owning partitions and all of them owned. */
  private static void awaitBothOwnPartitions() {
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      for (JsonNode group : cluster.getJson(cluster.node(0), "/v1/groups")) {
        if (group.get("group").asText().startsWith("mqtt-share.dispatch.")) {
          JsonNode members = cluster.getJson(cluster.node(0), "/v1/groups/" + group.get("group").asText()).get("members");
          int owned = 0;
          for (JsonNode member : members) {
            if (member.get("assignment").isEmpty()) {
              return false;
            }
            owned += member.get("assignment").size();
          }
          return members.size() == 2 && owned == PARTITIONS;
        }
      }
      return false;
    });
  }

  private static MqttConnectOptions persistentSession() {
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(false);
    options.setConnectionTimeout(10);
    return options;
  }

  private static MqttCallback recorder(List<String> received, AtomicBoolean lost) {
    return new MqttCallback() {
      @Override
      public void connectionLost(Throwable cause) {
        lost.set(true);
      }

      @Override
      public void messageArrived(String topic, MqttMessage message) {
        received.add(new String(message.getPayload(), StandardCharsets.UTF_8));
      }

      @Override
      public void deliveryComplete(IMqttDeliveryToken token) {}
    };
  }

  /**
   * Publishes a phase's messages at QoS 1, each to its own device topic; a message whose connection
   * ends (the node refuses while a leader moves) is published again on a new connection, as a device
   * would. Answers the client in use at the end.
   */
  private static MqttClient publishAll(MqttClient client, int first, List<String> acknowledged) throws Exception {
    for (int i = first; i < first + MESSAGES_PER_PHASE; i++) {
      String payload = "m" + i;
      long deadline = System.nanoTime() + FAILOVER_TIMEOUT.toNanos();
      while (true) {
        try {
          client.publish(TOPIC + "/truck-" + i, payload.getBytes(StandardCharsets.UTF_8), 1, false);
          acknowledged.add(payload);
          break;
        } catch (MqttException refused) {
          if (System.nanoTime() > deadline) {
            throw refused;
          }
          Paho.closeQuietly(client);
          client = connect(cluster.node(0), "fleet-device");
        }
      }
    }
    return client;
  }

  private static MqttClient connect(Node node, String clientId) throws MqttException {
    MqttClient client = new MqttClient("tcp://127.0.0.1:" + node.mqttPort, clientId, new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setConnectionTimeout(10);
    client.connect(options);
    client.setTimeToWait(10_000);
    return client;
  }

}
