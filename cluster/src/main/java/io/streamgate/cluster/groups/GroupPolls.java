package io.streamgate.cluster.groups;

import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.groups.Group.Member;
import io.streamgate.cluster.groups.GroupService.Membership;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.cluster.groups.GroupService.PartitionRecords;
import io.streamgate.cluster.groups.GroupService.PollResult;
import io.streamgate.cluster.groups.GroupService.PositionReset;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll engine: decides where each of a member's partitions is read from (the cursor, what was
 * delivered, the committed offset, or the reset policy), reads them through the partition service
 * (from wherever their leaders are), waits for data when there is none, and records what it
 * delivered. Runs on the coordinator's groups thread; reads complete on any thread and come back.
 */
final class GroupPolls {
  private static final Logger LOG = LoggerFactory.getLogger(GroupPolls.class);

  private final Vertx vertx;
  private final PartitionService partitions;
  private final Executor thread;
  private final LongSupplier clock;
  /** Whether this node still coordinates a group: a poll does not wait at a node that does not. */
  private final Predicate<Group> coordinates;

  GroupPolls(Vertx vertx, PartitionService partitions, Executor thread, LongSupplier clock, Predicate<Group> coordinates) {
    this.vertx = vertx;
    this.partitions = partitions;
    this.thread = thread;
    this.clock = clock;
    this.coordinates = coordinates;
  }

  /** One poll on its way: what it may still wait for, and whether a newer poll of the member made it moot. */
  private static final class PollState {
    final Group group;
    final Member member;
    final int maxRecords;
    final int maxBytes;
    final long deadlineMs;
    /** The generation when the poll came: a poll that would wait answers at once after a rebalance, so the client sees it. */
    final int generation;
    boolean superseded;
    final CompletableFuture<PollResult> answer = new CompletableFuture<>();

    PollState(Group group, Member member, int maxRecords, int maxBytes, long deadlineMs) {
      this.generation = group.generation();
      this.group = group;
      this.member = member;
      this.maxRecords = maxRecords;
      this.maxBytes = maxBytes;
      this.deadlineMs = deadlineMs;
    }
  }

  /**
   * Polls {@code member}'s partitions. {@code cursor}, if the client presented one, with its
   * positions that {@link #checkWithinLogs} passed in {@code checked}. Groups thread; the answer
   * completes on it.
   */
  CompletableFuture<PollResult> poll(Group group, Member member, Optional<Cursor.Position> cursor, Map<TopicPartition, Long> checked,
      int maxRecords, int maxBytes, long timeoutMs) {
    long now = clock.getAsLong();
    member.heartbeat(now);
    if (group.acknowledge(member)) {
      group.wakeWaitingPolls();
    }
    // A newer poll of the same member: the waiting one answers empty, delivering nothing.
    member.supersedeWaitingPoll();
    if (cursor.isPresent()) {
      // The cursor is all the client has seen: what it names is where to go on; anything else this
      // member was sent (an answer lost on the way) is read again from the committed offset. Only
      // positions checked against the logs apply (the assignment may have changed meanwhile).
      Map<TopicPartition, Long> seen = group.applicable(member, cursor.get());
      seen.entrySet().retainAll(checked.entrySet());
      member.restartFrom(seen);
    }
    PollState poll = new PollState(group, member, maxRecords, maxBytes, now + timeoutMs);
    member.pollStarted();
    poll.answer.whenCompleteAsync((result, failure) -> member.pollEnded(clock.getAsLong()), thread);
    attempt(poll);
    return poll.answer;
  }

  /**
   * {@code positions} (a client's cursor or offsets for {@code member}) once none is past its
   * partition's log end; else fails with {@link InvalidGroupRequestException}. A position at or
   * before what the member was delivered needs no look-up: it was within the log when read. A
   * position before the log start is allowed; reading it resets it (see {@link #read}). On the
   * groups thread; completes on any.
   */
  CompletableFuture<Map<TopicPartition, Long>> checkWithinLogs(Member member, Map<TopicPartition, Long> positions) {
    List<CompletableFuture<Void>> checks = new ArrayList<>();
    positions.forEach((tp, offset) -> {
      Long delivered = member.delivered(tp);
      if (delivered == null || offset > delivered) {
        checks.add(partitions.offsets(tp, OptionalLong.empty()).thenAccept(range -> {
          if (offset > range.logEnd()) {
            throw new InvalidGroupRequestException("offset " + offset + " of " + tp + " is past its log end, " + range.logEnd()
                + "; a position is at most the log end (the next offset to be written)");
          }
        }));
      }
    });
    Map<TopicPartition, Long> checked = Map.copyOf(positions);
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenApply(done -> checked);
  }

  /** Reads the member's partitions from their positions; answers, or waits for data and tries again. On the groups thread. */
  private void attempt(PollState poll) {
    Group group = poll.group;
    Member member = poll.member;
    if (poll.superseded || group.member(member.id) == null) {
      answer(poll, List.of());
      return;
    }
    List<TopicPartition> owned = group.assignment(member.id);
    int generation = group.generation();
    positions(group, member, owned).thenCompose(start -> read(start, member.reset, poll.maxBytes, owned.size()))
        .whenCompleteAsync((reads, failure) -> {
          if (failure != null) {
            poll.answer.completeExceptionally(Failures.cause(failure));
            return;
          }
          if (generation != group.generation() || poll.superseded || group.member(member.id) == null) {
            // The assignment changed while we read: read again for the new one (or answer empty).
            attempt(poll);
            return;
          }
          noteResets(group, member, reads);
          List<PartitionRecords> records = take(reads, poll.maxRecords);
          long remaining = poll.deadlineMs - clock.getAsLong();
          boolean empty = records.stream().allMatch(r -> r.nextOffset() == r.fetchOffset());
          // A poll that would wait answers at once when the member's assignment is not what it was last told
          // (a rebalance, or a partition its previous owner has now let go), so that the member sees it; and it
          // does not wait at a node that no longer coordinates the group (see GroupCoordinator.tick).
          if (empty && remaining > 0 && poll.generation == group.generation() && group.assignment(member.id).equals(member.told())
              && coordinates.test(group)) {
            waitForData(poll, reads, remaining);
          } else {
            answer(poll, records);
          }
        }, thread);
  }

  private void answer(PollState poll, List<PartitionRecords> records) {
    Group group = poll.group;
    Member member = poll.member;
    if (group.member(member.id) == null) {
      poll.answer.completeExceptionally(new MemberNotFoundException("member " + member.id + " left group " + group.name
          + " while it polled"));
      return;
    }
    if (!poll.superseded) {
      for (PartitionRecords r : records) {
        member.delivered(r.partition(), r.nextOffset());
      }
    }
    group.noteOwnership(member);
    Map<TopicPartition, Long> next = new LinkedHashMap<>();
    for (TopicPartition tp : group.assignment(member.id)) {
      Long offset = member.delivered(tp);
      if (offset != null) {
        next.put(tp, offset);
      }
    }
    Membership membership = GroupMembership.membership(group, member);
    List<PositionReset> resets = List.of();
    if (!poll.superseded) {
      member.tell(membership.assignment());
      resets = member.takeUnreportedResets();
    }
    poll.answer
        .complete(new PollResult(membership, Cursor.encode(new Cursor.Position(group.generation(), next, member.positionsIn())),
            poll.superseded ? List.of() : records, resets));
  }

  /** Positions that a read found outside their log and reset: they are the member's now, and its next answer says so. */
  private static void noteResets(Group group, Member member, List<PartitionRead> reads) {
    for (PartitionRead read : reads) {
      if (read.resetFrom().isPresent()) {
        PositionReset reset = new PositionReset(read.partition(), read.resetFrom().getAsLong(), read.fetchOffset(), member.reset);
        member.reset(reset);
        LOG.info("group {} member {}: position {} of {} is outside its log [{}, {}); reset to {} ({})", group.name, member.id,
            reset.from(), reset.partition(), read.result().logStartOffset(), read.result().logEndOffset(), reset.to(),
            reset.policy().name().toLowerCase(Locale.ROOT));
      }
    }
  }

  /** Waits until any of the polled partitions has data past its position, a rebalance, a newer poll, or the deadline. */
  private void waitForData(PollState poll, List<PartitionRead> reads, long remainingMs) {
    Member member = poll.member;
    List<Cancellable> watches = new ArrayList<>();
    AtomicBoolean woken = new AtomicBoolean();
    long[] timer = new long[1];
    Runnable wake = () -> {
      if (woken.compareAndSet(false, true)) {
        thread.execute(() -> {
          vertx.cancelTimer(timer[0]);
          watches.forEach(Cancellable::cancel);
          member.notWaiting();
          attempt(poll);
        });
      }
    };
    member.waiting(wake, () -> {
      poll.superseded = true;
      wake.run();
    });
    timer[0] = vertx.setTimer(Math.max(1, remainingMs), id -> wake.run());
    for (PartitionRead read : reads) {
      watches.add(partitions.watch(read.partition, read.fetchOffset, wake));
    }
  }

  /** Where each owned partition is read from: what was delivered, else the committed offset, else the reset policy. */
  private CompletableFuture<Map<TopicPartition, Long>> positions(Group group, Member member, List<TopicPartition> owned) {
    Map<TopicPartition, Long> known = new LinkedHashMap<>();
    List<CompletableFuture<Void>> lookups = new ArrayList<>();
    for (TopicPartition tp : owned) {
      Long delivered = member.delivered(tp);
      Long position = delivered != null ? delivered : group.committedOffset(tp, partitions::cachedTopicId);
      if (position != null) {
        known.put(tp, position);
      } else {
        known.put(tp, -1L);
        // Resolved once, then the member's position: a record arriving while the poll waits must
        // not be skipped by resolving "latest" again.
        lookups.add(resetPosition(tp, member.reset).thenAcceptAsync(start -> {
          known.put(tp, member.startAt(tp, start));
        }, thread));
      }
    }
    return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(done -> known);
  }

  /** Where {@code policy} starts a partition: its log start, or its latest offset. */
  private CompletableFuture<Long> resetPosition(TopicPartition tp, OffsetReset policy) {
    return partitions.offsets(tp, OptionalLong.empty())
        .thenApply(offsets -> policy == OffsetReset.EARLIEST ? offsets.earliest() : offsets.latest());
  }

  /**
   * What a read of one partition found. {@code resetFrom}: the position asked for, when it was
   * outside the log and the read went to the reset position {@code fetchOffset} instead.
   */
  private record PartitionRead(TopicPartition partition, long fetchOffset, ReadResult result, OptionalLong resetFrom) {}

  private CompletableFuture<List<PartitionRead>> read(Map<TopicPartition, Long> start, OffsetReset reset, int maxBytes,
      int partitionCount) {
    int perPartition = Math.max(64 * 1024, maxBytes / Math.max(1, partitionCount));
    List<CompletableFuture<PartitionRead>> reads = new ArrayList<>();
    start.forEach((tp, offset) -> reads.add(partitions.read(tp, offset, perPartition)
        .thenApply(result -> new PartitionRead(tp, offset, result, OptionalLong.empty()))
        .exceptionallyCompose(failure -> {
          // Outside the log (retention passed the position, or the log was truncated or made again):
          // go on where the member's reset policy says, as Kafka's consumer does, rather than fail
          // every poll from now on.
          if (Failures.cause(failure) instanceof OffsetOutOfRangeException) {
            return resetPosition(tp, reset).thenCompose(to -> partitions.read(tp, to, perPartition)
                .thenApply(result -> new PartitionRead(tp, to, result, OptionalLong.of(offset))));
          }
          return CompletableFuture.failedFuture(failure);
        })));
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(done -> reads.stream().map(CompletableFuture::join).toList());
  }

  /**
   * Up to {@code maxRecords} records in all, partition by partition. Each partition keeps only the
   * batches that hold what it delivers (none when it delivers nothing), so that the answer carries,
   * and whoever renders it decodes, that and not everything that was read (up to {@code maxBytes} per
   * partition); a batch taken whole is counted from its header, without decoding it.
   */
  private static List<PartitionRecords> take(List<PartitionRead> reads, int maxRecords) {
    List<PartitionRecords> taken = new ArrayList<>();
    int left = maxRecords;
    for (PartitionRead read : reads) {
      long next = read.fetchOffset;
      ByteBuffer all = read.result.batches();
      int kept = 0; // bytes, from the start of the read, of the batches that hold the records taken
      int position = 0;
      for (RecordBatch batch : RecordBatch.iterate(all.duplicate())) {
        if (left == 0) {
          break;
        }
        position += batch.sizeInBytes();
        if (batch.nextOffset() <= read.fetchOffset) {
          continue; // wholly before the fetch offset
        }
        if (batch.baseOffset() >= read.fetchOffset && batch.recordCount() <= left) {
          left -= batch.recordCount();
          next = batch.nextOffset();
        } else {
          for (Record record : batch.records()) {
            if (record.offset() < read.fetchOffset) {
              continue;
            }
            if (left == 0) {
              break;
            }
            next = record.offset() + 1;
            left--;
          }
        }
        kept = position;
      }
      ByteBuffer batches = all.duplicate();
      batches.limit(batches.position() + kept);
      taken.add(new PartitionRecords(read.partition, read.fetchOffset, next, read.result.highWatermark(), batches.slice()));
    }
    return taken;
  }
}
