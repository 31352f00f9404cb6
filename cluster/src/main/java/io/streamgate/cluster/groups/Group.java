package io.streamgate.cluster.groups;

import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.groups.GroupRecords.MemberRecord;
import io.streamgate.cluster.groups.GroupRecords.MembershipRecord;
import io.streamgate.cluster.groups.GroupService.CommittedOffset;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.cluster.groups.GroupService.PositionReset;
import io.streamgate.logstore.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One consumer group's state at its coordinator: members, generation, who owns which partition,
 * which moved partitions still wait for their previous owner to let go, and committed offsets.
 * Its state changes only through its methods, which keep its invariants: a partition has one owner
 * per generation, a moved partition is readable by its new owner only once its previous owner has
 * seen the change (or left), and a new generation drops what members had been delivered of
 * partitions they no longer own. Confined to the coordinator's groups thread.
 */
final class Group {
  static final Comparator<TopicPartition> PARTITION_ORDER =
      Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

  /** A member as the coordinator tracks it. */
  static final class Member {
    final String id;
    final List<String> topics;
    final long sessionTimeoutMs;
    final OffsetReset reset;
    private long deadlineMs;
    /** The generation this member last saw in a poll answer. */
    private int seenGeneration;
    /** Per owned partition, the next offset after what its polls have delivered. */
    private final Map<TopicPartition, Long> delivered = new HashMap<>();
    /** Per topic of the member's, the incarnation its positions are read in (empty: no such topic then). */
    private final Map<String, Optional<TopicId>> incarnations = new HashMap<>();
    /** Positions reset because they were outside their log, that no answer to this member has reported yet. */
    private final List<PositionReset> unreportedResets = new ArrayList<>();
    /**
     * Per owned partition, the generation of the first answer that gave it to this member: a cursor
     * from an older generation may not move it (someone else may have owned and committed it since).
     */
    private final Map<TopicPartition, Integer> ownedSince = new HashMap<>();
    /** Ends the member's waiting poll early to read again (a rebalance); null when none waits. */
    private Runnable wakePoll;
    /** Ends the member's waiting poll with an empty answer (a newer poll came); null when none waits. */
    private Runnable supersedePoll;
    private int pollsInFlight;
    /** The assignment the member was last told (by its join or a poll answer); null if none yet (here). */
    private List<TopicPartition> told;

    Member(String id, List<String> topics, long sessionTimeoutMs, OffsetReset reset, long nowMs) {
      this.id = id;
      this.topics = List.copyOf(topics);
      this.sessionTimeoutMs = sessionTimeoutMs;
      this.reset = reset;
      this.deadlineMs = nowMs + sessionTimeoutMs;
    }

    /** A heartbeat: the session runs {@code sessionTimeoutMs} from now. */
    void heartbeat(long nowMs) {
      deadlineMs = nowMs + sessionTimeoutMs;
    }

    /** Whether the session ran out: no heartbeat for its timeout, and no poll in progress (which keeps it alive). */
    boolean expired(long nowMs) {
      return pollsInFlight == 0 && deadlineMs < nowMs;
    }

    void pollStarted() {
      pollsInFlight++;
    }

    /** A poll answered: the session runs at least {@code sessionTimeoutMs} from its end. */
    void pollEnded(long nowMs) {
      pollsInFlight--;
      deadlineMs = Math.max(deadlineMs, nowMs + sessionTimeoutMs);
    }

    /** A poll now waits for data: {@code wake} makes it read again, {@code supersede} makes it answer empty. */
    void waiting(Runnable wake, Runnable supersede) {
      wakePoll = wake;
      supersedePoll = supersede;
    }

    /** The waiting poll stopped waiting. */
    void notWaiting() {
      wakePoll = null;
      supersedePoll = null;
    }

    /** Ends a waiting poll with an empty answer, as a newer poll of the member does. */
    void supersedeWaitingPoll() {
      if (supersedePoll != null) {
        supersedePoll.run();
      }
    }

    private void wakeWaitingPoll() {
      if (wakePoll != null) {
        wakePoll.run();
      }
    }

    /**
     * Forgets the positions in a topic deleted (and maybe created again) since they were read: they
     * are of a log that is gone, and the partitions start again from the group's commits or the
     * reset policy. Called before positions are used ({@code currentIds}: a topic's id now).
     */
    void forgetPositionsOfEarlierIncarnations(Function<String, Optional<TopicId>> currentIds) {
      // Noted for the member's topics before anything of them is read, so that a later call sees a change.
      Set<String> topics = new TreeSet<>(this.topics);
      delivered.keySet().forEach(tp -> topics.add(tp.topic()));
      incarnations.keySet().retainAll(topics);
      for (String topic : topics) {
        Optional<TopicId> current = currentIds.apply(topic);
        Optional<TopicId> readIn = incarnations.put(topic, current);
        if (readIn != null && !readIn.equals(current)) {
          delivered.keySet().removeIf(tp -> tp.topic().equals(topic));
        }
      }
    }

    /** The id of each topic's incarnation the member's positions are in, as its last poll or commit noted them. */
    Map<String, TopicId> positionsIn() {
      Map<String, TopicId> ids = new HashMap<>();
      incarnations.forEach((topic, id) -> id.ifPresent(present -> ids.put(topic, present)));
      return ids;
    }

    /** The next offset after what was delivered of {@code tp}; null if nothing yet. */
    Long delivered(TopicPartition tp) {
      return delivered.get(tp);
    }

    /** An answer delivered {@code tp} up to {@code nextOffset}. */
    void delivered(TopicPartition tp, long nextOffset) {
      delivered.put(tp, nextOffset);
    }

    /** Where {@code tp} starts, unless a position is known already; returns the member's position. */
    long startAt(TopicPartition tp, long offset) {
      delivered.putIfAbsent(tp, offset);
      return delivered.get(tp);
    }

    /** A client's cursor says what it has seen: its positions replace everything delivered. */
    void restartFrom(Map<TopicPartition, Long> seen) {
      delivered.clear();
      delivered.putAll(seen);
    }

    /** A read found a position outside its log and moved it; the next answer reports it. */
    void reset(PositionReset reset) {
      delivered.put(reset.partition(), reset.to());
      unreportedResets.add(reset);
    }

    /** The resets no answer has reported yet; reported from now on. */
    List<PositionReset> takeUnreportedResets() {
      List<PositionReset> resets = List.copyOf(unreportedResets);
      unreportedResets.clear();
      return resets;
    }

    List<TopicPartition> told() {
      return told;
    }

    /** The member was told {@code assignment} (its join or a poll answer). */
    void tell(List<TopicPartition> assignment) {
      told = assignment;
    }
  }

  final String name;
  private int generation;
  private AssignmentStrategy strategy = AssignmentStrategy.COOPERATIVE_STICKY;
  private final TreeMap<String, Member> members = new TreeMap<>();
  /** Each partition's owner in the current generation. */
  private final Map<TopicPartition, String> owners = new HashMap<>();
  /** Moved partitions whose previous owner (the value) has not yet seen the generation that took them away. */
  private final Map<TopicPartition, String> revoking = new HashMap<>();
  /** Committed offsets with the topic incarnations they were committed in: of deleted topics' too, which readers ignore. */
  private final Map<TopicPartition, StampedOffset> committed = new HashMap<>();
  /** The partition counts the current assignment was computed for. */
  private Map<String, Integer> partitionCounts = Map.of();
  /**
   * The group as Kafka's classic protocol runs it, once a Kafka client has joined it; null before. A
   * group has members of one protocol at a time: HTTP members ({@link #members()}) or these.
   */
  ClassicGroup classic;

  Group(String name) {
    this.name = name;
  }

  int generation() {
    return generation;
  }

  AssignmentStrategy strategy() {
    return strategy;
  }

  /** Whether the group has no members, of either protocol. */
  boolean isEmpty() {
    return members.isEmpty() && !hasKafkaMembers();
  }

  /** Whether Kafka clients (classic protocol) are its members now. */
  boolean hasKafkaMembers() {
    return classic != null && classic.hasMembers();
  }

  /**
   * Kafka's protocol type of the group, as DescribeGroups and ListGroups show it: its Kafka members';
   * once they have all left, still theirs, as Kafka keeps it for an empty group; "" while it has HTTP
   * members, and for a group only committed to. Kept in memory only: a coordinator that takes over
   * rebuilds an empty group without it.
   */
  String kafkaProtocolType() {
    return classic == null || classic.protocolType == null || !members.isEmpty() ? "" : classic.protocolType;
  }

  /** Members of either protocol. */
  int memberCount() {
    return members.size() + (classic == null ? 0 : classic.members().size());
  }

  /** Members in id order; read-only. */
  Collection<Member> members() {
    return Collections.unmodifiableCollection(members.values());
  }

  /** The member of that id; null if it is not in the group. */
  Member member(String id) {
    return members.get(id);
  }

  /**
   * "Empty", "Stable", or "Rebalancing" while a moved partition waits for its previous owner (or,
   * for Kafka members, while they rejoin or wait for their assignments).
   */
  String state() {
    if (hasKafkaMembers()) {
      // The REST API's names: Kafka's two rebalancing states are its Rebalancing.
      return classic.state == ClassicGroup.State.STABLE ? "Stable" : "Rebalancing";
    }
    return isEmpty() ? "Empty" : revoking.isEmpty() ? "Stable" : "Rebalancing";
  }

  /** The group's state by Kafka's names, as DescribeGroups and ListGroups show it. */
  String kafkaState() {
    if (hasKafkaMembers()) {
      return classic.state.kafkaName;
    }
    return isEmpty() ? ClassicGroup.State.EMPTY.kafkaName
        : revoking.isEmpty() ? ClassicGroup.State.STABLE.kafkaName : ClassicGroup.State.PREPARING_REBALANCE.kafkaName;
  }

  /** The generation of the protocol that runs the group: the classic protocol's while Kafka clients are its members. */
  int currentGeneration() {
    return hasKafkaMembers() ? classic.generation : generation;
  }

  /** Every commit kept, also those of a topic's earlier incarnation (for tombstones and deletions). */
  Map<TopicPartition, StampedOffset> stampedCommits() {
    return Collections.unmodifiableMap(committed);
  }

  /**
   * The committed offsets of the current incarnations of their topics ({@code currentIds}: a topic's
   * id now, empty for no such topic): a topic deleted and created again has none of the old one's.
   */
  Map<TopicPartition, CommittedOffset> committed(Function<String, Optional<TopicId>> currentIds) {
    Map<TopicPartition, CommittedOffset> current = new HashMap<>();
    committed.forEach((tp, stamped) -> {
      if (stamped.isCurrent(tp.topic(), currentIds)) {
        current.put(tp, stamped.committed());
      }
    });
    return current;
  }

  /**
   * The committed offset of {@code tp} in its topic's current incarnation, null if none (or a
   * negative one: a Kafka client's reset).
   */
  Long committedOffset(TopicPartition tp, Function<String, Optional<TopicId>> currentIds) {
    StampedOffset stamped = committed.get(tp);
    if (stamped == null || !stamped.isCurrent(tp.topic(), currentIds) || stamped.committed().offset() < 0) {
      return null;
    }
    return stamped.committed().offset();
  }

  Map<String, Integer> partitionCounts() {
    return partitionCounts;
  }

  /** Whether nothing worth keeping is left: no members (or member ids handed out) and no committed offsets. */
  boolean isDone() {
    return isEmpty() && (classic == null || classic.size() == 0) && committed.isEmpty();
  }

  /**
   * Adds {@code member}. The first member sets the group's strategy; a later one must use it.
   * The caller rebalances.
   */
  void add(Member member, AssignmentStrategy requested) {
    if (isEmpty()) {
      strategy = requested;
    } else if (strategy != requested) {
      throw new InvalidGroupRequestException("group '" + name + "' uses assignment strategy " + strategy.wireName()
          + "; a member cannot join it with " + requested.wireName());
    }
    members.put(member.id, member);
  }

  /** Takes commits; a negative offset is kept as Kafka keeps it, but counts as none ({@link GroupService.OffsetCommit}). */
  void commit(Map<TopicPartition, StampedOffset> offsets) {
    committed.putAll(offsets);
  }

  void forgetCommit(TopicPartition tp) {
    committed.remove(tp);
  }

  /** The partitions {@code member} may read now: those it owns that no previous owner still holds. */
  List<TopicPartition> assignment(String member) {
    List<TopicPartition> owned = new ArrayList<>();
    owners.forEach((tp, owner) -> {
      if (owner.equals(member) && !revoking.containsKey(tp)) {
        owned.add(tp);
      }
    });
    owned.sort(PARTITION_ORDER);
    return owned;
  }

  /** Whether any partition is assigned in this generation. */
  boolean hasAssignment() {
    return !owners.isEmpty();
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

  /** An answer tells {@code member} its assignment: partitions it gained are its own from this generation on. */
  void noteOwnership(Member member) {
    List<TopicPartition> owned = assignment(member.id);
    member.ownedSince.keySet().retainAll(owned);
    owned.forEach(tp -> member.ownedSince.putIfAbsent(tp, generation));
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

  /** Every waiting poll reads again (a rebalance: each member sees its new assignment). */
  void wakeWaitingPolls() {
    members.values().forEach(Member::wakeWaitingPoll);
  }

  /** Every waiting poll answers empty, as a newer poll would (this node stopped coordinating the group). */
  void endWaitingPolls() {
    members.values().forEach(Member::supersedeWaitingPoll);
    if (classic != null) {
      NotCoordinatorException moved = new NotCoordinatorException("this node no longer coordinates group '" + name + "'");
      classic.members().forEach(member -> ClassicMembership.fail(member, moved));
    }
  }

  // ---------------------------------------------------------------- as records in __groups

  /** The membership record: enough to carry on after the coordinator moves. */
  MembershipRecord membershipRecord() {
    List<MemberRecord> memberList = new ArrayList<>();
    for (Member member : members.values()) {
      List<TopicPartition> owns = new ArrayList<>();
      owners.forEach((tp, owner) -> {
        if (owner.equals(member.id)) {
          owns.add(tp);
        }
      });
      owns.sort(PARTITION_ORDER);
      memberList.add(new MemberRecord(member.id, member.topics, member.sessionTimeoutMs, member.reset, owns));
    }
    return new MembershipRecord(generation, strategy, memberList, partitionCounts);
  }

  /** Restores the membership a previous coordinator recorded; every member gets a fresh session. */
  void restore(MembershipRecord record, long nowMs) {
    members.clear();
    owners.clear();
    revoking.clear();
    generation = record.generation();
    strategy = record.strategy();
    for (MemberRecord m : record.members()) {
      Member member = new Member(m.id(), m.topics(), m.sessionTimeoutMs(), m.reset(), nowMs);
      member.seenGeneration = generation;
      members.put(member.id, member);
      m.owns().forEach(tp -> owners.put(tp, member.id));
    }
    partitionCounts = Map.copyOf(record.partitionCounts());
  }
}
