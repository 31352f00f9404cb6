package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which replica serves a reader in a rack: an in-sync one there (the nearest first, then the leader), else the leader. */
class ReadReplicaSelectorTest {
  private static final Map<String, String> RACKS = Map.of("n0", "a", "n1", "b", "n2", "c", "n3", "b");
  /** Led by n0 (rack a); n1 and n3 (rack b) and n2 (rack c) follow, n3 out of the ISR. */
  private static final PartitionState STATE = new PartitionState("n0", 4, List.of("n0", "n1", "n2", "n3"), List.of("n0", "n2", "n1"));

  @Test
  void aReaderInAFollowersRackReadsFromThatFollower() {
    assertThat(ReadReplicaSelector.select(STATE, RACKS, "c", null, replica -> true)).isEqualTo("n2");
    assertThat(ReadReplicaSelector.select(STATE, RACKS, "b", null, replica -> true)).isEqualTo("n1");
  }

  @Test
  void theLeaderServesAReaderInItsRackInNoRackOrInARackWithoutAnInSyncReplica() {
    assertThat(ReadReplicaSelector.select(STATE, RACKS, "a", null, replica -> true)).isEqualTo("n0");
    assertThat(ReadReplicaSelector.select(STATE, RACKS, null, "n2", replica -> true)).isEqualTo("n0");
    assertThat(ReadReplicaSelector.select(STATE, RACKS, "z", null, replica -> true)).isEqualTo("n0");
    // n3 is in rack b but out of the ISR: it may lack committed records.
    PartitionState withoutN1 = new PartitionState("n0", 4, STATE.replicas(), List.of("n0", "n2"));
    assertThat(ReadReplicaSelector.select(withoutN1, RACKS, "b", "n3", replica -> true)).isEqualTo("n0");
  }

  @Test
  void aFollowerThatDoesNotHoldTheReadIsPassedOver() {
    assertThat(ReadReplicaSelector.select(STATE, RACKS, "c", null, replica -> !replica.equals("n2"))).isEqualTo("n0");
  }

  @Test
  void theNearestReplicaComesFirstInItsRackThenTheLeaderThenIsrOrder() {
    Map<String, String> twoInB = Map.of("n0", "b", "n1", "b", "n2", "b");
    assertThat(ReadReplicaSelector.select(STATE, twoInB, "b", "n2", replica -> true)).isEqualTo("n2");
    assertThat(ReadReplicaSelector.select(STATE, twoInB, "b", "n3", replica -> true)).as("n3 is not in sync").isEqualTo("n0");
    Map<String, String> followersInB = Map.of("n0", "a", "n1", "b", "n2", "b");
    assertThat(ReadReplicaSelector.select(STATE, followersInB, "b", null, replica -> true)).as("ISR order").isEqualTo("n2");
  }

  @Test
  void aPartitionWithoutALeaderHasNoReplicaToReadFrom() {
    PartitionState offline = new PartitionState(null, 5, STATE.replicas(), List.of("n2"));
    assertThat(ReadReplicaSelector.select(offline, RACKS, "c", "n2", replica -> true)).isNull();
  }
}
