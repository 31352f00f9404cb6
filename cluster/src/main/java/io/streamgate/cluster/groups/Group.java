package io.streamgate.cluster.groups;

import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.cluster.groups.GroupService.PositionReset;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One consumer group's state at its coordinator: members, generation, who owns which partition,
 * which moved partitions still wait for their previous owner to let go, and committed offsets.
 * Confined to the coordinator's groups thread.
 */
final class Group {
  /** A member as the coordinator tracks it. */
  static final class Member {
    final String id;
    final List<String> topics;
    final long sessionTimeoutMs;
    final OffsetReset reset;
    long deadlineMs;
    /** The generation this member last saw in a poll answer. */
    int seenGeneration;
    /** Per owned partition, the next offset after what its polls have delivered. */
    final Map<TopicPartition, Long> delivered = new HashMap<>();
    /** Positions reset because they were outside their log, that no answer to this member has reported yet. */
    final List<PositionReset> unreportedResets = new ArrayList<>();
    /**
     * Per owned partition, the generation of the first answer that gave it to this member: a cursor
     * from an older generation may not move it (someone else may have owned and committed it since).
     */
    final Map<TopicPartition, Integer> ownedSince = new HashMap<>();
    /** Ends the member's waiting poll early to read again (a rebalance); null when none waits. */
    Runnable wakePoll;
    /** Ends the member's waiting poll with an empty answer (a newer poll came); null when none waits. */
    Runnable supersedePoll;
    int pollsInFlight;
    /** The assignment the member was last told (by its join or a poll answer); null if none yet (here). */
    List<TopicPartition> told;

    Member(String id, List<String> topics, long sessionTimeoutMs, OffsetReset reset) {
      this.id = id;
      this.topics = List.copyOf(topics);
      this.sessionTimeoutMs = sessionTimeoutMs;
      this.reset = reset;
    }
  }

  final String name;
  int generation;
  AssignmentStrategy strategy = AssignmentStrategy.COOPERATIVE_STICKY;
  final TreeMap<String, Member> members = new TreeMap<>();
  /** Each partition's owner in the current generation. */
  final Map<TopicPartition, String> owners = new HashMap<>();
  /** Moved partitions whose previous owner (the value) has not yet seen the generation that took them away. */
  final Map<TopicPartition, String> revoking = new HashMap<>();
  final Map<TopicPartition, Long> committed = new HashMap<>();
  /** The partition counts the current assignment was computed for. */
  Map<String, Integer> partitionCounts = Map.of();

  Group(String name) {
    this.name = name;
  }

  boolean isEmpty() {
    return members.isEmpty();
  }

  /** The partitions {@code member} may read now: those it owns that no previous owner still holds. */
  List<TopicPartition> assignment(String member) {
    List<TopicPartition> owned = new ArrayList<>();
    owners.forEach((tp, owner) -> {
      if (owner.equals(member) && !revoking.containsKey(tp)) {
        owned.add(tp);
      }
    });
    owned.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
    return owned;
  }

  Set<String> subscribedTopics() {
    Set<String> topics = new TreeSet<>();
    members.values().forEach(m -> topics.addAll(m.topics));
    return topics;
  }

  /**
   * A new generation: the strategy's assignment for the current members and partition counts. A
   * partition taken from a member that is still here waits for that member to see the change.
   */
  void rebalance(Map<String, Integer> counts) {
    TreeMap<String, Set<String>> subscriptions = new TreeMap<>();
    members.forEach((id, member) -> subscriptions.put(id, new TreeSet<>(member.topics)));
    Map<String, List<TopicPartition>> assignment = strategy.assign(subscriptions, counts, owners);
    // Who may be reading each partition now: its owner, or the previous owner it is still waiting for.
    Map<TopicPartition, String> holders = new HashMap<>(owners);
    holders.putAll(revoking);
    owners.clear();
    revoking.clear();
    assignment.forEach((member, partitions) -> partitions.forEach(tp -> owners.put(tp, member)));
    owners.forEach((tp, owner) -> {
      String holder = holders.get(tp);
      if (holder != null && !holder.equals(owner) && members.containsKey(holder)) {
        revoking.put(tp, holder);
      }
    });
    for (Member member : members.values()) {
      member.delivered.keySet().retainAll(assignment.getOrDefault(member.id, List.of()));
      member.ownedSince.keySet().retainAll(assignment.getOrDefault(member.id, List.of()));
    }
    partitionCounts = Map.copyOf(counts);
    generation++;
  }

  /** {@code member} has seen the current generation: partitions it gave up go to their new owners. Returns whether any did. */
  boolean acknowledge(Member member) {
    if (member.seenGeneration == generation) {
      return false;
    }
    member.seenGeneration = generation;
    return revoking.values().removeIf(previous -> previous.equals(member.id));
  }

  /**
   * The positions of {@code cursor} that may apply to {@code member}: those of partitions it has owned
   * without a break since the cursor's generation.
   */
  Map<TopicPartition, Long> applicable(Member member, Cursor.Position cursor) {
    Map<TopicPartition, Long> positions = new HashMap<>();
    List<TopicPartition> owned = assignment(member.id);
    cursor.offsets().forEach((tp, offset) -> {
      Integer since = member.ownedSince.get(tp);
      if (owned.contains(tp) && since != null && since <= cursor.generation()) {
        positions.put(tp, offset);
      }
    });
    return positions;
  }

  /** A member left or timed out: what it held moves on without waiting for it. */
  void remove(String memberId) {
    members.remove(memberId);
    revoking.values().removeIf(previous -> previous.equals(memberId));
  }

  // ---------------------------------------------------------------- as records in __groups

  /** The membership record's value: enough to carry on after the coordinator moves. */
  JsonObject membershipJson() {
    JsonArray memberList = new JsonArray();
    for (Member member : members.values()) {
      JsonArray owned = new JsonArray();
      owners.forEach((tp, owner) -> {
        if (owner.equals(member.id)) {
          owned.add(tp.topic() + "/" + tp.partition());
        }
      });
      memberList.add(new JsonObject().put("id", member.id).put("topics", new JsonArray(member.topics))
          .put("sessionTimeoutMs", member.sessionTimeoutMs).put("reset", member.reset.name()).put("owns", owned));
    }
    JsonObject counts = new JsonObject();
    partitionCounts.forEach(counts::put);
    return new JsonObject().put("generation", generation).put("strategy", strategy.wireName()).put("members", memberList)
        .put("partitionCounts", counts);
  }

  /** Restores the membership a previous coordinator recorded; every member gets a fresh session. */
  void restoreMembership(JsonObject json, long nowMs) {
    members.clear();
    owners.clear();
    revoking.clear();
    generation = json.getInteger("generation");
    strategy = AssignmentStrategy.parse(json.getString("strategy"));
    for (Object item : json.getJsonArray("members")) {
      JsonObject m = (JsonObject) item;
      List<String> topics = new ArrayList<>();
      m.getJsonArray("topics").forEach(t -> topics.add((String) t));
      Member member = new Member(m.getString("id"), topics, m.getLong("sessionTimeoutMs"), OffsetReset.valueOf(m.getString("reset")));
      member.deadlineMs = nowMs + member.sessionTimeoutMs;
      member.seenGeneration = generation;
      members.put(member.id, member);
      for (Object owned : m.getJsonArray("owns")) {
        String text = (String) owned;
        int slash = text.lastIndexOf('/');
        owners.put(new TopicPartition(text.substring(0, slash), Integer.parseInt(text.substring(slash + 1))), member.id);
      }
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    json.getJsonObject("partitionCounts").forEach(e -> counts.put(e.getKey(), ((Number) e.getValue()).intValue()));
    partitionCounts = Map.copyOf(counts);
  }
}
