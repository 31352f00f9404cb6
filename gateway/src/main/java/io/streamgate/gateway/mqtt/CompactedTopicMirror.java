package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.Acks;
import io.streamgate.cluster.Backoff;
import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.Murmur2Partitioner;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory copy of an internal compacted topic: the latest value of every key. It loads every
 * partition from its start and then follows it (woken by watches, no polling), so each node sees
 * what any node wrote, within the time a watch takes. Records are applied in log order only, by the
 * follower; {@link #put} appends with {@code acks=all} and completes once the follower has applied
 * its record, so a caller reads its own write. The log is the truth: after a restart the copy is
 * loaded again from it.
 *
 * <p>Thread-safe: reads and puts from any thread; the follower and its bookkeeping run on one context.
 * The futures it returns complete on their caller's context (when called on one), never on the
 * follower's: an MQTT connection that waits for a save must go on on its own event loop.
 */
final class CompactedTopicMirror {
  private static final Logger LOG = LoggerFactory.getLogger(CompactedTopicMirror.class);
  private static final int CHUNK_BYTES = 1024 * 1024;

  private final PartitionService service;
  private final String topic;
  private final Supplier<CompletionStage<Void>> ensureTopic;
  private final Context context;
  private final Murmur2Partitioner partitioner = new Murmur2Partitioner();
  private final ConcurrentHashMap<String, byte[]> entries = new ConcurrentHashMap<>();
  private final AtomicLong valueBytes = new AtomicLong();
  private final Promise<Void> loaded = Promise.promise();
  /** Per partition, on the context: the offset up to which records are applied, the watch, and puts waiting to be applied. */
  private final Map<Integer, Long> appliedUpTo = new HashMap<>();
  private final Map<Integer, Cancellable> watches = new HashMap<>();
  private final Map<Integer, TreeMap<Long, List<Promise<Void>>>> waitingPuts = new HashMap<>();
  /** One for the whole copy, on the context: any successful read starts the next failures at the first delay. */
  private final Backoff retries;
  private volatile boolean closed;

  /** @param ensureTopic creates the internal topic if missing; completes once it is served */
  CompactedTopicMirror(Vertx vertx, PartitionService service, String topic, Supplier<CompletionStage<Void>> ensureTopic) {
    this.service = service;
    this.topic = topic;
    this.ensureTopic = ensureTopic;
    this.context = vertx.getOrCreateContext();
    this.retries = MqttRetry.on(context);
  }

  /** Starts loading (retrying until the topic can be had); {@link #loaded()} completes once the copy is up to date as of the start. */
  void start() {
    context.runOnContext(v -> begin());
  }

  /** Completes once every partition has been read up to where it ended when loading began. */
  Future<Void> loaded() {
    return ContextFutures.onCallersContext(loaded.future());
  }

  Optional<byte[]> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /** The current keys and values; a snapshot of a moving copy. */
  Map<String, byte[]> snapshot() {
    return Map.copyOf(entries);
  }

  int size() {
    return entries.size();
  }

  /** Bytes of all values held. */
  long valueBytes() {
    return valueBytes.get();
  }

  /** Where a put's record ends: the partition, and the offset after the record. */
  record Position(int partition, long offset) {}

  /**
   * Writes the key's value ({@code null}: deletes it) with {@code acks=all}; completes once committed
   * and applied here, with where the record ends (another node's mirror has it once {@link #applied}).
   */
  Future<Position> put(String key, byte[] value) {
    TopicMetadata metadata = service.cachedTopic(topic).orElse(null);
    if (metadata == null) {
      return Future.failedFuture(new IllegalStateException("internal topic " + topic + " is not there yet"));
    }
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    RecordBatch batch = new RecordBatchBuilder(Compression.NONE).append(System.currentTimeMillis(), keyBytes, value, List.of()).build();
    int partition = partitioner.partitionForKey(keyBytes, metadata.partitions());
    return ContextFutures
        .onCallersContext(Future.fromCompletionStage(service.append(new TopicPartition(topic, partition), batch, Acks.ALL), context)
            .compose(result -> {
              Position position = new Position(partition, result.lastOffset() + 1);
              return appliedHere(position).map(position);
            }));
  }

  /** Completes once this copy has applied the records before {@code position}, whoever wrote them. */
  Future<Void> applied(Position position) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> appliedHere(position).onComplete(done));
    return ContextFutures.onCallersContext(done.future());
  }

  void close() {
    context.runOnContext(v -> {
      closed = true;
      watches.values().forEach(Cancellable::cancel);
    });
  }

  /** Completes once the partition's records before the position are applied. On the context. */
  private Future<Void> appliedHere(Position position) {
    if (appliedUpTo.getOrDefault(position.partition(), -1L) >= position.offset()) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    waitingPuts.computeIfAbsent(position.partition(), p -> new TreeMap<>())
        .computeIfAbsent(position.offset(), o -> new ArrayList<>()).add(promise);
    return promise.future();
  }

  private void begin() {
    if (closed) {
      return;
    }
    Future.fromCompletionStage(ensureTopic.get(), context)
        .compose(ready -> {
          TopicMetadata metadata = service.cachedTopic(topic).orElseThrow(() -> new IllegalStateException(topic + " is missing"));
          List<Future<Void>> partitions = new ArrayList<>();
          for (int p = 0; p < metadata.partitions(); p++) {
            int partition = p;
            partitions.add(Future.fromCompletionStage(service.offsets(new TopicPartition(topic, p), OptionalLong.empty()), context)
                .compose(offsets -> {
                  Promise<Void> caughtUp = Promise.promise();
                  follow(partition, offsets.earliest(), offsets.latest(), caughtUp);
                  return caughtUp.future();
                }));
          }
          return Future.all(partitions);
        })
        .onSuccess(all -> {
          retries.reset();
          loaded.tryComplete();
        })
        .onFailure(e -> retry(this::begin, e));
  }

  /** Reads the partition from {@code position} on, for as long as the node runs; {@code caughtUp} completes once past {@code loadEnd}. */
  private void follow(int partition, long position, long loadEnd, Promise<Void> caughtUp) {
    if (closed) {
      return;
    }
    appliedUpTo.put(partition, position);
    TreeMap<Long, List<Promise<Void>>> waiting = waitingPuts.get(partition);
    if (waiting != null) {
      Map<Long, List<Promise<Void>>> done = waiting.headMap(position, true);
      done.values().forEach(promises -> promises.forEach(Promise::tryComplete));
      done.clear();
    }
    if (position >= loadEnd) {
      caughtUp.tryComplete();
    }
    TopicPartition tp = new TopicPartition(topic, partition);
    watches.put(partition, service.watch(tp, position, () -> context.runOnContext(v -> {
      if (closed) {
        return;
      }
      Future.fromCompletionStage(service.read(tp, position, CHUNK_BYTES), context).onComplete(read -> {
        if (read.failed()) {
          retry(() -> follow(partition, position, loadEnd, caughtUp), read.cause());
        } else {
          retries.reset();
          follow(partition, applyAll(read.result(), position), loadEnd, caughtUp);
        }
      });
    })));
  }

  private long applyAll(ReadResult result, long from) {
    long next = from;
    for (RecordBatch batch : result.batchList()) {
      for (Record record : batch.records()) {
        if (record.offset() >= from && record.key() != null) {
          apply(StandardCharsets.UTF_8.decode(record.key().duplicate()).toString(), record.valueBytes());
        }
      }
      next = Math.max(next, batch.nextOffset());
    }
    return next;
  }

  private void apply(String key, byte[] value) {
    entries.compute(key, (k, current) -> {
      valueBytes.addAndGet((value == null ? 0 : value.length) - (current == null ? 0 : current.length));
      return value;
    });
  }

  private void retry(Runnable action, Throwable cause) {
    if (closed) {
      return;
    }
    LOG.debug("{}: retrying after {}", topic, cause.toString());
    retries.retry(action);
  }
}
