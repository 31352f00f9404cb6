package io.streamgate.cluster;

import io.streamgate.logstore.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Proposes where partitions' replicas should go so that they sit evenly on a set of nodes: every
 * replica off the nodes being drained, then as many replicas and as many preferred leaderships
 * (first replicas) on each remaining node as on any other, give or take one. It moves as few
 * replicas as that takes (a move copies a whole partition) and never puts two replicas of a
 * partition on one node. A replica leaving a drained node goes where the partition spans the most
 * racks; evening out never lowers the number of racks a partition spans. A pure function: it says
 * what to move, a reassignment moves it.
 */
public final class ReplicaPlanner {
  /** A partition's replicas that the plan changes: from, and to (the preferred leader first). */
  public record Move(TopicPartition partition, List<String> from, List<String> to) {
    public Move {
      from = List.copyOf(from);
      to = List.copyOf(to);
    }
  }

  private final List<String> nodes;
  private final Map<String, String> racks;
  private final Map<TopicPartition, List<String>> planned = new TreeMap<>(ReplicaPlanner::compare);
  private final Map<String, Integer> replicaCounts = new HashMap<>();

  /**
   * @param current every partition's replicas now, preferred leader first
   * @param nodes the nodes replicas may stay on or move to (a drained node is left out)
   * @param racks each node's rack; a node absent from it is in a rack of its own
   */
  private ReplicaPlanner(Map<TopicPartition, List<String>> current, List<String> nodes, Map<String, String> racks) {
    this.nodes = nodes.stream().distinct().sorted().toList();
    this.racks = Map.copyOf(racks);
    current.forEach((partition, replicas) -> planned.put(partition, new ArrayList<>(replicas)));
    this.nodes.forEach(node -> replicaCounts.put(node, 0));
    planned.values().forEach(replicas -> replicas.forEach(node -> replicaCounts.computeIfPresent(node, (n, c) -> c + 1)));
  }

  /**
   * The moves that spread {@code current}'s replicas and preferred leaderships evenly over
   * {@code nodes}, in partition order; empty when they already are.
   *
   * @throws InvalidReplicationFactorException if a partition has more replicas than there are nodes
   */
  public static List<Move> plan(Map<TopicPartition, List<String>> current, List<String> nodes, Map<String, String> racks) {
    ReplicaPlanner planner = new ReplicaPlanner(current, nodes, racks);
    planner.vacateNodesOutsideThePlan();
    planner.evenOutReplicas();
    planner.evenOutPreferredLeaders();
    List<Move> moves = new ArrayList<>();
    planner.planned.forEach((partition, replicas) -> {
      if (!replicas.equals(current.get(partition))) {
        moves.add(new Move(partition, current.get(partition), replicas));
      }
    });
    return moves;
  }

  /** Every replica on a node outside the plan goes to the least loaded node that may take it. */
  private void vacateNodesOutsideThePlan() {
    planned.forEach((partition, replicas) -> {
      if (replicas.size() > nodes.size()) {
        throw new InvalidReplicationFactorException("partition " + partition + " has " + replicas.size()
            + " replicas, more than the " + nodes.size() + " nodes " + nodes + " can hold");
      }
      for (int i = 0; i < replicas.size(); i++) {
        if (!replicaCounts.containsKey(replicas.get(i))) {
          String leaving = replicas.get(i);
          String taker = candidates(replicas, leaving).stream().min(byLoad()).orElseThrow();
          replace(replicas, i, taker);
        }
      }
    });
  }

  /** Moves replicas from the most to the least loaded node until they differ by at most one. */
  private void evenOutReplicas() {
    boolean moved = true;
    while (moved && spread(replicaCounts) > 1) {
      moved = false;
      List<String> byLoad = nodesByLoad();
      for (int f = byLoad.size() - 1; f >= 0 && !moved; f--) {
        String from = byLoad.get(f);
        for (String to : byLoad) {
          if (replicaCounts.get(from) - replicaCounts.get(to) > 1 && moveOne(from, to)) {
            moved = true;
            break;
          }
        }
      }
    }
  }

  /** Moves one replica of some partition from {@code from} to {@code to}, if one may go; false if none. */
  private boolean moveOne(String from, String to) {
    for (List<String> replicas : planned.values()) {
      int index = replicas.indexOf(from);
      if (index >= 0 && !replicas.contains(to) && racksAfter(replicas, index, to) >= racks(replicas)) {
        replace(replicas, index, to);
        return true;
      }
    }
    return false;
  }

  /**
   * Reorders replicas (no data moves) so that each node is the preferred leader of as many
   * partitions as any other, give or take one, where a partition's replicas allow it.
   */
  private void evenOutPreferredLeaders() {
    Map<String, Integer> leaders = new HashMap<>();
    nodes.forEach(node -> leaders.put(node, 0));
    planned.values().forEach(replicas -> leaders.merge(replicas.get(0), 1, Integer::sum));
    boolean moved = true;
    while (moved && spread(leaders) > 1) {
      moved = false;
      for (List<String> replicas : planned.values()) {
        String leader = replicas.get(0);
        Optional<String> lighter = replicas.stream()
            .filter(node -> leaders.get(leader) - leaders.get(node) > 1)
            .min(Comparator.comparing(leaders::get));
        if (lighter.isPresent()) {
          replicas.remove(lighter.get());
          replicas.add(0, lighter.get());
          leaders.merge(leader, -1, Integer::sum);
          leaders.merge(lighter.get(), 1, Integer::sum);
          moved = true;
        }
      }
    }
  }

  /** Nodes that may take the place of {@code leaving} in {@code replicas}: not already there, best for the partition's racks first. */
  private List<String> candidates(List<String> replicas, String leaving) {
    int index = replicas.indexOf(leaving);
    List<String> free = nodes.stream().filter(node -> !replicas.contains(node)).toList();
    int bestRacks = free.stream().mapToInt(node -> racksAfter(replicas, index, node)).max().orElseThrow();
    return free.stream().filter(node -> racksAfter(replicas, index, node) == bestRacks).toList();
  }

  private void replace(List<String> replicas, int index, String taker) {
    replicaCounts.computeIfPresent(replicas.get(index), (node, count) -> count - 1);
    replicaCounts.merge(taker, 1, Integer::sum);
    replicas.set(index, taker);
  }

  private int racksAfter(List<String> replicas, int index, String taker) {
    List<String> after = new ArrayList<>(replicas);
    after.set(index, taker);
    return racks(after);
  }

  private int racks(List<String> replicas) {
    Set<String> distinct = new HashSet<>();
    replicas.forEach(node -> distinct.add(rackOf(node)));
    return distinct.size();
  }

  private String rackOf(String node) {
    String rack = racks.get(node);
    return rack != null ? "rack:" + rack : "node:" + node;
  }

  /** Least loaded first; ties by name, so that a plan is the same every time. */
  private Comparator<String> byLoad() {
    return Comparator.<String>comparingInt(replicaCounts::get).thenComparing(Comparator.naturalOrder());
  }

  private List<String> nodesByLoad() {
    return nodes.stream().sorted(byLoad()).toList();
  }

  private static int spread(Map<String, Integer> counts) {
    return counts.isEmpty() ? 0 : counts.values().stream().max(Integer::compare).orElseThrow()
        - counts.values().stream().min(Integer::compare).orElseThrow();
  }

  private static int compare(TopicPartition a, TopicPartition b) {
    int byTopic = a.topic().compareTo(b.topic());
    return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
  }
}
