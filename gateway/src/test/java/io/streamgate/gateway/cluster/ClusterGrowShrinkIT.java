package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.LocalCluster.DiskRecord;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.PartitionView;
import io.streamgate.gateway.cluster.LocalCluster.TopicView;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #17 item 3, growing and shrinking with real processes, under an acks=all HTTP load (a
 * {@link ClusterFailoverIT.Producer} thread per partition, an {@code Idempotency-Key} per request,
 * retried elsewhere on a retriable answer): a fourth node joins as a metadata voter, one plan spreads
 * replicas and preferred leaderships onto it, and a topic created then has replicas on it; a node is
 * drained and then removed for good (a node holding replicas is not removable), after which the
 * quorum and the cluster's node list count only the nodes left and the removed id cannot come back.
 * Every acknowledged record is stored once at its offset, nothing is stored that was not
 * acknowledged, and the replicas of a partition hold the same records. (The join and the removal of
 * {@link ClusterMembershipIT} were these scenarios again, each on a cluster of its own; their checks
 * are here now.)
 */
class ClusterGrowShrinkIT {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  @AutoClose private LocalCluster cluster;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  void aFourthNodeTakesAnEvenShareFromOnePlanUnderLoadAndNothingIsLost() throws Exception {
    cluster = new LocalCluster("grow", 3);
    cluster.startAll();
    cluster.createTopic(cluster.node(0), "grow", 6, 2, Map.of("min.insync.replicas", "2"));
    cluster.awaitSettled("grow", 6, SETTLE);
    ClusterFailoverIT.Producer load = new ClusterFailoverIT.Producer(cluster, "grow", 6);
    load.start();

    int joiner = cluster.addNode();
    cluster.start(joiner);
    Node fourth = cluster.node(joiner);
    cluster.awaitVoters(4, SETTLE);
    assertThat(Files.readString(fourth.logFile)).contains("is a metadata voter now");
    JsonNode proposed = planned(cluster.post(cluster.node(1), "/v1/cluster/plan", Map.of()), 200);
    assertThat(proposed.path("moves")).as("a plan alone moves nothing, and shows what would").isNotEmpty();
    JsonNode started = planned(cluster.post(cluster.node(1), "/v1/cluster/plan", Map.of("execute", true)), 202);
    assertThat(started.path("moves").toString()).contains(fourth.id);
    awaitNoMoves();

    TopicView spread = cluster.awaitTopic("grow", "in sync after the moves", SETTLE,
        view -> view.partitions().stream().allMatch(PartitionView::fullyInSync));
    Map<String, Integer> replicas = new HashMap<>();
    Map<String, Integer> preferred = new HashMap<>();
    for (PartitionView partition : spread.partitions()) {
      partition.replicas().forEach(node -> replicas.merge(node, 1, Integer::sum));
      preferred.merge(partition.replicas().get(0), 1, Integer::sum);
    }
    assertThat(replicas).as("replicas per node").isEqualTo(Map.of("node-0", 3, "node-1", 3, "node-2", 3, fourth.id, 3));
    assertThat(preferred.keySet()).as("preferred leaders").hasSize(4);
    assertThat(preferred.values()).allSatisfy(count -> assertThat(count).isBetween(1, 2));
    assertThat(planned(cluster.post(cluster.node(0), "/v1/cluster/plan", Map.of()), 200).path("moves"))
        .as("nothing left to even out").isEmpty();

    // A topic created through the new node has replicas on it, and takes acks=all writes.
    cluster.createTopic(fourth, "fresh", 4, 3, Map.of("min.insync.replicas", "2"));
    TopicView fresh = cluster.awaitTopic("fresh", "placed", SETTLE,
        view -> view.partitions().size() == 4 && view.partitions().stream().allMatch(partition -> partition.leader() != null));
    assertThat(fresh.partitions()).as("partitions of fresh with a replica on %s", fourth.id)
        .anyMatch(partition -> partition.replicas().contains(fourth.id));
    cluster.awaitInSync("fresh", 4, SETTLE);
    Map<Integer, Map<Long, String>> freshAcknowledged = new HashMap<>();
    for (int p = 0; p < 4; p++) {
      for (int n = 0; n < 5; n++) {
        String value = "{\"phase\":\"fresh\",\"n\":" + n + "}";
        freshAcknowledged.computeIfAbsent(p, k -> new TreeMap<>()).put(cluster.produceAcknowledged("fresh", p, value, "all"),
            LocalCluster.JSON.writeValueAsString(LocalCluster.JSON.readTree(value)));
      }
    }

    load.stop();
    for (Node node : cluster.nodes()) {
      assertStoredAsAcknowledged(node, "grow", 6, load);
      for (int p = 0; p < 4; p++) {
        assertThat(cluster.readValuesByOffset(node, "fresh", p)).as("fresh-%d read through %s vs acknowledged", p, node.id)
            .isEqualTo(freshAcknowledged.get(p));
      }
    }
    cluster.stopAll();
    assertReplicasIdentical("grow", spread);
    assertReplicasIdentical("fresh", fresh);
    System.out.printf("grow: %d moves under load, %d records acknowledged (%s), each read back once through 4 nodes%n",
        started.path("moves").size(), load.totalAcks(), load.failureCounts());
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  void aDrainedNodeIsRemovedUnderLoadTheQuorumCountsTheRestAndItCannotComeBack() throws Exception {
    cluster = new LocalCluster("shrink", 4);
    cluster.startAll();
    cluster.createTopic(cluster.node(0), "shrink", 4, 3, Map.of("min.insync.replicas", "2"));
    cluster.awaitSettled("shrink", 4, SETTLE);
    ClusterFailoverIT.Producer load = new ClusterFailoverIT.Producer(cluster, "shrink", 4);
    load.start();
    Node leaving = cluster.node(3);

    HttpResponse<String> held = cluster.delete(cluster.node(0), "/v1/cluster/nodes/" + leaving.id);
    assertThat(held.statusCode()).as("removing a node that holds replicas: %s", held.body()).isEqualTo(409);
    assertThat(LocalCluster.JSON.readTree(held.body()).path("code").asText()).isEqualTo("node-not-removable");
    JsonNode drain = planned(cluster.post(cluster.node(0), "/v1/cluster/nodes/" + leaving.id + "/drain", Map.of()), 202);
    assertThat(drain.path("node").asText()).isEqualTo(leaving.id);
    assertThat(drain.path("moves")).isNotEmpty()
        .allSatisfy(move -> assertThat(move.path("to").toString()).doesNotContain(leaving.id));
    awaitNoMoves();
    TopicView drained = cluster.awaitTopic("shrink", "in sync after the drain", SETTLE,
        view -> view.partitions().stream().allMatch(PartitionView::fullyInSync));
    assertThat(drained.partitions()).allSatisfy(partition -> assertThat(partition.replicas()).doesNotContain(leaving.id));

    HttpResponse<String> removed = cluster.delete(cluster.node(0), "/v1/cluster/nodes/" + leaving.id);
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
    assertThat(LocalCluster.JSON.readTree(removed.body()).path("partitionsLeft").asInt()).isZero();
    cluster.stop(3);
    cluster.awaitVoters(3, SETTLE);
    List<String> ids = new ArrayList<>();
    cluster.getJsonFromAnyNodeRetrying("/v1/cluster").path("nodes").forEach(node -> ids.add(node.path("id").asText()));
    assertThat(ids).as("the cluster's nodes after the removal").containsExactlyInAnyOrder("node-0", "node-1", "node-2");

    // Two nodes of the four left: a majority of the three voters left, and the cluster still serves.
    long killedAt = System.nanoTime();
    cluster.kill(2);
    await("an acks=all write to every partition after the kill").atMost(SETTLE)
        .until(() -> IntStream.range(0, 4).allMatch(p -> load.firstAckSentAfter(p, killedAt).isPresent()));
    load.stop();
    assertStoredAsAcknowledged(cluster.node(0), "shrink", 4, load);
    assertStoredAsAcknowledged(cluster.node(1), "shrink", 4, load);

    // Back on its old data, the removed node refuses to run, and says why.
    assertThat(cluster.startExpectingExit(3)).isNotZero();
    assertThat(Files.readString(leaving.logFile)).contains("removed from the cluster for good");
    System.out.printf("shrink: %d moves under load, %d records acknowledged (%s), each read back once%n",
        drain.path("moves").size(), load.totalAcks(), load.failureCounts());
  }

  /** Every acknowledged record stored once at its offset through {@code node}, nothing else; only 200s or retriable answers. */
  private void assertStoredAsAcknowledged(Node node, String topic, int partitions, ClusterFailoverIT.Producer load)
      throws Exception {
    assertThat(load.totalAcks()).as("records acknowledged under load").isPositive();
    assertThat(load.unexpectedAnswers()).as("produce answers other than 200 or a retriable failure").isEmpty();
    List<String> problems = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      problems.addAll(ClusterFailoverIT.problems("through " + node.id, p, cluster.readPartition(node, topic, p), load));
    }
    assertThat(problems).as("acknowledged vs stored").isEmpty();
  }

  /** The answer's JSON, once it has the status expected. */
  private static JsonNode planned(HttpResponse<String> answer, int status) throws IOException {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    return LocalCluster.JSON.readTree(answer.body());
  }

  /** Until no partition is moving, as any live node reports it. */
  private void awaitNoMoves() {
    await("no partition moving").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
        .until(() -> cluster.getJsonFromAnyNodeRetrying("/v1/cluster/reassignments").path("partitions").isEmpty());
  }

  /** Each partition's replicas, read off the stopped nodes' data dirs, hold the same records (offsets, timestamps, bytes). */
  private void assertReplicasIdentical(String topic, TopicView view) {
    Map<String, List<List<DiskRecord>>> onDisk = new HashMap<>();
    for (Node node : cluster.nodes()) {
      onDisk.put(node.id, cluster.readFromDisk(node, topic, view.partitions().size()));
    }
    for (PartitionView partition : view.partitions()) {
      List<DiskRecord> first = onDisk.get(partition.replicas().get(0)).get(partition.partition());
      assertThat(first).as("%s-%d on %s", topic, partition.partition(), partition.replicas().get(0)).isNotEmpty();
      for (String replica : partition.replicas()) {
        assertThat(onDisk.get(replica).get(partition.partition())).as("%s-%d on %s vs %s", topic, partition.partition(), replica,
            partition.replicas().get(0)).isEqualTo(first);
      }
    }
  }
}
