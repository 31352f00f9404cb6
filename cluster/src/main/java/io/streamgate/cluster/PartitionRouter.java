package io.streamgate.cluster;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.EpochEndOffset;
import io.streamgate.logstore.LogSlice;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Sends each data request to the partition's leader: to {@link LeaderHandlers} in this process when
 * this node leads the partition, else over the event bus to the leader's node. A request the named
 * leader refuses because leadership moved is asked once more of the leader the metadata names next.
 * Consumers' reads and watches go to an in-sync replica in the reader's rack instead, where there is
 * one ({@link ReadReplicaSelector}; this node first): a read such a follower cannot answer is asked
 * of the leader.
 */
final class PartitionRouter {
  /** A watch that cannot be placed (no leader, leadership moving, the leader unreachable) wakes its caller after about this long to look again. */
  private static final long WATCH_RETRY_MS = 200;
  /** The first wait before a request held through a leadership gap is asked again; later ones double, up to the cap. */
  private static final long GAP_RETRY_FIRST_MS = 50;
  private static final long GAP_RETRY_CAP_MS = 400;

  private final Vertx vertx;
  private final String nodeId;
  private final ClusterMetadata metadata;
  private final LeaderHandlers local;
  private final NodeRequests nodeRequests;
  private final long forwardTimeoutMs;
  private final long leadershipGapMs;
  private final LongAdder heldThenAnswered = new LongAdder();
  private final LongAdder heldThenRefused = new LongAdder();

  /**
   * @param leadershipGapMs how long, in all, a request is held through a leadership gap before its
   *     refusal is answered: long enough for a lapsed lease to be renewed or its leaderships to move
   */
  PartitionRouter(Vertx vertx, String nodeId, ClusterMetadata metadata, LeaderHandlers local, NodeRequests nodeRequests,
      long forwardTimeoutMs, long leadershipGapMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.local = local;
    this.nodeRequests = nodeRequests;
    this.forwardTimeoutMs = forwardTimeoutMs;
    this.leadershipGapMs = leadershipGapMs;
  }

  CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks) {
    Predicate<Throwable> held = IdempotencyWindow.BatchId.of(batch) != null ? PartitionRouter::leadershipGap
        : PartitionRouter::refusedUnwritten;
    return route(partition, held, () -> local.append(partition, batch, acks), leader -> {
      DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(forwardTimeoutMs)
          .addHeader("topic", partition.topic()).addHeader("partition", Integer.toString(partition.partition()))
          .addHeader("acks", acks.wireName());
      return nodeRequests.request(leader, Wire.APPEND, Buffer.buffer(Wire.bytes(batch.buffer())), delivery)
          .thenApply(reply -> Wire.appendResult((JsonObject) reply));
    });
  }

  /**
   * Reads from the in-sync replica in {@code rack} (null: this node's rack) if there is one, else
   * from the leader; whatever that follower cannot answer (it left the ISR, the offset is past its
   * log end, it is unreachable), the leader answers.
   */
  CompletableFuture<ReadResult> read(TopicPartition partition, long offset, int maxBytes, String rack) {
    Supplier<CompletableFuture<ReadResult>> fromLeader =
        () -> route(partition, PartitionRouter::leadershipGap, () -> local.read(partition, offset, maxBytes),
            leader -> remoteRead(leader, partition, offset, maxBytes, false));
    String follower = inSyncFollowerFor(partition, rack);
    if (follower == null) {
      return fromLeader.get();
    }
    CompletableFuture<ReadResult> fromFollower = nodeId.equals(follower) ? local.readInSync(partition, offset, maxBytes)
        : remoteRead(follower, partition, offset, maxBytes, true);
    return fromFollower.exceptionallyCompose(failure -> fromLeader.get());
  }

  private CompletableFuture<ReadResult> remoteRead(String node, TopicPartition partition, long offset, int maxBytes,
      boolean inSync) {
    return nodeRequests.request(node, Wire.READ, new JsonObject().put("topic", partition.topic())
        .put("partition", partition.partition()).put("offset", offset).put("maxBytes", maxBytes).put("inSync", inSync),
        new DeliveryOptions().setSendTimeout(forwardTimeoutMs)).thenApply(reply -> Wire.readResult((Buffer) reply));
  }

  /**
   * The follower that serves reads of {@code partition} from {@code rack} (null: this node's rack):
   * an in-sync replica in that rack other than the leader, this node first, another only if this
   * node's event bus reaches it (an unreachable one would hold the read for the forward timeout);
   * null when the leader serves them (or the partition cannot be found: the leader's route says why).
   * Internal topics are always read from the leader: the state kept there (MQTT sessions and
   * retained messages) is read back by the node that wrote it, which must find its own write.
   */
  private String inSyncFollowerFor(TopicPartition partition, String rack) {
    if (TopicNames.isInternal(partition.topic())) {
      return null;
    }
    PartitionState state;
    try {
      state = partitionState(partition);
    } catch (RuntimeException unknown) {
      return null;
    }
    Map<String, String> racks = metadata.racks();
    String chosen = ReadReplicaSelector.select(state, racks, rack != null ? rack : racks.get(nodeId), nodeId,
        replica -> replica.equals(nodeId) || metadata.isReachable(replica));
    return chosen == null || chosen.equals(state.leader()) ? null : chosen;
  }

  CompletableFuture<PartitionOffsets> offsets(TopicPartition partition, OptionalLong timestamp) {
    return route(partition, PartitionRouter::leadershipGap, () -> local.offsets(partition, timestamp), leader -> {
      JsonObject request = new JsonObject().put("topic", partition.topic()).put("partition", partition.partition());
      timestamp.ifPresent(ts -> request.put("timestamp", ts));
      return nodeRequests.request(leader, Wire.OFFSETS, request, new DeliveryOptions().setSendTimeout(forwardTimeoutMs))
          .thenApply(reply -> LeaderHandlers.offsetsReply((JsonObject) reply));
    });
  }

  CompletableFuture<Long> deleteRecords(TopicPartition partition, long beforeOffset) {
    // Deleting up to an offset twice deletes no more than once.
    return route(partition, PartitionRouter::leadershipGap, () -> local.deleteRecords(partition, beforeOffset),
        leader -> nodeRequests
            .request(leader, Wire.DELETE_RECORDS, new JsonObject().put("topic", partition.topic())
                .put("partition", partition.partition()).put("beforeOffset", beforeOffset),
                new DeliveryOptions().setSendTimeout(forwardTimeoutMs))
            .thenApply(reply -> ((JsonObject) reply).getLong("logStartOffset")));
  }

  CompletableFuture<AppendResult> appendHere(TopicPartition partition, RecordBatch batch, Acks acks) {
    return here(partition, PartitionService.ANY_LEADER_EPOCH, () -> local.append(partition, batch, acks));
  }

  CompletableFuture<LogSlice> sliceHere(TopicPartition partition, int currentLeaderEpoch, long offset, int maxBytes) {
    return here(partition, currentLeaderEpoch, () -> local.slice(partition, offset, maxBytes));
  }

  CompletableFuture<PartitionOffsets> offsetsHere(TopicPartition partition, int currentLeaderEpoch, OptionalLong timestamp) {
    return here(partition, currentLeaderEpoch, () -> local.offsets(partition, timestamp));
  }

  CompletableFuture<LogSlice> sliceInSync(TopicPartition partition, int currentLeaderEpoch, long offset, int maxBytes) {
    return inSyncHere(partition, currentLeaderEpoch, () -> local.slice(partition, offset, maxBytes),
        () -> local.sliceInSync(partition, offset, maxBytes));
  }

  CompletableFuture<PartitionOffsets> offsetsInSync(TopicPartition partition, int currentLeaderEpoch) {
    return inSyncHere(partition, currentLeaderEpoch, () -> local.offsets(partition, OptionalLong.empty()),
        () -> CompletableFuture.completedFuture(local.offsetsInSync(partition)));
  }

  /** See {@link LeaderHandlers#preferredReadReplica}; empty where this node does not lead the partition. */
  Optional<String> preferredReadReplica(TopicPartition partition, String clientRack, long offset) {
    try {
      return local.preferredReadReplica(partition, partitionState(partition), metadata.racks(), clientRack, offset);
    } catch (RuntimeException unknown) {
      return Optional.empty(); // the read that follows says what is wrong
    }
  }

  CompletableFuture<Optional<EpochEndOffset>> endOffsetForEpochHere(TopicPartition partition, int currentLeaderEpoch,
      int leaderEpoch) {
    return here(partition, currentLeaderEpoch, () -> local.endOffsetForEpoch(partition, leaderEpoch));
  }

  CompletableFuture<Long> deleteRecordsHere(TopicPartition partition, long beforeOffset) {
    return here(partition, PartitionService.ANY_LEADER_EPOCH, () -> local.deleteRecords(partition, beforeOffset));
  }

  /** Watches the high watermark of the replica that serves reads from {@code rack} (null: this node's rack), as {@link #read} picks it. */
  Cancellable watch(TopicPartition partition, long offset, String rack, Runnable onData) {
    AtomicBoolean cancelled = new AtomicBoolean();
    Runnable once = () -> {
      if (cancelled.compareAndSet(false, true)) {
        onData.run();
      }
    };
    PartitionState state;
    try {
      state = partitionState(partition);
    } catch (RuntimeException gone) {
      once.run();
      return () -> {};
    }
    String follower = inSyncFollowerFor(partition, rack);
    String serving = follower != null ? follower : state.leader();
    if (nodeId.equals(serving)) {
      try {
        Cancellable watch = follower != null ? local.watchInSync(partition, offset, once) : local.watch(partition, offset, once);
        return () -> {
          cancelled.set(true);
          watch.cancel();
        };
      } catch (NotLeaderException moved) {
        // Leadership is moving, or this node left the ISR: look again shortly.
      }
    }
    if (!state.hasLeader() || nodeId.equals(serving)) {
      watchRetry().retry(once);
      return () -> cancelled.set(true);
    }
    JsonObject request = new JsonObject().put("topic", partition.topic()).put("partition", partition.partition())
        .put("offset", offset).put("timeoutMs", LeaderHandlers.REMOTE_WATCH_MS).put("inSync", follower != null);
    nodeRequests.request(serving, Wire.WATCH, request,
        new DeliveryOptions().setSendTimeout(LeaderHandlers.REMOTE_WATCH_MS + forwardTimeoutMs))
        .whenComplete((reply, failure) -> {
          if (failure == null) {
            once.run();
          } else {
            watchRetry().retry(once);
          }
        });
    return () -> cancelled.set(true);
  }

  /**
   * A watch is one-shot (its caller reads, then watches again), so each retry is a first one: only
   * its jitter, not growth, applies, and it spreads the watches a failover wakes together.
   */
  private Backoff watchRetry() {
    return new Backoff(WATCH_RETRY_MS, WATCH_RETRY_MS, (delayMs, action) -> vertx.setTimer(delayMs, id -> action.run()));
  }

  /**
   * Runs {@code local} if this node leads the partition, else {@code remote} against its leader, and
   * holds the request through a leadership gap: a refusal that {@code held} accepts (no leader yet,
   * a leader that no longer leads, one whose lease lapsed) is not answered but asked again, of the
   * leader this node's metadata names next, at once once it names another (a leader that refused
   * applied the change first), else after a backoff, until {@code leadershipGapMs} have passed; then
   * the last refusal is the answer. A retry wrote nothing twice: {@code held} accepts only refusals
   * that wrote nothing, or the batch carries an idempotency id that the new leader recognises. A
   * caller that cancels the returned future (its client went away) ends the hold before the next
   * attempt: a write its client gave up on, and may send again, is not made later.
   */
  private <T> CompletableFuture<T> route(TopicPartition partition, Predicate<Throwable> held,
      Supplier<CompletableFuture<T>> local, Function<String, CompletableFuture<T>> remote) {
    return new HeldRequest<>(partition, held, local, remote).start();
  }

  /** One request routed to its partition's leader, and held while the partition is between leaders; see {@link #route}. */
  private final class HeldRequest<T> {
    private final TopicPartition partition;
    private final Predicate<Throwable> held;
    private final Supplier<CompletableFuture<T>> local;
    private final Function<String, CompletableFuture<T>> remote;
    private final long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(leadershipGapMs);
    /** The caller's future: cancelling it (its client went away) ends the hold at its next attempt. */
    private final CompletableFuture<T> answer = new CompletableFuture<>();
    /** Made at the first refusal held: most requests are answered at the first attempt. */
    private Backoff backoff;

    HeldRequest(TopicPartition partition, Predicate<Throwable> held, Supplier<CompletableFuture<T>> local,
        Function<String, CompletableFuture<T>> remote) {
      this.partition = partition;
      this.held = held;
      this.local = local;
      this.remote = remote;
    }

    CompletableFuture<T> start() {
      attempt().whenComplete((result, failure) -> {
        if (answer.isCancelled()) {
          return;
        }
        if (wasHeld()) {
          (failure == null ? heldThenAnswered : heldThenRefused).increment();
        }
        if (failure == null) {
          answer.complete(result);
        } else {
          answer.completeExceptionally(Failures.cause(failure));
        }
      });
      return answer;
    }

    private synchronized boolean wasHeld() {
      return backoff != null;
    }

    private synchronized Backoff backoff() {
      if (backoff == null) {
        backoff = new Backoff(GAP_RETRY_FIRST_MS, GAP_RETRY_CAP_MS, (delayMs, action) -> vertx.setTimer(delayMs, id -> action.run()));
      }
      return backoff;
    }

    private CompletableFuture<T> attempt() {
      String leader;
      CompletableFuture<T> attempt;
      try {
        PartitionState state = partitionState(partition);
        // A leader this node does not reach (gone, its departure not yet acted on) is waited for as no leader is.
        leader = state.hasLeader() && (nodeId.equals(state.leader()) || metadata.isReachable(state.leader())) ? state.leader()
            : null;
        attempt = leader != null ? nodeId.equals(leader) ? local.get() : remote.apply(leader)
            : CompletableFuture.failedFuture(new LeaderNotAvailableException(partition + (state.hasLeader()
                ? "'s leader " + state.leader() + " is not a live member of the cluster"
                : " has no leader: no in-sync replica of " + state.isr() + " is alive")));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
      return attempt.exceptionallyCompose(failure -> {
        Throwable cause = Failures.cause(failure);
        // With no leader to ask, nothing was sent: waiting for one is safe for any request.
        if (System.nanoTime() >= deadlineNanos || answer.isCancelled() || leader != null && !held.test(cause)) {
          return CompletableFuture.failedFuture(cause);
        }
        CompletableFuture<Void> next = leader == null ? new CompletableFuture<>() : metadata.leaderOtherThan(partition, leader);
        backoff().retry(() -> next.complete(null));
        return next.thenCompose(changed -> answer.isCancelled() ? CompletableFuture.<T>failedFuture(cause) : attempt());
      });
    }
  }

  /** Requests held through a leadership gap that a leader then answered. */
  long heldThenAnswered() {
    return heldThenAnswered.sum();
  }

  /** Requests held through a leadership gap that were refused all the same (it outlasted the hold, or a later failure). */
  long heldThenRefused() {
    return heldThenRefused.sum();
  }

  /** A refusal that wrote nothing and may pass once the partition's leadership settles. */
  private static boolean refusedUnwritten(Throwable refusal) {
    return refusal instanceof NotLeaderException || refusal instanceof LeaseExpiredException;
  }

  /**
   * A failure that may pass once the partition's leadership settles, whether or not the leader wrote
   * first: also a leader that left before it answered, a new leader not yet serving reads, a write
   * appended by a leader whose lease then lapsed.
   */
  private static boolean leadershipGap(Throwable failure) {
    return refusedUnwritten(failure) || failure instanceof LeaderNotAvailableException
        || failure instanceof NotEnoughReplicasAfterAppendException;
  }

  /**
   * Runs {@code local} if this node leads the partition, else fails with {@link NotLeaderException}:
   * never forwards. First, as Kafka's broker does, the client's {@code currentLeaderEpoch} (unless
   * {@link PartitionService#ANY_LEADER_EPOCH}) is held against the epoch this node's metadata has: a
   * client behind it is fenced, one ahead of it is told this node does not know its epoch yet.
   */
  private <T> CompletableFuture<T> here(TopicPartition partition, int currentLeaderEpoch, Supplier<CompletableFuture<T>> local) {
    try {
      PartitionState state = checkedEpoch(partition, currentLeaderEpoch);
      if (!nodeId.equals(state.leader())) {
        throw new NotLeaderException(nodeId + " does not lead " + partition + " (its leader is " + state.leader() + ")");
      }
      return local.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * As {@link #here}, but a partition this node follows in the ISR its metadata names is served too,
   * by {@code follower} (a consumer's read from a follower, KIP-392); else {@link NotLeaderException}.
   */
  private <T> CompletableFuture<T> inSyncHere(TopicPartition partition, int currentLeaderEpoch, Supplier<CompletableFuture<T>> leader,
      Supplier<CompletableFuture<T>> follower) {
    try {
      PartitionState state = checkedEpoch(partition, currentLeaderEpoch);
      if (nodeId.equals(state.leader())) {
        return leader.get();
      }
      if (!state.isr().contains(nodeId)) {
        throw new NotLeaderException(nodeId + " neither leads " + partition + " nor is in its ISR " + state.isr());
      }
      return follower.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The partition's state, once the client's {@code currentLeaderEpoch} is held against it (see {@link #here}). */
  private PartitionState checkedEpoch(TopicPartition partition, int currentLeaderEpoch) {
    PartitionState state = partitionState(partition);
    if (currentLeaderEpoch != PartitionService.ANY_LEADER_EPOCH && currentLeaderEpoch < state.leaderEpoch()) {
      throw new FencedLeaderEpochException("leader epoch " + currentLeaderEpoch + " of " + partition + " is fenced: "
          + nodeId + " knows epoch " + state.leaderEpoch());
    }
    if (currentLeaderEpoch > state.leaderEpoch()) {
      throw new UnknownLeaderEpochException("leader epoch " + currentLeaderEpoch + " of " + partition + " is unknown to "
          + nodeId + ", which knows epoch " + state.leaderEpoch());
    }
    return state;
  }

  private PartitionState partitionState(TopicPartition partition) {
    TopicState topic = TopicAdmin.topicOrThrow(metadata, partition.topic());
    if (partition.partition() < 0 || partition.partition() >= topic.partitions().size()) {
      throw new PartitionNotFoundException("topic '" + partition.topic() + "' has no partition " + partition.partition()
          + " (it has " + topic.partitions().size() + ")");
    }
    return topic.partition(partition.partition());
  }
}
