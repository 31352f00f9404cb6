package io.streamgate.cluster;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.EpochEndOffset;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's replica of one partition, leader or follower (Kafka's {@code Partition}).
 *
 * <p>As leader it assigns offsets in its epoch, tracks each follower's log end as the follower's
 * fetches report it, and moves the high watermark to the smallest log end in the ISR; an {@code
 * acks=all} append completes once the high watermark passes it. As follower it appends what it
 * fetched, keeping the leader's offsets and epochs, and first truncates where its history and the
 * leader's diverge (the leader answers a fetch whose last epoch ends earlier in its own history with
 * that epoch's end offset, as in Kafka's KIP-320), so it never keeps a record the cluster lost.
 *
 * <p>A replica that starts leading records its epoch at its log end first (Kafka's {@code
 * makeLeader}), so that its history holds its own epoch before it has appended anything in it, and
 * it answers its followers' fetches only once that record is in place.
 *
 * <p>Its idempotency window is rebuilt from the log's tail on a worker when it opens (up to 200,000
 * records: too long for the metadata thread that creates it); until then, an append with an
 * idempotency id waits for it, up to {@link #WINDOW_WAIT_MS}, then fails as {@link
 * LeaderNotAvailableException} (retriable): answered from a window without the log's recent
 * batches, a retry would be written again.
 *
 * <p>Role changes and leader appends are serialized by this object's lock; listeners and futures
 * are completed outside it.
 */
final class Replica {
  private static final Logger LOG = LoggerFactory.getLogger(Replica.class);
  /** How long an idempotent append waits for the window's rebuild before it is answered "retry". */
  static final long WINDOW_WAIT_MS = 5_000;

  /** What a leader tells a follower's fetch for this partition. */
  record FetchAnswer(Error error, ByteBuffer records, long highWatermark, long logStartOffset, int divergingEpoch,
      long divergingEndOffset) {
    /**
     * The answer's error, with the fixed code it travels as: the error catalogue's (Kafka's) where it
     * has the concept. Kafka has none for a diverging follower (its fetch answers NONE with a
     * DivergingEpoch), so that one takes the highest byte, clear of them.
     */
    enum Error {
      NONE(0),
      NOT_LEADER(StreamgateError.NOT_LEADER_OR_FOLLOWER.code()),
      DIVERGING(Byte.MAX_VALUE),
      OUT_OF_RANGE(StreamgateError.OFFSET_OUT_OF_RANGE.code()),
      /** The leader's replica belongs to another incarnation of the topic than the follower's: nothing to take from it. */
      UNKNOWN_TOPIC_ID(StreamgateError.UNKNOWN_TOPIC_ID.code());

      private final byte code;

      Error(int code) {
        this.code = (byte) code;
      }

      byte code() {
        return code;
      }
    }

    static FetchAnswer error(Error error, long logStartOffset) {
      return new FetchAnswer(error, ByteBuffer.allocate(0), -1, logStartOffset, -1, -1);
    }

    /** No records this time (held back by the replication throttle), with the leader's offsets as a read would bring them. */
    static FetchAnswer heldBack(long highWatermark, long logStartOffset) {
      return new FetchAnswer(Error.NONE, ByteBuffer.allocate(0), highWatermark, logStartOffset, -1, -1);
    }

    static FetchAnswer diverging(EpochEndOffset end) {
      return new FetchAnswer(Error.DIVERGING, ByteBuffer.allocate(0), -1, -1, end.epoch(), end.endOffset());
    }
  }

  /** A leader's view of one follower. */
  private static final class FollowerProgress {
    long logEndOffset = -1;
    /** The log start its last fetch reported; -1 until it fetched in this term. */
    long logStartOffset = -1;
    long lastCaughtUpMs;
    long lastFetchMs;
    long leaderEndAtLastFetch = Long.MAX_VALUE;

    FollowerProgress(long now) {
      this.lastCaughtUpMs = now;
    }
  }

  private final TopicPartition partition;
  /** The incarnation of the topic this replica belongs to. */
  private final TopicId topicId;
  private final PartitionLog log;
  private final String localNode;
  private final LongSupplier clock;
  private final IdempotencyWindow idempotency = new IdempotencyWindow();
  private final Executor windowLoader;
  /** Whether the window holds the batches the log held when this replica opened; under the lock. */
  private boolean windowLoaded;
  private boolean windowLoading;
  /** Idempotent appends that came before the window was loaded, in arrival order (batches of a request stay in order). */
  private final List<WaitingAppend> waitingForWindow = new ArrayList<>();
  /** Completes once the window is loaded; for tests. */
  private final CompletableFuture<Void> windowLoadedSignal = new CompletableFuture<>();
  /** acks=all appends waiting for the high watermark to pass them. */
  private final WatchRegistry commitWaits = new WatchRegistry();
  /** Follower fetches waiting for the log end to pass their offset. */
  private final WatchRegistry appendWaits = new WatchRegistry();
  /** Record deletions waiting for every ISR member's log start to reach theirs ({@link #awaitIsrLogStart}). */
  private final WatchRegistry logStartWaits = new WatchRegistry();

  private PartitionState state;
  private boolean leader;
  private int epoch = -1;
  private final Map<String, FollowerProgress> followers = new HashMap<>();
  private boolean isrChangePending;
  /** Whether the pending ISR change's proposal has been answered (written, its new state not yet taken). */
  private boolean isrChangeAnswered;
  /**
   * A follower this leader has asked to add to the ISR, counted for the high watermark from the
   * moment it asks (Kafka's "maximal ISR", KIP-497): once the change commits, the controller may
   * elect it, so nothing it lacks may be acknowledged meanwhile. Null when none.
   */
  private String joiningIsr;
  /** Completes once a leader's epoch is recorded in its log's history (see {@link #becomeLeader}). */
  private CompletableFuture<Void> epochRecorded = CompletableFuture.completedFuture(null);
  /**
   * Where this leader's epoch starts in its log, once recorded (until then, and on a follower, never
   * reached). Below it are records earlier leaders may have acknowledged; this leader's high
   * watermark, learnt as a follower, may lag them until its followers fetch in its epoch.
   */
  private volatile long epochStartOffset = Long.MAX_VALUE;
  /** The highest log start a follower has asked its log to move to ({@link #followLeaderLogStart}). */
  private final AtomicLong logStartQueued = new AtomicLong(-1);

  private record WaitingAppend(RecordBatch batch, IdempotencyWindow.BatchId id, long fingerprint, Acks acks,
      int minInsyncReplicas, long commitTimeoutMs, CompletableFuture<AppendResult> result) {}

  /** Opens the replica; its idempotency window is rebuilt from the log on {@code windowLoader}. */
  Replica(TopicId topicId, TopicPartition partition, PartitionLog log, String localNode, LongSupplier clock,
      Executor windowLoader) {
    this.topicId = topicId;
    this.partition = partition;
    this.log = log;
    this.localNode = localNode;
    this.clock = clock;
    this.windowLoader = windowLoader;
    log.addListener((tp, hw) -> commitWaits.onHighWatermark(tp, hw));
    synchronized (this) {
      if (log.logEndOffset() == log.logStartOffset()) {
        windowLoaded = true;
        windowLoadedSignal.complete(null);
      } else {
        loadWindow();
      }
    }
  }

  TopicPartition partition() {
    return partition;
  }

  TopicId topicId() {
    return topicId;
  }

  PartitionLog log() {
    return log;
  }

  /** Completes once the idempotency window holds the log's recent batches. */
  CompletableFuture<Void> idempotencyWindowLoaded() {
    return windowLoadedSignal;
  }

  synchronized boolean isLeader() {
    return leader;
  }

  synchronized int epoch() {
    return epoch;
  }

  /**
   * Completes once this leader's epoch is recorded in its log's history, at once for a follower; it
   * fails if the log could not record it (then this replica answers no fetch in that epoch).
   */
  synchronized CompletableFuture<Void> leaderEpochRecorded() {
    return epochRecorded;
  }

  /** Whether this replica follows {@code node} in {@code leaderEpoch}. */
  synchronized boolean follows(String node, int leaderEpoch) {
    return !leader && epoch == leaderEpoch && state != null && node.equals(state.leader());
  }

  // ---------------------------------------------------------------- role changes (metadata thread)

  /**
   * Leads in {@code newState}'s epoch (or takes its new ISR, in the same epoch). In a new epoch, the
   * epoch's start is recorded at the log end on the log's writer, queued under this lock: an append
   * this replica takes as leader is queued after it, and every follower append it took before is
   * queued before it, so the offset recorded is where this leader's first record will go.
   */
  void becomeLeader(PartitionState newState) {
    synchronized (this) {
      boolean sameTerm = leader && epoch == newState.leaderEpoch();
      // The metadata applies every partition of a topic again when one of them changes: a change
      // this leader asked for is over once its ISR moved, a new term began, or a state came after
      // the change was written (a later change overtook it); not while its proposal is in flight.
      if (!sameTerm || !newState.isr().equals(state.isr()) || isrChangeAnswered) {
        isrChangePending = false;
        isrChangeAnswered = false;
        joiningIsr = null;
      }
      state = newState;
      if (!sameTerm) {
        leader = true;
        epoch = newState.leaderEpoch();
        int recording = epoch;
        // A partition's first leader follows no one whose records it could lack; any other waits
        // for its epoch's start, which the log records on its writer.
        epochStartOffset = epoch == 0 ? log.logStartOffset() : Long.MAX_VALUE;
        epochRecorded = log.startLeaderEpoch(recording).whenComplete((done, failure) -> {
          if (failure != null) {
            LOG.warn("{}: leader epoch {} not recorded in the log, so no fetch in it is answered: {}", partition,
                recording, failure.toString());
          } else {
            recordEpochStart(recording);
            advanceHighWatermark(); // followers' fetches move it too, but a leader alone in its ISR has none
          }
        });
        followers.clear();
      }
      // In a term, too, the replicas change while the partition moves: added ones are tracked from
      // their first fetch, removed ones no longer served.
      followers.keySet().retainAll(newState.replicas());
      long now = clock.getAsLong();
      for (String replica : newState.replicas()) {
        if (!replica.equals(localNode)) {
          followers.computeIfAbsent(replica, r -> new FollowerProgress(now));
        }
      }
    }
    advanceHighWatermark();
    // A follower dropped from the ISR no longer holds a deletion up.
    logStartWaits.onHighWatermark(partition, isrLogStart());
  }

  private synchronized void recordEpochStart(int recorded) {
    if (leader && epoch == recorded) {
      epochStartOffset = log.endOffsetForEpoch(recorded - 1).map(EpochEndOffset::endOffset).orElse(log.logStartOffset());
    }
  }

  /**
   * Whether this leader may serve reads: its high watermark has reached the start of its epoch, so
   * every record acknowledged before it became leader is readable (Kafka answers offsets
   * "not available" until then). Its followers' first fetches in its epoch move it there.
   */
  boolean servesReads() {
    return isLeader() && log.highWatermark() >= epochStartOffset;
  }

  /**
   * Completes once this leader serves reads ({@link #servesReads}): at once if it does, else when
   * its high watermark reaches its epoch's start, which its followers' first fetches in its epoch
   * bring within milliseconds. Fails with {@link NotLeaderException} if it stops leading first, and
   * with {@link LeaderNotAvailableException} after {@code timeoutMs}, the answer it gave at once
   * before (a rolling restart's readers met it some ten times a run).
   */
  CompletableFuture<Void> awaitServesReads(long timeoutMs) {
    int askedEpoch;
    CompletableFuture<Void> recorded;
    synchronized (this) {
      if (!leader) {
        return CompletableFuture.failedFuture(notLeader());
      }
      askedEpoch = epoch;
      recorded = epochRecorded;
    }
    if (servesReads()) {
      return CompletableFuture.completedFuture(null);
    }
    // The epoch's start is known once the log recorded the epoch; a new epoch meanwhile fails the wait as deposed.
    return recorded.thenCompose(done -> awaitWhileLeading(commitWaits, epochStartOffset - 1, log::highWatermark, askedEpoch,
        timeoutMs, (Void) null, () -> "its high watermark reached the start of its epoch", () -> "(mapped below)"))
        .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(failure -> {
          Throwable cause = Failures.cause(failure);
          return CompletableFuture.failedFuture(cause instanceof TimeoutException || cause instanceof ReplicationTimeoutException
              ? new LeaderNotAvailableException(localNode + " has just become the leader of " + partition + " and its followers"
                  + " did not confirm its high watermark within " + timeoutMs + " ms")
              : cause);
        });
  }

  void becomeFollower(PartitionState newState) {
    List<WaitingAppend> waiting;
    synchronized (this) {
      state = newState;
      leader = false;
      epoch = newState.leaderEpoch();
      epochStartOffset = Long.MAX_VALUE;
      followers.clear();
      isrChangePending = false;
      isrChangeAnswered = false;
      joiningIsr = null;
      waiting = List.copyOf(waitingForWindow);
      waitingForWindow.clear();
    }
    waiting.forEach(append -> append.result().completeExceptionally(notLeader()));
    // Appends waiting for a commit this node can no longer decide: they fail as not-leader
    // unless already committed; the client's retry finds them through the idempotency window.
    commitWaits.wakeAll(partition);
    appendWaits.wakeAll(partition);
    logStartWaits.wakeAll(partition);
  }

  // ---------------------------------------------------------------- leader: appends

  /**
   * Appends as leader. {@code acks=all} waits for the commit (up to {@code commitTimeoutMs}); a batch
   * whose idempotency id is already in the log (or being appended) is not written again, and its
   * first append's result is answered instead, or, if its records differ from that batch's, it is
   * refused with {@link IdempotencyKeyReusedException}.
   */
  CompletableFuture<AppendResult> appendAsLeader(RecordBatch batch, Acks acks, int minInsyncReplicas, long commitTimeoutMs) {
    CompletableFuture<AppendResult> append;
    int appendEpoch;
    IdempotencyWindow.BatchId id = IdempotencyWindow.BatchId.of(batch);
    // Outside the lock (it reads every record), and before the writer thread, which stamps the batch, has it.
    long fingerprint = id == null ? 0 : IdempotencyWindow.fingerprint(batch);
    synchronized (this) {
      if (!leader) {
        throw notLeader();
      }
      if (id != null && !windowLoaded) {
        return awaitWindow(new WaitingAppend(batch, id, fingerprint, acks, minInsyncReplicas, commitTimeoutMs,
            new CompletableFuture<>()));
      }
      append = appendLocked(batch, id, fingerprint, acks, minInsyncReplicas);
      appendEpoch = epoch;
    }
    return committed(append, acks, appendEpoch, commitTimeoutMs);
  }

  private NotLeaderException notLeader() {
    return new NotLeaderException(localNode + " does not lead " + partition);
  }

  /** A leader's append, under the lock: the window's answer for a known id, else the log's. */
  private CompletableFuture<AppendResult> appendLocked(RecordBatch batch, IdempotencyWindow.BatchId id, long fingerprint,
      Acks acks, int minInsyncReplicas) {
    IdempotencyWindow.Entry earlier = id == null ? null : idempotency.get(id);
    if (earlier != null && earlier.fingerprint() != fingerprint) {
      throw new IdempotencyKeyReusedException("batch " + id.sequence() + " of producer " + id.producerId() + " in " + partition
          + " holds other records than the batch appended earlier under that id");
    }
    CompletableFuture<AppendResult> append = earlier == null ? null : earlier.append();
    if (append == null) {
      if (acks == Acks.ALL && state.isr().size() < minInsyncReplicas) {
        throw new NotEnoughReplicasException(partition + " has " + state.isr().size() + " in-sync replicas " + state.isr()
            + ", fewer than min.insync.replicas=" + minInsyncReplicas);
      }
      append = log.append(batch, epoch);
      if (id != null) {
        idempotency.put(id, fingerprint, append);
      }
      append = append.whenComplete((result, failure) -> {
        if (failure == null) {
          onLeaderAppend();
        }
      });
    }
    return append;
  }

  private CompletableFuture<AppendResult> committed(CompletableFuture<AppendResult> append, Acks acks, int appendEpoch,
      long commitTimeoutMs) {
    return acks == Acks.ALL ? append.thenCompose(result -> awaitCommit(result, appendEpoch, commitTimeoutMs)) : append;
  }

  // ---------------------------------------------------------------- the idempotency window's load

  /**
   * Queues an idempotent append until the window is loaded (starting the load again if the last one
   * failed). Under the lock. One that waited too long is not appended later.
   */
  private CompletableFuture<AppendResult> awaitWindow(WaitingAppend append) {
    waitingForWindow.add(append);
    if (!windowLoading) {
      loadWindow();
    }
    return append.result().orTimeout(WINDOW_WAIT_MS, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(failure -> CompletableFuture.failedFuture(Failures.cause(failure) instanceof TimeoutException
            ? new LeaderNotAvailableException(partition + " is still loading its idempotency window on " + localNode
                + ": retry shortly")
            : failure));
  }

  /**
   * Reads the log's tail up to its end as it is now on the window loader. Batches appended
   * meanwhile enter the window as they are taken; truncations cut the window meanwhile, and {@link
   * IdempotencyWindow#merge} leaves out what was read at or past a cut. Under the lock.
   */
  private void loadWindow() {
    windowLoading = true;
    long end = log.logEndOffset();
    CompletableFuture.supplyAsync(() -> IdempotencyWindow.read(log, end), windowLoader).whenComplete(this::windowRead);
  }

  private void windowRead(Map<IdempotencyWindow.BatchId, IdempotencyWindow.Entry> read, Throwable failure) {
    List<Runnable> completions = new ArrayList<>();
    synchronized (this) {
      windowLoading = false;
      if (failure != null) {
        LOG.warn("{}: idempotency window not loaded from the log, so idempotent appends wait; the next one loads it again: {}",
            partition, Failures.cause(failure).toString());
        LeaderNotAvailableException retry = new LeaderNotAvailableException(partition
            + " could not load its idempotency window on " + localNode + ": retry shortly");
        waitingForWindow.forEach(append -> completions.add(() -> append.result().completeExceptionally(retry)));
      } else {
        idempotency.merge(read);
        windowLoaded = true;
        completions.add(() -> windowLoadedSignal.complete(null));
        // In arrival order, under the lock: an append arriving now queues behind these.
        for (WaitingAppend append : waitingForWindow) {
          if (append.result().isDone()) {
            continue;
          }
          try {
            if (!leader) {
              throw notLeader();
            }
            CompletableFuture<AppendResult> appended = appendLocked(append.batch(), append.id(), append.fingerprint(),
                append.acks(), append.minInsyncReplicas());
            int appendEpoch = epoch;
            completions.add(() -> committed(appended, append.acks(), appendEpoch, append.commitTimeoutMs())
                .whenComplete((result, appendFailure) -> {
                  if (appendFailure != null) {
                    append.result().completeExceptionally(Failures.cause(appendFailure));
                  } else {
                    append.result().complete(result);
                  }
                }));
          } catch (RuntimeException e) {
            completions.add(() -> append.result().completeExceptionally(e));
          }
        }
      }
      waitingForWindow.clear();
    }
    completions.forEach(Runnable::run);
  }

  private void onLeaderAppend() {
    appendWaits.onHighWatermark(partition, log.logEndOffset());
    advanceHighWatermark();
  }

  private CompletableFuture<AppendResult> awaitCommit(AppendResult result, int appendEpoch, long timeoutMs) {
    return awaitWhileLeading(commitWaits, result.lastOffset(), log::highWatermark, appendEpoch, timeoutMs, result,
        () -> "offsets " + result.baseOffset() + ".." + result.lastOffset() + " were committed",
        () -> "offsets " + result.baseOffset() + ".." + result.lastOffset() + " of " + partition
            + " were not confirmed by the in-sync replicas within " + timeoutMs + " ms");
  }

  /**
   * Completes with {@code value} once {@code position} passes {@code target}, as {@code waits}
   * reports; fails with {@link NotLeaderException} if this replica stops leading epoch {@code
   * askedEpoch} first ("stopped leading before {@code what}"), and with {@link
   * ReplicationTimeoutException} ({@code timedOut}) after {@code timeoutMs}. The messages are built
   * only on failure: an acks=all append waits here.
   */
  private <T> CompletableFuture<T> awaitWhileLeading(WatchRegistry waits, long target, LongSupplier position, int askedEpoch,
      long timeoutMs, T value, Supplier<String> what, Supplier<String> timedOut) {
    CompletableFuture<T> reached = new CompletableFuture<>();
    Runnable decide = () -> {
      if (position.getAsLong() > target) {
        reached.complete(value);
      } else {
        reached.completeExceptionally(new NotLeaderException(localNode + " stopped leading " + partition + " before "
            + what.get()));
      }
    };
    Cancellable watch = waits.watch(partition, target, position, decide);
    // Checked after registering: a change of leader before the registration woke nobody.
    boolean deposed;
    synchronized (this) {
      deposed = !leader || epoch != askedEpoch;
    }
    if (deposed) {
      watch.cancel();
      decide.run();
    }
    return reached.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).exceptionallyCompose(failure -> {
      watch.cancel();
      if (failure instanceof TimeoutException) {
        return CompletableFuture.failedFuture(new ReplicationTimeoutException(timedOut.get()));
      }
      return CompletableFuture.failedFuture(failure);
    });
  }

  /** The high watermark a leader may expose: the smallest log end among the ISR, once every ISR follower has reported one. */
  private void advanceHighWatermark() {
    long candidate;
    synchronized (this) {
      if (!leader) {
        return;
      }
      candidate = log.logEndOffset();
      List<String> counted = new ArrayList<>(state.isr());
      if (joiningIsr != null && !counted.contains(joiningIsr)) {
        counted.add(joiningIsr);
      }
      for (String member : counted) {
        if (member.equals(localNode)) {
          continue;
        }
        FollowerProgress progress = followers.get(member);
        if (progress == null || progress.logEndOffset < 0) {
          return;
        }
        candidate = Math.min(candidate, progress.logEndOffset);
      }
    }
    log.updateHighWatermark(candidate);
  }

  // ---------------------------------------------------------------- leader: record deletions

  /**
   * Completes with {@code logStart} once every ISR member (this leader included, and a follower it
   * has asked to add, as for the high watermark) has a log start at or past it, as its fetches
   * report (Kafka's DeleteRecords rule: a successor elected from the ISR then serves none of the
   * deleted records). Fails with {@link NotLeaderException} if this replica stops leading first,
   * and with {@link ReplicationTimeoutException} after {@code timeoutMs}: by then a follower that
   * does not follow has left the ISR, unless the ISR change itself could not be made.
   */
  CompletableFuture<Long> awaitIsrLogStart(long logStart, long timeoutMs) {
    int askedEpoch;
    synchronized (this) {
      if (!leader) {
        return CompletableFuture.failedFuture(notLeader());
      }
      askedEpoch = epoch;
    }
    // The followers' held fetches answer now, carrying the new log start: they move theirs and report it.
    appendWaits.wakeAll(partition);
    return awaitWhileLeading(logStartWaits, logStart - 1, this::isrLogStart, askedEpoch, timeoutMs, logStart,
        () -> "every in-sync replica had moved its log start to " + logStart,
        () -> "records of " + partition + " below " + logStart
            + " were deleted on the leader, but the in-sync replicas did not all report that log start within " + timeoutMs + " ms");
  }

  /**
   * The smallest log start among the ISR members (and a follower joining it), as their last fetches
   * reported; -1 when one has not reported yet in this term, or when this replica does not lead.
   */
  private synchronized long isrLogStart() {
    if (!leader) {
      return -1;
    }
    long smallest = log.logStartOffset();
    List<String> counted = new ArrayList<>(state.isr());
    if (joiningIsr != null && !counted.contains(joiningIsr)) {
      counted.add(joiningIsr);
    }
    for (String member : counted) {
      if (member.equals(localNode)) {
        continue;
      }
      FollowerProgress progress = followers.get(member);
      if (progress == null || progress.logStartOffset < 0) {
        return -1;
      }
      smallest = Math.min(smallest, progress.logStartOffset);
    }
    return smallest;
  }

  // ---------------------------------------------------------------- leader: follower fetches

  /** What the leader answers a follower's fetch, and whether that follower should now join the ISR. */
  record FetchResult(FetchAnswer answer, boolean joinsIsr) {}

  /**
   * Serves a follower's fetch: checks its epoch and history, records its progress (its log end and
   * its log start, {@link Wire.FetchPosition#LOG_START_UNREPORTED} from a node that predates
   * reporting it), and reads from {@code fetchOffset} up to the log end. Reads disk: call from a
   * worker thread.
   */
  FetchResult serveFetch(String follower, int followerEpoch, long fetchOffset, int lastFetchedEpoch, long followerLogStart,
      int maxBytes) {
    boolean joinsIsr;
    synchronized (this) {
      if (!leader || followerEpoch != epoch || !followers.containsKey(follower)) {
        return new FetchResult(FetchAnswer.error(FetchAnswer.Error.NOT_LEADER, -1), false);
      }
      // Until its epoch is in its history, this leader would answer a follower from an older
      // history (or none): a divergence that cuts too much, or one that cuts nothing, forever.
      if (!epochRecorded.isDone() || epochRecorded.isCompletedExceptionally()) {
        return new FetchResult(FetchAnswer.error(FetchAnswer.Error.NOT_LEADER, -1), false);
      }
      long end = log.logEndOffset();
      // First, as Kafka does: a follower whose log ends below the log start must start over at
      // it, whatever its history; nothing of that history is left here to compare with.
      if (fetchOffset < log.logStartOffset()) {
        return new FetchResult(FetchAnswer.error(FetchAnswer.Error.OUT_OF_RANGE, log.logStartOffset()), false);
      }
      if (lastFetchedEpoch >= 0) {
        Optional<EpochEndOffset> epochEnd = log.endOffsetForEpoch(lastFetchedEpoch);
        if (epochEnd.isEmpty()) {
          return new FetchResult(FetchAnswer.diverging(new EpochEndOffset(-1, log.logStartOffset())), false);
        }
        if (epochEnd.get().epoch() != lastFetchedEpoch || epochEnd.get().endOffset() < fetchOffset) {
          return new FetchResult(FetchAnswer.diverging(epochEnd.get()), false);
        }
      }
      if (fetchOffset > end) {
        return new FetchResult(FetchAnswer.diverging(new EpochEndOffset(log.latestEpoch(), end)), false);
      }
      long now = clock.getAsLong();
      FollowerProgress progress = followers.get(follower);
      // Kafka's rule: caught up now if at the log end, or caught up as of the previous fetch if it
      // has reached what the log end was then.
      if (fetchOffset >= end) {
        progress.lastCaughtUpMs = now;
      } else if (fetchOffset >= progress.leaderEndAtLastFetch) {
        progress.lastCaughtUpMs = Math.max(progress.lastCaughtUpMs, progress.lastFetchMs);
      }
      progress.logEndOffset = fetchOffset;
      // A node from before log starts were reported holds no deletion up, as no follower did then.
      progress.logStartOffset = followerLogStart == Wire.FetchPosition.LOG_START_UNREPORTED ? Long.MAX_VALUE
          : followerLogStart;
      progress.leaderEndAtLastFetch = end;
      progress.lastFetchMs = now;
      joinsIsr = !state.isr().contains(follower) && !isrChangePending && fetchOffset >= log.highWatermark();
      if (joinsIsr) {
        isrChangePending = true;
        isrChangeAnswered = false;
        joiningIsr = follower;
      }
    }
    advanceHighWatermark();
    logStartWaits.onHighWatermark(partition, isrLogStart());
    ReadResult read = log.read(fetchOffset, maxBytes, Long.MAX_VALUE);
    return new FetchResult(new FetchAnswer(FetchAnswer.Error.NONE, read.batches(), log.highWatermark(),
        log.logStartOffset(), -1, -1), joinsIsr);
  }

  /** Whether {@code follower} is a replica this partition, as led here, is moving to and catching up (throttled). */
  synchronized boolean isAdding(String follower) {
    return leader && state.adding().contains(follower);
  }

  /** Calls {@code onData} once the high watermark passes {@code offset} (at once if it has). */
  Cancellable watchHighWatermark(long offset, Runnable onData) {
    return commitWaits.watch(partition, offset, log::highWatermark, onData);
  }

  /** Calls {@code onData} once the log end passes {@code offset} (at once if it has). */
  Cancellable watchLogEnd(long offset, Runnable onData) {
    return appendWaits.watch(partition, offset, log::logEndOffset, onData);
  }

  /**
   * Whether {@code follower}'s log, as this leader last heard in its fetches in this term, spans
   * {@code offset} (its log start at or below, its log end at or past it): a consumer sent there
   * to read from {@code offset} finds it (Kafka's check before it names a preferred read replica).
   * False unless this replica leads.
   */
  synchronized boolean followerHolds(String follower, long offset) {
    FollowerProgress progress = followers.get(follower);
    return leader && progress != null && progress.logStartOffset >= 0 && progress.logStartOffset <= offset
        && offset <= progress.logEndOffset;
  }

  /** Each follower's lag behind this leader's log end ({@link FollowerLag}); none unless this replica leads. */
  synchronized List<FollowerLag> followerLags() {
    if (!leader) {
      return List.of();
    }
    long end = log.logEndOffset();
    List<FollowerLag> lags = new ArrayList<>(followers.size());
    followers.forEach((follower, progress) -> lags.add(new FollowerLag(partition, follower,
        end - (progress.logEndOffset < 0 ? log.logStartOffset() : progress.logEndOffset))));
    return lags;
  }

  /**
   * How far each replica a move adds is behind this leader's log end: records, and bytes estimated
   * from the log's average batch bytes per offset; none unless this replica leads a moving partition.
   */
  synchronized List<PartitionMoves.Lag> addingLags() {
    if (!leader || state.adding().isEmpty()) {
      return List.of();
    }
    long span = Math.max(1, log.logEndOffset() - log.logStartOffset());
    long bytes = log.sizeInBytes();
    return followerLags().stream().filter(lag -> state.adding().contains(lag.follower()))
        .map(lag -> new PartitionMoves.Lag(partition, lag.follower(), lag.records(),
            (long) ((double) bytes * lag.records() / span)))
        .toList();
  }

  /** ISR members whose follower has not caught up within {@code lagMaxMs}; marks a change pending if any. */
  synchronized List<String> laggingFollowers(long lagMaxMs) {
    List<String> lagging = new ArrayList<>();
    if (!leader || isrChangePending) {
      return lagging;
    }
    long now = clock.getAsLong();
    for (String member : state.isr()) {
      FollowerProgress progress = followers.get(member);
      if (progress != null && now - progress.lastCaughtUpMs > lagMaxMs) {
        lagging.add(member);
      }
    }
    if (!lagging.isEmpty()) {
      isrChangePending = true;
      isrChangeAnswered = false;
    }
    return lagging;
  }

  /**
   * An ISR change this leader asked for is done ({@code written}) or not made: it may ask again. A
   * written addition stays counted, and the change pending, until this replica takes the new state
   * ({@link #becomeLeader}), which may come later: the controller may elect from the new ISR at once.
   */
  synchronized void isrChangeDone(boolean written) {
    if (written && joiningIsr != null && !state.isr().contains(joiningIsr)) {
      isrChangeAnswered = true;
      return;  // the new state is on its way: becomeLeader ends the change
    }
    isrChangePending = false;
    isrChangeAnswered = false;
    joiningIsr = null;
  }

  // ---------------------------------------------------------------- follower

  /**
   * Appends batches fetched from {@code leaderNode} in {@code leaderEpoch}, then takes the leader's
   * high watermark; an answer of a term this replica no longer follows is dropped. The batches go to
   * the log's writer all at once: it applies them in order, in one round.
   *
   * <p>The check, the submission and the idempotency entries are made under the lock {@link
   * #becomeLeader} takes: when this replica starts leading, every batch it accepted from its leader
   * is in its window, written or not yet, so a retry that reaches it at once waits for that copy
   * instead of writing the records after it.
   */
  CompletableFuture<Void> appendFetched(String leaderNode, int leaderEpoch, ByteBuffer records, long leaderHighWatermark) {
    List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
    synchronized (this) {
      if (!follows(leaderNode, leaderEpoch)) {
        return CompletableFuture.completedFuture(null);
      }
      long end = log.logEndOffset();
      for (RecordBatch batch : RecordBatch.iterate(records)) {
        if (batch.baseOffset() < end && batch.nextOffset() > end && log.logStartOffset() == end) {
          // An empty log that started over at the leader's log start, which DeleteRecords put inside
          // this batch: batches are never split, so it starts again at the batch's base, as Kafka's
          // follower does, then takes the batch; the leader's log start follows after the fetch.
          log.truncateFullyAndStartAt(batch.baseOffset());
          end = batch.baseOffset();
        }
        if (batch.nextOffset() > end) {
          CompletableFuture<AppendResult> append = log.appendAsFollower(batch);
          IdempotencyWindow.BatchId id = IdempotencyWindow.BatchId.of(batch);
          // Once the append has checked the batch (a corrupt one fails at once): the fingerprint decodes it.
          if (id != null && !append.isCompletedExceptionally()) {
            idempotency.put(id, IdempotencyWindow.fingerprint(batch), append);
          }
          appends.add(append);
        }
      }
    }
    return CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new))
        .thenRun(() -> log.updateHighWatermark(Math.min(leaderHighWatermark, log.logEndOffset())));
  }

  /**
   * Moves this follower's log start up to the leader's, which a fetch answer carries (records
   * deleted there, by DeleteRecords or retention), as far as this replica's own high watermark:
   * a log start may not pass it, and a later fetch, with a higher watermark, moves it further.
   * Queues the move on the log's writer only when it changes the log start (and was not queued
   * already), and completes once the move is checkpointed, so that the next fetch reports it: the
   * leader answers a deletion only once every ISR follower has. A failed move is logged and
   * completes too (a later fetch asks again); it never fails the fetch loop.
   */
  CompletableFuture<Void> followLeaderLogStart(long leaderLogStart) {
    long target = Math.min(leaderLogStart, log.highWatermark());
    if (target <= log.logStartOffset() || logStartQueued.getAndAccumulate(target, Math::max) >= target) {
      return CompletableFuture.completedFuture(null);
    }
    return log.deleteRecordsBefore(target).handle((start, failure) -> {
      if (failure != null) {
        LOG.warn("{}: cannot move the log start to the leader's {}: {}", partition, target, failure.toString());
        logStartQueued.compareAndSet(target, -1);  // a later fetch asks again
      }
      return null;
    });
  }

  /**
   * The leader answered that this replica's log ends below its log start (retention deleted, while
   * this replica was away or before it had any data, what would continue its log): empties the log
   * and starts it at the leader's log start, as Kafka's follower does, forgetting its epoch history
   * and idempotency ids (none of its records stays). Completes with whether it did so: a log that
   * ends at or past {@code leaderLogStart} (a new leader with an earlier start answered meanwhile)
   * is left as it is, and so is the log of a replica that no longer follows {@code leaderNode} in
   * {@code leaderEpoch}.
   */
  CompletableFuture<Boolean> startAtLeaderLogStart(String leaderNode, int leaderEpoch, long leaderLogStart) {
    if (log.logEndOffset() >= leaderLogStart) {
      return CompletableFuture.completedFuture(false);
    }
    // The window forgets its ids before the writer empties the log, as a truncation's cut does: a
    // retry this replica takes as leader in between must write, not be answered with offsets now gone.
    synchronized (this) {
      if (!follows(leaderNode, leaderEpoch)) {
        return CompletableFuture.completedFuture(false);
      }
      idempotency.clear();
      return log.truncateFullyAndStartAt(leaderLogStart).thenApply(start -> true);
    }
  }

  /**
   * Cuts this replica's log where its history leaves the leader's (Kafka's KIP-279 rule). If this
   * log has {@code leaderEpochAtDivergence}, the last epoch both have: at the leader's end of it, or
   * this log's own end of it if earlier. If not, the leader answered for an epoch this replica never
   * had (each side of a network split led in epochs of its own): at this log's end of the largest
   * epoch it has below that one, whose records the leader's may not continue; the next fetch asks
   * with that epoch, and so on down to the last common one. A replica that no longer follows {@code
   * leaderNode} in {@code leaderEpoch} (it may lead now, its own epoch recorded at its log end) cuts
   * nothing. Completes with the new log end.
   */
  CompletableFuture<Long> truncateToDivergence(String leaderNode, int leaderEpoch, int leaderEpochAtDivergence,
      long leaderEndOffset) {
    long target = leaderEndOffset;
    if (leaderEpochAtDivergence >= 0) {
      Optional<EpochEndOffset> own = log.endOffsetForEpoch(leaderEpochAtDivergence);
      if (own.isPresent()) {
        target = own.get().epoch() == leaderEpochAtDivergence ? Math.min(target, own.get().endOffset())
            : own.get().endOffset();
      }
    }
    target = Math.max(target, log.logStartOffset());
    // The window forgets the cut batches before the writer cuts them: a retry this replica takes
    // as leader in between must write, not be answered with offsets about to hold other records.
    synchronized (this) {
      if (!follows(leaderNode, leaderEpoch)) {
        return CompletableFuture.completedFuture(log.logEndOffset());
      }
      idempotency.truncateTo(target);
      return log.truncateTo(target);
    }
  }
}
