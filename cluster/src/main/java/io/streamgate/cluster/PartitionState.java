package io.streamgate.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * Who holds a partition: its replicas (the first is the preferred leader), those in sync with the
 * leader (ISR), the leader ({@code null} while none can be elected) and the leader's epoch, which
 * rises with every change of leader so that a deposed leader's requests can be told apart.
 */
public record PartitionState(String leader, int leaderEpoch, List<String> replicas, List<String> isr) {
  public PartitionState {
    replicas = List.copyOf(replicas);
    isr = List.copyOf(isr);
  }

  public boolean hasLeader() {
    return leader != null;
  }

  public String preferredLeader() {
    return replicas.get(0);
  }

  /** A new leader (or none) in the next epoch, with the given ISR. */
  public PartitionState elect(String newLeader, List<String> newIsr) {
    return new PartitionState(newLeader, leaderEpoch + 1, replicas, newIsr);
  }

  public PartitionState withIsr(List<String> newIsr) {
    return new PartitionState(leader, leaderEpoch, replicas, newIsr);
  }

  /** The ISR without {@code node}. */
  public List<String> isrWithout(String node) {
    List<String> shrunk = new ArrayList<>(isr);
    shrunk.remove(node);
    return shrunk;
  }

  /**
   * The partition without {@code node}, a replica forgotten for good: out of the replicas and the
   * ISR; if it led, the first in-sync replica left leads in the next epoch (none if none is left). A
   * partition with no other replica keeps it as its only one, without a leader or an ISR: its data
   * went with the node.
   */
  public PartitionState without(String node) {
    List<String> rest = replicas.stream().filter(replica -> !replica.equals(node)).toList();
    List<String> restInSync = isrWithout(node);
    if (rest.isEmpty()) {
      return new PartitionState(null, leaderEpoch + 1, replicas, List.of());
    }
    if (node.equals(leader)) {
      return new PartitionState(restInSync.isEmpty() ? null : restInSync.get(0), leaderEpoch + 1, rest, restInSync);
    }
    return new PartitionState(leader, leaderEpoch, rest, restInSync);
  }

  /** The ISR with {@code node}, in replica order. */
  public List<String> isrWith(String node) {
    return replicas.stream().filter(r -> isr.contains(r) || r.equals(node)).toList();
  }
}
