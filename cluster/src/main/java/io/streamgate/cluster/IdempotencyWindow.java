package io.streamgate.cluster;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.format.RecordBatch;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The recent idempotent batches of one partition replica, by (producer id, base sequence): the
 * gateway derives both from a request's {@code Idempotency-Key}, and they travel in the batch
 * header, so every replica learns them as it appends (as follower from the moment it accepts a
 * fetched batch, before the write completes), and rebuilds them from its log's tail when it starts. A leader that finds a batch's id here answers the earlier append instead of writing
 * again, also when that append was made by a previous leader. The oldest entries are forgotten first.
 */
final class IdempotencyWindow {
  /** Batches remembered per partition replica. */
  static final int CAPACITY = 20_000;
  /** Records read back from the log's tail when a replica starts. */
  private static final long REBUILD_RECORDS = 200_000;

  record BatchId(long producerId, int sequence) {
    static BatchId of(RecordBatch batch) {
      return batch.producerId() < 0 ? null : new BatchId(batch.producerId(), batch.baseSequence());
    }
  }

  private final Map<BatchId, CompletableFuture<AppendResult>> appends = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<BatchId, CompletableFuture<AppendResult>> eldest) {
      return size() > CAPACITY;
    }
  };

  synchronized CompletableFuture<AppendResult> get(BatchId id) {
    return appends.get(id);
  }

  synchronized void put(BatchId id, CompletableFuture<AppendResult> append) {
    appends.put(id, append);
    // A failed append wrote nothing: a retry must write.
    append.whenComplete((result, failure) -> {
      if (failure != null) {
        remove(id, append);
      }
    });
  }

  private synchronized void remove(BatchId id, CompletableFuture<AppendResult> append) {
    appends.remove(id, append);
  }

  /** Learns a batch found in the log when the replica starts. */
  void learn(RecordBatch batch) {
    BatchId id = BatchId.of(batch);
    if (id != null) {
      synchronized (this) {
        appends.put(id, CompletableFuture.completedFuture(
            new AppendResult(batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), batch.sizeInBytes())));
      }
    }
  }

  /** Forgets batches at or past {@code offset}: a truncation removed them. */
  synchronized void truncateTo(long offset) {
    Iterator<CompletableFuture<AppendResult>> it = appends.values().iterator();
    while (it.hasNext()) {
      CompletableFuture<AppendResult> append = it.next();
      if (append.isDone() && !append.isCompletedExceptionally() && append.join().lastOffset() >= offset) {
        it.remove();
      }
    }
  }

  /** Learns the idempotent batches in the last records of {@code log}. */
  void rebuild(PartitionLog log) {
    long offset = Math.max(log.logStartOffset(), log.logEndOffset() - REBUILD_RECORDS);
    long end = log.logEndOffset();
    while (offset < end) {
      ReadResult read = log.read(offset, 4 * 1024 * 1024, end);
      if (read.isEmpty()) {
        return;
      }
      for (RecordBatch batch : read.batchList()) {
        learn(batch);
      }
      offset = read.nextOffset();
    }
  }
}
