package io.streamgate.cluster.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The assignment strategies over generated groups: what {@link AssignmentStrategy} promises (each
 * partition of a subscribed topic to exactly one member subscribed to it), balance, and the sticky
 * strategy's few moves.
 */
class AssignmentStrategyTest {
  /** A group to assign: each member's topics, each topic's partition count, and current owners. */
  record Case(TreeMap<String, Set<String>> subscriptions, Map<String, Integer> partitionCounts,
      Map<TopicPartition, String> current) {}

  @Property
  void everySubscribedPartitionGoesToExactlyOneSubscriber(@ForAll AssignmentStrategy strategy, @ForAll("groups") Case group) {
    Map<String, List<TopicPartition>> assignment =
        strategy.assign(group.subscriptions(), group.partitionCounts(), group.current());

    assertThat(assignment.keySet()).isEqualTo(group.subscriptions().keySet());
    Map<TopicPartition, String> owners = new HashMap<>();
    assignment.forEach((member, partitions) -> partitions.forEach(tp -> {
      assertThat(owners.put(tp, member)).as("%s assigned twice", tp).isNull();
      assertThat(group.subscriptions().get(member)).as("%s given %s", member, tp).contains(tp.topic());
    }));
    Set<TopicPartition> expected = new HashSet<>();
    group.partitionCounts().forEach((topic, count) -> {
      if (group.subscriptions().values().stream().anyMatch(topics -> topics.contains(topic))) {
        for (int p = 0; p < count; p++) {
          expected.add(new TopicPartition(topic, p));
        }
      }
    });
    assertThat(owners.keySet()).isEqualTo(expected);
    assignment.values().forEach(partitions -> assertThat(partitions).isSortedAccordingTo(
        java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)));
  }

  @Property
  void theSameInputGivesTheSameAssignment(@ForAll AssignmentStrategy strategy, @ForAll("groups") Case group) {
    assertThat(strategy.assign(group.subscriptions(), group.partitionCounts(), group.current()))
        .isEqualTo(strategy.assign(group.subscriptions(), group.partitionCounts(), group.current()));
  }

  @Property
  void membersWithTheSameTopicsDifferByAtMostOnePartition(@ForAll AssignmentStrategy strategy, @ForAll("uniformGroups") Case group) {
    Map<String, List<TopicPartition>> assignment =
        strategy.assign(group.subscriptions(), group.partitionCounts(), group.current());

    if (strategy == AssignmentStrategy.RANGE) {
      // Range balances each topic on its own (and so may differ by one per topic in total).
      for (String topic : group.partitionCounts().keySet()) {
        assertThat(spread(assignment, tp -> tp.topic().equals(topic))).as(topic).isLessThanOrEqualTo(1);
      }
    } else {
      assertThat(spread(assignment, tp -> true)).isLessThanOrEqualTo(1);
    }
  }

  @Property
  void stickyLeavesNoPartitionThatCouldMoveToAnEligibleMemberWithTwoFewer(@ForAll("groups") Case group) {
    Map<String, List<TopicPartition>> assignment =
        AssignmentStrategy.COOPERATIVE_STICKY.assign(group.subscriptions(), group.partitionCounts(), group.current());

    assignment.forEach((owner, partitions) -> partitions.forEach(tp -> group.subscriptions().forEach((member, topics) -> {
      if (topics.contains(tp.topic())) {
        assertThat(assignment.get(member).size() + 1).as("%s could move from %s to %s", tp, owner, member)
            .isGreaterThanOrEqualTo(partitions.size());
      }
    })));
  }

  @Property
  void stickyKeepsABalancedAssignment(@ForAll("groups") Case group) {
    AssignmentStrategy sticky = AssignmentStrategy.COOPERATIVE_STICKY;
    Map<String, List<TopicPartition>> first = sticky.assign(group.subscriptions(), group.partitionCounts(), group.current());

    assertThat(sticky.assign(group.subscriptions(), group.partitionCounts(), owners(first))).isEqualTo(first);
  }

  @Property
  void stickyMovesOnlyToAJoiningMember(@ForAll("uniformGroups") Case group) {
    AssignmentStrategy sticky = AssignmentStrategy.COOPERATIVE_STICKY;
    Map<TopicPartition, String> before = owners(sticky.assign(group.subscriptions(), group.partitionCounts(), Map.of()));
    TreeMap<String, Set<String>> joined = new TreeMap<>(group.subscriptions());
    joined.put("joiner", group.subscriptions().firstEntry().getValue());

    Map<TopicPartition, String> after = owners(sticky.assign(joined, group.partitionCounts(), before));

    after.forEach((tp, owner) -> assertThat(owner).as(tp.toString()).isIn(before.get(tp), "joiner"));
    int total = after.size();
    assertThat(after.values().stream().filter("joiner"::equals).count()).isEqualTo(total / joined.size());
  }

  @Property
  void stickyKeepsTheSurvivorsPartitionsWhenAMemberLeaves(@ForAll("uniformGroups") Case group) {
    AssignmentStrategy sticky = AssignmentStrategy.COOPERATIVE_STICKY;
    Map<TopicPartition, String> before = owners(sticky.assign(group.subscriptions(), group.partitionCounts(), Map.of()));
    TreeMap<String, Set<String>> left = new TreeMap<>(group.subscriptions());
    String leaver = left.lastKey();
    left.remove(leaver);
    if (left.isEmpty()) {
      return;
    }

    Map<String, List<TopicPartition>> after = sticky.assign(left, group.partitionCounts(), before);

    before.forEach((tp, owner) -> {
      if (!owner.equals(leaver)) {
        assertThat(after.get(owner)).as("%s stays with %s", tp, owner).contains(tp);
      }
    });
    assertThat(spread(after, tp -> true)).isLessThanOrEqualTo(1);
  }

  @Example
  void rangeGivesContiguousRangesInMemberOrder() {
    TreeMap<String, Set<String>> subscriptions = new TreeMap<>(Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t")));

    Map<String, List<TopicPartition>> assignment = AssignmentStrategy.RANGE.assign(subscriptions, Map.of("t", 7), Map.of());

    assertThat(assignment.get("a")).extracting(TopicPartition::partition).containsExactly(0, 1, 2);
    assertThat(assignment.get("b")).extracting(TopicPartition::partition).containsExactly(3, 4);
    assertThat(assignment.get("c")).extracting(TopicPartition::partition).containsExactly(5, 6);
  }

  @Example
  void roundRobinDealsInTopicAndPartitionOrder() {
    TreeMap<String, Set<String>> subscriptions = new TreeMap<>(Map.of("a", Set.of("s", "t"), "b", Set.of("s", "t")));

    Map<String, List<TopicPartition>> assignment =
        AssignmentStrategy.ROUND_ROBIN.assign(subscriptions, Map.of("s", 3, "t", 2), Map.of());

    assertThat(assignment.get("a")).containsExactly(new TopicPartition("s", 0), new TopicPartition("s", 2), new TopicPartition("t", 1));
    assertThat(assignment.get("b")).containsExactly(new TopicPartition("s", 1), new TopicPartition("t", 0));
  }

  @Example
  void wireNamesParseBackAndOthersAreRefused() {
    for (AssignmentStrategy strategy : AssignmentStrategy.values()) {
      assertThat(AssignmentStrategy.parse(strategy.wireName())).isSameAs(strategy);
    }
    assertThatThrownBy(() -> AssignmentStrategy.parse("sticky")).isInstanceOf(InvalidGroupRequestException.class)
        .hasMessageContaining("'sticky'");
  }

  // ---------------------------------------------------------------- generators

  private static final List<String> TOPICS = List.of("a", "b", "c", "d");

  @Provide
  Arbitrary<Case> groups() {
    return Combinators.combine(memberIds(), Arbitraries.integers().between(0, 12).list().ofSize(TOPICS.size()),
        Arbitraries.randoms()).as((members, counts, random) -> {
          TreeMap<String, Set<String>> subscriptions = new TreeMap<>();
          for (String member : members) {
            Set<String> topics = new TreeSet<>();
            TOPICS.forEach(topic -> {
              if (random.nextBoolean()) {
                topics.add(topic);
              }
            });
            topics.add(TOPICS.get(random.nextInt(TOPICS.size())));
            subscriptions.put(member, topics);
          }
          return withCurrentOwners(subscriptions, counts, random);
        });
  }

  @Provide
  Arbitrary<Case> uniformGroups() {
    return Combinators.combine(memberIds(), Arbitraries.integers().between(0, 12).list().ofSize(TOPICS.size()),
        Arbitraries.of(TOPICS).set().ofMinSize(1), Arbitraries.randoms()).as((members, counts, topics, random) -> {
          TreeMap<String, Set<String>> subscriptions = new TreeMap<>();
          members.forEach(member -> subscriptions.put(member, topics));
          return withCurrentOwners(subscriptions, counts, random);
        });
  }

  private static Arbitrary<Set<String>> memberIds() {
    return Arbitraries.strings().withCharRange('a', 'z').ofLength(3).set().ofMinSize(1).ofMaxSize(8);
  }

  /** Owners as a previous generation may have left them: some members, some gone, some partitions none. */
  private static Case withCurrentOwners(TreeMap<String, Set<String>> subscriptions, List<Integer> counts, java.util.Random random) {
    Map<String, Integer> partitionCounts = new HashMap<>();
    for (int i = 0; i < TOPICS.size(); i++) {
      partitionCounts.put(TOPICS.get(i), counts.get(i));
    }
    List<String> candidates = new ArrayList<>(subscriptions.keySet());
    candidates.add("gone");
    Map<TopicPartition, String> current = new HashMap<>();
    partitionCounts.forEach((topic, count) -> {
      for (int p = 0; p < count; p++) {
        if (random.nextInt(3) > 0) {
          current.put(new TopicPartition(topic, p), candidates.get(random.nextInt(candidates.size())));
        }
      }
    });
    return new Case(subscriptions, partitionCounts, current);
  }

  private static Map<TopicPartition, String> owners(Map<String, List<TopicPartition>> assignment) {
    Map<TopicPartition, String> owners = new HashMap<>();
    assignment.forEach((member, partitions) -> partitions.forEach(tp -> owners.put(tp, member)));
    return owners;
  }

  private static int spread(Map<String, List<TopicPartition>> assignment, java.util.function.Predicate<TopicPartition> counted) {
    List<Long> loads = assignment.values().stream().map(list -> list.stream().filter(counted).count()).toList();
    return (int) (loads.stream().mapToLong(Long::longValue).max().orElse(0) - loads.stream().mapToLong(Long::longValue).min().orElse(0));
  }
}
