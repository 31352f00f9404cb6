package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.metadata.MetadataCommand.Fence;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.cluster.metadata.MetadataState;
import io.streamgate.cluster.metadata.NodeState;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The controller's view of other nodes' leases, on a clock the test moves. */
class NodeLivenessTest {
  private static final long LEASE_MS = 2000;
  /** The lease and the margin on top of it (a quarter lease). */
  private static final long EXPIRY_MS = 2500;

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final NodeLiveness liveness = new NodeLiveness(LEASE_MS, clock::get);

  @Test
  void aNodeSeenRenewingLiveIsAliveUntilTheLeaseAndMarginHavePassed() {
    liveness.replayedUpTo(10);
    renewed(11, "node-a", 1, 5);
    assertThat(liveness.isAlive("node-a")).isTrue();
    assertThat(liveness.mayHoldLease("node-a")).isTrue();
    assertThat(liveness.aliveNodes()).containsExactly("node-a");

    clock.addAndGet(EXPIRY_MS);
    assertThat(liveness.mayHoldLease("node-a")).as("at the last instant").isTrue();
    clock.incrementAndGet();
    assertThat(liveness.mayHoldLease("node-a")).isFalse();
    assertThat(liveness.isAlive("node-a")).isFalse();
    assertThat(liveness.aliveNodes()).isEmpty();
  }

  @Test
  void eachRenewalStartsTheTermAgain() {
    liveness.replayedUpTo(0);
    renewed(1, "node-a", 1, 1);
    clock.addAndGet(EXPIRY_MS - 100);
    renewed(2, "node-a", 1, 2);
    clock.addAndGet(EXPIRY_MS - 100);
    assertThat(liveness.isAlive("node-a")).isTrue();
    assertThat(liveness.fence("node-a")).contains(new Fence("node-a", 1, 2));
  }

  @Test
  void entriesReplayedFromDiskMayHoldALeaseButProveNothing() {
    liveness.replayedUpTo(20);
    renewed(20, "node-a", 3, 7);
    assertThat(liveness.mayHoldLease("node-a")).as("a lease it may still hold is never cut short").isTrue();
    assertThat(liveness.isAlive("node-a")).as("no proof it runs now").isFalse();
    renewed(21, "node-a", 3, 8);
    assertThat(liveness.isAlive("node-a")).isTrue();
  }

  @Test
  void beforeTheStartIndexIsKnownEveryEntryCountsAsReplayed() {
    renewed(5, "node-a", 1, 0);
    assertThat(liveness.isAlive("node-a")).isFalse();
    assertThat(liveness.mayHoldLease("node-a")).isTrue();
  }

  @Test
  void aSnapshotsNodesMayHoldALeaseForAFullTerm() {
    TreeMap<String, NodeState> nodes = new TreeMap<>();
    nodes.put("node-a", new NodeState("node-a", "127.0.0.1:1", 2, 9));
    liveness.restored(new MetadataState(new TreeMap<>(), nodes));
    assertThat(liveness.mayHoldLease("node-a")).isTrue();
    assertThat(liveness.isAlive("node-a")).isFalse();
    assertThat(liveness.fence("node-a")).contains(new Fence("node-a", 2, 9));
    clock.addAndGet(EXPIRY_MS + 1);
    assertThat(liveness.mayHoldLease("node-a")).isFalse();
  }

  @Test
  void aNewControllerCountsEveryLeaseAsRunningForAFullTermFromItsStart() {
    liveness.replayedUpTo(0);
    renewed(1, "node-a", 1, 1);
    clock.addAndGet(EXPIRY_MS + 1);
    assertThat(liveness.mayHoldLease("node-a")).isFalse();

    liveness.restartTimers();
    assertThat(liveness.mayHoldLease("node-a")).as("its predecessor may have seen a later renewal").isTrue();
    assertThat(liveness.isAlive("node-a")).as("but it is not seen to run").isFalse();
    clock.addAndGet(EXPIRY_MS + 1);
    assertThat(liveness.mayHoldLease("node-a")).isFalse();
  }

  @Test
  void aRefusedRenewalAndOtherNodesAreNotSeen() {
    liveness.replayedUpTo(0);
    MetadataState state = state("node-a", 1, 1);
    liveness.applied(1, new RenewLease("node-a", 0), new MetadataReply.Refused(MetadataReply.Reason.STALE_LEASE, "old"), state);
    assertThat(liveness.mayHoldLease("node-a")).isFalse();
    assertThat(liveness.mayHoldLease("node-b")).isFalse();
    assertThat(liveness.fence("node-b")).isEmpty();
    liveness.applied(2, new RegisterNode("node-a", "127.0.0.1:1"), new MetadataReply.Accepted(1), state);
    assertThat(liveness.isAlive("node-a")).as("a registration is a renewal too").isTrue();
  }

  private void renewed(long index, String node, long leaseEpoch, long renewals) {
    liveness.applied(index, new RenewLease(node, leaseEpoch), new MetadataReply.Accepted(renewals),
        state(node, leaseEpoch, renewals));
  }

  private static MetadataState state(String node, long leaseEpoch, long renewals) {
    TreeMap<String, NodeState> nodes = new TreeMap<>();
    nodes.put(node, new NodeState(node, "127.0.0.1:1", leaseEpoch, renewals));
    return new MetadataState(new TreeMap<>(), nodes);
  }
}
