package io.streamgate.cluster;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ProducerIds;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The recent idempotent batches of one partition replica, by (producer id, base sequence), each
 * with a fingerprint of its records (see {@link #fingerprint}): the gateway derives the id from a
 * request's {@code Idempotency-Key} ({@link ProducerIds#isIdempotencyKey}; a Kafka producer's
 * batches are the log's own concern, by sequence: see {@code ProducerStateTable}), and it travels in the batch header, so every replica learns it
 * as it appends (as follower from the moment it accepts a fetched batch, before the write
 * completes), and rebuilds the window from its log's tail when it starts: {@link #read} on a worker,
 * then {@link #merge} (what changed meanwhile wins). A leader that finds a
 * batch's id here answers the earlier append instead of writing again, also when that append was
 * made by a previous leader, if the records are the same; a batch with another's id is refused.
 * The oldest entries are forgotten first.
 */
final class IdempotencyWindow {
  /** Batches remembered per partition replica. */
  static final int CAPACITY = 20_000;
  /** Records read back from the log's tail when a replica starts. */
  private static final long REBUILD_RECORDS = 200_000;

  record BatchId(long producerId, int sequence) {
    static BatchId of(RecordBatch batch) {
      return ProducerIds.isIdempotencyKey(batch.producerId()) ? new BatchId(batch.producerId(), batch.baseSequence()) : null;
    }
  }

  /** An append under an id, and the fingerprint of the records it holds. */
  record Entry(CompletableFuture<AppendResult> append, long fingerprint) {}

  private final Map<BatchId, Entry> appends = bounded();
  /**
   * The lowest offset a truncation has cut at ({@link Long#MIN_VALUE}: the log was emptied) since
   * this window was made: a batch read from the log before the cut may be gone by now.
   */
  private long lowestCut = Long.MAX_VALUE;

  /** Insertion order, oldest first, forgotten past {@link #CAPACITY}. */
  private static Map<BatchId, Entry> bounded() {
    return new LinkedHashMap<>(256, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<BatchId, Entry> eldest) {
        return size() > CAPACITY;
      }
    };
  }

  synchronized Entry get(BatchId id) {
    return appends.get(id);
  }

  /** Remembers the batch {@code id} with records of {@code fingerprint}, as appended by {@code append}. */
  synchronized void put(BatchId id, long fingerprint, CompletableFuture<AppendResult> append) {
    Entry entry = new Entry(append, fingerprint);
    appends.put(id, entry);
    // A failed append wrote nothing: a retry must write.
    append.whenComplete((result, failure) -> {
      if (failure != null) {
        remove(id, entry);
      }
    });
  }

  private synchronized void remove(BatchId id, Entry entry) {
    appends.remove(id, entry);
  }

  /**
   * What a retry must repeat for a batch to count as the same one: the number of records and each
   * one's key, value and headers, in order (SHA-256, first 64 bits). Not the timestamps: the gateway
   * stamps records without one at each attempt. Derived from the batch as stored, so every replica
   * computes the same.
   */
  static long fingerprint(RecordBatch batch) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    ByteBuffer number = ByteBuffer.allocate(Integer.BYTES);
    Consumer<Integer> length = n -> sha.update(number.clear().putInt(n).array());
    length.accept(batch.recordCount());
    for (Record record : batch.records()) {
      for (ByteBuffer field : new ByteBuffer[] {record.key(), record.value()}) {
        length.accept(field == null ? -1 : field.remaining());
        if (field != null) {
          sha.update(field.duplicate());
        }
      }
      length.accept(record.headers().size());
      for (Header header : record.headers()) {
        byte[] key = header.key().getBytes(StandardCharsets.UTF_8);
        length.accept(key.length);
        sha.update(key);
        length.accept(header.value() == null ? -1 : header.value().length);
        if (header.value() != null) {
          sha.update(header.value());
        }
      }
    }
    return ByteBuffer.wrap(sha.digest()).getLong();
  }

  /** Forgets batches at or past {@code offset}: a truncation removed them. */
  synchronized void truncateTo(long offset) {
    lowestCut = Math.min(lowestCut, offset);
    Iterator<Entry> it = appends.values().iterator();
    while (it.hasNext()) {
      CompletableFuture<AppendResult> append = it.next().append();
      if (append.isDone() && !append.isCompletedExceptionally() && append.join().lastOffset() >= offset) {
        it.remove();
      }
    }
  }

  /** Forgets every batch: the log was emptied. */
  synchronized void clear() {
    lowestCut = Long.MIN_VALUE;
    appends.clear();
  }

  /**
   * The idempotent batches in the last records of {@code log} below {@code end}, oldest first. Reads
   * disk (up to {@code REBUILD_RECORDS} records): call from a worker, then {@link #merge}. A log
   * start moved past the reading meanwhile skips to it; a truncation below it ends the reading.
   */
  static Map<BatchId, Entry> read(PartitionLog log, long end) {
    Map<BatchId, Entry> read = bounded();
    long offset = Math.max(log.logStartOffset(), end - REBUILD_RECORDS);
    while (offset < end) {
      ReadResult result;
      try {
        result = log.read(offset, 4 * 1024 * 1024, end);
      } catch (OffsetOutOfRangeException e) {
        if (offset >= e.logStartOffset()) {
          break;
        }
        offset = e.logStartOffset();
        continue;
      }
      if (result.isEmpty()) {
        break;
      }
      for (RecordBatch batch : result.batchList()) {
        BatchId id = BatchId.of(batch);
        if (id != null) {
          read.put(id, new Entry(CompletableFuture.completedFuture(new AppendResult(batch.baseOffset(), batch.lastOffset(),
              batch.maxTimestamp(), batch.sizeInBytes())), fingerprint(batch)));
        }
      }
      offset = result.nextOffset();
    }
    return read;
  }

  /**
   * Takes in what {@link #read} found, as older than every entry made since: an id entered since
   * keeps its entry, and a batch at or past a cut made since (it may have been read before the
   * writer cut it) is left out, so nothing cut comes back.
   */
  synchronized void merge(Map<BatchId, Entry> read) {
    Map<BatchId, Entry> since = new LinkedHashMap<>(appends);
    appends.clear();
    read.forEach((id, entry) -> {
      if (entry.append().join().lastOffset() < lowestCut) {
        appends.put(id, entry);
      }
    });
    since.forEach((id, entry) -> {
      appends.remove(id);
      appends.put(id, entry);
    });
  }
}
