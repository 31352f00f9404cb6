package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.gateway.cluster.LocalCluster.CommandRun;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.TopicView;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #17 item 3, the quorum membership with real processes: a dead node is forgotten, its
 * replicas dropped, and is fenced when it comes back; a cluster that lost two of three nodes for good
 * is recovered from the third by the operator. One cluster per test (each ends it in its own way).
 * A node joining under load as a voter, and one removed for good, are {@link ClusterGrowShrinkIT}'s.
 */
class ClusterMembershipIT {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  @AutoClose private LocalCluster cluster;

  /** Every acknowledged record read back at its offset, and nothing else: no loss, no duplicate. */
  private void assertReadBack(Node node, String topic, List<Map<Long, String>> acknowledged) throws Exception {
    for (int p = 0; p < acknowledged.size(); p++) {
      assertThat(cluster.readValuesByOffset(node, topic, p)).as("%s-%d read through %s vs acknowledged", topic, p, node.id)
          .isEqualTo(acknowledged.get(p));
    }
  }

  private static List<Map<Long, String>> partitions(int count) {
    List<Map<Long, String>> list = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      list.add(new ConcurrentHashMap<>());
    }
    return list;
  }

  private static String value(String phase, int n) {
    return "{\"phase\":\"" + phase + "\",\"n\":" + n + "}";
  }

  @Test
  @SuppressWarnings("unchecked")
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  void aDeadNodeIsForgottenItsReplicasDroppedTheRestWriteOnAndItIsFencedWhenItComesBack() throws Exception {
    cluster = new LocalCluster("membership-forget", 3);
    cluster.startAll();
    cluster.createTopic(cluster.node(0), "held", 3, 3, Map.of("min.insync.replicas", "2"));
    cluster.awaitSettled("held", 3, SETTLE);
    List<Map<Long, String>> acknowledged = partitions(3);
    for (int n = 0; n < 15; n++) {
      String value = value("before the death", n);
      acknowledged.get(n % 3).put(cluster.produceAcknowledged("held", n % 3, value, "all"),
          LocalCluster.JSON.writeValueAsString(LocalCluster.JSON.readTree(value)));
    }

    cluster.kill(2); // dead for good
    Node dead = cluster.node(2);
    // Refused while its lease may still run; then forgotten.
    List<String> refusals = new ArrayList<>();
    HttpResponse<String>[] forgotten = new HttpResponse[1];
    await("node-2 forgotten").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
        .failFast("an answer other than 200 or 409", () -> refusals.stream().anyMatch(r -> !r.startsWith("409")))
        .until(() -> {
          HttpResponse<String> answer = cluster.delete(cluster.node(0), "/v1/cluster/nodes/node-2?forget=true");
          if (answer.statusCode() != 200) {
            refusals.add(answer.statusCode() + " " + answer.body());
            return false;
          }
          forgotten[0] = answer;
          return true;
        });
    assertThat(LocalCluster.JSON.readTree(forgotten[0].body()).path("partitionsLeft").asInt()).isEqualTo(3);
    assertThat(refusals).allSatisfy(refusal -> assertThat(refusal).contains("node-not-removable"));
    cluster.awaitVoters(2, SETTLE);
    TopicView held = cluster.awaitTopic("held", "without node-2", SETTLE, view -> view.partitions().stream()
        .allMatch(partition -> partition.leader() != null && !partition.replicas().contains(dead.id)));
    assertThat(held.partitions()).allSatisfy(partition -> assertThat(partition.isr()).doesNotContain(dead.id));
    await("under-replicated partitions reported").atMost(SETTLE).until(() -> cluster.gauge(cluster.node(0),
        "streamgate_partitions_under_replicated") + cluster.gauge(cluster.node(1), "streamgate_partitions_under_replicated") == 3);

    // The two left are the whole quorum and two in-sync replicas: acks=all writes go on.
    for (int p = 0; p < 3; p++) {
      String value = value("after forgetting", p);
      acknowledged.get(p).put(cluster.produceAcknowledged("held", p, value, "all"),
          LocalCluster.JSON.writeValueAsString(LocalCluster.JSON.readTree(value)));
    }
    assertReadBack(cluster.node(1), "held", acknowledged);

    // Back with its old data (it never applied its removal), it is fenced: never ready, and it says why.
    cluster.launchWithoutWaiting(dead.index);
    await("node-2 says it was removed").atMost(SETTLE).pollInterval(Duration.ofMillis(200))
        .until(() -> Files.readString(dead.logFile).contains("removed from the cluster for good"));
    assertThat(cluster.status(dead, "/health/ready")).isNotEqualTo(200);
    assertThat(cluster.gauge(cluster.node(0), "streamgate_metadata_voters")).isEqualTo(2);
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  void aSurvivorOfALostMajorityIsRecoveredByTheOperatorAndServesEveryAcknowledgedRecord() throws Exception {
    cluster = new LocalCluster("membership-recover", 3);
    cluster.startAll();
    cluster.createTopic(cluster.node(0), "precious", 3, 3, Map.of("min.insync.replicas", "2"));
    cluster.awaitSettled("precious", 3, SETTLE);
    List<Map<Long, String>> acknowledged = partitions(3);
    for (int n = 0; n < 30; n++) {
      String value = value("before the loss", n);
      acknowledged.get(n % 3).put(cluster.produceAcknowledged("precious", n % 3, value, "all"),
          LocalCluster.JSON.writeValueAsString(LocalCluster.JSON.readTree(value)));
    }
    cluster.awaitInSync("precious", 3, SETTLE);

    cluster.kill(1);
    cluster.kill(2); // for good
    cluster.stop(0); // the operator stops the survivor, which cannot do anything alone anyway
    Node survivor = cluster.node(0);
    CommandRun recovery = cluster.runJar("recover-metadata", "--data-dir", survivor.dataDir.toString(), "--voters",
        survivor.id + "@" + survivor.host + ":" + survivor.metadataPort);
    System.out.println(recovery.output());
    assertThat(recovery.exitStatus()).as(recovery.output()).isZero();
    assertThat(recovery.output()).contains("forgot node node-1", "forgot node node-2", "backed up");

    cluster.start(0);
    cluster.awaitVoters(1, SETTLE);
    TopicView precious = cluster.awaitTopic("precious", "led by the survivor", SETTLE,
        view -> view.partitions().stream().allMatch(partition -> survivor.id.equals(partition.leader())));
    assertThat(precious.partitions()).allSatisfy(partition -> assertThat(partition.replicas()).containsExactly(survivor.id));
    assertReadBack(survivor, "precious", acknowledged);

    // It takes writes again (acks=1: one copy is all there is until nodes are added).
    for (int p = 0; p < 3; p++) {
      String value = value("after recovery", p);
      acknowledged.get(p).put(cluster.produceAcknowledged("precious", p, value, "1"),
          LocalCluster.JSON.writeValueAsString(LocalCluster.JSON.readTree(value)));
    }
    assertReadBack(survivor, "precious", acknowledged);
  }
}
