package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.CRC32;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Where {@link TopicAdmin#place} puts each partition's replicas, with racks and without. */
class TopicPlacementTest {
  /** Nodes n0..n(k-1), sorted as the live nodes are, each in one of up to four racks (or some, or all, in none). */
  record Cluster(List<String> nodes, Map<String, String> racks) {
    long rackCount() {
      return racks.values().stream().distinct().count();
    }

    boolean everyNodeInARack() {
      return racks.keySet().containsAll(nodes);
    }
  }

  @Provide
  Arbitrary<Cluster> clusters() {
    return Arbitraries.integers().between(1, 9).flatMap(size -> {
      List<String> nodes = IntStream.range(0, size).mapToObj(i -> "n" + i).toList();
      return Arbitraries.of("a", "b", "c", "d").injectNull(0.05).list().ofSize(size).map(rackList -> {
        Map<String, String> racks = new HashMap<>();
        for (int i = 0; i < size; i++) {
          if (rackList.get(i) != null) {
            racks.put(nodes.get(i), rackList.get(i));
          }
        }
        return new Cluster(nodes, racks);
      });
    });
  }

  @Provide
  Arbitrary<Cluster> rackedClusters() {
    return clusters().filter(Cluster::everyNodeInARack);
  }

  @Provide
  Arbitrary<String> topics() {
    return Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12);
  }

  @Property
  void eachPartitionHasDistinctReplicasItsLeaderFirstAllInSync(@ForAll("clusters") Cluster cluster, @ForAll("topics") String topic,
      @ForAll @IntRange(min = 1, max = 9) int replicationFactor, @ForAll @IntRange(min = 1, max = 40) int partitions) {
    int rf = Math.min(replicationFactor, cluster.nodes().size());
    for (PartitionState partition : TopicAdmin.place(topic, 0, partitions, rf, cluster.nodes(), cluster.racks())) {
      assertThat(partition.replicas()).hasSize(rf).doesNotHaveDuplicates().isSubsetOf(cluster.nodes());
      assertThat(partition.leader()).isEqualTo(partition.replicas().get(0));
      assertThat(partition.isr()).isEqualTo(partition.replicas());
      assertThat(partition.leaderEpoch()).isZero();
    }
  }

  @Property
  void eachPartitionSpansAsManyRacksAsItCan(@ForAll("rackedClusters") Cluster cluster, @ForAll("topics") String topic,
      @ForAll @IntRange(min = 1, max = 9) int replicationFactor, @ForAll @IntRange(min = 1, max = 40) int partitions) {
    int rf = Math.min(replicationFactor, cluster.nodes().size());
    for (PartitionState partition : TopicAdmin.place(topic, 0, partitions, rf, cluster.nodes(), cluster.racks())) {
      assertThat(partition.replicas().stream().map(cluster.racks()::get).distinct().count())
          .as("racks of %s in %s", partition.replicas(), cluster.racks()).isEqualTo(Math.min(rf, cluster.rackCount()));
    }
  }

  @Property
  void leadersSpreadEvenlyOverTheNodes(@ForAll("clusters") Cluster cluster, @ForAll("topics") String topic,
      @ForAll @IntRange(min = 1, max = 3) int replicationFactor, @ForAll @IntRange(min = 1, max = 40) int partitions) {
    int rf = Math.min(replicationFactor, cluster.nodes().size());
    Map<String, Long> led = TopicAdmin.place(topic, 0, partitions, rf, cluster.nodes(), cluster.racks()).stream()
        .collect(Collectors.groupingBy(PartitionState::leader, Collectors.counting()));
    long most = led.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    long least = cluster.nodes().stream().mapToLong(node -> led.getOrDefault(node, 0L)).min().orElseThrow();
    assertThat(most - least).as("leaders per node %s", led).isLessThanOrEqualTo(1);
  }

  @Property
  void partitionsAddedLaterLandAsTheyWouldHaveAtCreation(@ForAll("clusters") Cluster cluster, @ForAll("topics") String topic,
      @ForAll @IntRange(min = 1, max = 20) int before, @ForAll @IntRange(min = 1, max = 20) int added) {
    int rf = Math.min(3, cluster.nodes().size());
    List<PartitionState> atOnce = TopicAdmin.place(topic, 0, before + added, rf, cluster.nodes(), cluster.racks());
    assertThat(TopicAdmin.place(topic, before, before + added, rf, cluster.nodes(), cluster.racks()))
        .isEqualTo(atOnce.subList(before, before + added));
  }

  @Property
  void withoutARackForEveryNodeThePlacementIsTheOneFromBeforeRacks(@ForAll("clusters") Cluster cluster,
      @ForAll("topics") String topic, @ForAll @IntRange(min = 1, max = 9) int replicationFactor,
      @ForAll @IntRange(min = 1, max = 40) int partitions) {
    int rf = Math.min(replicationFactor, cluster.nodes().size());
    List<PartitionState> beforeRacks = consecutiveFromTheNamesStart(topic, partitions, rf, cluster.nodes());
    assertThat(TopicAdmin.place(topic, 0, partitions, rf, cluster.nodes(), Map.of())).isEqualTo(beforeRacks);
    if (!cluster.everyNodeInARack()) {
      assertThat(TopicAdmin.place(topic, 0, partitions, rf, cluster.nodes(), cluster.racks())).isEqualTo(beforeRacks);
    }
  }

  @Test
  void threeNodesInThreeRacksGiveEveryPartitionOneReplicaPerRackAndEachNodeALeader() {
    List<String> nodes = List.of("n0", "n1", "n2", "n3", "n4", "n5");
    Map<String, String> racks = Map.of("n0", "a", "n1", "a", "n2", "b", "n3", "b", "n4", "c", "n5", "c");
    List<PartitionState> placed = TopicAdmin.place("orders", 0, 6, 3, nodes, racks);
    for (PartitionState partition : placed) {
      assertThat(partition.replicas().stream().map(racks::get)).containsExactlyInAnyOrder("a", "b", "c");
    }
    assertThat(placed.stream().map(PartitionState::leader)).containsExactlyInAnyOrderElementsOf(nodes);
  }

  /** The placement before racks, as it was written then: partition p on the consecutive nodes from a start chosen by the name. */
  private static List<PartitionState> consecutiveFromTheNamesStart(String topic, int partitions, int rf, List<String> nodes) {
    CRC32 crc = new CRC32();
    crc.update(topic.getBytes(StandardCharsets.UTF_8));
    int start = (int) (crc.getValue() % nodes.size());
    List<PartitionState> placed = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      List<String> replicas = new ArrayList<>();
      for (int r = 0; r < rf; r++) {
        replicas.add(nodes.get((start + p + r) % nodes.size()));
      }
      placed.add(new PartitionState(replicas.get(0), 0, replicas, replicas));
    }
    return placed;
  }
}
