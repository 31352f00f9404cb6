package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;

/**
 * Shared subscriptions ({@code $share/{ShareName}/{filter}}): the subscribers of one share split the
 * messages between them, each message to one of them, through a consumer group; a plain subscriber of
 * the same filter still gets everything; a subscriber that leaves hands its partitions to the others;
 * a share whose topic is deleted and created again reads the new topic on.
 */
class MqttSharedSubscriptionTest extends MqttNodeTest {
  private static final String SHARED = "$share/workers/jobs/#";

  @Test
  void theSubscribersOfAShareSplitTheMessagesAndTheOthersTakeOverFromOneThatLeaves() throws Exception {
    rest.createTopic("jobs", 4, "{\"value.format\":\"string\"}");
    org.eclipse.paho.mqttv5.client.MqttClient first = Paho.v5(node.mqttPort(), "worker-1");
    MqttClient second = Paho.v3(node.mqttPort(), "worker-2");
    MqttClient watcher = Paho.v3(node.mqttPort(), "watcher");
    try {
      List<String> firstGot = new CopyOnWriteArrayList<>();
      first.setCallback(Paho.V5Callback.collecting(firstGot));
      first.subscribe(new MqttSubscription[] {new MqttSubscription(SHARED, 1)});
      List<String> secondGot = new CopyOnWriteArrayList<>();
      second.setCallback(new Paho.V3Collector(secondGot));
      second.subscribe(SHARED, 1);
      List<Paho.Received> watcherGot = Paho.subscribe(watcher, "jobs/#", 1);
      awaitShareMembers(2);

      produce(0, 200);
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(List.of(firstGot.size() + secondGot.size(), watcherGot.size()))
          .as("shared (%d + %d) and plain", firstGot.size(), secondGot.size()).containsExactly(200, 200));
      List<String> shared = new ArrayList<>(firstGot);
      shared.addAll(secondGot);
      assertThat(shared).as("each message to one subscriber of the share").hasSize(200).containsExactlyInAnyOrderElementsOf(values(0, 200));
      assertThat(firstGot).as("both share the work").isNotEmpty();
      assertThat(secondGot).isNotEmpty();
      assertThat(watcherGot).extracting(Paho.Received::payload).containsExactlyInAnyOrderElementsOf(values(0, 200));

      // The second leaves: the share's partitions go to the first, which gets everything after that.
      second.unsubscribe(SHARED);
      awaitShareMembers(1);
      int before = firstGot.size();
      produce(200, 300);
      await().atMost(Duration.ofSeconds(20)).until(() -> firstGot.size() - before >= 100);
      assertThat(new HashSet<>(firstGot)).containsAll(values(200, 300));
    } finally {
      Paho.closeQuietly(first);
      Paho.closeQuietly(second);
      Paho.closeQuietly(watcher);
    }
  }

  @Test
  void aShareNameThisNodeDoesNotTakeIsRefusedInTheSuback() throws Exception {
    MqttClient client = Paho.v3(node.mqttPort(), "odd-share");
    try {
      int[] granted = client.subscribeWithResponse(new String[] {"$share/a.b/chores/#", "$share/ok/chores/#"}, new int[] {1, 1})
          .getGrantedQos();
      assertThat(granted).containsExactly(0x80, 1);
    } finally {
      Paho.closeQuietly(client);
    }
  }

  @Test
  void aShareReadsOnWhenItsTopicIsDeletedAndCreatedAgain() throws Exception {
    rest.createTopic("tasks", 1, "{\"value.format\":\"string\"}");
    MqttClient worker = Paho.v3(node.mqttPort(), "tasks-worker");
    try {
      List<String> got = new CopyOnWriteArrayList<>();
      worker.setCallback(new Paho.V3Collector(got));
      worker.subscribe("$share/redo/tasks/#", 1);
      await().atMost(Duration.ofSeconds(20)).until(() -> shareOffsets("redo").isPresent()
          && shareOffsets("redo").get().get("members").size() == 1
          && !shareOffsets("redo").get().get("members").get(0).get("assignment").isEmpty());
      rest.produce("tasks", tasks("old-0", "old-1", "old-2"));
      await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 3);
      await().atMost(Duration.ofSeconds(20)).until(() -> committed("redo").equals(List.of("3")));

      // The share's next poll presents a cursor of the old topic, which is refused from now on.
      rest.deleteTopic("tasks");
      rest.createTopic("tasks", 1, "{\"value.format\":\"string\"}");
      // It drops the cursor, starts the new topic by its policy (latest: 0) and commits that.
      await().atMost(Duration.ofSeconds(40)).until(() -> committed("redo").equals(List.of("0")));
      rest.produce("tasks", tasks("new-0", "new-1"));
      await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 5);
      assertThat(got).containsExactly("old-0", "old-1", "old-2", "new-0", "new-1");
    } finally {
      Paho.closeQuietly(worker);
    }
  }

  /** Records of {@code values} to MQTT topic {@code tasks/t}. */
  private static String tasks(String... values) {
    List<String> records = new ArrayList<>();
    for (String value : values) {
      records.add("{\"key\":\"tasks/t\",\"value\":\"" + value + "\"}");
    }
    return "{\"records\":[" + String.join(",", records) + "]}";
  }

  /** The description of the share's consumer group, once it exists. */
  private Optional<JsonNode> shareOffsets(String share) {
    for (JsonNode group : rest.get("/v1/groups")) {
      if (group.get("group").asText().startsWith("mqtt-share." + share + ".")) {
        return Optional.of(rest.get("/v1/groups/" + group.get("group").asText()));
      }
    }
    return Optional.empty();
  }

  /** The share's committed offsets, as its group's description shows them. */
  private List<String> committed(String share) {
    return shareOffsets(share).map(group -> group.get("offsets").findValuesAsText("committed")).orElse(List.of());
  }

  /** Waits until the share's consumer group is stable with this many members, each owning partitions. */
  private void awaitShareMembers(int members) {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      for (JsonNode group : rest.get("/v1/groups")) {
        if (group.get("group").asText().startsWith("mqtt-share.workers.")) {
          JsonNode described = rest.get("/v1/groups/" + group.get("group").asText());
          Set<String> owned = new HashSet<>();
          for (JsonNode member : described.get("members")) {
            if (member.get("assignment").isEmpty()) {
              return false;
            }
            member.get("assignment").forEach(p -> owned.add(p.toString()));
          }
          return described.get("members").size() == members && owned.size() == 4;
        }
      }
      return false;
    });
  }

  private void produce(int from, int to) {
    StringBuilder records = new StringBuilder();
    for (int i = from; i < to; i++) {
      records.append(i == from ? "" : ",").append("{\"key\":\"jobs/").append(i).append("\",\"value\":\"job-").append(i).append("\"}");
    }
    rest.produce("jobs", "{\"records\":[" + records + "]}");
  }

  private static List<String> values(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "job-" + i).toList();
  }
}
