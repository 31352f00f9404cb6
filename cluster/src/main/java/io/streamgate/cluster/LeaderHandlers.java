package io.streamgate.cluster;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.EpochEndOffset;
import io.streamgate.logstore.LogSlice;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TimestampOffset;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving side of the data requests: appends, reads, offsets, watches and record deletions on
 * the partitions this node leads, and consumers' reads and watches on those it follows in sync
 * (reads from a follower in the reader's rack, KIP-392), for callers in this process and, through
 * the event-bus consumers at {@code streamgate.node.<id>.<operation>}, for other nodes (which {@link
 * PartitionRouter} sends there; a read or watch for a follower says {@code inSync}). Reads never
 * pass the high watermark the serving replica knows; disk reads run on the reader threads.
 */
final class LeaderHandlers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderHandlers.class);
  /** How long a remote watch waits at the leader before it answers "nothing yet" (the caller then simply watches again). */
  static final long REMOTE_WATCH_MS = 20_000;

  private final Vertx vertx;
  private final String nodeId;
  private final ReplicaManager replicas;
  private final Executor readers;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /** Reads this node served from partitions it follows in sync, for metrics. */
  private final LongAdder followerReads = new LongAdder();

  LeaderHandlers(Vertx vertx, String nodeId, ReplicaManager replicas, Executor readers) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.replicas = replicas;
    this.readers = readers;
  }

  /** Starts answering other nodes' requests. */
  void start() {
    consumers.add(vertx.eventBus().<Buffer>consumer(Wire.address(nodeId, Wire.APPEND), this::serveAppend));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.READ), this::serveRead));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.OFFSETS), this::serveOffsets));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.WATCH), this::serveWatch));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.DELETE_RECORDS), this::serveDeleteRecords));
  }

  CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks) {
    return replicas.append(partition, batch, acks);
  }

  CompletableFuture<ReadResult> read(TopicPartition partition, long offset, int maxBytes) {
    return replicas.awaitReadableLeader(partition).thenApplyAsync(leader -> leader.log().read(offset, maxBytes), readers);
  }

  /**
   * As {@link #read}, from a partition this node follows in sync ({@link ReplicaManager#inSyncFollower}):
   * batches below the high watermark its leader sent it; an offset outside its log is {@link
   * OffsetNotAvailableException} (the leader answers for it).
   */
  CompletableFuture<ReadResult> readInSync(TopicPartition partition, long offset, int maxBytes) {
    return CompletableFuture.supplyAsync(() -> inSyncRead(partition, offset, log -> log.read(offset, maxBytes)), readers);
  }

  /** As {@link #readInSync}, the batches left in their file ({@link PartitionLog#slice}). */
  CompletableFuture<LogSlice> sliceInSync(TopicPartition partition, long offset, int maxBytes) {
    return CompletableFuture.supplyAsync(() -> inSyncRead(partition, offset, log -> log.slice(offset, maxBytes)), readers);
  }

  /** The log start, the high watermark and the log end of a partition this node follows in sync, as it knows them. */
  PartitionOffsets offsetsInSync(TopicPartition partition) {
    PartitionLog log = replicas.inSyncFollower(partition).log();
    return new PartitionOffsets(log.logStartOffset(), log.highWatermark(), log.logEndOffset(), Optional.empty());
  }

  private <T> T inSyncRead(TopicPartition partition, long offset, Function<PartitionLog, T> read) {
    PartitionLog log = replicas.inSyncFollower(partition).log();
    try {
      T result = read.apply(log);
      followerReads.increment();
      return result;
    } catch (OffsetOutOfRangeException outside) {
      throw new OffsetNotAvailableException("offset " + offset + " is outside " + nodeId + "'s follower replica of " + partition
          + ", which holds [" + outside.logStartOffset() + ", " + outside.logEndOffset() + "): ask the leader");
    }
  }

  /** Reads this node served as an in-sync follower since it started. */
  long followerReads() {
    return followerReads.sum();
  }

  /**
   * The in-sync follower a consumer in {@code clientRack} reading {@code offset} of a partition this
   * node leads should read from instead (Kafka's preferred read replica): one in its rack whose log,
   * as this leader last heard, spans the offset; empty where this leader serves it best (it is in
   * that rack, or no follower there holds the offset) or does not lead the partition.
   */
  Optional<String> preferredReadReplica(TopicPartition partition, PartitionState state, Map<String, String> racks,
      String clientRack, long offset) {
    Optional<Replica> leader = replicas.replica(partition).filter(Replica::isLeader);
    if (leader.isEmpty() || !nodeId.equals(state.leader())) {
      return Optional.empty();
    }
    String chosen = ReadReplicaSelector.select(state, racks, clientRack, null,
        replica -> replica.equals(nodeId) || leader.get().followerHolds(replica, offset));
    return nodeId.equals(chosen) ? Optional.empty() : Optional.ofNullable(chosen);
  }

  /** As {@link #read}, the batches left in their file ({@link PartitionLog#slice}): only headers are read. */
  CompletableFuture<LogSlice> slice(TopicPartition partition, long offset, int maxBytes) {
    return replicas.awaitReadableLeader(partition).thenApplyAsync(leader -> leader.log().slice(offset, maxBytes), readers);
  }

  CompletableFuture<PartitionOffsets> offsets(TopicPartition partition, OptionalLong timestamp) {
    return replicas.awaitReadableLeader(partition).thenApplyAsync(leader -> {
      PartitionLog log = leader.log();
      return new PartitionOffsets(log.logStartOffset(), log.highWatermark(), log.logEndOffset(),
          timestamp.isEmpty() ? Optional.empty()
              : timestamp.getAsLong() == PartitionService.MAX_TIMESTAMP ? log.offsetOfMaxTimestamp()
                  : log.offsetForTimestamp(timestamp.getAsLong()));
    }, readers);
  }

  /** See {@link PartitionService#endOffsetForEpochHere}: the leader's epoch history is in memory, so no reader thread. */
  CompletableFuture<Optional<EpochEndOffset>> endOffsetForEpoch(TopicPartition partition, int leaderEpoch) {
    try {
      return CompletableFuture.completedFuture(replicas.readableLeader(partition).log().endOffsetForEpoch(leaderEpoch));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Moves the log start of a partition this node leads to {@code beforeOffset} ({@link
   * PartitionService#HIGH_WATERMARK}: the high watermark), and answers once every ISR replica's log
   * start is there too ({@link Replica#awaitIsrLogStart}, at most {@link ReplicaManager#isrWaitMs}).
   * A leader that has just taken over does not answer until its high watermark is confirmed: its
   * own may be behind the committed one, and refusing an offset below that as out of range would be
   * wrong.
   */
  CompletableFuture<Long> deleteRecords(TopicPartition partition, long beforeOffset) {
    try {
      TopicNames.refuseInternal(partition.topic(), "delete records of");
      Replica leader = replicas.readableLeader(partition);
      PartitionLog log = leader.log();
      long before = beforeOffset == PartitionService.HIGH_WATERMARK ? log.highWatermark() : beforeOffset;
      if (before < 0) {
        throw new OffsetOutOfRangeException("cannot delete records of " + partition + " before offset " + beforeOffset
            + ": an offset is at least 0 (or -1, the high watermark)", log.logStartOffset(), log.logEndOffset());
      }
      // The writer moves the start; the future completes once a checkpoint holds it (not on this
      // thread). The ISR's reports complete the wait on a reader thread, or on the metadata thread
      // when the ISR shrinks: the answer goes on from a reader, never from there.
      return log.deleteRecordsBefore(before)
          .thenCompose(start -> leader.awaitIsrLogStart(start, replicas.isrWaitMs()))
          .whenCompleteAsync((start, failure) -> {
            if (failure == null) {
              LOG.info("{}: records below {} deleted on request on every in-sync replica; log start {}", partition, before,
                  start);
            }
          }, readers);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Waits for the high watermark of a partition this node leads to pass {@code offset}; throws
   * {@link NotLeaderException} if this node does not lead it.
   */
  Cancellable watch(TopicPartition partition, long offset, Runnable onData) {
    return replicas.watch(partition, offset, onData);
  }

  /** As {@link #watch}, on a partition this node follows in sync: the high watermark it knows. */
  Cancellable watchInSync(TopicPartition partition, long offset, Runnable onData) {
    return replicas.watchInSync(partition, offset, onData);
  }

  private void serveAppend(Message<Buffer> message) {
    TopicPartition partition = new TopicPartition(message.headers().get("topic"), Integer.parseInt(message.headers().get("partition")));
    RecordBatch batch = RecordBatch.wrap(ByteBuffer.wrap(message.body().getBytes()));
    Wire.reply(message, append(partition, batch, Acks.parse(message.headers().get("acks"))).thenApply(Wire::appendResult));
  }

  private void serveRead(Message<JsonObject> message) {
    JsonObject request = message.body();
    TopicPartition partition = partition(request);
    long offset = request.getLong("offset");
    int maxBytes = request.getInteger("maxBytes");
    Wire.reply(message, (request.getBoolean("inSync", false) ? readInSync(partition, offset, maxBytes)
        : read(partition, offset, maxBytes)).thenApply(Wire::readResult));
  }

  private void serveOffsets(Message<JsonObject> message) {
    JsonObject request = message.body();
    OptionalLong timestamp = request.containsKey("timestamp") ? OptionalLong.of(request.getLong("timestamp")) : OptionalLong.empty();
    Wire.reply(message, offsets(partition(request), timestamp).thenApply(LeaderHandlers::offsetsReply));
  }

  private static JsonObject offsetsReply(PartitionOffsets offsets) {
    JsonObject json = new JsonObject().put("earliest", offsets.earliest()).put("latest", offsets.latest())
        .put("logEnd", offsets.logEnd());
    offsets.forTimestamp().ifPresent(found -> json.put("timestamp", found.timestamp()).put("offset", found.offset()));
    return json;
  }

  /** What {@link #offsetsReply} wrote, as the asking node reads it. */
  static PartitionOffsets offsetsReply(JsonObject json) {
    // A node that predates "logEnd" (a rolling upgrade) leaves it out: its high watermark is the best bound known.
    return new PartitionOffsets(json.getLong("earliest"), json.getLong("latest"), json.getLong("logEnd", json.getLong("latest")),
        json.containsKey("offset") ? Optional.of(new TimestampOffset(json.getLong("offset"), json.getLong("timestamp")))
            : Optional.empty());
  }

  private void serveDeleteRecords(Message<JsonObject> message) {
    JsonObject request = message.body();
    Wire.reply(message, deleteRecords(partition(request), request.getLong("beforeOffset"))
        .thenApply(start -> new JsonObject().put("logStartOffset", start)));
  }

  private void serveWatch(Message<JsonObject> message) {
    JsonObject request = message.body();
    AtomicBoolean answered = new AtomicBoolean();
    Runnable answer = () -> {
      if (answered.compareAndSet(false, true)) {
        message.reply(new JsonObject());
      }
    };
    try {
      Cancellable watch = request.getBoolean("inSync", false) ? watchInSync(partition(request), request.getLong("offset"), answer)
          : watch(partition(request), request.getLong("offset"), answer);
      vertx.setTimer(Math.min(request.getLong("timeoutMs"), REMOTE_WATCH_MS), id -> {
        watch.cancel();
        answer.run();
      });
    } catch (RuntimeException e) {
      ReplyException failure = Wire.failure(e);
      message.fail(failure.failureCode(), failure.getMessage());
    }
  }

  private static TopicPartition partition(JsonObject request) {
    return new TopicPartition(request.getString("topic"), request.getInteger("partition"));
  }

  @Override
  public void close() {
    consumers.forEach(MessageConsumer::unregister);
  }
}
