package io.streamgate.cluster;

import static io.streamgate.cluster.ClusterServiceTest.appendRetrying;
import static io.streamgate.cluster.ClusterServiceTest.failure;
import static io.streamgate.cluster.ClusterServiceTest.get;
import static io.streamgate.cluster.ClusterServiceTest.idempotentBatch;
import static io.streamgate.cluster.ClusterServiceTest.rawBatches;
import static io.streamgate.cluster.ClusterServiceTest.readAll;
import static io.streamgate.cluster.ClusterServiceTest.spec;
import static io.streamgate.cluster.ClusterServiceTest.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.TestCluster.Node;
import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moving a partition to other nodes in a three-node cluster in one JVM while a writer goes on
 * ({@link PartitionMoves}): the new replica catches up under the throttle, leadership moves into
 * the target, the old replica drops its copy; every acknowledged write is read back once, in
 * order, and the replicas are byte-identical. A cancelled move leaves the partition as it was.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PartitionMoveTest {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionMoveTest.class);
  /** About 1.2 MB in the log before a move: at the throttle below, seconds of catching up. */
  private static final int PRELOAD_BATCHES = 300;
  private static final String FILLER = "x".repeat(4000);
  private static final long THROTTLE = 400_000;

  @TempDir Path dataDir;

  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aPartitionMovesUnderTheThrottleWhileWritesGoOnAndNothingIsLostOrDuplicated() throws Exception {
    cluster = TestCluster.start(dataDir, 3);
    Node admin = cluster.node("node-1");
    TopicPartition tp = new TopicPartition("moving", 0);
    get(admin.service().createTopic(spec("moving", 1, 2, 2)));
    PartitionState before = awaitLed(admin, tp);
    String leaving = before.leader();
    String staying = before.replicas().stream().filter(r -> !r.equals(leaving)).findFirst().orElseThrow();
    String joining = cluster.nodes().stream().map(Node::id).filter(id -> !before.replicas().contains(id)).findFirst()
        .orElseThrow();
    // The leader leaves: leadership must move into the target before the move completes.
    List<String> target = List.of(joining, staying);
    Writer writer = new Writer(cluster.node(staying), tp);
    writer.preload(PRELOAD_BATCHES);
    get(admin.service().moves().setThrottle(THROTTLE));
    writer.start();

    long startedNs = System.nanoTime();
    get(admin.service().moves().reassign(Map.of(tp, target)));
    PartitionState moving = TestCluster.sharedState(admin, tp).orElseThrow();
    assertThat(moving.adding()).containsExactly(joining);
    assertThat(moving.removing()).containsExactly(leaving);
    assertThat(moving.replicas()).containsExactlyInAnyOrder(joining, staying, leaving);
    // Its progress, through a node that does not lead it, while the new replica catches up.
    Node other = cluster.node(staying);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<PartitionMoves.Progress> progress = get(other.service().moves().inProgress());
      assertThat(progress).hasSize(1);
      PartitionMoves.AddingReplica adding = progress.get(0).addingReplicas().get(0);
      assertThat(adding.node()).isEqualTo(joining);
      assertThat(adding.lagRecords()).isPositive();
      assertThat(adding.lagBytes()).isPositive();
      assertThat(adding.inSync()).isFalse();
      // What /metrics exports: the cluster's moving partitions on any node, the bytes left on the leader.
      assertThat(other.service().moves().movingPartitions()).isEqualTo(1);
      assertThat(cluster.node(leaving).service().moves().bytesLeftHere()).isPositive();
      assertThat(other.service().moves().bytesLeftHere()).as("a node that leads no moving partition").isZero();
    });

    await().atMost(Duration.ofSeconds(60)).until(() -> !TestCluster.sharedState(admin, tp).orElseThrow().moving());
    long tookMs = (System.nanoTime() - startedNs) / 1_000_000;
    long logBytes = cluster.node(staying).service().logManager().partition(tp).sizeInBytes();
    LOG.info("moved {} bytes at {} B/s in {} ms", logBytes, THROTTLE, tookMs);
    // A second's burst, then the rate: well below the time the log needs at the throttle, it did not hold.
    assertThat(tookMs).as("the throttle held the catch-up").isGreaterThan((logBytes - THROTTLE) * 1000 / THROTTLE * 8 / 10);
    PartitionState after = TestCluster.sharedState(admin, tp).orElseThrow();
    assertThat(after.replicas()).containsExactly(joining, staying);
    assertThat(after.leader()).isIn(target);
    assertThat(after.adding()).isEmpty();
    assertThat(after.removing()).isEmpty();
    assertThat(get(admin.service().moves().inProgress())).isEmpty();
    assertThat(admin.service().moves().movingPartitions()).isZero();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> cluster.node(leaving).service().logManager().get(tp).isEmpty());

    writer.stopAfterMore(30);
    assertThat(writer.failures).as("writes that failed during the move").isEmpty();
    assertThat(values(readAll(admin, tp))).as("every acknowledged write, once, in order").isEqualTo(writer.acknowledged);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rawBatches(
        cluster.node(joining).service().logManager().partition(tp))).as("the new replica's log, byte for byte")
        .isEqualTo(rawBatches(cluster.node(staying).service().logManager().partition(tp))));
  }

  @Test
  void aMoveWhoseLeaderDiesMidCopyGoesOnFromTheNewLeaderAndNothingIsLost() throws Exception {
    cluster = TestCluster.start(dataDir, 3);
    TopicPartition tp = new TopicPartition("orphaned", 0);
    // The writer's records carry a 2023 timestamp: kept for good, or retention would delete them under the copy.
    get(cluster.node("node-1").service().createTopic(new TopicSpec("orphaned", 1, 2,
        Map.of(TopicConfigs.MIN_INSYNC_REPLICAS, "1", LogConfig.RETENTION_MS, "-1"))));
    PartitionState before = awaitLed(cluster.node("node-1"), tp);
    String dying = before.leader();
    String staying = before.replicas().stream().filter(r -> !r.equals(dying)).findFirst().orElseThrow();
    String joining = cluster.nodes().stream().map(Node::id).filter(id -> !before.replicas().contains(id)).findFirst()
        .orElseThrow();
    Node survivor = cluster.node(staying);
    Writer writer = new Writer(survivor, tp);
    writer.preload(PRELOAD_BATCHES);
    get(survivor.service().moves().setThrottle(THROTTLE));
    writer.start();
    get(survivor.service().moves().reassign(Map.of(tp, List.of(joining, staying))));
    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(joining).service().logManager().get(tp)
        .map(log -> log.logEndOffset() > 0).orElse(false));

    // The leader, which the new replica copies from, dies mid-copy: the survivor leads, and the new
    // replica copies the rest from it; the move needs nothing of the dead node, which it removes.
    cluster.kill(dying);
    // Acknowledged by the survivor alone now, writes outrun any throttle: the copy must be let go to finish.
    get(survivor.service().moves().setThrottle(0));
    await().atMost(Duration.ofSeconds(60)).until(() -> !TestCluster.sharedState(survivor, tp).orElseThrow().moving());
    PartitionState after = TestCluster.sharedState(survivor, tp).orElseThrow();
    assertThat(after.replicas()).containsExactly(joining, staying);
    assertThat(after.leader()).isIn(joining, staying);

    writer.stopAfterMore(30);
    assertThat(writer.failures).as("writes that failed while the leader died mid-move").isEmpty();
    assertThat(values(readAll(survivor, tp))).as("every acknowledged write, once, in order").isEqualTo(writer.acknowledged);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rawBatches(
        cluster.node(joining).service().logManager().partition(tp))).as("the new replica's log, byte for byte")
        .isEqualTo(rawBatches(survivor.service().logManager().partition(tp))));
  }

  @Test
  void aMoveWaitsForATargetReplicaThatDiedAndCompletesOnceItReturns() throws Exception {
    cluster = TestCluster.start(dataDir, 3);
    TopicPartition tp = new TopicPartition("waiting", 0);
    get(cluster.node("node-1").service().createTopic(new TopicSpec("waiting", 1, 2,
        Map.of(TopicConfigs.MIN_INSYNC_REPLICAS, "1", LogConfig.RETENTION_MS, "-1"))));
    PartitionState before = awaitLed(cluster.node("node-1"), tp);
    String dying = before.leader();
    String leaving = before.replicas().stream().filter(r -> !r.equals(dying)).findFirst().orElseThrow();
    String joining = cluster.nodes().stream().map(Node::id).filter(id -> !before.replicas().contains(id)).findFirst()
        .orElseThrow();
    Node survivor = cluster.node(leaving);
    Writer writer = new Writer(survivor, tp);
    writer.preload(PRELOAD_BATCHES);
    get(survivor.service().moves().setThrottle(THROTTLE));
    writer.start();
    List<String> target = List.of(dying, joining);
    get(survivor.service().moves().reassign(Map.of(tp, target)));
    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(joining).service().logManager().get(tp)
        .map(log -> log.logEndOffset() > 0).orElse(false));

    // The leader, which the target keeps, dies mid-copy: the replica the move removes leads until the
    // move completes, and the move cannot complete while a target replica is out of sync.
    cluster.kill(dying);
    get(survivor.service().moves().setThrottle(0));
    await().atMost(Duration.ofSeconds(30)).until(() -> TestCluster.sharedState(survivor, tp).orElseThrow().isr()
        .containsAll(List.of(leaving, joining)));
    assertThat(TestCluster.sharedState(survivor, tp).orElseThrow().moving()).as("waiting for " + dying).isTrue();

    Node back = cluster.restart(dying);
    await().atMost(Duration.ofSeconds(60)).until(() -> !TestCluster.sharedState(back, tp).orElseThrow().moving());
    PartitionState after = TestCluster.sharedState(back, tp).orElseThrow();
    assertThat(after.replicas()).containsExactly(dying, joining);
    assertThat(after.leader()).isIn(target);
    await().atMost(Duration.ofSeconds(10)).until(() -> survivor.service().logManager().get(tp).isEmpty());

    writer.stopAfterMore(30);
    assertThat(writer.failures).as("writes that failed while a target replica was dead").isEmpty();
    assertThat(values(readAll(back, tp))).as("every acknowledged write, once, in order").isEqualTo(writer.acknowledged);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rawBatches(
        back.service().logManager().partition(tp))).as("the returned replica's log, byte for byte")
        .isEqualTo(rawBatches(cluster.node(joining).service().logManager().partition(tp))));
  }

  @Test
  void aCancelledMoveLeavesThePartitionOnItsReplicasAndTheNewCopyGoes() throws Exception {
    cluster = TestCluster.start(dataDir, 3);
    Node admin = cluster.node("node-2");
    TopicPartition tp = new TopicPartition("cancelled", 0);
    get(admin.service().createTopic(spec("cancelled", 1, 2, 1)));
    PartitionState before = awaitLed(admin, tp);
    String joining = cluster.nodes().stream().map(Node::id).filter(id -> !before.replicas().contains(id)).findFirst()
        .orElseThrow();
    Writer writer = new Writer(admin, tp);
    writer.preload(PRELOAD_BATCHES);
    // So slow that the move cannot finish before it is cancelled.
    get(admin.service().moves().setThrottle(20_000));
    writer.start();
    get(admin.service().moves().reassign(tp, List.of(joining, before.replicas().get(1))));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> cluster.node(joining).service().logManager().get(tp).map(log -> log.logEndOffset() > 0).orElse(false));

    get(admin.service().moves().cancel(List.of(tp)));

    PartitionState after = TestCluster.sharedState(admin, tp).orElseThrow();
    assertThat(after.moving()).isFalse();
    assertThat(after.replicas()).containsExactlyInAnyOrderElementsOf(before.replicas());
    assertThat(after.isr()).doesNotContain(joining);
    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(joining).service().logManager().get(tp).isEmpty());
    assertThat(failure(admin.service().moves().cancel(List.of(tp)))).isInstanceOf(NoReassignmentException.class);
    writer.stopAfterMore(20);
    assertThat(writer.failures).isEmpty();
    assertThat(values(readAll(admin, tp))).isEqualTo(writer.acknowledged);
  }

  @Test
  void aMoveGoesOnAcrossAControllerChangeAndARestartOfTheNewReplicaAndLosesNothing() throws Exception {
    cluster = TestCluster.start(dataDir, 3);
    Node admin = cluster.node("node-1");
    TopicPartition tp = new TopicPartition("restarted", 0);
    get(admin.service().createTopic(spec("restarted", 1, 2, 1)));
    PartitionState before = awaitLed(admin, tp);
    String leaving = before.leader();
    String staying = before.replicas().stream().filter(r -> !r.equals(leaving)).findFirst().orElseThrow();
    String joining = cluster.nodes().stream().map(Node::id).filter(id -> !before.replicas().contains(id)).findFirst()
        .orElseThrow();
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < PRELOAD_BATCHES; i++) {
      String value = FILLER + "/" + i;
      appendRetrying(cluster.node(staying), tp, () -> idempotentBatch(700, acknowledged.size(), value), Acks.ALL);
      acknowledged.add(value);
    }
    get(admin.service().moves().setThrottle(20_000));
    get(admin.service().moves().reassign(tp, List.of(joining, staying)));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> cluster.node(joining).service().logManager().get(tp).map(log -> log.logEndOffset() > 0).orElse(false));

    // The controller goes (whichever node it is), then the new replica restarts mid-copy.
    String controller = cluster.alive().stream().filter(node -> node.service().controllerActive()).findFirst()
        .orElseThrow().id();
    LOG.info("killing the controller {} mid-move ({} -> {})", controller, before.replicas(), List.of(joining, staying));
    cluster.kill(controller);
    cluster.restart(controller);
    if (!controller.equals(joining)) {
      cluster.kill(joining);
      cluster.restart(joining);
    }
    Node writer = cluster.node(staying);
    for (int i = 0; i < 20; i++) {
      String value = "after-restarts/" + i;
      appendRetrying(writer, tp, () -> idempotentBatch(700, acknowledged.size(), value), Acks.ALL);
      acknowledged.add(value);
    }
    assertThat(TestCluster.sharedState(writer, tp).orElseThrow().moving()).as("still moving, from the log").isTrue();
    get(writer.service().moves().setThrottle(0));

    await().atMost(Duration.ofSeconds(60)).until(() -> !TestCluster.sharedState(writer, tp).orElseThrow().moving());
    assertThat(TestCluster.sharedState(writer, tp).orElseThrow().replicas()).containsExactly(joining, staying);
    assertThat(values(readAll(writer, tp))).as("every acknowledged write, once, in order").isEqualTo(acknowledged);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(rawBatches(
        cluster.node(joining).service().logManager().partition(tp))).isEqualTo(rawBatches(
            writer.service().logManager()
                .partition(tp))));
    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(leaving).service().logManager().get(tp).isEmpty());
  }

  @Test
  void aMoveThatCannotBeIsRefusedWholeAndNothingMoves() {
    cluster = TestCluster.start(dataDir, 3);
    Node admin = cluster.node("node-3");
    get(admin.service().createTopic(spec("stays", 2, 2, 1)));
    TopicPartition p0 = new TopicPartition("stays", 0);
    PartitionState before = awaitLed(admin, p0);
    PartitionMoves moves = admin.service().moves();
    List<String> good = List.of("node-3", "node-1");

    assertThat(failure(moves.reassign(Map.of()))).isInstanceOf(InvalidReplicaAssignmentException.class);
    assertThat(failure(moves.reassign(Map.of(p0, List.of("node-1", "node-1"))))).isInstanceOf(InvalidReplicaAssignmentException.class);
    assertThat(failure(moves.reassign(Map.of(p0, List.of("node-1", "node-9"))))).isInstanceOf(InvalidReplicaAssignmentException.class)
        .hasMessageContaining("node-9");
    assertThat(failure(moves.reassign(Map.of(p0, List.of())))).isInstanceOf(InvalidReplicaAssignmentException.class);
    // Kafka's allowReplicationFactorChange=false: another count of replicas is refused.
    assertThat(failure(moves.reassign(p0, List.of("node-1"), false))).isInstanceOf(InvalidReplicationFactorException.class);
    assertThat(failure(moves.reassign(Map.of(p0, good, new TopicPartition("nope", 0), good))))
        .isInstanceOf(TopicNotFoundException.class);
    assertThat(failure(moves.reassign(Map.of(p0, good, new TopicPartition("stays", 2), good))))
        .isInstanceOf(PartitionNotFoundException.class);
    assertThat(failure(moves.cancel(List.of(p0)))).isInstanceOf(NoReassignmentException.class);
    assertThat(TestCluster.sharedState(admin, p0).orElseThrow()).as("nothing moved").isEqualTo(before);
  }

  @Test
  void aMoveChangesTheReplicationFactorAndASecondMoveReplacesTheFirstWhileWritesGoOnAndNothingIsLost() throws Exception {
    cluster = TestCluster.start(dataDir, 3);
    Node admin = cluster.node("node-1");
    TopicPartition tp = new TopicPartition("resized", 0);
    get(admin.service().createTopic(spec("resized", 1, 1, 1)));
    String first = awaitLed(admin, tp).leader();
    List<String> others = cluster.nodes().stream().map(Node::id).filter(id -> !id.equals(first)).toList();
    String dropped = others.get(0);
    String joining = others.get(1);
    Writer writer = new Writer(admin, tp);
    writer.preload(PRELOAD_BATCHES);
    // So slow that the first move cannot finish before the second replaces it.
    get(admin.service().moves().setThrottle(20_000));
    writer.start();

    // Replication factor 1 to 2, onto a node the second move no longer wants.
    get(admin.service().moves().reassign(tp, List.of(first, dropped)));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> cluster.node(dropped).service().logManager().get(tp).map(log -> log.logEndOffset() > 0).orElse(false));
    get(admin.service().moves().reassign(tp, List.of(first, joining)));
    PartitionState replaced = TestCluster.sharedState(admin, tp).orElseThrow();
    assertThat(replaced.replicas()).containsExactly(first, joining);
    assertThat(replaced.adding()).containsExactly(joining);
    assertThat(replaced.originalReplicas()).as("those before the first move").containsExactly(first);
    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(dropped).service().logManager().get(tp).isEmpty());
    get(admin.service().moves().setThrottle(0));
    await().atMost(Duration.ofSeconds(60)).until(() -> !TestCluster.sharedState(admin, tp).orElseThrow().moving());
    assertThat(TestCluster.sharedState(admin, tp).orElseThrow().isr()).containsExactlyInAnyOrder(first, joining);
    assertThat(admin.service().cachedTopic("resized").orElseThrow().replicationFactor()).isEqualTo(2);

    // 2 to 3, then down to 1 on the node that joined last: leadership moves to it, the other two drop their copies.
    get(admin.service().moves().reassign(tp, List.of(first, joining, dropped)));
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      PartitionState state = TestCluster.sharedState(admin, tp).orElseThrow();
      return !state.moving() && state.isr().size() == 3;
    });
    assertThat(admin.service().cachedTopic("resized").orElseThrow().replicationFactor()).isEqualTo(3);
    get(admin.service().moves().reassign(tp, List.of(joining)));
    await().atMost(Duration.ofSeconds(60)).until(() -> !TestCluster.sharedState(admin, tp).orElseThrow().moving());
    PartitionState after = TestCluster.sharedState(admin, tp).orElseThrow();
    assertThat(after.replicas()).containsExactly(joining);
    assertThat(after.leader()).isEqualTo(joining);
    assertThat(admin.service().cachedTopic("resized").orElseThrow().replicationFactor()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(first).service().logManager().get(tp).isEmpty()
        && cluster.node(dropped).service().logManager().get(tp).isEmpty());

    writer.stopAfterMore(20);
    assertThat(writer.failures).as("writes that failed during the moves").isEmpty();
    assertThat(values(readAll(admin, tp))).as("every acknowledged write, once, in order, from the last copy made")
        .isEqualTo(writer.acknowledged);
    // min.insync.replicas still applies to the one replica left.
    get(admin.service().updateTopic("resized", OptionalInt.empty(), Map.of(TopicConfigs.MIN_INSYNC_REPLICAS, "2")));
    // The leader checks its own copy of the config, which may apply the change a moment after the admin node.
    await().atMost(Duration.ofSeconds(10)).until(() -> TopicConfigs.minInsyncReplicas(
        cluster.node(joining).service().cachedTopic("resized").orElseThrow().config()) == 2);
    assertThat(failure(admin.service().append(tp, idempotentBatch(501, 0, "too-few"), Acks.ALL)))
        .isInstanceOf(NotEnoughReplicasException.class);
  }

  private static PartitionState awaitLed(Node node, TopicPartition tp) {
    await().atMost(Duration.ofSeconds(10)).until(() -> TestCluster.sharedState(node, tp)
        .map(state -> state.hasLeader() && state.isr().size() == state.replicas().size()).orElse(false));
    return TestCluster.sharedState(node, tp).orElseThrow();
  }

  /** One idempotent acks=all batch at a time through one node, as a client with an Idempotency-Key writes. */
  private static final class Writer {
    final List<String> acknowledged = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Node via;
    private final TopicPartition tp;
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private CompletableFuture<Void> running;
    private int sequence;

    Writer(Node via, TopicPartition tp) {
      this.via = via;
      this.tp = tp;
    }

    /** Large batches, written before the move, that the new replica must catch up on. */
    void preload(int batches) {
      for (int i = 0; i < batches; i++) {
        write(FILLER + "/" + sequence);
      }
    }

    void start() {
      running = CompletableFuture.runAsync(() -> {
        while (writing.get() && failures.isEmpty()) {
          try {
            write("w/" + sequence);
          } catch (RuntimeException | AssertionError e) {
            failures.add(e);
          }
        }
      });
    }

    /** Lets {@code more} writes go after now, then stops. */
    void stopAfterMore(int more) throws Exception {
      int target = acknowledged.size() + more;
      await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= target || !failures.isEmpty());
      writing.set(false);
      running.get(20, TimeUnit.SECONDS);
    }

    private void write(String value) {
      get(via.service().append(tp, idempotentBatch(500, sequence, value), Acks.ALL));
      acknowledged.add(value);
      sequence++;
    }
  }
}
