package io.streamgate.cluster.groups;

import io.streamgate.logstore.TopicPartition;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Consumer groups as the edge sees them, wherever their coordinator lives: any node serves any
 * member. Each group has one coordinator, the leader of one partition of the internal compacted
 * topic {@code __groups}; its membership and committed offsets are records there, so when that
 * partition's leadership moves, the new coordinator rebuilds the group from the log.
 *
 * <p>Futures fail with {@link InvalidGroupRequestException}, {@link GroupNotFoundException},
 * {@link MemberNotFoundException}, {@link RebalanceConflictException}, {@link GroupNotEmptyException},
 * and the partition service's own (retriable ones while a coordinator moves).
 */
public interface GroupService {

  /** Where a member starts reading a partition the group has no committed offset for. */
  enum OffsetReset {
    EARLIEST,
    LATEST
  }

  /** A member's place in the group: its id, the group's generation, the partitions it owns now. */
  record Membership(String memberId, int generation, List<TopicPartition> assignment) {
    public Membership {
      assignment = List.copyOf(assignment);
    }
  }

  /**
   * One partition's records in a poll answer: the batches as stored (the first may start before
   * {@code fetchOffset}), of which the records in [{@code fetchOffset}, {@code nextOffset}) belong
   * to the answer.
   */
  record PartitionRecords(TopicPartition partition, long fetchOffset, long nextOffset, long highWatermark, ByteBuffer batches) {}

  /**
   * A poll's answer. {@code cursor} names the position after these records: presented with the next
   * poll it makes that poll start exactly there, so a client that lost this answer and retries with
   * the cursor it had before gets these records again.
   */
  record PollResult(Membership membership, String cursor, List<PartitionRecords> records, List<PositionReset> resets) {
    public PollResult {
      resets = List.copyOf(resets);
    }
  }

  /**
   * A member's position in a partition that was outside the partition's log when read (retention
   * passed it, or the log was truncated or made again), moved {@code from} there {@code to} where
   * the member's {@link OffsetReset} says, as Kafka's consumer does. The poll answer that read from
   * the new position reports it.
   */
  record PositionReset(TopicPartition partition, long from, long to, OffsetReset policy) {}

  /**
   * The next offset to consume in a partition. In a commit without a member or a Kafka member's
   * commit, a negative one is kept and answered as committed ({@link #committedOffsets}), as Kafka
   * stores it: Kafka clients commit -1 (latest) or -2 (earliest) to reset a group (kafkajs's
   * admin.resetOffsets) and read any negative commit as none, starting by their own reset policy;
   * so do HTTP members, descriptions and lag. A member's {@link #commit} refuses it.
   */
  record OffsetCommit(TopicPartition partition, long offset, String metadata, int leaderEpoch) {
    /** A commit without Kafka's metadata string and leader epoch (every HTTP commit). */
    public OffsetCommit(TopicPartition partition, long offset) {
      this(partition, offset, CommittedOffset.NO_METADATA, CommittedOffset.NO_LEADER_EPOCH);
    }
  }

  /**
   * A committed offset (the next offset to consume) as Kafka keeps it: with the committing client's
   * metadata string and the leader epoch of the last record it consumed, both kept and answered as
   * given ({@link #NO_METADATA} and {@link #NO_LEADER_EPOCH} when it gave none).
   */
  record CommittedOffset(long offset, String metadata, int leaderEpoch) {
    public static final String NO_METADATA = "";
    public static final int NO_LEADER_EPOCH = -1;

    public CommittedOffset {
      metadata = metadata == null ? NO_METADATA : metadata;
    }

    public static CommittedOffset of(long offset) {
      return new CommittedOffset(offset, NO_METADATA, NO_LEADER_EPOCH);
    }
  }

  record MemberDescription(String memberId, List<String> topics, long sessionTimeoutMs, List<TopicPartition> assignment) {}

  /** A partition the group consumes: its committed offset (empty if none), the latest offset and the lag between. */
  record PartitionLag(TopicPartition partition, Optional<Long> committed, long latest, long lag) {}

  record GroupDescription(String group, String state, int generation, AssignmentStrategy strategy,
      List<MemberDescription> members, List<PartitionLag> offsets) {}

  record GroupSummary(String group, String state, int generation, int members) {}

  CompletableFuture<Membership> join(String group, List<String> topics, OffsetReset reset, long sessionTimeoutMs,
      AssignmentStrategy strategy);

  /**
   * Records of the member's partitions, waiting up to {@code timeoutMs} when there are none. Also a
   * heartbeat. Without a cursor it continues after what the previous poll delivered. A cursor that
   * names a position past a partition's log end is refused ({@link InvalidGroupRequestException}).
   */
  CompletableFuture<PollResult> poll(String group, String memberId, int maxRecords, int maxBytes, long timeoutMs,
      Optional<String> cursor);

  /**
   * Commits offsets (the next offset to consume, as Kafka) of partitions the member owns: the given
   * ones; or the positions a poll answer's {@code cursor} names (what that answer covered, for the
   * partitions the member still owns); or, with neither, what the member's polls have delivered
   * (which includes an answer that was sent but lost). With {@code generation}, refused unless it is
   * current. An offset past the partition's log end is refused ({@link InvalidGroupRequestException}).
   */
  CompletableFuture<Membership> commit(String group, String memberId, Optional<List<OffsetCommit>> offsets, Optional<String> cursor,
      OptionalInt generation);

  /**
   * Commits offsets (the next offset to consume) for a group that has no members, as Kafka clients
   * that only {@code assign()} their partitions do (generation -1, no member id): the group is made
   * if it does not exist. Offsets are not checked against the logs, as in Kafka. Refused ({@link
   * GroupNotEmptyException}) while the group has members: theirs go through {@link #commit}.
   */
  CompletableFuture<Void> commitWithoutMember(String group, List<OffsetCommit> offsets);

  /**
   * The group's committed offsets as committed (a Kafka client's negative reset offsets too); none for
   * a group that does not exist. Only those of each topic's current incarnation: none of a deleted
   * topic, nor of the earlier topic of a name deleted and created again (every reader of committed
   * offsets, polls and descriptions too, ignores those).
   */
  CompletableFuture<Map<TopicPartition, CommittedOffset>> committedOffsets(String group);

  CompletableFuture<Void> leave(String group, String memberId);

  CompletableFuture<GroupDescription> describe(String group);

  CompletableFuture<List<GroupSummary>> list();

  /**
   * Sets the committed offsets of an empty group for every partition of {@code topic}: to the
   * earliest or latest offset, to {@code offset}, or to the first offset at or after {@code timestamp}.
   */
  CompletableFuture<Void> resetOffsets(String group, String topic, ResetTarget target);

  /** Deletes an empty group and its committed offsets. */
  CompletableFuture<Void> delete(String group);

  /**
   * Deletes the group's committed offsets of {@code partitions} (Kafka's OffsetDelete), through
   * {@code __groups} as commits are written, so that a coordinator that takes over knows them gone.
   * A partition of a topic a member consumes keeps its offset (the member's next commit would bring
   * it back) and is in the answer: an HTTP member's topics, a Kafka member's subscription, and, for a
   * Kafka group whose subscriptions cannot be read (no protocol chosen yet, bytes that do not read),
   * every topic. Fails with {@link GroupNotFoundException} for a group that does not exist and {@link
   * GroupNotEmptyException} for a Kafka group with members of another protocol type than {@code
   * consumer} (Kafka's rule: their subscriptions are not the consumer's).
   */
  CompletableFuture<Set<TopicPartition>> deleteOffsets(String group, List<TopicPartition> partitions);

  /** Where {@link #resetOffsets} moves a group: exactly one of its forms. */
  record ResetTarget(Optional<OffsetReset> edge, Optional<Long> offset, Optional<Long> timestamp) {}
}
