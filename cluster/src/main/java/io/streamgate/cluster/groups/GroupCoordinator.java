package io.streamgate.cluster.groups;

import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.LeaderNotAvailableException;
import io.streamgate.cluster.PartitionOffsets;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNames;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.groups.Group.Member;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of the groups whose {@code __groups} partition this node leads. Group state lives
 * in memory, confined to one thread; every change that must survive the coordinator is a record in
 * that partition (compacted, keyed by group): {@code m/<group>} the membership and assignment,
 * {@code o/<group>/<topic>/<partition>} a committed offset. When this node becomes leader of such a
 * partition (a new leader epoch), it rebuilds the partition's groups from the log before it answers:
 * on a loader thread, so that the groups of its other partitions are served meanwhile; requests for
 * the loading partition wait for it, up to {@link #LOAD_WAIT_MS}, then get a retriable
 * {@link CoordinatorLoadInProgressException}.
 *
 * <p>Polls run here too: the coordinator decides where each of the member's partitions is read from
 * (the cursor, what was delivered, the committed offset, or the reset policy), reads them through the
 * partition service (from wherever their leaders are), waits for data when there is none, and
 * records what it delivered.
 */
public final class GroupCoordinator implements GroupService, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
  public static final String TOPIC = "__groups";
  public static final int PARTITIONS = 16;
  public static final long MIN_SESSION_TIMEOUT_MS = 1000;
  public static final long MAX_SESSION_TIMEOUT_MS = 300_000;
  public static final int MAX_TOPICS_PER_MEMBER = 100;
  private static final long TICK_MS = 250;
  /** How long a request waits for its partition's groups to load before it is answered "retry". */
  static final long LOAD_WAIT_MS = 5_000;
  private static final int LOADER_THREADS = 4;

  private final Vertx vertx;
  private final PartitionService partitions;
  private final GroupLog log;
  private final LongSupplier clock;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
    Thread t = new Thread(runnable, "streamgate-groups");
    t.setDaemon(true);
    return t;
  });
  /**
   * Read {@code __groups} partitions from disk to rebuild their groups, off the groups thread; a few,
   * so that one slow partition does not hold the others' loads.
   */
  private final ExecutorService loader = Executors.newFixedThreadPool(LOADER_THREADS, runnable -> {
    Thread t = new Thread(runnable, "streamgate-groups-loader");
    t.setDaemon(true);
    return t;
  });
  /** Per {@code __groups} partition this node has loaded: the leader epoch it loaded in, and its groups. */
  private final Map<Integer, Loaded> loaded = new HashMap<>();
  /** Per {@code __groups} partition being loaded: the epoch it is loaded for. Groups thread only. */
  private final Map<Integer, Loading> loading = new HashMap<>();
  private final long timer;

  private record Loaded(int epoch, Map<String, Group> groups) {}

  private record Loading(int epoch, CompletableFuture<Void> done) {}

  public GroupCoordinator(Vertx vertx, PartitionService partitions, GroupLog log, LongSupplier clock) {
    this.vertx = vertx;
    this.partitions = partitions;
    this.log = log;
    this.clock = clock;
    this.timer = vertx.setPeriodic(TICK_MS, id -> thread.execute(this::tick));
  }

  /** The {@code __groups} partition that holds {@code group}, and whose leader coordinates it. */
  public static int partitionFor(String group) {
    CRC32 crc = new CRC32();
    crc.update(group.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % PARTITIONS);
  }

  public static void validateName(String group) {
    if (group == null || !group.matches("[a-zA-Z0-9._-]{1,249}")) {
      throw new InvalidGroupRequestException("a group name is 1 to 249 of [a-zA-Z0-9._-], was '" + group + "'");
    }
  }

  // ---------------------------------------------------------------- membership

  @Override
  public CompletableFuture<Membership> join(String name, List<String> topics, OffsetReset reset, long sessionTimeoutMs,
      AssignmentStrategy strategy) {
    return forGroup(name, () -> {
      validateName(name);
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
      Group group = groups(name).computeIfAbsent(name, Group::new);
      if (group.isEmpty()) {
        group.strategy = strategy;
      } else if (group.strategy != strategy) {
        throw new InvalidGroupRequestException("group '" + name + "' uses assignment strategy " + group.strategy.wireName()
            + "; a member cannot join it with " + strategy.wireName());
      }
      Member member = new Member(UUID.randomUUID().toString(), List.copyOf(new java.util.TreeSet<>(topics)), sessionTimeoutMs, reset);
      member.deadlineMs = clock.getAsLong() + sessionTimeoutMs;
      group.members.put(member.id, member);
      rebalance(group, "member " + member.id + " joined");
      Membership joined = membership(group, member);
      member.told = joined.assignment();
      return joined;
    });
  }

  @Override
  public CompletableFuture<Void> leave(String name, String memberId) {
    return forGroup(name, () -> {
      Group group = groupOf(name, memberId);
      member(group, memberId);
      group.remove(memberId);
      rebalance(group, "member " + memberId + " left");
      return null;
    });
  }

  /** A new generation for {@code group}, recorded in the log, and every waiting poll woken to see it. */
  private void rebalance(Group group, String why) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String topic : group.subscribedTopics()) {
      partitions.cachedTopic(topic).ifPresent(t -> counts.put(topic, t.partitions()));
    }
    group.rebalance(counts);
    LOG.info("group {} generation {} ({}): {}", group.name, group.generation, why, group.owners.isEmpty() ? "no partitions"
        : group.members.keySet().stream().map(m -> m + "=" + group.assignment(m)).toList());
    write(group.name, List.of(new KeyValue("m/" + group.name, group.isEmpty() && group.committed.isEmpty() ? null
        : group.membershipJson().encode())))
        .exceptionally(e -> {
          LOG.warn("group {}: membership of generation {} not recorded: {}", group.name, group.generation, e.toString());
          return null;
        });
    if (group.isEmpty() && group.committed.isEmpty()) {
      groups(group.name).remove(group.name);
    }
    wakeAll(group);
  }

  /** Ends every waiting poll of the group with an empty answer, as a newer poll would. */
  private static void endWaitingPolls(Group group) {
    for (Member member : group.members.values()) {
      if (member.supersedePoll != null) {
        member.supersedePoll.run();
      }
    }
  }

  /** Whether this node still coordinates {@code group}: it leads its partition in the epoch the group was loaded in. */
  private boolean coordinates(Group group) {
    int partition = partitionFor(group.name);
    Loaded state = loaded.get(partition);
    return state != null && state.groups().get(group.name) == group && log.leaderEpoch(partition).orElse(-1) == state.epoch();
  }

  private static void wakeAll(Group group) {
    for (Member member : group.members.values()) {
      if (member.wakePoll != null) {
        member.wakePoll.run();
      }
    }
  }

  /**
   * Expires members whose session ran out, and rebalances groups whose topics gained partitions.
   * Groups of a partition this node no longer leads (in the epoch it loaded them in) are forgotten,
   * and their waiting polls answer at once: their members' next polls then reach the new coordinator,
   * which knows nothing of polls waiting here and would expire members whose poll outlasts their
   * session.
   */
  private void tick() {
    long now = clock.getAsLong();
    for (var it = loaded.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (log.leaderEpoch(entry.getKey()).orElse(-1) != entry.getValue().epoch()) {
        it.remove();
        LOG.info("no longer coordinating {}-{}: {} groups handed over", TOPIC, entry.getKey(), entry.getValue().groups().size());
        entry.getValue().groups().values().forEach(GroupCoordinator::endWaitingPolls);
      }
    }
    loaded.forEach((partition, state) -> {
      for (Group group : List.copyOf(state.groups().values())) {
        List<String> expired = group.members.values().stream()
            .filter(m -> m.pollsInFlight == 0 && m.deadlineMs < now).map(m -> m.id).toList();
        expired.forEach(group::remove);
        if (!expired.isEmpty()) {
          rebalance(group, "session of " + expired + " timed out");
        } else if (!group.isEmpty() && partitionCountsChanged(group)) {
          rebalance(group, "partitions were added");
        }
      }
    });
  }

  private boolean partitionCountsChanged(Group group) {
    for (String topic : group.subscribedTopics()) {
      int now = partitions.cachedTopic(topic).map(TopicMetadata::partitions).orElse(0);
      if (now != group.partitionCounts.getOrDefault(topic, 0)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- polls

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
      this.generation = group.generation;
      this.group = group;
      this.member = member;
      this.maxRecords = maxRecords;
      this.maxBytes = maxBytes;
      this.deadlineMs = deadlineMs;
    }
  }

  @Override
  public CompletableFuture<PollResult> poll(String name, String memberId, int maxRecords, int maxBytes, long timeoutMs,
      Optional<String> cursor) {
    Optional<Cursor.Position> position;
    try {
      position = cursor.map(Cursor::decode);
    } catch (InvalidGroupRequestException e) {
      return CompletableFuture.failedFuture(e);
    }
    return forGroup(name, () -> {
      Group group = groupOf(name, memberId);
      Member member = member(group, memberId);
      member.deadlineMs = clock.getAsLong() + member.sessionTimeoutMs;
      return position.map(p -> checkWithinLogs(member, group.applicable(member, p)))
          .orElse(CompletableFuture.completedFuture(Map.of()));
    }).thenCompose(checking -> checking).thenApplyAsync(checked -> {
      Group group = groupOf(name, memberId);
      Member member = member(group, memberId);
      long now = clock.getAsLong();
      member.deadlineMs = now + member.sessionTimeoutMs;
      if (group.acknowledge(member)) {
        wakeAll(group);
      }
      if (member.supersedePoll != null) {
        // A newer poll of the same member: the waiting one answers empty, delivering nothing.
        member.supersedePoll.run();
      }
      if (position.isPresent()) {
        // The cursor is all the client has seen: what it names is where to go on; anything else this
        // member was sent (an answer lost on the way) is read again from the committed offset. Only
        // positions checked against the logs apply (the assignment may have changed meanwhile).
        Map<TopicPartition, Long> seen = group.applicable(member, position.get());
        seen.entrySet().retainAll(checked.entrySet());
        member.delivered.clear();
        member.delivered.putAll(seen);
      }
      PollState poll = new PollState(group, member, maxRecords, maxBytes, now + timeoutMs);
      member.pollsInFlight++;
      poll.answer.whenCompleteAsync((result, failure) -> {
        member.pollsInFlight--;
        member.deadlineMs = Math.max(member.deadlineMs, clock.getAsLong() + member.sessionTimeoutMs);
      }, thread);
      attempt(poll);
      return poll;
    }, thread).thenCompose(poll -> poll.answer);
  }

  /**
   * {@code positions} (a client's cursor or offsets for {@code member}) once none is past its
   * partition's log end; else fails with {@link InvalidGroupRequestException}. A position at or
   * before what the member was delivered needs no look-up: it was within the log when read. A
   * position before the log start is allowed; reading it resets it (see {@link #read}). On the
   * groups thread; completes on any.
   */
  private CompletableFuture<Map<TopicPartition, Long>> checkWithinLogs(Member member, Map<TopicPartition, Long> positions) {
    List<CompletableFuture<Void>> checks = new ArrayList<>();
    positions.forEach((tp, offset) -> {
      Long delivered = member.delivered.get(tp);
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
    if (poll.superseded || !group.members.containsKey(member.id)) {
      answer(poll, List.of());
      return;
    }
    List<TopicPartition> owned = group.assignment(member.id);
    int generation = group.generation;
    positions(group, member, owned).thenCompose(start -> read(start, member.reset, poll.maxBytes, owned.size()))
        .whenCompleteAsync((reads, failure) -> {
          if (failure != null) {
            poll.answer.completeExceptionally(Failures.cause(failure));
            return;
          }
          if (generation != group.generation || poll.superseded || !group.members.containsKey(member.id)) {
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
          // does not wait at a node that no longer coordinates the group (see tick).
          if (empty && remaining > 0 && poll.generation == group.generation && group.assignment(member.id).equals(member.told)
              && coordinates(group)) {
            waitForData(poll, reads, remaining);
          } else {
            answer(poll, records);
          }
        }, thread);
  }

  private void answer(PollState poll, List<PartitionRecords> records) {
    Group group = poll.group;
    Member member = poll.member;
    if (!group.members.containsKey(member.id)) {
      poll.answer.completeExceptionally(new MemberNotFoundException("member " + member.id + " left group " + group.name
          + " while it polled"));
      return;
    }
    if (!poll.superseded) {
      for (PartitionRecords r : records) {
        member.delivered.put(r.partition(), r.nextOffset());
      }
    }
    Map<TopicPartition, Long> next = new LinkedHashMap<>();
    List<TopicPartition> owned = group.assignment(member.id);
    member.ownedSince.keySet().retainAll(owned);
    owned.forEach(tp -> member.ownedSince.putIfAbsent(tp, group.generation));
    for (TopicPartition tp : owned) {
      Long offset = member.delivered.get(tp);
      if (offset != null) {
        next.put(tp, offset);
      }
    }
    Membership membership = membership(group, member);
    List<PositionReset> resets = List.of();
    if (!poll.superseded) {
      member.told = membership.assignment();
      resets = List.copyOf(member.unreportedResets);
      member.unreportedResets.clear();
    }
    poll.answer.complete(new PollResult(membership, Cursor.encode(new Cursor.Position(group.generation, next)),
        poll.superseded ? List.of() : records, resets));
  }

  /** Positions that a read found outside their log and reset: they are the member's now, and its next answer says so. */
  private static void noteResets(Group group, Member member, List<PartitionRead> reads) {
    for (PartitionRead read : reads) {
      if (read.resetFrom().isPresent()) {
        PositionReset reset = new PositionReset(read.partition(), read.resetFrom().getAsLong(), read.fetchOffset(), member.reset);
        member.delivered.put(reset.partition(), reset.to());
        member.unreportedResets.add(reset);
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
    java.util.concurrent.atomic.AtomicBoolean woken = new java.util.concurrent.atomic.AtomicBoolean();
    long[] timer = new long[1];
    Runnable wake = () -> {
      if (woken.compareAndSet(false, true)) {
        thread.execute(() -> {
          vertx.cancelTimer(timer[0]);
          watches.forEach(Cancellable::cancel);
          member.wakePoll = null;
          member.supersedePoll = null;
          attempt(poll);
        });
      }
    };
    member.wakePoll = wake;
    member.supersedePoll = () -> {
      poll.superseded = true;
      wake.run();
    };
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
      Long position = member.delivered.getOrDefault(tp, group.committed.get(tp));
      if (position != null) {
        known.put(tp, position);
      } else {
        known.put(tp, -1L);
        // Resolved once, then the member's position: a record arriving while the poll waits must
        // not be skipped by resolving "latest" again.
        lookups.add(resetPosition(tp, member.reset).thenAcceptAsync(start -> {
          member.delivered.putIfAbsent(tp, start);
          known.put(tp, member.delivered.get(tp));
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

  // ---------------------------------------------------------------- offsets

  @Override
  public CompletableFuture<Membership> commit(String name, String memberId, Optional<List<OffsetCommit>> offsets,
      Optional<String> cursor, OptionalInt generation) {
    return forGroup(name, () -> {
      Group group = groupOf(name, memberId);
      Member member = member(group, memberId);
      member.deadlineMs = clock.getAsLong() + member.sessionTimeoutMs;
      Optional<Cursor.Position> position = cursor.map(Cursor::decode);
      Map<TopicPartition, Long> commits = commitsFor(group, member, offsets, position, generation);
      if (offsets.isEmpty() && position.isEmpty()) {
        // What the polls delivered: positions read from the logs.
        return commitOffsets(group, commits).thenApply(done -> membership(group, member));
      }
      return checkWithinLogs(member, commits).thenComposeAsync(checked -> {
        // Decided again after the look-up, which a rebalance may have overtaken; only what was checked is written.
        Group now = groupOf(name, memberId);
        Member current = member(now, memberId);
        Map<TopicPartition, Long> again = commitsFor(now, current, offsets, position, generation);
        again.entrySet().retainAll(checked.entrySet());
        return commitOffsets(now, again).thenApply(done -> membership(now, current));
      }, thread);
    }).thenCompose(f -> f);
  }

  /** The offsets a commit request stands for, of partitions the member owns; refused when it may not commit them. */
  private static Map<TopicPartition, Long> commitsFor(Group group, Member member, Optional<List<OffsetCommit>> offsets,
      Optional<Cursor.Position> cursor, OptionalInt generation) {
    if (generation.isPresent() && generation.getAsInt() != group.generation) {
      throw new RebalanceConflictException("generation " + generation.getAsInt() + " is over; group '" + group.name
          + "' is in generation " + group.generation + ": poll to get the current assignment");
    }
    List<TopicPartition> owned = group.assignment(member.id);
    Map<TopicPartition, Long> commits = new LinkedHashMap<>();
    if (cursor.isPresent()) {
      commits.putAll(group.applicable(member, cursor.get()));
    } else if (offsets.isPresent()) {
      for (OffsetCommit commit : offsets.get()) {
        if (!owned.contains(commit.partition())) {
          throw new RebalanceConflictException("member " + member.id + " does not own " + commit.partition()
              + " in generation " + group.generation + "; it owns " + owned);
        }
        if (commit.offset() < 0) {
          throw new InvalidGroupRequestException("a committed offset must be at least 0, was " + commit.offset());
        }
        commits.put(commit.partition(), commit.offset());
      }
    } else {
      owned.forEach(tp -> {
        Long delivered = member.delivered.get(tp);
        if (delivered != null) {
          commits.put(tp, delivered);
        }
      });
    }
    return commits;
  }

  private CompletableFuture<Void> commitOffsets(Group group, Map<TopicPartition, Long> commits) {
    if (commits.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<KeyValue> records = new ArrayList<>();
    commits.forEach((tp, offset) -> records.add(new KeyValue(offsetKey(group.name, tp), new JsonObject().put("offset", offset).encode())));
    return write(group.name, records).thenAcceptAsync(done -> group.committed.putAll(commits), thread);
  }

  @Override
  public CompletableFuture<Void> resetOffsets(String name, String topic, ResetTarget target) {
    return forGroup(name, () -> {
      validateName(name);
      Group group = groups(name).computeIfAbsent(name, Group::new);
      if (!group.isEmpty()) {
        throw new GroupNotEmptyException("group '" + name + "' has " + group.members.size()
            + " members; offsets can be reset only while it has none");
      }
      int count = partitions.cachedTopic(topic).map(TopicMetadata::partitions)
          .orElseThrow(() -> new TopicNotFoundException("topic '" + topic + "' does not exist"));
      List<CompletableFuture<Map.Entry<TopicPartition, Long>>> targets = new ArrayList<>();
      for (int p = 0; p < count; p++) {
        TopicPartition tp = new TopicPartition(topic, p);
        OptionalLong timestamp = target.timestamp().map(OptionalLong::of).orElse(OptionalLong.empty());
        targets.add(partitions.offsets(tp, timestamp).thenApply(offsets -> Map.entry(tp, resetOffset(tp, offsets, target))));
      }
      return CompletableFuture.allOf(targets.toArray(CompletableFuture[]::new)).thenComposeAsync(done -> {
        Map<TopicPartition, Long> commits = new LinkedHashMap<>();
        targets.forEach(t -> commits.put(t.join().getKey(), t.join().getValue()));
        if (!group.isEmpty()) {
          throw new GroupNotEmptyException("group '" + name + "' gained members during the reset");
        }
        return commitOffsets(group, commits);
      }, thread);
    }).thenCompose(f -> f);
  }

  private static long resetOffset(TopicPartition tp, PartitionOffsets offsets, ResetTarget target) {
    if (target.edge().isPresent()) {
      return target.edge().get() == OffsetReset.EARLIEST ? offsets.earliest() : offsets.latest();
    }
    if (target.offset().isPresent()) {
      long offset = target.offset().get();
      if (offset < offsets.earliest() || offset > offsets.latest()) {
        throw new InvalidGroupRequestException("offset " + offset + " is outside " + tp + ", which holds [" + offsets.earliest()
            + ", " + offsets.latest() + ")");
      }
      return offset;
    }
    return offsets.forTimestamp().map(found -> found.offset()).orElse(offsets.latest());
  }

  @Override
  public CompletableFuture<Void> delete(String name) {
    return forGroup(name, () -> {
      Group group = existing(name);
      if (!group.isEmpty()) {
        throw new GroupNotEmptyException("group '" + name + "' has " + group.members.size() + " members; only an empty group can be deleted");
      }
      List<KeyValue> tombstones = new ArrayList<>();
      tombstones.add(new KeyValue("m/" + name, null));
      group.committed.keySet().forEach(tp -> tombstones.add(new KeyValue(offsetKey(name, tp), null)));
      return write(name, tombstones).thenAcceptAsync(done -> groups(name).remove(name), thread);
    }).thenCompose(f -> f);
  }

  // ---------------------------------------------------------------- descriptions

  @Override
  public CompletableFuture<GroupDescription> describe(String name) {
    return forGroup(name, () -> {
      Group group = existing(name);
      List<MemberDescription> members = group.members.values().stream()
          .map(m -> new MemberDescription(m.id, m.topics, m.sessionTimeoutMs, group.assignment(m.id))).toList();
      java.util.Set<TopicPartition> consumed = new java.util.TreeSet<>((a, b) -> a.topic().equals(b.topic())
          ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
      consumed.addAll(group.committed.keySet());
      for (String topic : group.subscribedTopics()) {
        int count = partitions.cachedTopic(topic).map(TopicMetadata::partitions).orElse(0);
        for (int p = 0; p < count; p++) {
          consumed.add(new TopicPartition(topic, p));
        }
      }
      Map<TopicPartition, Long> committed = new HashMap<>(group.committed);
      List<CompletableFuture<PartitionLag>> lags = new ArrayList<>();
      for (TopicPartition tp : consumed) {
        Optional<Long> offset = Optional.ofNullable(committed.get(tp));
        lags.add(partitions.offsets(tp, OptionalLong.empty()).thenApply(offsets -> new PartitionLag(tp, offset, offsets.latest(),
            Math.max(0, offsets.latest() - offset.orElse(offsets.earliest())))));
      }
      String state = group.isEmpty() ? "Empty" : group.revoking.isEmpty() ? "Stable" : "Rebalancing";
      return CompletableFuture.allOf(lags.toArray(CompletableFuture[]::new)).thenApply(done ->
          new GroupDescription(name, state, group.generation, group.strategy, members, lags.stream().map(CompletableFuture::join).toList()));
    }).thenCompose(f -> f);
  }

  @Override
  public CompletableFuture<List<GroupSummary>> list() {
    return onThread(() -> {
      List<GroupSummary> summaries = new ArrayList<>();
      loaded.forEach((partition, state) -> {
        if (log.leaderEpoch(partition).orElse(-1) == state.epoch()) {
          state.groups().values().forEach(g -> summaries.add(new GroupSummary(g.name,
              g.isEmpty() ? "Empty" : g.revoking.isEmpty() ? "Stable" : "Rebalancing", g.generation, g.members.size())));
        }
      });
      return summaries;
    });
  }

  // ---------------------------------------------------------------- state and log

  /** The groups of {@code group}'s partition; {@link #forGroup} has loaded them. Groups thread. */
  private Map<String, Group> groups(String group) {
    int partition = partitionFor(group);
    int epoch = log.leaderEpoch(partition).orElseThrow(() -> new LeaderNotAvailableException(
        "this node does not coordinate group '" + group + "' (it no longer leads " + TOPIC + "-" + partition + ")"));
    Loaded state = loaded.get(partition);
    if (state == null || state.epoch() != epoch) {
      // This node started leading again since the request waited for the load.
      throw loadInProgress(group, partition);
    }
    return state.groups();
  }

  /** Runs {@code work} on the groups thread once {@code group}'s partition is loaded, if this node leads it. */
  private <T> CompletableFuture<T> forGroup(String group, Supplier<T> work) {
    return onThread(() -> loadedFor(group)).thenCompose(loaded -> loaded).thenApplyAsync(loaded -> work.get(), thread);
  }

  /**
   * Completes once {@code group}'s partition is loaded in this node's current leader epoch, starting
   * the load if none is under way; at once if this node does not lead it ({@link #groups} then
   * refuses). Fails with {@link CoordinatorLoadInProgressException} past {@link #LOAD_WAIT_MS} or if
   * the load failed (the next request loads again). Groups thread.
   */
  private CompletableFuture<Void> loadedFor(String group) {
    try {
      validateName(group);
    } catch (InvalidGroupRequestException e) {
      return CompletableFuture.completedFuture(null); // the work refuses it
    }
    int partition = partitionFor(group);
    OptionalInt epoch = log.leaderEpoch(partition);
    Loaded state = loaded.get(partition);
    if (epoch.isEmpty() || state != null && state.epoch() == epoch.getAsInt()) {
      return CompletableFuture.completedFuture(null);
    }
    Loading current = loading.get(partition);
    if (current == null || current.epoch() != epoch.getAsInt()) {
      current = startLoad(partition, epoch.getAsInt());
    }
    return current.done().copy().orTimeout(LOAD_WAIT_MS, TimeUnit.MILLISECONDS)
        .exceptionally(e -> {
          throw loadInProgress(group, partition);
        });
  }

  private Loading startLoad(int partition, int epoch) {
    CompletableFuture<Void> done = CompletableFuture.supplyAsync(() -> load(partition), loader)
        .handleAsync((groups, failure) -> {
          Loading finished = loading.get(partition);
          if (finished != null && finished.epoch() == epoch) {
            loading.remove(partition);
          }
          if (failure != null) {
            LOG.error("could not load the groups of {}-{}; the next request for one of them loads them again", TOPIC, partition,
                Failures.cause(failure));
            throw new CompletionException(failure);
          }
          // Dropped if this node stopped leading meanwhile: tick() would forget them anyway.
          if (log.leaderEpoch(partition).orElse(-1) == epoch) {
            loaded.put(partition, new Loaded(epoch, groups));
          }
          return null;
        }, thread);
    Loading started = new Loading(epoch, done);
    loading.put(partition, started);
    return started;
  }

  private static CoordinatorLoadInProgressException loadInProgress(String group, int partition) {
    return new CoordinatorLoadInProgressException("the coordinator of group '" + group + "' is still loading "
        + TOPIC + "-" + partition + ": retry shortly");
  }

  /** Rebuilds a partition's groups from its log. On the loader thread: reads the whole partition. */
  private Map<String, Group> load(int partition) {
    Map<String, Group> groups = new HashMap<>();
    long now = clock.getAsLong();
    int records = 0;
    for (RecordBatch batch : log.readAll(partition)) {
      for (Record record : batch.records()) {
        records++;
        String key = new String(record.keyBytes(), StandardCharsets.UTF_8);
        byte[] value = record.valueBytes();
        if (key.startsWith("m/")) {
          String name = key.substring(2);
          if (value == null) {
            groups.remove(name);
          } else {
            groups.computeIfAbsent(name, Group::new).restoreMembership(new JsonObject(new String(value, StandardCharsets.UTF_8)), now);
          }
        } else if (key.startsWith("o/")) {
          String[] parts = key.substring(2).split("/");
          TopicPartition tp = new TopicPartition(parts[1], Integer.parseInt(parts[2]));
          Group group = groups.computeIfAbsent(parts[0], Group::new);
          if (value == null) {
            group.committed.remove(tp);
          } else {
            group.committed.put(tp, new JsonObject(new String(value, StandardCharsets.UTF_8)).getLong("offset"));
          }
        }
      }
    }
    groups.values().removeIf(g -> g.isEmpty() && g.committed.isEmpty());
    LOG.info("coordinating {}-{}: {} groups rebuilt from {} records", TOPIC, partition, groups.size(), records);
    return groups;
  }

  private record KeyValue(String key, String value) {}

  private CompletableFuture<Void> write(String group, List<KeyValue> records) {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
    long now = clock.getAsLong();
    for (KeyValue record : records) {
      builder.append(now, record.key().getBytes(StandardCharsets.UTF_8),
          record.value() == null ? null : record.value().getBytes(StandardCharsets.UTF_8), List.of());
    }
    return log.append(partitionFor(group), builder.build()).thenApply(done -> null);
  }

  private static String offsetKey(String group, TopicPartition tp) {
    return "o/" + group + "/" + tp.topic() + "/" + tp.partition();
  }

  /**
   * The group of a member's request. A group that does not exist has no members: the answer is
   * member-not-found, which tells a client to join again (the group ends when its last member
   * leaves or times out with nothing committed).
   */
  private Group groupOf(String name, String memberId) {
    validateName(name);
    Group group = groups(name).get(name);
    if (group == null) {
      throw new MemberNotFoundException("member '" + memberId + "' is not in group '" + name
          + "', which has no members (it may have ended when its last member left or timed out): join again");
    }
    return group;
  }

  private Group existing(String name) {
    validateName(name);
    Group group = groups(name).get(name);
    if (group == null) {
      throw new GroupNotFoundException("group '" + name + "' does not exist");
    }
    return group;
  }

  private static Member member(Group group, String memberId) {
    Member member = group.members.get(memberId);
    if (member == null) {
      throw new MemberNotFoundException("member '" + memberId + "' is not in group '" + group.name
          + "' (it left or its session timed out): join again");
    }
    return member;
  }

  private static Membership membership(Group group, Member member) {
    return new Membership(member.id, group.generation, group.assignment(member.id));
  }

  private <T> CompletableFuture<T> onThread(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, thread);
  }


  @Override
  public void close() {
    vertx.cancelTimer(timer);
    thread.shutdownNow();
    loader.shutdownNow();
  }
}
