package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.metadata.MetadataCommand;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataCommand.StopNode;
import io.streamgate.cluster.metadata.MetadataState;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the controller wants of one partition, given the leases and stops its log showed it, on a clock the test moves. */
class ControllerTest {
  private static final long LEASE_MS = 2000;
  /** The lease and the margin on top of it. */
  private static final long EXPIRY_MS = 2500;
  private static final List<String> ALL = List.of("a", "b", "c");
  private static final PartitionState LED_BY_A = new PartitionState("a", 4, ALL, ALL);

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final NodeLiveness liveness = new NodeLiveness(LEASE_MS, clock::get);
  // decide() reads only the liveness view; the metadata is for the passes it proposes in.
  private final Controller controller = new Controller(null, liveness, true);
  private MetadataState state = MetadataState.EMPTY;
  private long index;

  /** The log applies {@code command}, and the liveness view hears it as committed live. */
  private void commit(MetadataCommand command) {
    MetadataState.Result result = state.apply(command);
    state = result.state();
    liveness.applied(++index, command, result.reply(), state);
  }

  @BeforeEach
  void everyNodeRenews() {
    liveness.replayedUpTo(0);
    for (String node : ALL) {
      commit(new RegisterNode(node, "h:" + node));
      commit(new RenewLease(node, 1));
    }
  }

  private PartitionState decide(PartitionState partition) {
    return controller.decide(partition, false, false);
  }

  @Test
  void aStoppingLeaderHandsItsLeadershipToTheFirstLiveInSyncReplicaAndLeavesTheIsr() {
    assertThat(decide(LED_BY_A)).as("nothing to do").isSameAs(LED_BY_A);
    commit(new StopNode("a", 1));
    assertThat(decide(LED_BY_A)).isEqualTo(new PartitionState("b", 5, ALL, List.of("b", "c")));
  }

  @Test
  void aStoppingFollowerLeavesTheIsrAndTheLeaderStays() {
    commit(new StopNode("b", 1));
    assertThat(decide(LED_BY_A)).isEqualTo(new PartitionState("a", 4, ALL, List.of("a", "c")));
  }

  @Test
  void theSuccessorIsNoStoppingNode() {
    commit(new StopNode("a", 1));
    commit(new StopNode("b", 1));
    assertThat(decide(LED_BY_A)).isEqualTo(new PartitionState("c", 5, ALL, List.of("c")));
  }

  @Test
  void aStoppingSoleInSyncReplicaKeepsLeadingThereIsNoBetterCopy() {
    PartitionState alone = new PartitionState("a", 4, ALL, List.of("a"));
    commit(new StopNode("a", 1));
    assertThat(decide(alone)).isSameAs(alone);
    // With only stopping nodes in sync nothing changes: the ISR stays whole for when they return.
    commit(new StopNode("b", 1));
    PartitionState withB = new PartitionState("a", 4, ALL, List.of("a", "b"));
    assertThat(decide(withB)).isSameAs(withB);
  }

  @Test
  void aStoppingLeaderWithoutALiveSuccessorKeepsLeading() {
    PartitionState withB = new PartitionState("a", 4, ALL, List.of("a", "b"));
    commit(new StopNode("a", 1));
    // b's lease may still run (renewed, but replayed from disk: no proof it runs now), so it is not elected.
    NodeLiveness replayed = new NodeLiveness(LEASE_MS, clock::get);
    replayed.replayedUpTo(Long.MAX_VALUE);
    replayed.restored(state);
    assertThat(new Controller(null, replayed, false).decide(withB, false, false)).isSameAs(withB);
  }

  @Test
  void preferredLeaderRebalancingNeverMovesLeadershipToAStoppingNode() {
    PartitionState ledByB = new PartitionState("b", 5, ALL, ALL);
    assertThat(controller.decide(ledByB, false, true)).as("a, the preferred, in sync and alive")
        .isEqualTo(new PartitionState("a", 6, ALL, ALL));
    commit(new StopNode("a", 1));
    assertThat(controller.decide(ledByB, false, true)).isEqualTo(new PartitionState("b", 5, ALL, List.of("b", "c")));
    PartitionState without = new PartitionState("b", 5, ALL, List.of("b", "c"));
    assertThat(controller.decide(without, false, true)).isSameAs(without);
  }

  @Test
  void afterALeaderLeaseEndsTheSuccessorIsOneThatIsNotStopping() {
    commit(new StopNode("b", 1));
    clock.addAndGet(EXPIRY_MS + 1);
    commit(new RenewLease("b", 1));
    commit(new RenewLease("c", 1));
    assertThat(decide(LED_BY_A)).isEqualTo(new PartitionState("c", 5, ALL, List.of("b", "c")));
    // A stopping node still beats an offline partition.
    PartitionState withoutC = new PartitionState("a", 4, ALL, List.of("a", "b"));
    assertThat(decide(withoutC)).isEqualTo(new PartitionState("b", 5, ALL, List.of("b")));
  }

  @Test
  void aNodeRegisteredAgainIsNoLongerStopping() {
    commit(new StopNode("a", 1));
    commit(new RegisterNode("a", "h:a"));
    commit(new RenewLease("a", 2));
    assertThat(decide(LED_BY_A)).isSameAs(LED_BY_A);
  }
}
