package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.LocalCluster.DiskRecord;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.StoredRecord;
import io.streamgate.gateway.cluster.LocalCluster.TopicView;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #4, item 8, the restarts: a cold restart of the whole cluster (after SIGTERM, and after
 * SIGKILL of every node) keeps topics, their config and every acknowledged record; a node whose data
 * dir was wiped rejoins under its id, re-replicates, and ends with the same files as the others.
 * The tests share one three-node cluster and run in order, each adding records.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRestartIT {
  /** Replicated everywhere, two replicas needed to write. */
  private static final String WIDE = "restart-wide";
  private static final int WIDE_PARTITIONS = 3;
  /** Two replicas of four partitions: each node holds some of them, and some partitions have no copy on a given node. */
  private static final String NARROW = "restart-narrow";
  private static final int NARROW_PARTITIONS = 4;
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);

  private static LocalCluster cluster;
  /** What was acknowledged, per topic and partition: offset → value. */
  private static final Map<String, List<Map<Long, String>>> acknowledged = new TreeMap<>();

  @BeforeAll
  static void startClusterWithTopicsAndRecords() throws Exception {
    cluster = new LocalCluster("restart", 3);
    cluster.startAll();
    cluster.createTopic(cluster.node(0), WIDE, WIDE_PARTITIONS, 3, Map.of("min.insync.replicas", "2", "retention.ms", "-1"));
    cluster.createTopic(cluster.node(1), NARROW, NARROW_PARTITIONS, 2, Map.of("segment.bytes", "4096"));
    acknowledged.put(WIDE, emptyPartitions(WIDE_PARTITIONS));
    acknowledged.put(NARROW, emptyPartitions(NARROW_PARTITIONS));
    awaitSettled();
    produce("before any restart", 30);
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  @Order(1)
  void coldRestartAfterSigtermKeepsTopicsConfigAndRecords() throws Exception {
    cluster.stopAll();
    cluster.startAll();
    awaitSettled();
    checkTopicsAndRecordsOnEveryNode();
    produce("after a cold restart (SIGTERM)", 10);
    checkTopicsAndRecordsOnEveryNode();
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  @Order(2)
  void coldRestartAfterSigkillOfEveryNodeKeepsTopicsConfigAndRecords() throws Exception {
    cluster.killAll();
    cluster.startAll();
    awaitSettled();
    checkTopicsAndRecordsOnEveryNode();
    produce("after a cold restart (SIGKILL)", 10);
    checkTopicsAndRecordsOnEveryNode();
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  @Order(3)
  void nodeWithWipedDataDirRejoinsAndReReplicates() throws Exception {
    Node wiped = cluster.node(2);
    cluster.kill(wiped.index);
    cluster.wipe(wiped.index);
    produce("while " + wiped.id + " is down", 10); // the others hold records it never saw, beyond what it had
    cluster.start(wiped.index);
    awaitSettled();
    produce("after " + wiped.id + " rejoined", 10);
    awaitSettled();
    checkTopicsAndRecordsOnEveryNode();

    cluster.stopAll();
    for (String topic : acknowledged.keySet()) {
      int partitions = acknowledged.get(topic).size();
      Map<String, List<List<DiskRecord>>> byNode = new LinkedHashMap<>();
      for (Node node : cluster.nodes()) {
        byNode.put(node.id, cluster.readFromDisk(node, topic, partitions));
      }
      for (int p = 0; p < partitions; p++) {
        Map<String, List<DiskRecord>> replicas = new LinkedHashMap<>();
        for (Map.Entry<String, List<List<DiskRecord>>> node : byNode.entrySet()) {
          if (node.getValue().get(p) != null) {
            replicas.put(node.getKey(), node.getValue().get(p));
          }
        }
        int replicationFactor = topic.equals(WIDE) ? 3 : 2;
        assertThat(replicas).as("%s-%d: the nodes holding it on disk", topic, p).hasSize(replicationFactor);
        List<DiskRecord> reference = replicas.values().iterator().next();
        for (Map.Entry<String, List<DiskRecord>> replica : replicas.entrySet()) {
          assertThat(replica.getValue()).as("%s-%d on disk of %s vs %s", topic, p, replica.getKey(), replicas.keySet())
              .isEqualTo(reference);
        }
        Map<Long, String> stored = new TreeMap<>();
        for (DiskRecord r : reference) {
          stored.put(r.offset(), compact(r.valueText()));
        }
        Map<Long, String> expected = new TreeMap<>();
        for (Map.Entry<Long, String> ack : acknowledged.get(topic).get(p).entrySet()) {
          expected.put(ack.getKey(), compact(ack.getValue()));
        }
        assertThat(stored).as("%s-%d on disk vs acknowledged", topic, p).isEqualTo(expected);
      }
      assertThat(byNode.get(wiped.id).stream().filter(r -> r != null).count())
          .as("%s: partitions of %s that %s holds again", topic, topic, wiped.id).isGreaterThan(0);
    }
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private static List<Map<Long, String>> emptyPartitions(int partitions) {
    List<Map<Long, String>> list = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      list.add(new TreeMap<>());
    }
    return list;
  }

  /** Every node describes both topics alike, each partition led by its preferred replica with every replica in sync. */
  private static void awaitSettled() {
    for (String topic : acknowledged.keySet()) {
      cluster.awaitSettled(topic, acknowledged.get(topic).size(), SETTLE_TIMEOUT);
    }
  }

  /**
   * Writes {@code perPartition} records to every partition of both topics with {@code acks=all},
   * one request per partition, through the live nodes in turn, and remembers what was acknowledged.
   */
  @SuppressWarnings("unchecked")
  private static void produce(String phase, int perPartition) throws Exception {
    List<Node> live = cluster.liveNodes();
    int request = 0;
    for (Map.Entry<String, List<Map<Long, String>>> topic : acknowledged.entrySet()) {
      for (int p = 0; p < topic.getValue().size(); p++) {
        Map<Long, String> partition = topic.getValue().get(p);
        List<Map<String, Object>> records = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < perPartition; i++) {
          String value = "{\"phase\":\"" + phase + "\",\"p\":" + p + ",\"n\":" + (partition.size() + i) + "}";
          values.add(value);
          records.add(Map.of("key", "k" + i, "partition", p, "value", LocalCluster.JSON.readTree(value)));
        }
        // A client's retry: the same request with the same Idempotency-Key, on the next node, while the answer is retriable.
        String idempotencyKey = "restart-" + UUID.randomUUID();
        String path = "/v1/topics/" + topic.getKey() + "/records?acks=all";
        int[] attempt = {request++};
        List<String> failures = new ArrayList<>();
        HttpResponse<String>[] answer = new HttpResponse[1];
        await("produce " + phase + " to " + topic.getKey() + "-" + p).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
            .failFast("a non-retriable answer", () -> !failures.isEmpty() && failures.get(failures.size() - 1).startsWith("FATAL"))
            .until(() -> {
              Node via = live.get(attempt[0]++ % live.size());
              try {
                HttpResponse<String> response =
                    cluster.post(via, path, Map.of("records", records), Map.of("Idempotency-Key", idempotencyKey));
                if (response.statusCode() == 200) {
                  answer[0] = response;
                  return true;
                }
                boolean retriable = LocalCluster.JSON.readTree(response.body()).path("retryable").asBoolean(false);
                failures.add((retriable ? "" : "FATAL ") + via.id + ": " + response.statusCode() + " " + response.body());
              } catch (IOException e) {
                failures.add(via.id + ": " + e);
              }
              return false;
            });
        if (!failures.isEmpty()) {
          System.out.printf("produce %s to %s-%d: acknowledged after retriable failures %s%n", phase, topic.getKey(), p, failures);
        }
        JsonNode offsets = LocalCluster.JSON.readTree(answer[0].body()).path("offsets");
        for (int i = 0; i < perPartition; i++) {
          assertThat(offsets.get(i).path("partition").asInt()).isEqualTo(p);
          partition.put(offsets.get(i).path("offset").asLong(), values.get(i));
        }
      }
    }
  }

  /** Both topics listed with their shape and config by every node, and every acknowledged record readable through each. */
  private static void checkTopicsAndRecordsOnEveryNode() throws Exception {
    for (Node node : cluster.nodes()) {
      JsonNode list = cluster.getJson(node, "/v1/topics");
      Map<String, String> shapes = new TreeMap<>();
      list.forEach(t -> shapes.put(t.path("name").asText(), t.path("partitions").asInt() + "x" + t.path("replicationFactor").asInt()));
      assertThat(shapes).as("GET /v1/topics on %s", node.id)
          .containsEntry(WIDE, WIDE_PARTITIONS + "x3").containsEntry(NARROW, NARROW_PARTITIONS + "x2");

      TopicView wide = TopicView.of(cluster.getJson(node, "/v1/topics/" + WIDE));
      assertThat(wide.json().path("config").path("min.insync.replicas").asText()).as("%s config on %s", WIDE, node.id).isEqualTo("2");
      assertThat(wide.json().path("config").path("retention.ms").asText()).as("%s config on %s", WIDE, node.id).isEqualTo("-1");
      TopicView narrow = TopicView.of(cluster.getJson(node, "/v1/topics/" + NARROW));
      assertThat(narrow.json().path("config").path("segment.bytes").asText()).as("%s config on %s", NARROW, node.id).isEqualTo("4096");

      for (Map.Entry<String, List<Map<Long, String>>> topic : acknowledged.entrySet()) {
        for (int p = 0; p < topic.getValue().size(); p++) {
          Map<Long, String> read = new TreeMap<>();
          for (StoredRecord r : cluster.readPartition(node, topic.getKey(), p)) {
            read.put(r.offset(), r.value());
          }
          Map<Long, String> expected = new TreeMap<>();
          for (Map.Entry<Long, String> ack : topic.getValue().get(p).entrySet()) {
            expected.put(ack.getKey(), compact(ack.getValue()));
          }
          assertThat(read).as("%s-%d read through %s vs acknowledged", topic.getKey(), p, node.id).isEqualTo(expected);
        }
      }
    }
  }

  private static String compact(String json) throws IOException {
    return LocalCluster.JSON.writeValueAsString(LocalCluster.JSON.readTree(json));
  }
}
