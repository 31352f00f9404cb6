package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.ReplicaPlanner.Move;
import io.streamgate.logstore.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ReplicaPlannerTest {
  private static final List<String> THREE = List.of("node-0", "node-1", "node-2");
  private static final List<String> FOUR = List.of("node-0", "node-1", "node-2", "node-3");

  @Test
  void aFourthNodeTakesAQuarterOfTheReplicasAndOfThePreferredLeadershipsMovingNoMoreThanThat() {
    Map<TopicPartition, List<String>> current = placed("orders", 12, 3, THREE);

    List<Move> moves = ReplicaPlanner.plan(current, FOUR, Map.of());

    Map<TopicPartition, List<String>> after = applied(current, moves);
    assertThat(replicaCounts(after.values())).containsOnly(Map.entry("node-0", 9), Map.entry("node-1", 9),
        Map.entry("node-2", 9), Map.entry("node-3", 9));
    assertThat(leaderCounts(after.values()).values()).containsOnly(3);
    assertThat(copiesMoved(current, after)).as("replicas copied to another node").isEqualTo(9);
  }

  @Test
  void aDrainedNodeKeepsNoReplicaAndTheOthersShareItsOnesEvenly() {
    Map<TopicPartition, List<String>> current = placed("orders", 12, 3, FOUR);

    Map<TopicPartition, List<String>> after = applied(current, ReplicaPlanner.plan(current, THREE, Map.of()));

    assertThat(after.values()).allSatisfy(replicas -> assertThat(replicas).doesNotContain("node-3").hasSize(3));
    assertThat(replicaCounts(after.values())).containsOnly(Map.entry("node-0", 12), Map.entry("node-1", 12),
        Map.entry("node-2", 12));
    assertThat(leaderCounts(after.values()).values()).containsOnly(4);
    assertThat(copiesMoved(current, after)).isEqualTo(9);
  }

  @Test
  void aBalancedAssignmentNeedsNoMoveAndAMovedPartitionIsReportedWithWhereItWas() {
    Map<TopicPartition, List<String>> current = placed("orders", 6, 3, THREE);
    assertThat(ReplicaPlanner.plan(current, THREE, Map.of())).isEmpty();

    Map<TopicPartition, List<String>> withNodeGone = placed("orders", 1, 2, List.of("node-0", "node-9"));
    List<Move> moves = ReplicaPlanner.plan(withNodeGone, List.of("node-0", "node-1"), Map.of());
    assertThat(moves).containsExactly(new Move(new TopicPartition("orders", 0), List.of("node-0", "node-9"),
        List.of("node-0", "node-1")));
  }

  @Test
  void aReplicaLeavingADrainedNodeGoesToItsRackAndEveningOutKeepsEveryPartitionAcrossThreeRacks() {
    Map<String, String> racks = Map.of("a1", "a", "a2", "a", "b1", "b", "b2", "b", "c1", "c", "c2", "c");
    Map<TopicPartition, List<String>> current = new LinkedHashMap<>();
    for (int p = 0; p < 6; p++) {
      current.put(new TopicPartition("t", p), List.of("a1", "b1", "c1"));
    }

    Map<TopicPartition, List<String>> after = applied(current,
        ReplicaPlanner.plan(current, List.of("a1", "a2", "b1", "b2", "c2"), racks));

    assertThat(after.values()).allSatisfy(replicas -> assertThat(replicas.stream().map(racks::get).distinct())
        .containsExactlyInAnyOrder("a", "b", "c"));
    assertThat(replicaCounts(after.values())).containsEntry("c2", 6);
    assertThat(replicaCounts(after.values())).containsOnlyKeys("a1", "a2", "b1", "b2", "c2");
  }

  @Test
  void morePartitionReplicasThanNodesIsRefused() {
    assertThatThrownBy(() -> ReplicaPlanner.plan(placed("t", 1, 3, THREE), List.of("node-0", "node-1"), Map.of()))
        .isInstanceOf(InvalidReplicationFactorException.class).hasMessageContaining("3 replicas");
  }

  @Property(tries = 300)
  void aPlanKeepsEachPartitionsReplicaCountPutsReplicasOnlyOnThePlannedNodesAndIsStable(@ForAll("clusters") Cluster cluster) {
    Map<TopicPartition, List<String>> after = applied(cluster.current(),
        ReplicaPlanner.plan(cluster.current(), cluster.planned(), cluster.racks()));

    after.forEach((partition, replicas) -> {
      assertThat(replicas).hasSize(cluster.current().get(partition).size()).doesNotHaveDuplicates();
      assertThat(cluster.planned()).containsAll(replicas);
      int racksBefore = racks(cluster.current().get(partition), cluster.racks());
      int racksAvailable = racks(cluster.planned(), cluster.racks());
      assertThat(racks(replicas, cluster.racks())).as("racks of %s", partition)
          .isGreaterThanOrEqualTo(Math.min(racksBefore, racksAvailable));
    });
    if (cluster.racks().isEmpty()) {
      Map<String, Integer> counts = replicaCounts(after.values());
      cluster.planned().forEach(node -> counts.putIfAbsent(node, 0));
      assertThat(spread(counts)).as("replicas per node %s", counts).isLessThanOrEqualTo(1);
    }
    assertThat(ReplicaPlanner.plan(after, cluster.planned(), cluster.racks())).as("planning again").isEmpty();
  }

  record Cluster(Map<TopicPartition, List<String>> current, List<String> planned, Map<String, String> racks) {}

  @Provide
  Arbitrary<Cluster> clusters() {
    return Combinators.combine(Arbitraries.integers().between(1, 6), Arbitraries.integers().between(1, 6),
        Arbitraries.integers().between(1, 30), Arbitraries.integers().between(1, 3), Arbitraries.of(true, false),
        Arbitraries.longs())
        .as((before, after, partitions, replicationFactor, withRacks, seed) -> {
          List<String> nodesBefore = IntStream.range(0, before).mapToObj(i -> "n" + i).toList();
          // The planned nodes overlap the current ones by a random amount: some kept, some new, some drained.
          List<String> planned = IntStream.range(0, after).mapToObj(i -> "n" + (i + (int) Math.floorMod(seed, 3L)))
              .toList();
          int factor = Math.min(replicationFactor, Math.min(before, after));
          Map<String, String> racks = new HashMap<>();
          if (withRacks) {
            IntStream.range(0, 10).forEach(i -> racks.put("n" + i, "r" + (i % 3)));
          }
          return new Cluster(placed("t", partitions, factor, nodesBefore), planned, racks);
        });
  }

  private static Map<TopicPartition, List<String>> placed(String topic, int partitions, int factor, List<String> nodes) {
    Map<TopicPartition, List<String>> placed = new LinkedHashMap<>();
    TopicAdmin.place(topic, 0, partitions, factor, nodes, Map.of())
        .forEach(state -> placed.put(new TopicPartition(topic, placed.size()), state.replicas()));
    return placed;
  }

  private static Map<TopicPartition, List<String>> applied(Map<TopicPartition, List<String>> current, List<Move> moves) {
    Map<TopicPartition, List<String>> after = new LinkedHashMap<>(current);
    moves.forEach(move -> {
      assertThat(move.from()).isEqualTo(current.get(move.partition()));
      assertThat(move.to()).isNotEqualTo(move.from());
      after.put(move.partition(), move.to());
    });
    return after;
  }

  private static Map<String, Integer> replicaCounts(Collection<List<String>> assignment) {
    Map<String, Integer> counts = new HashMap<>();
    assignment.forEach(replicas -> replicas.forEach(node -> counts.merge(node, 1, Integer::sum)));
    return counts;
  }

  private static Map<String, Integer> leaderCounts(Collection<List<String>> assignment) {
    Map<String, Integer> counts = new HashMap<>();
    assignment.forEach(replicas -> counts.merge(replicas.get(0), 1, Integer::sum));
    return counts;
  }

  private static int copiesMoved(Map<TopicPartition, List<String>> before, Map<TopicPartition, List<String>> after) {
    int moved = 0;
    for (Map.Entry<TopicPartition, List<String>> entry : after.entrySet()) {
      Set<String> added = new HashSet<>(entry.getValue());
      added.removeAll(before.get(entry.getKey()));
      moved += added.size();
    }
    return moved;
  }

  private static int racks(List<String> nodes, Map<String, String> racks) {
    return (int) new ArrayList<>(nodes).stream().map(node -> racks.getOrDefault(node, node)).distinct().count();
  }

  private static int spread(Map<String, Integer> counts) {
    return counts.values().stream().max(Integer::compare).orElse(0) - counts.values().stream().min(Integer::compare).orElse(0);
  }
}
