package io.streamgate.cluster;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.LogManagerConfig;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition service of a node alone: every partition is local, this node leads it, and a record
 * is committed as soon as it is appended (the high watermark follows the log end). Topic metadata
 * lives in {@code <data-dir>/meta}, the logs in {@code <data-dir>/log}.
 *
 * <p>Threads: appends go straight to the log store (its writer thread never blocks the caller);
 * reads and offset lookups run on a small reader pool; topic administration runs on one admin
 * thread, so that creations and deletions never interleave.
 */
public final class LocalPartitionService implements PartitionService {
  private static final Logger LOG = LoggerFactory.getLogger(LocalPartitionService.class);

  /** The most partitions a topic may have; past it a request is refused rather than filling the disk with directories. */
  public static final int MAX_PARTITIONS = 1000;

  private final String nodeId;
  private final LogManager logs;
  private final TopicRegistry topics;
  private final WatchRegistry watches = new WatchRegistry();
  private final ExecutorService readers;
  private final ExecutorService admin;

  private LocalPartitionService(String nodeId, LogManager logs, TopicRegistry topics, int readerThreads) {
    this.nodeId = nodeId;
    this.logs = logs;
    this.topics = topics;
    this.readers = Executors.newFixedThreadPool(readerThreads, daemonThreads("streamgate-log-reader"));
    this.admin = Executors.newSingleThreadExecutor(daemonThreads("streamgate-admin"));
  }

  /** Opens (creating if needed) the node's data directory and reconciles topic metadata with the partitions on disk. */
  public static LocalPartitionService open(Path dataDir, String nodeId, int readerThreads) {
    TopicRegistry topics = new TopicRegistry(dataDir.resolve("meta"));
    LogManager logs = LogManager.open(LogManagerConfig.defaults(dataDir.resolve("log")));
    LocalPartitionService service = new LocalPartitionService(nodeId, logs, topics, readerThreads);
    service.reconcile();
    return service;
  }

  /**
   * Makes the partitions on disk match the metadata after a crash between the two: creates what a
   * topic lacks, deletes what no topic owns. Every local record is committed on a single node.
   */
  private void reconcile() {
    for (PartitionLog log : logs.partitions()) {
      TopicPartition tp = log.topicPartition();
      Optional<TopicMetadata> topic = topics.get(tp.topic());
      if (topic.isEmpty() || tp.partition() >= topic.get().partitions()) {
        LOG.warn("deleting {}: no topic owns it (a deletion was interrupted)", tp);
        logs.delete(tp);
      }
    }
    for (TopicMetadata topic : topics.all()) {
      for (int p = 0; p < topic.partitions(); p++) {
        attach(openOrCreate(new TopicPartition(topic.name(), p), TopicConfigs.logConfig(topic.config())));
      }
    }
  }

  private PartitionLog openOrCreate(TopicPartition tp, LogConfig config) {
    return logs.get(tp).orElseGet(() -> logs.create(tp, config));
  }

  private PartitionLog attach(PartitionLog log) {
    log.updateHighWatermark(log.logEndOffset());
    log.addListener(watches::onHighWatermark);
    return log;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  // ---------------------------------------------------------------- topics

  @Override
  public CompletableFuture<TopicDescription> createTopic(TopicSpec spec) {
    return onAdmin(() -> {
      validateName(spec.name());
      validatePartitions(spec.partitions());
      if (spec.replicationFactor() != 1) {
        throw new InvalidReplicationFactorException("replication factor " + spec.replicationFactor()
            + (spec.replicationFactor() < 1 ? " must be at least 1" : " is more than the 1 live node of this cluster"));
      }
      Map<String, String> config = TopicConfigs.merge(TopicConfigs.defaults(), spec.config());
      TopicMetadata topic = new TopicMetadata(spec.name(), spec.partitions(), 1, config);
      // Only this thread adds topics, so the check holds until the add below.
      if (topics.get(spec.name()).isPresent()) {
        throw new TopicExistsException("topic '" + spec.name() + "' exists already");
      }
      // Partitions first, metadata last: a topic becomes visible (cachedTopic) only once every one of
      // its partitions exists, so a request racing the creation never finds a partition missing.
      // A crash in between leaves partitions no topic owns, which reconcile() deletes.
      LogConfig logConfig = TopicConfigs.logConfig(config);
      for (int p = 0; p < topic.partitions(); p++) {
        attach(openOrCreate(new TopicPartition(topic.name(), p), logConfig));
      }
      if (!topics.add(topic)) {
        throw new TopicExistsException("topic '" + spec.name() + "' exists already");
      }
      return describe(topic);
    });
  }

  @Override
  public CompletableFuture<List<TopicSummary>> listTopics() {
    return CompletableFuture.completedFuture(topics.all().stream()
        .map(t -> new TopicSummary(t.name(), t.partitions(), t.replicationFactor())).toList());
  }

  @Override
  public CompletableFuture<TopicDescription> describeTopic(String topic) {
    return CompletableFuture.supplyAsync(() -> describe(topicOrThrow(topic)), readers);
  }

  @Override
  public CompletableFuture<TopicDescription> updateTopic(String name, OptionalInt partitions, Map<String, ?> configChanges) {
    return onAdmin(() -> {
      TopicNames.refuseInternal(name, "change");
      TopicMetadata current = topicOrThrow(name);
      int count = partitions.orElse(current.partitions());
      if (count < current.partitions()) {
        throw new InvalidPartitionsException("topic '" + name + "' has " + current.partitions()
            + " partitions; partitions can be added, never removed");
      }
      validatePartitions(count);
      Map<String, String> config = TopicConfigs.merge(current.config(), configChanges);
      TopicMetadata updated = new TopicMetadata(name, count, current.replicationFactor(), config);
      LogConfig logConfig = TopicConfigs.logConfig(config);
      for (int p = 0; p < current.partitions(); p++) {
        logs.partition(new TopicPartition(name, p)).updateConfig(logConfig);
      }
      for (int p = current.partitions(); p < count; p++) {
        attach(openOrCreate(new TopicPartition(name, p), logConfig));
      }
      topics.replace(updated);
      return describe(updated);
    });
  }

  @Override
  public CompletableFuture<Void> deleteTopic(String name) {
    return onAdmin(() -> {
      TopicNames.refuseInternal(name, "delete");
      TopicMetadata topic = topicOrThrow(name);
      topics.remove(name);
      for (int p = 0; p < topic.partitions(); p++) {
        TopicPartition tp = new TopicPartition(name, p);
        watches.wakeAll(tp);
        logs.delete(tp);
      }
      return null;
    });
  }

  @Override
  public Optional<TopicMetadata> cachedTopic(String topic) {
    return topics.get(topic);
  }

  // ---------------------------------------------------------------- records

  @Override
  public CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks) {
    PartitionLog log;
    try {
      log = partitionOrThrow(partition);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    // Alone, a node commits what it appends: the high watermark follows the log end.
    return log.append(batch).thenApply(result -> {
      log.updateHighWatermark(result.lastOffset() + 1);
      return result;
    });
  }

  @Override
  public CompletableFuture<ReadResult> read(TopicPartition partition, long offset, int maxBytes) {
    return CompletableFuture.supplyAsync(() -> partitionOrThrow(partition).read(offset, maxBytes), readers);
  }

  @Override
  public CompletableFuture<PartitionOffsets> offsets(TopicPartition partition, OptionalLong timestamp) {
    return CompletableFuture.supplyAsync(() -> {
      PartitionLog log = partitionOrThrow(partition);
      long earliest = log.logStartOffset();
      long latest = log.highWatermark();
      return new PartitionOffsets(earliest, latest,
          timestamp.isPresent() ? log.offsetForTimestamp(timestamp.getAsLong()) : Optional.empty());
    }, readers);
  }

  @Override
  public Cancellable watch(TopicPartition partition, long offset, Runnable onData) {
    Optional<PartitionLog> log = topics.get(partition.topic()).isPresent() ? logs.get(partition) : Optional.empty();
    if (log.isEmpty()) {
      onData.run();
      return () -> { };
    }
    return watches.watch(partition, offset, log.get()::highWatermark, onData);
  }

  /** Waiting long-polls and streams, for metrics. */
  public int watcherCount() {
    return watches.size();
  }

  /** The log store, for metrics of partition sizes. */
  public LogManager logManager() {
    return logs;
  }

  @Override
  public void close() {
    admin.shutdown();
    readers.shutdown();
    logs.close();
  }

  // ---------------------------------------------------------------- helpers

  private TopicDescription describe(TopicMetadata topic) {
    List<PartitionDescription> partitions = new ArrayList<>();
    for (int p = 0; p < topic.partitions(); p++) {
      PartitionLog log = partitionOrThrow(new TopicPartition(topic.name(), p));
      partitions.add(new PartitionDescription(p, nodeId, List.of(nodeId), List.of(nodeId),
          log.logStartOffset(), log.highWatermark()));
    }
    return new TopicDescription(topic.name(), topic.replicationFactor(), topic.config(), partitions);
  }

  private TopicMetadata topicOrThrow(String name) {
    return topics.get(name).orElseThrow(() -> new TopicNotFoundException("topic '" + name + "' does not exist"));
  }

  private PartitionLog partitionOrThrow(TopicPartition partition) {
    TopicMetadata topic = topicOrThrow(partition.topic());
    if (partition.partition() >= topic.partitions()) {
      throw new PartitionNotFoundException("topic '" + partition.topic() + "' has no partition " + partition.partition()
          + " (it has " + topic.partitions() + ")");
    }
    return logs.partition(partition);
  }

  private static void validateName(String name) {
    TopicNames.requireValid(name);
    if (TopicNames.isInternal(name)) {
      throw new InvalidTopicNameException("topic names starting with '__' are internal");
    }
  }

  private static void validatePartitions(int partitions) {
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new InvalidPartitionsException("partitions must be between 1 and " + MAX_PARTITIONS + ", was " + partitions);
    }
  }

  private <T> CompletableFuture<T> onAdmin(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, admin);
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
