package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.TestQuorum;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's own lease, renewed through a real three-voter metadata quorum on loopback. */
class NodeLeaseTest {
  private static final long LEASE_MS = 2000;

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private TestQuorum quorum;
  private NodeLease lease;

  @AfterEach
  void close() {
    if (lease != null) {
      lease.close();
    }
    if (quorum != null) {
      quorum.close();
    }
    vertx.close().await();
  }

  @Test
  void aLeaseIsHeldWhileAMajorityRenewsItLostWithinTheLeaseWithoutOneAndHeldAgainWhenOneReturns() {
    quorum = new TestQuorum(dir, 3, 10_000).startAll();
    lease = new NodeLease(vertx, quorum.voter(0), quorum.voter(0)::appliedIndex, "n0", "127.0.0.1:1", null, LEASE_MS,
        () -> System.nanoTime() / 1_000_000);
    List<Boolean> told = new CopyOnWriteArrayList<>();
    lease.onChange(told::add);
    assertThat(lease.holds()).as("before registering").isFalse();

    lease.register().join();
    assertThat(lease.holds()).as("registered, not yet renewed").isFalse();
    lease.startRenewing();
    await().atMost(Duration.ofSeconds(30)).until(lease::holds);

    // Both other voters gone: no renewal commits. The lease runs out at most one lease after the
    // last renewal was sent, so within a lease and a renewal period of the cut.
    // Listeners hear of a change at the next watch tick (a twentieth of a lease): the test waits for
    // what they were told, never for holds() seen once. A renewal sent before a restart can commit
    // just after it and hold for less than a tick, so a window the test thread saw may fall between
    // two ticks: CI runs saw both the regained lease and the lapse missed so (2026-12-07, 2026-12-08).
    quorum.stop(1);
    quorum.stop(2);
    await().atMost(Duration.ofMillis(LEASE_MS + LEASE_MS / 4 + 500)).until(() -> told.size() >= 3);
    assertThat(told).as("lost while no majority renews it").containsExactly(false, true, false);
    assertThat(lease.holds()).isFalse();

    quorum.start(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> told.size() >= 4);
    assertThat(told).startsWith(false, true, false, true);
    await().atMost(Duration.ofSeconds(30)).until(lease::holds);
  }

  /**
   * A renewal counts only once the node has acted on the log up to it: applied to the state machine
   * is not enough, since the replicas learn a newer leader after that (on the metadata thread). A
   * clean-clone run saw the gap: the controller, back from a 10 s cut, renewed, and took an acks=1
   * write as the old leader of a partition the majority had moved, in the milliseconds before its
   * replica became a follower (NetworkPartitionIT, "sent after the heal ... acknowledged and lost").
   */
  @Test
  void aRenewalCountsOnlyOnceTheNodeHasActedOnTheLogUpToIt() {
    quorum = new TestQuorum(dir, 3, 10_000).startAll();
    AtomicLong taken = new AtomicLong();
    lease = new NodeLease(vertx, quorum.voter(0), taken::get, "n0", "127.0.0.1:1", null, LEASE_MS, () -> System.nanoTime() / 1_000_000);
    lease.register().join();
    lease.startRenewing();
    await().atMost(Duration.ofSeconds(30)).until(() -> quorum.voter(0).state().node("n0")
        .filter(node -> node.renewals() > 1).isPresent() && quorum.voter(0).appliedIndex() > 0);
    assertThat(lease.holds()).as("renewals committed and applied, not yet acted on").isFalse();

    taken.set(Long.MAX_VALUE);
    await().atMost(Duration.ofSeconds(10)).until(lease::holds);
  }

  @Test
  void aRegistrationCommittedAfterTheOneTheNodeRenewsIsFollowedByANewOneAndTheLeaseGoesOn() {
    quorum = new TestQuorum(dir, 3, 10_000).startAll();
    lease = new NodeLease(vertx, quorum.voter(0), quorum.voter(0)::appliedIndex, "n0", "127.0.0.1:1", null, LEASE_MS,
        () -> System.nanoTime() / 1_000_000);
    lease.register().join();
    lease.startRenewing();
    await().atMost(Duration.ofSeconds(30)).until(lease::holds);

    // As a registration attempt that timed out here and committed late would: lease epoch 2.
    quorum.voter(1).submit(new RegisterNode("n0", "127.0.0.1:1")).join();

    await().atMost(Duration.ofSeconds(30)).until(() -> quorum.voter(0).state().node("n0")
        .filter(node -> node.leaseEpoch() == 3 && node.renewals() > 0).isPresent());
    await().atMost(Duration.ofSeconds(10)).until(lease::holds);
  }
}
