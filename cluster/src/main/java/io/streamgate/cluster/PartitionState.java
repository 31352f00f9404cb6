package io.streamgate.cluster;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Who holds a partition: its replicas (the first is the preferred leader), those in sync with the
 * leader (ISR), the leader ({@code null} while none can be elected) and the leader's epoch, which
 * rises with every change of leader so that a deposed leader's requests can be told apart.
 *
 * <p>While the partition moves (a reassignment, as Kafka's PartitionRegistration records it),
 * {@code replicas} is the union of the old replicas and the target, {@code adding} the target's
 * replicas that are new and {@code removing} the old ones that are not in the target; both are
 * empty otherwise. The target is {@code replicas} without {@code removing}.
 */
public record PartitionState(String leader, int leaderEpoch, List<String> replicas, List<String> isr, List<String> adding,
    List<String> removing) {
  public PartitionState {
    replicas = List.copyOf(replicas);
    isr = List.copyOf(isr);
    adding = List.copyOf(adding);
    removing = List.copyOf(removing);
  }

  /** A partition that is not moving. */
  public PartitionState(String leader, int leaderEpoch, List<String> replicas, List<String> isr) {
    this(leader, leaderEpoch, replicas, isr, List.of(), List.of());
  }

  public boolean hasLeader() {
    return leader != null;
  }

  public String preferredLeader() {
    return replicas.get(0);
  }

  /** Whether a reassignment is under way. */
  public boolean moving() {
    return !adding.isEmpty() || !removing.isEmpty();
  }

  /** The replicas it moves to (its replicas when it is not moving), in the order asked for. */
  public List<String> targetReplicas() {
    return replicas.stream().filter(r -> !removing.contains(r)).toList();
  }

  /** The replicas it had before the move began (its replicas when it is not moving). */
  public List<String> originalReplicas() {
    return replicas.stream().filter(r -> !adding.contains(r)).toList();
  }

  /**
   * This partition moving to {@code target}, as Kafka's reassignment does (KIP-455), whether it is
   * moving already or not: the original replicas (those before the first move) stay the original
   * ones; replicas the union of the target and the original (target first, so that the target's
   * first replica is the preferred leader), adding the target's replicas that are not original,
   * removing the original ones that are not in the target. A replica an earlier move was adding that
   * the target leaves out is dropped at once, from the ISR too; if it led, the first replica left in
   * sync leads in the next epoch. The target may be longer or shorter than the original (a change of
   * replication factor); a target equal to the original is no move (a cancel). Empty when the leader
   * is dropped and no replica left is in sync.
   */
  public Optional<PartitionState> reassignTo(List<String> target) {
    List<String> original = originalReplicas();
    LinkedHashSet<String> union = new LinkedHashSet<>(target);
    union.addAll(original);
    List<String> replicasNow = List.copyOf(union);
    List<String> added = target.stream().filter(r -> !original.contains(r)).toList();
    List<String> dropped = original.stream().filter(r -> !target.contains(r)).toList();
    List<String> inSync = isr.stream().filter(replicasNow::contains).toList();
    if (leader == null || replicasNow.contains(leader)) {
      return Optional.of(new PartitionState(leader, leaderEpoch, replicasNow, inSync, added, dropped));
    }
    return replicasNow.stream().filter(inSync::contains).findFirst()
        .map(successor -> new PartitionState(successor, leaderEpoch + 1, replicasNow, inSync, added, dropped));
  }

  /** The move finished: the target alone, the ISR kept to it. */
  public PartitionState completeMove() {
    List<String> target = targetReplicas();
    return new PartitionState(leader, leaderEpoch, target, isr.stream().filter(target::contains).toList());
  }

  /** A new leader (or none) in the next epoch, with the given ISR. */
  public PartitionState elect(String newLeader, List<String> newIsr) {
    return new PartitionState(newLeader, leaderEpoch + 1, replicas, newIsr, adding, removing);
  }

  public PartitionState withIsr(List<String> newIsr) {
    return new PartitionState(leader, leaderEpoch, replicas, newIsr, adding, removing);
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
    // A move under way goes on without it (a move that only added or only dropped it ends here).
    List<String> stillAdding = adding.stream().filter(replica -> !replica.equals(node)).toList();
    List<String> stillRemoving = removing.stream().filter(replica -> !replica.equals(node)).toList();
    if (node.equals(leader)) {
      return new PartitionState(restInSync.isEmpty() ? null : restInSync.get(0), leaderEpoch + 1, rest, restInSync,
          stillAdding, stillRemoving);
    }
    return new PartitionState(leader, leaderEpoch, rest, restInSync, stillAdding, stillRemoving);
  }

  /** The ISR with {@code node}, in replica order. */
  public List<String> isrWith(String node) {
    return replicas.stream().filter(r -> isr.contains(r) || r.equals(node)).toList();
  }
}
