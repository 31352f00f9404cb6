package io.streamgate.cluster.groups;

import io.streamgate.cluster.groups.ClassicGroups.JoinResult;
import io.streamgate.cluster.groups.ClassicGroups.Protocol;
import io.streamgate.cluster.groups.ClassicGroups.SyncResult;
import io.streamgate.cluster.groups.GroupRecords.ClassicMemberRecord;
import io.streamgate.cluster.groups.GroupRecords.ClassicMembershipRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The part of a {@link Group} that Kafka's classic protocol runs (Kafka's {@code ClassicGroup}): its
 * state, generation, protocol type and chosen protocol, leader, members with their opaque metadata
 * and assignments, static members' instance ids, members whose id was handed out but who have not
 * joined with it yet, and the deadlines of the rebalance under way. Only state: the protocol's
 * steps are {@link ClassicMembership}'s. Each stable generation is recorded ({@link #record}) so
 * that a new coordinator carries on with it (see docs/groups.md). Confined to the coordinator's
 * groups thread.
 */
final class ClassicGroup {
  static final byte[] NO_BYTES = new byte[0];

  /** Kafka's classic group states; a deleted group is simply gone (Kafka's Dead). */
  enum State {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable");

    /** The name Kafka's DescribeGroups and ListGroups use. */
    final String kafkaName;

    State(String kafkaName) {
      this.kafkaName = kafkaName;
    }
  }

  /** A member as the coordinator tracks it. */
  static final class Member {
    final String id;
    final Optional<String> instanceId;
    final String clientId;
    final String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    /** In the member's order of preference. */
    List<Protocol> protocols;
    byte[] assignment = NO_BYTES;
    long deadlineMs;
    /** Its JoinGroup waiting for the rebalance to complete; null if none waits. */
    CompletableFuture<JoinResult> awaitingJoin;
    /** Its SyncGroup waiting for the leader's; null if none waits. */
    CompletableFuture<SyncResult> awaitingSync;
    /** Whether it sent SyncGroup in the current generation (members that did not are removed at the sync deadline). */
    boolean synced;

    Member(String id, Optional<String> instanceId, String clientId, String clientHost, int sessionTimeoutMs,
        int rebalanceTimeoutMs, List<Protocol> protocols, long nowMs) {
      this.id = id;
      this.instanceId = instanceId;
      this.clientId = clientId;
      this.clientHost = clientHost;
      this.sessionTimeoutMs = sessionTimeoutMs;
      this.rebalanceTimeoutMs = rebalanceTimeoutMs;
      this.protocols = List.copyOf(protocols);
      this.deadlineMs = nowMs + sessionTimeoutMs;
    }

    void heartbeat(long nowMs) {
      deadlineMs = nowMs + sessionTimeoutMs;
    }

    /** No heartbeat for its session, and no JoinGroup or SyncGroup waiting (those have their own bounds). */
    boolean expired(long nowMs) {
      return awaitingJoin == null && awaitingSync == null && deadlineMs < nowMs;
    }

    /** Whether {@code others} are the same protocols with the same metadata, in the same order (Kafka's {@code matches}). */
    boolean sameProtocols(List<Protocol> others) {
      if (others.size() != protocols.size()) {
        return false;
      }
      for (int i = 0; i < others.size(); i++) {
        if (!others.get(i).name().equals(protocols.get(i).name())
            || !Arrays.equals(others.get(i).metadata(), protocols.get(i).metadata())) {
          return false;
        }
      }
      return true;
    }

    /** Its metadata for protocol {@code name}. */
    byte[] metadata(String name) {
      return protocols.stream().filter(p -> p.name().equals(name)).map(Protocol::metadata).findFirst().orElse(NO_BYTES);
    }

    Set<String> protocolNames() {
      Set<String> names = new LinkedHashSet<>();
      protocols.forEach(p -> names.add(p.name()));
      return names;
    }
  }

  State state = State.EMPTY;
  int generation;
  /**
   * Set by the first member of an empty group; kept while it has members, and after, until another
   * member joins (Kafka shows an empty group's protocol type); null once HTTP members run the group.
   */
  String protocolType;
  /** The protocol chosen for the current generation; null while there is none. */
  String protocolName;
  String leaderId;
  private final Map<String, Member> members = new LinkedHashMap<>();
  /** Static members: instance id to member id. */
  private final Map<String, String> staticMembers = new HashMap<>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, to their deadline to join with. */
  final Map<String, Long> pendingMembers = new HashMap<>();
  /** A rebalance from the Empty state waits this long for more members (Kafka's initial delay); 0 otherwise. */
  long initialDelayUntilMs;
  /** Whether a member joined since the initial delay was last extended. */
  boolean newMemberAdded;
  /** When the rebalance under way completes whoever has rejoined. */
  long joinDeadlineMs;
  /** When members that have not sent SyncGroup in the completing generation are removed. */
  long syncDeadlineMs;

  boolean hasMembers() {
    return !members.isEmpty();
  }

  int size() {
    return members.size() + pendingMembers.size();
  }

  /** Members in join order; read-only. */
  Collection<Member> members() {
    return Collections.unmodifiableCollection(members.values());
  }

  Member member(String id) {
    return members.get(id);
  }

  /** The member id that instance id {@code instanceId} belongs to; null if none. */
  String staticMember(String instanceId) {
    return staticMembers.get(instanceId);
  }

  /** Adds {@code member}; the first one of a group without a leader leads. */
  void add(Member member) {
    members.put(member.id, member);
    member.instanceId.ifPresent(instance -> staticMembers.put(instance, member.id));
    if (leaderId == null) {
      leaderId = member.id;
    }
  }

  /** Removes the member; if it led, the first member left leads. */
  void remove(String memberId) {
    Member member = members.remove(memberId);
    if (member == null) {
      return;
    }
    member.instanceId.ifPresent(instance -> staticMembers.remove(instance, memberId));
    if (memberId.equals(leaderId)) {
      leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
    }
  }

  /** Puts {@code replacement} (a static member's new id) where {@code old} was: its place, assignment and leadership. */
  void replace(Member old, Member replacement) {
    Map<String, Member> reordered = new LinkedHashMap<>();
    members.forEach((id, m) -> reordered.put(id.equals(old.id) ? replacement.id : id, id.equals(old.id) ? replacement : m));
    members.clear();
    members.putAll(reordered);
    replacement.assignment = old.assignment;
    replacement.synced = old.synced;
    replacement.instanceId.ifPresent(instance -> staticMembers.put(instance, replacement.id));
    if (old.id.equals(leaderId)) {
      leaderId = replacement.id;
    }
  }

  boolean allMembersJoined() {
    return members.values().stream().allMatch(m -> m.awaitingJoin != null) && pendingMembers.isEmpty();
  }

  /** Whether {@code protocols} of protocol type {@code type} fit: the same type, and a protocol every other member supports too. */
  boolean supports(String type, List<Protocol> protocols, String except) {
    if (!hasMembers() || members.size() == 1 && members.containsKey(except)) {
      return !type.isEmpty() && !protocols.isEmpty();
    }
    if (!type.equals(protocolType)) {
      return false;
    }
    Set<String> candidates = new LinkedHashSet<>();
    protocols.forEach(p -> candidates.add(p.name()));
    members.values().stream().filter(m -> !m.id.equals(except)).forEach(m -> candidates.retainAll(m.protocolNames()));
    return !candidates.isEmpty();
  }

  /**
   * The protocol of the next generation, as Kafka chooses it: of the protocols every member supports,
   * each member votes for the first in its order of preference; most votes win, a tie goes to the
   * leader's preference.
   */
  String selectProtocol() {
    Set<String> candidates = null;
    for (Member m : members.values()) {
      if (candidates == null) {
        candidates = m.protocolNames();
      } else {
        candidates.retainAll(m.protocolNames());
      }
    }
    Map<String, Integer> votes = new HashMap<>();
    for (Member m : members.values()) {
      for (String name : m.protocolNames()) {
        if (candidates.contains(name)) {
          votes.merge(name, 1, Integer::sum);
          break;
        }
      }
    }
    String chosen = null;
    for (String name : members.get(leaderId).protocolNames()) {
      if (votes.getOrDefault(name, 0) > votes.getOrDefault(chosen, 0)) {
        chosen = name;
      }
    }
    return chosen;
  }

  /** The stable generation as the log keeps it: each member with its metadata for the chosen protocol, and its assignment. */
  ClassicMembershipRecord record() {
    List<ClassicMemberRecord> records = new ArrayList<>();
    for (Member m : members.values()) {
      records.add(new ClassicMemberRecord(m.id, m.instanceId, m.clientId, m.clientHost, m.sessionTimeoutMs, m.rebalanceTimeoutMs,
          m.metadata(protocolName), m.assignment));
    }
    return new ClassicMembershipRecord(generation, protocolType, protocolName, leaderId, records);
  }

  /**
   * The stable generation a previous coordinator recorded: its members carry on (heartbeats, syncs,
   * commits in that generation), each with a fresh session.
   */
  static ClassicGroup restore(ClassicMembershipRecord record, long nowMs) {
    ClassicGroup group = new ClassicGroup();
    group.state = State.STABLE;
    group.generation = record.generation();
    group.protocolType = record.protocolType();
    group.protocolName = record.protocolName();
    for (ClassicMemberRecord m : record.members()) {
      Member member = new Member(m.id(), m.instanceId(), m.clientId(), m.clientHost(), m.sessionTimeoutMs(), m.rebalanceTimeoutMs(),
          List.of(new Protocol(record.protocolName(), m.metadata())), nowMs);
      member.assignment = m.assignment();
      member.synced = true;
      group.add(member);
    }
    group.leaderId = record.leaderId();
    return group;
  }

  /** The largest rebalance timeout of the members: how long a rebalance waits for them. */
  long rebalanceTimeoutMs() {
    return members.values().stream().mapToLong(m -> m.rebalanceTimeoutMs).max().orElse(0);
  }
}
