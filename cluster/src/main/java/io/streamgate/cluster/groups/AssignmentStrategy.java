package io.streamgate.cluster.groups;

import io.streamgate.logstore.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How a group's partitions are divided among its members, computed by the coordinator on every
 * rebalance (server-side assignment, as in Kafka's KIP-848). Every strategy gives each partition of
 * a subscribed topic to exactly one member subscribed to that topic.
 */
public enum AssignmentStrategy {
  /**
   * The default: balanced, and moving as few partitions as possible from their current owners
   * (Kafka's CooperativeStickyAssignor). The coordinator also hands a moved partition to its new
   * owner only once the previous owner has seen it go.
   */
  COOPERATIVE_STICKY("cooperative-sticky"),
  /** Per topic, contiguous ranges of partitions to the members in id order (Kafka's RangeAssignor). */
  RANGE("range"),
  /** All partitions, in topic and partition order, dealt to the members in id order (Kafka's RoundRobinAssignor). */
  ROUND_ROBIN("roundrobin");

  private final String wireName;

  AssignmentStrategy(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static AssignmentStrategy parse(String name) {
    for (AssignmentStrategy strategy : values()) {
      if (strategy.wireName.equals(name)) {
        return strategy;
      }
    }
    throw new InvalidGroupRequestException("assignmentStrategy must be cooperative-sticky, range or roundrobin, was '" + name + "'");
  }

  private static final Comparator<TopicPartition> ORDER =
      Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

  /**
   * The new assignment.
   *
   * @param subscriptions each member's topics (members in a sorted map: ties go to the lower id)
   * @param partitionCounts each subscribed topic's partition count
   * @param current each partition's current owner, for the sticky strategy
   */
  public Map<String, List<TopicPartition>> assign(TreeMap<String, Set<String>> subscriptions, Map<String, Integer> partitionCounts,
      Map<TopicPartition, String> current) {
    Map<String, List<TopicPartition>> assignment = new TreeMap<>();
    subscriptions.keySet().forEach(member -> assignment.put(member, new ArrayList<>()));
    List<TopicPartition> all = new ArrayList<>();
    partitionCounts.forEach((topic, count) -> {
      for (int p = 0; p < count; p++) {
        all.add(new TopicPartition(topic, p));
      }
    });
    all.sort(ORDER);
    switch (this) {
      case RANGE -> range(subscriptions, partitionCounts, assignment);
      case ROUND_ROBIN -> roundRobin(subscriptions, all, assignment);
      case COOPERATIVE_STICKY -> sticky(subscriptions, all, current, assignment);
    }
    assignment.values().forEach(list -> list.sort(ORDER));
    return assignment;
  }

  private static void range(TreeMap<String, Set<String>> subscriptions, Map<String, Integer> partitionCounts,
      Map<String, List<TopicPartition>> assignment) {
    new TreeMap<>(partitionCounts).forEach((topic, count) -> {
      List<String> members = subscriptions.entrySet().stream().filter(e -> e.getValue().contains(topic)).map(Map.Entry::getKey).toList();
      if (members.isEmpty()) {
        return;
      }
      int per = count / members.size();
      int extra = count % members.size();
      int next = 0;
      for (int i = 0; i < members.size(); i++) {
        int share = per + (i < extra ? 1 : 0);
        for (int p = next; p < next + share; p++) {
          assignment.get(members.get(i)).add(new TopicPartition(topic, p));
        }
        next += share;
      }
    });
  }

  private static void roundRobin(TreeMap<String, Set<String>> subscriptions, List<TopicPartition> all,
      Map<String, List<TopicPartition>> assignment) {
    List<String> members = new ArrayList<>(subscriptions.keySet());
    int next = 0;
    for (TopicPartition tp : all) {
      for (int tried = 0; tried < members.size(); tried++) {
        String member = members.get((next + tried) % members.size());
        if (subscriptions.get(member).contains(tp.topic())) {
          assignment.get(member).add(tp);
          next = (next + tried + 1) % members.size();
          break;
        }
      }
    }
  }

  private static void sticky(TreeMap<String, Set<String>> subscriptions, List<TopicPartition> all,
      Map<TopicPartition, String> current, Map<String, List<TopicPartition>> assignment) {
    Map<TopicPartition, String> owner = new HashMap<>();
    for (TopicPartition tp : all) {
      String previous = current.get(tp);
      if (previous != null && subscriptions.containsKey(previous) && subscriptions.get(previous).contains(tp.topic())) {
        owner.put(tp, previous);
        assignment.get(previous).add(tp);
      }
    }
    for (TopicPartition tp : all) {
      if (!owner.containsKey(tp)) {
        String least = leastLoaded(subscriptions, assignment, tp.topic());
        if (least != null) {
          owner.put(tp, least);
          assignment.get(least).add(tp);
        }
      }
    }
    // Even out: move a partition from a member to an eligible one with at least two fewer, until
    // none can move. Each move lowers the sum of squared loads, so this ends.
    boolean moved = true;
    while (moved) {
      moved = false;
      for (TopicPartition tp : all) {
        String from = owner.get(tp);
        if (from == null) {
          continue;
        }
        String to = leastLoaded(subscriptions, assignment, tp.topic());
        if (to != null && assignment.get(to).size() + 1 < assignment.get(from).size()) {
          assignment.get(from).remove(tp);
          assignment.get(to).add(tp);
          owner.put(tp, to);
          moved = true;
        }
      }
    }
  }

  private static String leastLoaded(TreeMap<String, Set<String>> subscriptions, Map<String, List<TopicPartition>> assignment,
      String topic) {
    String least = null;
    for (Map.Entry<String, Set<String>> member : subscriptions.entrySet()) {
      if (member.getValue().contains(topic)
          && (least == null || assignment.get(member.getKey()).size() < assignment.get(least).size())) {
        least = member.getKey();
      }
    }
    return least;
  }
}
