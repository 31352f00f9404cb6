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

  /** The ISR with {@code node}, in replica order. */
  public List<String> isrWith(String node) {
    return replicas.stream().filter(r -> isr.contains(r) || r.equals(node)).toList();
  }
}
