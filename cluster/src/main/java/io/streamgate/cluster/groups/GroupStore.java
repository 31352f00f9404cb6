package io.streamgate.cluster.groups;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.NotLeaderException;
import io.streamgate.cluster.groups.GroupRecords.ClassicEntry;
import io.streamgate.cluster.groups.GroupRecords.Entry;
import io.streamgate.cluster.groups.GroupRecords.KeyValue;
import io.streamgate.cluster.groups.GroupRecords.MembershipEntry;
import io.streamgate.cluster.groups.GroupRecords.OffsetEntry;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups as records of their {@code __groups} partition ({@link GroupRecords}): rebuilds a
 * partition's groups from its log when this node starts leading it, and writes what must survive
 * the coordinator (memberships, Kafka-run groups' stable generations, commits, deletions), committed ({@code acks=all}) before the
 * returned futures complete. Holds no group state itself.
 */
final class GroupStore {
  private static final Logger LOG = LoggerFactory.getLogger(GroupStore.class);

  /** Within {@code __groups}' default {@code max.record.bytes} (1 MiB), with room for the key and the batch. */
  static final int MAX_CLASSIC_RECORD_BYTES = 512 * 1024;

  private final GroupLog log;
  private final LongSupplier clock;

  GroupStore(GroupLog log, LongSupplier clock) {
    this.log = log;
    this.clock = clock;
  }

  /** The leader epoch if this node leads {@code __groups} partition {@code partition}, else empty. */
  OptionalInt leaderEpoch(int partition) {
    return log.leaderEpoch(partition);
  }

  /**
   * Rebuilds a partition's groups from its log: the last membership and each partition's last
   * commit of every group, less tombstoned ones; a group with no members and nothing committed is
   * dropped. Reads the whole partition: call off the groups thread.
   */
  Map<String, Group> load(int partition) {
    Map<String, Group> groups = new HashMap<>();
    long now = clock.getAsLong();
    int records = 0;
    for (RecordBatch batch : log.readAll(partition)) {
      for (Record record : batch.records()) {
        records++;
        GroupRecords.decode(record).ifPresent(entry -> apply(groups, entry, now));
      }
    }
    groups.values().removeIf(Group::isDone);
    LOG.info("coordinating {}-{}: {} groups rebuilt from {} records", GroupCoordinator.TOPIC, partition, groups.size(), records);
    return groups;
  }

  private static void apply(Map<String, Group> groups, Entry entry, long now) {
    if (entry instanceof MembershipEntry m) {
      if (m.membership().isEmpty()) {
        groups.remove(m.group());
      } else {
        groups.computeIfAbsent(m.group(), Group::new).restore(m.membership().get(), now);
      }
    } else if (entry instanceof ClassicEntry c) {
      if (c.membership().isEmpty()) {
        Group group = groups.get(c.group());
        if (group != null) {
          group.classic = null;
        }
      } else {
        groups.computeIfAbsent(c.group(), Group::new).classic = ClassicGroup.restore(c.membership().get(), now);
      }
    } else if (entry instanceof OffsetEntry o) {
      Group group = groups.computeIfAbsent(o.group(), Group::new);
      if (o.offset().isEmpty()) {
        group.forgetCommit(o.partition());
      } else {
        group.commit(Map.of(o.partition(), o.offset().get()));
      }
    }
  }

  /** Records {@code group}'s membership, or a tombstone once it has neither members nor commits. */
  CompletableFuture<Void> writeMembership(Group group) {
    return write(group.name, List.of(group.isDone() ? GroupRecords.membershipTombstone(group.name)
        : GroupRecords.membership(group.name, group.membershipRecord())));
  }

  /**
   * Records a Kafka-run group's stable generation, or a tombstone when it has none (it is empty or
   * rebalancing from empty) or when the record would be larger than {@link #MAX_CLASSIC_RECORD_BYTES}
   * (its members then join again after a coordinator move, as they would with nothing recorded).
   */
  CompletableFuture<Void> writeClassic(Group group) {
    ClassicGroup classic = group.classic;
    if (classic == null || !classic.hasMembers() || classic.state != ClassicGroup.State.STABLE) {
      return write(group.name, List.of(GroupRecords.classicTombstone(group.name)));
    }
    KeyValue record = GroupRecords.classic(group.name, classic.record());
    if (record.value().length > MAX_CLASSIC_RECORD_BYTES) {
      LOG.warn("group {}: generation {} is {} bytes as a record, more than {}; not recorded (its members join again if the "
          + "coordinator moves)", group.name, classic.generation, record.value().length, MAX_CLASSIC_RECORD_BYTES);
      return write(group.name, List.of(GroupRecords.classicTombstone(group.name)));
    }
    return write(group.name, List.of(record));
  }

  CompletableFuture<Void> writeCommits(String group, Map<TopicPartition, StampedOffset> commits) {
    List<KeyValue> records = new ArrayList<>();
    // A negative offset is written as committed, as Kafka keeps it; a version before that reads it as a dropped commit.
    commits.forEach((tp, offset) -> records.add(GroupRecords.offset(group, tp, offset)));
    return write(group, records);
  }

  /** Tombstones for the group's commits of {@code partitions}. */
  CompletableFuture<Void> writeOffsetDeletions(String group, Collection<TopicPartition> partitions) {
    List<KeyValue> tombstones = new ArrayList<>();
    partitions.forEach(tp -> tombstones.add(GroupRecords.offsetTombstone(group, tp)));
    return write(group, tombstones);
  }

  /** Tombstones for the group's membership and every commit it has. */
  CompletableFuture<Void> writeDeletion(Group group) {
    List<KeyValue> tombstones = new ArrayList<>();
    tombstones.add(GroupRecords.membershipTombstone(group.name));
    tombstones.add(GroupRecords.classicTombstone(group.name));
    group.stampedCommits().keySet().forEach(tp -> tombstones.add(GroupRecords.offsetTombstone(group.name, tp)));
    return write(group.name, tombstones);
  }

  /**
   * Appends to the group's partition. One this node no longer leads (moved by a hand-off or a
   * failover) fails the write with {@link NotCoordinatorException}: the partition's new leader
   * coordinates the group, and a Kafka client looks for it again on NOT_COORDINATOR, whereas
   * NOT_LEADER_OR_FOLLOWER is fatal to its OffsetCommit.
   */
  private CompletableFuture<Void> write(String group, List<KeyValue> records) {
    int partition = GroupCoordinator.partitionFor(group);
    return log.append(partition, GroupRecords.batch(clock.getAsLong(), records)).handle((done, failure) -> {
      if (failure == null) {
        return null;
      }
      if (Failures.cause(failure) instanceof NotLeaderException moved) {
        throw new NotCoordinatorException("this node no longer coordinates group '" + group + "': " + moved.getMessage());
      }
      throw failure instanceof CompletionException wrapped ? wrapped : new CompletionException(failure);
    });
  }
}
