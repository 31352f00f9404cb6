package io.streamgate.cluster.groups;

import static io.streamgate.cluster.groups.GroupCoordinator.MAX_SESSION_TIMEOUT_MS;
import static io.streamgate.cluster.groups.GroupCoordinator.MAX_TOPICS_PER_MEMBER;
import static io.streamgate.cluster.groups.GroupCoordinator.MIN_SESSION_TIMEOUT_MS;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNames;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.groups.Group.Member;
import io.streamgate.cluster.groups.GroupService.Membership;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is in a group and what each member owns: joins, leaves, session expiry and partition growth,
 * each a new generation ({@link Group#rebalance}) that is recorded in the log and wakes the waiting
 * polls so every member sees it. Works on the groups of one {@code __groups} partition, on the
 * coordinator's groups thread.
 */
final class GroupMembership {
  private static final Logger LOG = LoggerFactory.getLogger(GroupMembership.class);

  private final PartitionService partitions;
  private final GroupStore store;
  private final LongSupplier clock;

  GroupMembership(PartitionService partitions, GroupStore store, LongSupplier clock) {
    this.partitions = partitions;
    this.store = store;
    this.clock = clock;
  }

  /** A member's place in the group, as answers report it. */
  static Membership membership(Group group, Member member) {
    return new Membership(member.id, group.generation(), group.assignment(member.id));
  }

  /** A new member of group {@code name} (made if it is not in {@code groups}), in a new generation. */
  Membership join(Map<String, Group> groups, String name, List<String> topics, OffsetReset reset, long sessionTimeoutMs,
      AssignmentStrategy strategy) {
    if (topics.isEmpty() || topics.size() > MAX_TOPICS_PER_MEMBER) {
      throw new InvalidGroupRequestException("a member subscribes to 1 to " + MAX_TOPICS_PER_MEMBER + " topics, not " + topics.size());
    }
    for (String topic : topics) {
      TopicNames.requireValid(topic);
      if (partitions.cachedTopic(topic).isEmpty()) {
        throw new TopicNotFoundException("topic '" + topic + "' does not exist");
      }
    }
    if (sessionTimeoutMs < MIN_SESSION_TIMEOUT_MS || sessionTimeoutMs > MAX_SESSION_TIMEOUT_MS) {
      throw new InvalidGroupRequestException("sessionTimeoutMs must be between " + MIN_SESSION_TIMEOUT_MS + " and "
          + MAX_SESSION_TIMEOUT_MS + ", was " + sessionTimeoutMs);
    }
    Group group = groups.computeIfAbsent(name, Group::new);
    if (group.hasKafkaMembers()) {
      throw new InconsistentGroupProtocolException("group '" + name + "' has " + group.memberCount() + " Kafka members (protocol type "
          + group.classic.protocolType + "); it takes HTTP members once it has none");
    }
    if (group.classic != null) {
      group.classic.protocolType = null;  // run over HTTP now: once empty again, it shows no Kafka protocol type
    }
    Member member = new Member(UUID.randomUUID().toString(), List.copyOf(new TreeSet<>(topics)), sessionTimeoutMs, reset,
        clock.getAsLong());
    group.add(member, strategy);
    rebalance(groups, group, "member " + member.id + " joined");
    Membership joined = membership(group, member);
    member.tell(joined.assignment());
    return joined;
  }

  void leave(Map<String, Group> groups, Group group, String memberId) {
    group.remove(memberId);
    rebalance(groups, group, "member " + memberId + " left");
  }

  /** Expires members whose session ran out, and rebalances groups whose topics gained partitions. */
  void tick(Map<String, Group> groups, long nowMs) {
    for (Group group : List.copyOf(groups.values())) {
      List<String> expired = group.members().stream().filter(m -> m.expired(nowMs)).map(m -> m.id).toList();
      expired.forEach(group::remove);
      if (!expired.isEmpty()) {
        rebalance(groups, group, "session of " + expired + " timed out");
      } else if (!group.isEmpty() && partitionCountsChanged(group)) {
        rebalance(groups, group, "partitions were added");
      }
    }
  }

  /**
   * A new generation for {@code group}, recorded in the log (a failed write is logged: the state
   * in memory goes on), and every waiting poll woken to see it. A group left with no members and
   * nothing committed ends.
   */
  private void rebalance(Map<String, Group> groups, Group group, String why) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String topic : group.subscribedTopics()) {
      partitions.cachedTopic(topic).ifPresent(t -> counts.put(topic, t.partitions()));
    }
    group.rebalance(counts);
    LOG.info("group {} generation {} ({}): {}", group.name, group.generation(), why, !group.hasAssignment() ? "no partitions"
        : group.members().stream().map(m -> m.id + "=" + group.assignment(m.id)).toList());
    store.writeMembership(group).exceptionally(e -> {
      LOG.warn("group {}: membership of generation {} not recorded: {}", group.name, group.generation(), e.toString());
      return null;
    });
    if (group.isDone()) {
      groups.remove(group.name);
    }
    group.wakeWaitingPolls();
  }

  private boolean partitionCountsChanged(Group group) {
    for (String topic : group.subscribedTopics()) {
      int now = partitions.cachedTopic(topic).map(TopicMetadata::partitions).orElse(0);
      if (now != group.partitionCounts().getOrDefault(topic, 0)) {
        return true;
      }
    }
    return false;
  }
}
