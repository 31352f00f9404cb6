package io.streamgate.cluster.groups;

import io.streamgate.cluster.Acks;
import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.ClusterNode;
import io.streamgate.cluster.PartitionOffsets;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicDescription;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicSpec;
import io.streamgate.cluster.TopicSummary;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.EpochEndOffset;
import io.streamgate.logstore.LogSlice;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Topics in memory: topic {@code t} of {@link #partitionCount} partitions (1 unless a test adds
 * some); per partition values by offset, a log start, watches woken on append.
 */
final class MemoryPartitions implements PartitionService {
  private final java.util.concurrent.atomic.AtomicLong nextProducerId = new java.util.concurrent.atomic.AtomicLong();
  private final Map<TopicPartition, List<String>> logs = new HashMap<>();
  private final Map<TopicPartition, Long> starts = new HashMap<>();
  private final List<Map.Entry<Long, Runnable>> watches = new ArrayList<>();
  /** Partitions per topic; topic "t" has 1 unless a test changes it. */
  final Map<String, Integer> partitionCount = new ConcurrentHashMap<>(Map.of("t", 1));
  /** The id of each topic's incarnation; a topic of {@link #partitionCount} has its name's derived id until re-created. */
  private final Map<String, TopicId> topicIds = new ConcurrentHashMap<>();

  /** Deletes {@code topic} and creates it again under its name, empty, with a new id and as many partitions. */
  synchronized void recreate(String topic) {
    logs.keySet().removeIf(tp -> tp.topic().equals(topic));
    starts.keySet().removeIf(tp -> tp.topic().equals(topic));
    topicIds.put(topic, TopicId.random());
  }

  void append(TopicPartition tp, String... values) {
    List<Runnable> due = new ArrayList<>();
    synchronized (this) {
      logs.computeIfAbsent(tp, k -> new ArrayList<>()).addAll(List.of(values));
      long end = logs.get(tp).size();
      watches.removeIf(w -> {
        if (w.getKey() < end) {
          due.add(w.getValue());
          return true;
        }
        return false;
      });
    }
    due.forEach(Runnable::run);
  }

  synchronized void deleteBefore(TopicPartition tp, long offset) {
    starts.put(tp, offset);
  }

  @Override
  public synchronized CompletableFuture<ReadResult> read(TopicPartition tp, long offset, int maxBytes, String rack) {
    List<String> log = logs.getOrDefault(tp, List.of());
    long start = starts.getOrDefault(tp, 0L);
    long end = log.size();
    if (offset < start || offset > end) {
      return CompletableFuture.failedFuture(new OffsetOutOfRangeException("offset " + offset + " is outside " + tp, start, end));
    }
    ByteBuffer batches = ByteBuffer.allocate(0);
    if (offset < end) {
      RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE).baseOffset(offset);
      for (long o = offset; o < end; o++) {
        builder.append(0, null, log.get((int) o).getBytes(StandardCharsets.UTF_8), List.of());
      }
      batches = builder.build().buffer();
    }
    return CompletableFuture.completedFuture(new ReadResult(offset, batches, end, start, end));
  }

  @Override
  public synchronized CompletableFuture<PartitionOffsets> offsets(TopicPartition tp, OptionalLong timestamp) {
    long end = logs.getOrDefault(tp, List.of()).size();
    return CompletableFuture.completedFuture(new PartitionOffsets(starts.getOrDefault(tp, 0L), end, end, Optional.empty()));
  }

  @Override
  public Cancellable watch(TopicPartition tp, long offset, String rack, Runnable onData) {
    Map.Entry<Long, Runnable> watch = Map.entry(offset, onData);
    synchronized (this) {
      if (logs.getOrDefault(tp, List.of()).size() <= offset) {
        watches.add(watch);
        return () -> {
          synchronized (this) {
            watches.remove(watch);
          }
        };
      }
    }
    onData.run();
    return () -> {};
  }

  @Override
  public Optional<TopicMetadata> cachedTopic(String topic) {
    return Optional.ofNullable(partitionCount.get(topic)).map(count -> new TopicMetadata(topic, count, 1, Map.of()));
  }

  @Override
  public Optional<List<PartitionState>> cachedPartitions(String topic) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<TopicId> cachedTopicId(String topic) {
    return partitionCount.containsKey(topic) ? Optional.of(topicIds.computeIfAbsent(topic, TopicId::derived)) : Optional.empty();
  }

  @Override
  public Optional<String> cachedTopicName(TopicId id) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<TopicMetadata> validateTopic(TopicSpec spec) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<TopicMetadata> validateTopicUpdate(String topic, OptionalInt partitions, Map<String, ?> config) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<AppendResult> appendHere(TopicPartition tp, RecordBatch batch, Acks acks) {
    return append(tp, batch, acks);
  }

  @Override
  public CompletableFuture<LogSlice> sliceHere(TopicPartition tp, int currentLeaderEpoch, long offset, int maxBytes) {
    throw new UnsupportedOperationException("the groups do not ask it");
  }

  @Override
  public CompletableFuture<PartitionOffsets> offsetsHere(TopicPartition tp, int currentLeaderEpoch, OptionalLong timestamp) {
    return offsets(tp, timestamp);
  }

  @Override
  public CompletableFuture<LogSlice> sliceInSync(TopicPartition tp, int currentLeaderEpoch, long offset, int maxBytes) {
    throw new UnsupportedOperationException("the groups do not ask it");
  }

  @Override
  public CompletableFuture<PartitionOffsets> offsetsInSync(TopicPartition tp, int currentLeaderEpoch) {
    return offsets(tp, OptionalLong.empty());
  }

  @Override
  public Optional<String> preferredReadReplica(TopicPartition tp, String clientRack, long offset) {
    return Optional.empty(); // one node, no followers
  }

  @Override
  public CompletableFuture<Optional<EpochEndOffset>> endOffsetForEpochHere(TopicPartition tp, int currentLeaderEpoch,
      int leaderEpoch) {
    throw new UnsupportedOperationException("the groups do not ask it");
  }

  @Override
  public CompletableFuture<Long> deleteRecords(TopicPartition tp, long beforeOffset) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<Long> deleteRecordsHere(TopicPartition tp, long beforeOffset) {
    throw new UnsupportedOperationException();
  }

  @Override
  public String nodeId() {
    return "node-1";
  }

  @Override
  public List<ClusterNode> nodes() {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<Integer> rebalance() {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<Integer> removeNode(String id, boolean forget) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<TopicDescription> createTopic(TopicSpec spec) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<List<TopicSummary>> listTopics() {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<TopicDescription> describeTopic(String topic) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<TopicDescription> updateTopic(String topic, OptionalInt count, Map<String, ?> config) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<Void> deleteTopic(String topic) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<Void> deleteTopic(String topic, TopicId id) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<Long> newProducerId() {
    return CompletableFuture.completedFuture(nextProducerId.getAndIncrement());
  }

  @Override
  public CompletableFuture<AppendResult> append(TopicPartition tp, RecordBatch batch, Acks acks) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Cancellable watchTopics(Runnable onChange) {
    return () -> {};
  }

  @Override
  public void close() {}
}
