package io.streamgate.cluster;

import static io.streamgate.cluster.ClusterServiceTest.failure;
import static io.streamgate.cluster.ClusterServiceTest.get;
import static io.streamgate.cluster.ClusterServiceTest.idempotentBatch;
import static io.streamgate.cluster.ClusterServiceTest.readAll;
import static io.streamgate.cluster.ClusterServiceTest.spec;
import static io.streamgate.cluster.ClusterServiceTest.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.ReplicaPlanner.Move;
import io.streamgate.cluster.TestCluster.Node;
import io.streamgate.logstore.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Draining a node of a three-node cluster in one JVM ({@link MovePlans}): what cannot be is refused
 * and moves nothing; a drain takes every replica off the node and evens out the rest, every record
 * written is read back once, in order, and the drained node can then be removed for good.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MovePlansTest {
  private static final int PARTITIONS = 6;
  private static final int BATCHES_PER_PARTITION = 40;
  /** Enough bytes that, throttled, the moves are still going when the drain is asked again. */
  private static final String FILLER = "x".repeat(4000);

  @TempDir Path dataDir;

  @AutoClose private TestCluster cluster;

  @Test
  void aDrainedNodeHoldsNothingTheRestIsEvenNothingIsLostAndItIsRemovedForGood() {
    cluster = TestCluster.start(dataDir, 3);
    Node admin = cluster.node("node-1");
    MovePlans plans = admin.service().plans();
    // Kept for good: the test batches are stamped in 2023, and retention would delete them as the moves go.
    get(admin.service().createTopic(new TopicSpec("spread", PARTITIONS, 2, Map.of("retention.ms", "-1"))));
    get(admin.service().createTopic(spec("wide", 1, 3, 1)));
    // A writer per partition, all at once: an acks=all append waits for its followers' next fetch,
    // and the 240 of them one after another were most of the test's time (25 s of 30).
    Map<TopicPartition, List<String>> written = new ConcurrentHashMap<>();
    ExecutorService writers = Executors.newFixedThreadPool(PARTITIONS);
    try {
      CompletableFuture.allOf(IntStream.range(0, PARTITIONS).mapToObj(p -> CompletableFuture.runAsync(() -> {
        TopicPartition tp = new TopicPartition("spread", p);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < BATCHES_PER_PARTITION; i++) {
          String value = tp + "/" + i + "/" + FILLER;
          appendRetrying(admin, tp, 100 + p, i, value);
          values.add(value);
        }
        written.put(tp, values);
      }, writers)).toArray(CompletableFuture[]::new)).join();
    } finally {
      writers.shutdownNow();
    }

    // Refused, moving nothing: an unknown node; a partition on every node; plans over too few or unknown nodes.
    assertThat(failure(plans.drain("node-9"))).isInstanceOf(NodeNotFoundException.class);
    assertThat(failure(plans.drain("node-3"))).isInstanceOf(NodeNotRemovableException.class).hasMessageContaining("wide-0");
    assertThat(failure(plans.plan(List.of("node-1", "node-2"), true))).isInstanceOf(InvalidReplicationFactorException.class);
    assertThat(failure(plans.plan(List.of("node-1", "node-9"), false))).isInstanceOf(InvalidReplicaAssignmentException.class)
        .hasMessageContaining("node-9");
    assertThat(admin.service().moves().movingPartitions()).isZero();
    assertThat(get(plans.plan(List.of(), false))).as("three nodes, replicas spread by topic creation").isEmpty();

    get(admin.service().deleteTopic("wide"));
    List<Move> proposed = get(plans.plan(List.of("node-1", "node-2"), false));
    assertThat(proposed).extracting(Move::partition).containsExactlyInAnyOrderElementsOf(partitionsOn(admin, "node-3"));
    assertThat(admin.service().moves().movingPartitions()).as("a plan alone moves nothing").isZero();

    // Slow, so that the drain is still going when it is asked again.
    get(admin.service().moves().setThrottle(20_000));
    List<Move> drain = get(plans.drain("node-3"));
    assertThat(drain).isEqualTo(proposed);
    assertThat(failure(plans.drain("node-3"))).isInstanceOf(ReassignmentInProgressException.class);
    get(admin.service().moves().setThrottle(0));
    await().atMost(Duration.ofSeconds(60)).until(() -> admin.service().moves().movingPartitions() == 0);

    assertThat(partitionsOn(admin, "node-3")).isEmpty();
    Map<String, Integer> replicas = new HashMap<>();
    Map<String, Integer> preferred = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      PartitionState state = TestCluster.sharedState(admin, new TopicPartition("spread", p)).orElseThrow();
      state.replicas().forEach(node -> replicas.merge(node, 1, Integer::sum));
      preferred.merge(state.preferredLeader(), 1, Integer::sum);
    }
    assertThat(replicas).isEqualTo(Map.of("node-1", PARTITIONS, "node-2", PARTITIONS));
    assertThat(preferred).isEqualTo(Map.of("node-1", PARTITIONS / 2, "node-2", PARTITIONS / 2));
    // A leader that just took over serves reads once its high watermark reaches its epoch's start.
    written.forEach((tp, values) -> await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<String> read = values(readAll(admin, tp));
      assertThat(read.equals(values)).as("%s: the %d records written read back once, in order (read %d)", tp, values.size(),
          read.size()).isTrue();
    }));
    await("node-3's copies deleted").atMost(Duration.ofSeconds(10)).until(() -> partitionsLogged(cluster.node("node-3")) == 0);

    assertThat(get(admin.service().removeNode("node-3", false))).isZero();
    assertThat(failure(plans.drain("node-3"))).isInstanceOf(NodeNotFoundException.class);
    assertThat(get(plans.plan(List.of(), false))).as("the two nodes left are even").isEmpty();
  }

  private static List<TopicPartition> partitionsOn(Node node, String id) {
    List<TopicPartition> on = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      TopicPartition tp = new TopicPartition("spread", p);
      if (TestCluster.sharedState(node, tp).orElseThrow().replicas().contains(id)) {
        on.add(tp);
      }
    }
    return on;
  }

  private static long partitionsLogged(Node node) {
    long logged = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      if (node.service().logManager().get(new TopicPartition("spread", p)).isPresent()) {
        logged++;
      }
    }
    return logged;
  }

  /** Waits for the partition's leader after creation: the first writes may meet none yet. */
  private static void appendRetrying(Node via, TopicPartition tp, long producerId, int sequence, String value) {
    await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(RetriableClusterException.class)
        .until(() -> get(via.service().append(tp, idempotentBatch(producerId, sequence, value), Acks.ALL)) != null);
  }
}
