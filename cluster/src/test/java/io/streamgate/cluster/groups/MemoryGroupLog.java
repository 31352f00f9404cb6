package io.streamgate.cluster.groups;

import io.streamgate.cluster.NotLeaderException;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code __groups} partitions, in memory, all led by this node in {@link #epoch} (1 unless a
 * test moves it; empty when set to -1). A load can be held ({@link #slowPartition}) or made to fail.
 */
final class MemoryGroupLog implements GroupLog {
  private final Map<Integer, List<RecordBatch>> partitions = new HashMap<>();
  /** The leader epoch of every partition; -1: this node leads none. */
  volatile int epoch = 1;
  /** A partition whose {@link #readAll} waits for {@link #releaseRead} (a slow load); -1 for none. */
  volatile int slowPartition = -1;
  final CountDownLatch readStarted = new CountDownLatch(1);
  final CountDownLatch releaseRead = new CountDownLatch(1);
  /** How many of the next {@link #readAll} calls fail, as a disk error would. */
  final AtomicInteger failingReads = new AtomicInteger();
  final AtomicInteger reads = new AtomicInteger();
  /** How many of the next {@link #append} calls fail as on a partition this node no longer leads. */
  final AtomicInteger appendsNotLed = new AtomicInteger();

  /** A record as an earlier coordinator of group g wrote it. */
  void record(String key, String value) {
    append(GroupCoordinator.partitionFor("g"), new RecordBatchBuilder(Compression.NONE)
        .append(0, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), List.of()).build());
  }

  /** The keys of every committed-offset record written. */
  synchronized List<String> offsetRecords() {
    return keys("o/");
  }

  /** Every record written whose key starts with {@code prefix}, in order: key, then value (null for a tombstone). */
  synchronized List<Map.Entry<String, String>> records(String prefix) {
    List<Map.Entry<String, String>> found = new ArrayList<>();
    partitions.values().forEach(batches -> batches.forEach(batch -> batch.records().forEach(record -> {
      String key = new String(record.keyBytes(), StandardCharsets.UTF_8);
      if (key.startsWith(prefix)) {
        byte[] value = record.valueBytes();
        found.add(new SimpleEntry<>(key, value == null ? null : new String(value, StandardCharsets.UTF_8)));
      }
    })));
    return found;
  }

  private List<String> keys(String prefix) {
    return records(prefix).stream().map(Map.Entry::getKey).toList();
  }

  @Override
  public OptionalInt leaderEpoch(int partition) {
    int current = epoch;
    return current < 0 ? OptionalInt.empty() : OptionalInt.of(current);
  }

  @Override
  public List<RecordBatch> readAll(int partition) {
    reads.incrementAndGet();
    if (partition == slowPartition) {
      readStarted.countDown();
      try {
        releaseRead.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failingReads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new UncheckedIOException(new IOException("disk read failed (test)"));
    }
    synchronized (this) {
      return List.copyOf(partitions.getOrDefault(partition, List.of()));
    }
  }

  @Override
  public synchronized CompletableFuture<AppendResult> append(int partition, RecordBatch batch) {
    if (appendsNotLed.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return CompletableFuture.failedFuture(new NotLeaderException("partition " + partition + " is led elsewhere now (test)"));
    }
    partitions.computeIfAbsent(partition, p -> new ArrayList<>()).add(batch);
    return CompletableFuture.completedFuture(new AppendResult(batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(),
        batch.sizeInBytes()));
  }
}
