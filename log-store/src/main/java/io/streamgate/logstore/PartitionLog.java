package io.streamgate.logstore;

import io.streamgate.logstore.LogConfig.FlushPolicy;
import io.streamgate.logstore.ProducerStateTable.BatchMetadata;
import io.streamgate.logstore.ProducerStateTable.ProducerEntry;
import io.streamgate.logstore.format.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only log of one partition: a run of {@link Segment}s ordered by base offset.
 *
 * <p>Writes: every change (append, truncation, deletion of records, roll) runs on the data
 * directory's single {@link LogWriter} thread and returns a future, so callers never block on disk
 * and appends from many callers share writes and fsyncs. Futures complete on the writer thread.
 * Batches handed to {@code append} are validated on the caller's thread first, and then changed in
 * place (their base offset and leader epoch are set): the caller must not reuse them.
 *
 * <p>Reads: {@link #read} runs on the caller's thread, any thread, with positional reads and no
 * locks, and never returns a batch at or past the high watermark (unless asked to read further).
 * The high watermark is set by the owner of the log ({@link #updateHighWatermark}): on a single node
 * the log end, with replication the minimum over the in-sync replicas. Listeners hear every move.
 *
 * <p>Idempotent producers: a leader append of a batch from an allocated producer id is checked
 * against the {@link ProducerStateTable} on the writer thread, atomically with its offsets; a retry
 * of one of the producer's last batches writes nothing and answers the earlier offsets. Every replica
 * rebuilds the table from the batch headers it appends; a snapshot of it is written at each roll
 * ({@link ProducerSnapshotFile}), so loading and truncation replay only the batches after one.
 *
 * <p>Failures: an I/O error while writing turns the partition read-only: later writes fail with
 * {@link LogStorageException} until the store is reopened and the partition recovered.
 */
public final class PartitionLog {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);
  /** Bytes read at a time when the producer state is rebuilt from the log. */
  private static final int REPLAY_CHUNK_BYTES = 1024 * 1024;

  private final TopicPartition topicPartition;
  private final Path dir;
  private final Clock clock;
  private final LogWriter writer;
  private final Maintenance maintenance;
  private final ConcurrentSkipListMap<Long, Segment> segments;
  private final LeaderEpochCache epochs;
  /** Writer thread only (the loader's before the log is published). */
  private final ProducerStateTable producers;
  /**
   * Serializes snapshot writes (maintenance thread) with the deletions a truncation makes (writer):
   * a snapshot taken before a truncation, of records it removed, must not be written after it.
   */
  private final Object snapshotLock = new Object();
  /** Counts truncations under {@link #snapshotLock}; a snapshot taken in an older generation is dropped. */
  private long snapshotGeneration;
  /** Batches the last rebuild of the producer state replayed; for tests of its bound. */
  private volatile int replayedBatches;
  private final List<HighWatermarkListener> listeners = new CopyOnWriteArrayList<>();
  private final Object highWatermarkLock = new Object();
  private volatile LogConfig config;
  private volatile long logStartOffset;
  private volatile long logEndOffset;
  private volatile long highWatermark;
  private volatile long recoveryPoint;
  private volatile long lastFlushMs;
  /** Truncations so far (writer thread only): tells the compactor that a segment it copied may have lost records since. */
  private volatile long truncations;
  private volatile LogStoreException writeFailure;
  private volatile boolean closed;
  /** Completes once the log start set by the last move is checkpointed. Writer thread only. */
  private CompletableFuture<Void> logStartCheckpointed = CompletableFuture.completedFuture(null);

  /** What the log needs from its store besides the writer: background work. */
  interface Maintenance {
    /** Runs {@code task} on the store's maintenance thread. */
    void execute(Runnable task);

    /**
     * Called on the writer thread after the log start offset moved. Checkpoints it off the writer;
     * the future completes once the checkpoint is durable.
     */
    CompletableFuture<Void> logStartOffsetChanged(PartitionLog log);
  }

  PartitionLog(TopicPartition topicPartition, Path dir, LogConfig config, Clock clock, LogWriter writer,
      Maintenance maintenance, ConcurrentSkipListMap<Long, Segment> segments, LeaderEpochCache epochs,
      ProducerStateTable producers, long logStartOffset, long highWatermark, long recoveryPoint) {
    this.topicPartition = topicPartition;
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.writer = writer;
    this.maintenance = maintenance;
    this.segments = segments;
    this.epochs = epochs;
    this.producers = producers;
    this.logEndOffset = segments.lastEntry().getValue().nextOffset();
    this.logStartOffset = logStartOffset;
    this.highWatermark = Math.max(logStartOffset, Math.min(highWatermark, logEndOffset));
    this.recoveryPoint = Math.min(recoveryPoint, logEndOffset);
    this.lastFlushMs = clock.milliseconds();
  }

  public TopicPartition topicPartition() {
    return topicPartition;
  }

  public LogConfig config() {
    return config;
  }

  Path dir() {
    return dir;
  }

  /** The first offset the log holds. */
  public long logStartOffset() {
    return logStartOffset;
  }

  /** The next offset the log will assign. */
  public long logEndOffset() {
    return logEndOffset;
  }

  /** Readers see records below this offset only. */
  public long highWatermark() {
    return highWatermark;
  }

  /** Offsets below this are known to be on disk (fsynced). */
  public long recoveryPoint() {
    return recoveryPoint;
  }

  /** Bytes in all segments. */
  public long sizeInBytes() {
    long total = 0;
    for (Segment segment : segments.values()) {
      total += segment.size();
    }
    return total;
  }

  public int segmentCount() {
    return segments.size();
  }

  /** The latest leader epoch seen in an append or recorded by {@link #startLeaderEpoch}, or -1. */
  public int latestEpoch() {
    return epochs.latestEpoch();
  }

  /** See {@link EpochEndOffset}. */
  public Optional<EpochEndOffset> endOffsetForEpoch(int epoch) {
    return epochs.endOffsetFor(epoch, logEndOffset);
  }

  public void addListener(HighWatermarkListener listener) {
    listeners.add(listener);
  }

  public void removeListener(HighWatermarkListener listener) {
    listeners.remove(listener);
  }

  // ---------------------------------------------------------------- appends

  /** Appends {@code batch} as leader in the latest known epoch (0 for a log that never had one). */
  public CompletableFuture<AppendResult> append(RecordBatch batch) {
    return append(batch, Math.max(0, epochs.latestEpoch()));
  }

  /**
   * Appends {@code batch} as leader of {@code leaderEpoch}: the log assigns its offsets, continuing
   * from the log end. The future completes once the batch is written and, under
   * {@link FlushPolicy#ALWAYS}, fsynced. It fails with {@link CorruptRecordException},
   * {@link RecordTooLargeException} or {@link InvalidRecordException} for bad input, {@link
   * UnsupportedTransactionsException} for a transactional or control batch, {@link
   * InvalidProducerEpochException} or {@link OutOfOrderSequenceException} for an idempotent producer's
   * batch that breaks its sequence, and then nothing of the batch was written. A retry of one of an
   * idempotent producer's last batches writes nothing either, and completes with that batch's offsets
   * ({@link AppendResult#duplicate}).
   */
  public CompletableFuture<AppendResult> append(RecordBatch batch, int leaderEpoch) {
    try {
      validate(batch, true);
    } catch (LogStoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    return writer.submit(this, batch.sizeInBytes(), config.flushPolicy() == FlushPolicy.ALWAYS, () -> {
      ensureWritable();
      Optional<BatchMetadata> repeated = producers.checkLeaderAppend(batch);
      if (repeated.isPresent()) {
        BatchMetadata earlier = repeated.get();
        return new AppendResult(earlier.baseOffset(), earlier.lastOffset(), earlier.maxTimestamp(), 0, true);
      }
      batch.setBaseOffset(logEndOffset);
      batch.setPartitionLeaderEpoch(leaderEpoch);
      return appendOnWriter(batch);
    });
  }

  /**
   * Appends a batch copied from the leader, keeping its offsets and epoch. It must start at or after
   * the log end ({@link InvalidRecordException} otherwise): a follower first truncates to the point
   * where its history and the leader's diverge.
   */
  public CompletableFuture<AppendResult> appendAsFollower(RecordBatch batch) {
    try {
      validate(batch, false);
    } catch (LogStoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    return writer.submit(this, batch.sizeInBytes(), config.flushPolicy() == FlushPolicy.ALWAYS, () -> {
      ensureWritable();
      if (batch.baseOffset() < logEndOffset) {
        throw new InvalidRecordException("batch at offset " + batch.baseOffset() + " does not continue " + topicPartition
            + ", whose log ends at " + logEndOffset);
      }
      return appendOnWriter(batch);
    });
  }

  private void validate(RecordBatch batch, boolean asLeader) {
    LogConfig current = config;
    if (batch.sizeInBytes() > current.maxRecordBytes()) {
      throw new RecordTooLargeException("batch of " + batch.sizeInBytes() + " bytes exceeds " + LogConfig.MAX_RECORD_BYTES
          + " = " + current.maxRecordBytes() + " of " + topicPartition);
    }
    batch.ensureValid();
    if (batch.recordCount() <= 0) {
      throw new InvalidRecordException("a batch must hold at least one record");
    }
    if (asLeader && (batch.isTransactional() || batch.isControl())) {
      throw new UnsupportedTransactionsException("a transactional or control batch came for " + topicPartition
          + "; Streamgate does not support Kafka transactions");
    }
    if (asLeader && ProducerIds.isAllocated(batch.producerId()) && (batch.producerEpoch() < 0 || batch.baseSequence() < 0)) {
      throw new InvalidRecordException("a batch of producer " + batch.producerId() + " needs an epoch and a base sequence"
          + " of at least 0, had " + batch.producerEpoch() + " and " + batch.baseSequence());
    }
    if (asLeader && batch.lastOffsetDelta() != batch.recordCount() - 1) {
      throw new InvalidRecordException("a batch of " + batch.recordCount() + " records has last offset delta "
          + batch.lastOffsetDelta() + "; a producer's batch numbers its records 0.." + (batch.recordCount() - 1));
    }
    // Every record's framing, as a reader will decode it, without decoding (nor allocating) here.
    int keyless = batch.checkRecords();
    if (current.cleanupPolicy().compacts() && keyless > 0) {
      throw new InvalidRecordException("compacted topic " + topicPartition.topic() + " needs a key on every record");
    }
  }

  /** Writes one batch whose offsets are set, rolling first if it does not fit. Writer thread only. */
  private AppendResult appendOnWriter(RecordBatch batch) throws IOException {
    try {
      Segment active = maybeRoll(batch);
      active.append(batch);
      logEndOffset = batch.nextOffset();
      epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
      producers.update(batch);
      return new AppendResult(batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), batch.sizeInBytes());
    } catch (IOException e) {
      throw fail(e);
    }
  }

  private Segment maybeRoll(RecordBatch next) throws IOException {
    Segment active = segments.lastEntry().getValue();
    LogConfig current = config;
    boolean full = active.wouldOverflow(next.sizeInBytes(), next.lastOffset(), current.segmentBytes());
    boolean old = !active.isEmpty() && clock.milliseconds() - active.createdMs() >= current.segmentMs();
    return full || old ? rollOnWriter() : active;
  }

  /** Starts a new segment at the log end and flushes the old one in the background. Writer thread only. */
  private Segment rollOnWriter() throws IOException {
    Segment previous = segments.lastEntry().getValue();
    if (previous.isEmpty()) {
      return previous;
    }
    Segment fresh = Segment.create(dir, logEndOffset, config.indexIntervalBytes(), clock.milliseconds());
    segments.put(fresh.baseOffset(), fresh);
    maintenance.execute(() -> flushRolled(previous));
    snapshotProducersLater(fresh.baseOffset());
    LOG.debug("{} rolled to a new segment at offset {}", topicPartition, fresh.baseOffset());
    return fresh;
  }

  /** Starts a new segment now (if the active one holds anything). */
  public CompletableFuture<Void> roll() {
    return writer.submit(this, 0, false, () -> {
      ensureWritable();
      rollOnWriter();
      return null;
    });
  }

  /**
   * Records that leader epoch {@code epoch} starts at the log end, as a replica that starts leading
   * does before it answers its followers (Kafka's {@code Partition.makeLeader}): the history then
   * holds the leader's own epoch before anything is appended in it, so {@link #endOffsetForEpoch}
   * tells a follower whose last epoch is older, or unknown here, where that epoch ends in this log.
   * Runs on the writer thread after every change queued before it (so the log end it records is
   * final) and persists the history; an epoch not newer than the latest is ignored. An epoch that
   * stays empty is dropped by a truncation to the log end and when the log is reopened (as Kafka's).
   */
  public CompletableFuture<Void> startLeaderEpoch(int epoch) {
    return writer.submit(this, 0, false, () -> {
      ensureWritable();
      epochs.assign(epoch, logEndOffset);
      return null;
    });
  }

  // ---------------------------------------------------------------- reads

  /** Reads from {@code offset} up to the high watermark; see {@link #read(long, int, long)}. */
  public ReadResult read(long offset, int maxBytes) {
    return read(offset, maxBytes, highWatermark);
  }

  /**
   * Reads whole batches from the one holding {@code offset}, up to {@code maxBytes} (at least one
   * batch, however large, so a reader always progresses), and only batches wholly below {@code
   * maxOffsetExclusive} (and the log end). An offset below the log start or past the log end is
   * an {@link OffsetOutOfRangeException}; an offset at the end reads nothing. Thread-safe.
   */
  public ReadResult read(long offset, int maxBytes, long maxOffsetExclusive) {
    return readRetrying(offset, maxBytes,
        (hw, start, end) -> new ReadResult(offset, readSegments(offset, maxBytes, Math.min(maxOffsetExclusive, end)), hw, start, end));
  }

  /**
   * As {@link #read(long, int)}, but the batches stay in their segment file, to be sent from there:
   * only batch headers are read. The batches of one answer come from one segment (the next read
   * goes on in the next). Thread-safe.
   */
  public LogSlice slice(long offset, int maxBytes) {
    return readRetrying(offset, maxBytes, (hw, start, end) -> sliceSegments(offset, maxBytes, hw, start, end));
  }

  /** A read of the segments, given the high watermark, log start and log end it was checked against. */
  private interface SegmentsRead<T> {
    T read(long highWatermark, long logStart, long logEnd) throws IOException;
  }

  /** Checks {@code offset} against the log's bounds, then reads, again if a segment was deleted under it. */
  private <T> T readRetrying(long offset, int maxBytes, SegmentsRead<T> read) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
    }
    for (int attempt = 0;; attempt++) {
      ensureOpen();
      long hw = highWatermark;
      long start = logStartOffset;
      long end = logEndOffset;
      if (offset < start || offset > end) {
        throw new OffsetOutOfRangeException("offset " + offset + " is outside " + topicPartition + ", which holds ["
            + start + ", " + end + ")", start, end);
      }
      try {
        return read.read(hw, start, end);
      } catch (ClosedChannelException e) {
        // The segment was deleted (retention, truncation) while we read it: look again.
        if (attempt >= 2) {
          throw new LogStorageException("cannot read " + topicPartition + " at " + offset, e);
        }
      } catch (IOException e) {
        throw new LogStorageException("cannot read " + topicPartition + " at " + offset, e);
      }
    }
  }

  private LogSlice sliceSegments(long offset, int maxBytes, long hw, long start, long end) throws IOException {
    long limit = Math.min(hw, end);
    if (offset < limit) {
      Map.Entry<Long, Segment> entry = segments.floorEntry(offset);
      if (entry == null) {
        entry = segments.firstEntry();
      }
      while (entry != null && entry.getKey() < limit) {
        LogSlice slice = entry.getValue().slice(offset, maxBytes, limit, hw, start, end);
        if (slice != null) {
          return slice;
        }
        entry = segments.higherEntry(entry.getKey());
      }
    }
    return LogSlice.empty(offset, hw, start, end);
  }

  private ByteBuffer readSegments(long offset, int maxBytes, long limit) throws IOException {
    if (offset >= limit) {
      return ByteBuffer.allocate(0);
    }
    Map.Entry<Long, Segment> entry = segments.floorEntry(offset);
    if (entry == null) {
      entry = segments.firstEntry();
    }
    while (entry != null && entry.getKey() < limit) {
      ByteBuffer batches = entry.getValue().read(offset, maxBytes, limit, true);
      if (batches.hasRemaining()) {
        return batches;
      }
      entry = segments.higherEntry(entry.getKey());
    }
    return ByteBuffer.allocate(0);
  }

  /**
   * The first record whose timestamp is at or after {@code timestamp}, at or after the log start
   * and below the high watermark; empty when there is none.
   */
  public Optional<TimestampOffset> offsetForTimestamp(long timestamp) {
    ensureOpen();
    long start = logStartOffset;
    long hw = highWatermark;
    try {
      for (Segment segment : segments.values()) {
        if (segment.nextOffset() <= start) {
          continue;
        }
        Optional<TimestampOffset> found = segment.findOffsetByTimestamp(timestamp, start);
        if (found.isPresent()) {
          return found.filter(hit -> hit.offset() < hw);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new LogStorageException("cannot search " + topicPartition + " by timestamp", e);
    }
  }

  /**
   * The first record holding the largest timestamp of the log (Kafka's ListOffsets {@code -3}), at
   * or after the log start and below the high watermark; empty when there is none, or when that
   * record is not committed yet. The largest timestamp is each segment's, so a record below the log
   * start (records deleted inside a segment) that held it also gives empty.
   */
  public Optional<TimestampOffset> offsetOfMaxTimestamp() {
    ensureOpen();
    long max = -1;
    for (Segment segment : segments.values()) {
      if (segment.nextOffset() > logStartOffset) {
        max = Math.max(max, segment.maxTimestamp());
      }
    }
    return max < 0 ? Optional.empty() : offsetForTimestamp(max);
  }

  // ---------------------------------------------------------------- offsets

  /**
   * Moves the high watermark to {@code offset}, clamped to [log start, log end]. It only moves
   * forward here; truncation moves it back. Listeners hear of every change. Thread-safe.
   */
  public void updateHighWatermark(long offset) {
    long updated;
    synchronized (highWatermarkLock) {
      long clamped = Math.max(logStartOffset, Math.min(offset, logEndOffset));
      if (clamped <= highWatermark) {
        return;
      }
      highWatermark = clamped;
      updated = clamped;
    }
    notifyListeners(updated);
  }

  private void lowerHighWatermarkTo(long offset) {
    synchronized (highWatermarkLock) {
      if (highWatermark <= offset) {
        return;
      }
      highWatermark = offset;
    }
    notifyListeners(offset);
  }

  /** Moves the high watermark to exactly {@code offset}, down or up: the log was restarted there. */
  private void setHighWatermark(long offset) {
    synchronized (highWatermarkLock) {
      if (highWatermark == offset) {
        return;
      }
      highWatermark = offset;
    }
    notifyListeners(offset);
  }

  private void notifyListeners(long hw) {
    for (HighWatermarkListener listener : listeners) {
      try {
        listener.onHighWatermark(topicPartition, hw);
      } catch (RuntimeException e) {
        LOG.error("high watermark listener of {} threw", topicPartition, e);
      }
    }
  }

  /**
   * Makes offsets below {@code offset} unreadable (Kafka's DeleteRecords): the log start moves there
   * and segments wholly below it are deleted. {@code offset} may not pass the high watermark.
   * Completes with the new log start offset once it is checkpointed: the start moves between
   * segment boundaries, where the segment files cannot name it, and a restart that forgot it would
   * serve the deleted records again. Readers stop seeing them at once.
   */
  public CompletableFuture<Long> deleteRecordsBefore(long offset) {
    return writer.submit(this, 0, false, () -> {
      ensureWritable();
      if (offset > highWatermark) {
        throw new OffsetOutOfRangeException("cannot delete records up to " + offset + " of " + topicPartition
            + ": past its high watermark " + highWatermark, logStartOffset, logEndOffset);
      }
      if (offset > logStartOffset) {
        advanceLogStartOnWriter(offset);
      }
      // Also when it had moved there already: that move may not be checkpointed yet.
      long start = logStartOffset;
      return logStartCheckpointed.thenApply(checkpointed -> start);
    }).thenCompose(checkpointed -> checkpointed);
  }

  private void advanceLogStartOnWriter(long offset) throws IOException {
    logStartOffset = offset;
    while (segments.size() > 0) {
      Segment oldest = segments.firstEntry().getValue();
      boolean active = segments.size() == 1;
      // An empty segment below the offset goes too (compaction can empty one), unless it is the
      // active one, which rolling would not replace.
      if (oldest.nextOffset() > offset || (active && oldest.isEmpty())) {
        break;
      }
      if (active) {
        rollOnWriter();
      }
      retire(segments.pollFirstEntry().getValue());
    }
    epochs.truncateFromStart(offset);
    producers.dropBelow(offset);
    long oldestSegment = segments.firstKey();
    maintenance.execute(() -> deleteSnapshotsBelow(oldestSegment));
    logStartCheckpointed = maintenance.logStartOffsetChanged(this);
  }

  /**
   * Removes every record at or after {@code offset} (a batch holding it goes whole), and the epochs
   * starting there, for a follower whose history diverged from its new leader's. Completes with the
   * new log end offset, which is never below the log start.
   */
  public CompletableFuture<Long> truncateTo(long offset) {
    return writer.submit(this, 0, false, () -> {
      ensureWritable();
      if (offset < logStartOffset) {
        throw new OffsetOutOfRangeException("cannot truncate " + topicPartition + " to " + offset
            + ", below its log start " + logStartOffset, logStartOffset, logEndOffset);
      }
      if (offset >= logEndOffset) {
        // An epoch recorded at the log end by a replica that led and appended nothing in it: the
        // leader it now follows does not have it, and would answer it as diverging at every fetch.
        epochs.truncateFromEnd(logEndOffset);
        return logEndOffset;
      }
      try {
        truncations++;
        while (segments.size() > 1 && segments.lastKey() >= offset) {
          retire(segments.pollLastEntry().getValue());
        }
        long newEnd = segments.lastEntry().getValue().truncateTo(offset);
        if (newEnd < logStartOffset) {
          newEnd = emptyAtLogStartOnWriter();
        }
        logEndOffset = newEnd;
        recoveryPoint = Math.min(recoveryPoint, newEnd);
        epochs.truncateFromEnd(newEnd);
        lowerHighWatermarkTo(newEnd);
        loadProducerState();
        return newEnd;
      } catch (IOException e) {
        throw fail(e);
      }
    });
  }

  /**
   * Empties the log and starts it again at {@code offset} (Kafka's {@code truncateFullyAndStartAt}),
   * for a follower whose log ends below its leader's log start: retention deleted, while it was away,
   * the records that would continue its log, so nothing it holds can be continued. Every segment goes;
   * the log starts and ends at {@code offset}, the high watermark moves there (down or up), and the
   * leader-epoch history is forgotten (the next append starts it again). Completes with the new log
   * start.
   *
   * <p>Crash-safe by the order of its steps on disk. The old segments are retired oldest first, so a
   * restart in between finds a suffix of the old log (or no segment, hence an empty log at the old
   * start, whose epochs the loader drops); the epoch history is cleared next; only then is the new
   * segment created, and a restart from there finds the new empty log, its start named by its segment
   * even before the log start checkpoint is written. Either way the follower finds its log below the
   * leader's log start again and repeats this, or continues from where this left it.
   */
  public CompletableFuture<Long> truncateFullyAndStartAt(long offset) {
    if (offset < 0) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("a log cannot start at " + offset));
    }
    return writer.submit(this, 0, false, () -> {
      ensureWritable();
      try {
        truncations++;
        List<Segment> old = new ArrayList<>(segments.values());
        // The old segments stay in the map until the new one is in, so that it is never empty;
        // readers of a renamed segment still read its open file.
        for (Segment segment : old) {
          segment.markDeleted();
        }
        epochs.clear();
        producers.clear();
        synchronized (snapshotLock) {
          snapshotGeneration++;
          ProducerSnapshotFile.offsets(dir).forEach(snapshot -> ProducerSnapshotFile.delete(dir, snapshot));
        }
        segments.put(offset, Segment.create(dir, offset, config.indexIntervalBytes(), clock.milliseconds()));
        CheckpointFile.fsyncDirectory(dir);
        for (Segment segment : old) {
          segments.remove(segment.baseOffset(), segment);
          // Renamed above already: the new segment may have taken the old one's name since.
          deleteMarkedLater(segment);
        }
        // The start first: a reader that sees the new start with the old end finds nothing in range.
        logStartOffset = offset;
        logEndOffset = offset;
        recoveryPoint = offset;
        setHighWatermark(offset);
        // Not waited for: the new segment, already durable, names the start (see above).
        logStartCheckpointed = maintenance.logStartOffsetChanged(this);
        return offset;
      } catch (IOException e) {
        throw fail(e);
      }
    });
  }

  /**
   * Replaces every segment by one empty segment at the log start. Truncation needs this when the
   * batch it cut straddled the log start: what it kept lies wholly below the log start, where no one
   * may read, and the log must not end below where it starts. Writer thread only.
   */
  private long emptyAtLogStartOnWriter() throws IOException {
    List<Segment> old = new ArrayList<>(segments.values());
    segments.put(logStartOffset, Segment.create(dir, logStartOffset, config.indexIntervalBytes(), clock.milliseconds()));
    for (Segment segment : old) {
      segments.remove(segment.baseOffset(), segment);
      retire(segment);
    }
    return logStartOffset;
  }

  /**
   * Takes a segment out of service: its files are renamed so that a restart never loads them, and
   * deleted, with the file closed, a little later on the maintenance thread, so that a read that
   * already holds the segment finishes.
   */
  private void retire(Segment segment) throws IOException {
    segment.markDeleted();
    deleteMarkedLater(segment);
  }

  /** The second half of {@link #retire}, for a segment whose files were renamed already. */
  private void deleteMarkedLater(Segment segment) {
    maintenance.execute(() -> {
      try {
        segment.deleteMarked();
      } catch (IOException e) {
        LOG.warn("could not delete the retired segment {}", segment, e);
      }
    });
  }

  // ---------------------------------------------------------------- flushing

  /** Fsyncs the segments that hold unflushed data; the recovery point moves to the log end. */
  public CompletableFuture<Void> flush() {
    return writer.submit(this, 0, false, () -> {
      syncOnWriter();
      return null;
    });
  }

  /**
   * Fsyncs the data from the recovery point to the log end. Writer thread only, or a helper thread
   * of the writer's while the writer waits for it (see {@link LogWriter}).
   */
  void syncOnWriter() throws IOException {
    long end = logEndOffset;
    if (end <= recoveryPoint) {
      return;
    }
    try {
      Long from = segments.floorKey(recoveryPoint);
      for (Segment segment : segments.tailMap(from == null ? segments.firstKey() : from).values()) {
        segment.forceData();
      }
    } catch (IOException e) {
      throw fail(e);
    }
    recoveryPoint = end;
    lastFlushMs = clock.milliseconds();
  }

  /** Maintenance thread: flushes a segment that was rolled, data and indexes. */
  private void flushRolled(Segment segment) {
    if (closed) {
      return; // the partition was deleted or the store closed (which flushes everything itself)
    }
    try {
      segment.flush();
    } catch (ClosedChannelException e) {
      return; // deleted meanwhile
    } catch (IOException e) {
      LOG.error("could not flush the rolled segment {}", segment, e);
    }
  }

  /** Maintenance: an interval flush, if the policy asks for one and it is due. */
  void maybeFlushOnInterval(long nowMs) {
    LogConfig current = config;
    if (current.flushPolicy() == FlushPolicy.INTERVAL && nowMs - lastFlushMs >= current.flushIntervalMs()
        && logEndOffset > recoveryPoint) {
      flush();
    }
  }

  // ---------------------------------------------------------------- retention

  /** Maintenance: deletes the segments that retention condemns. Completes with the number deleted. */
  CompletableFuture<Integer> applyRetention(long nowMs) {
    if (retentionPlan(nowMs).isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    return writer.submit(this, 0, false, () -> {
      ensureWritable();
      // Planned again here: a truncation or append queued before this task may have changed the
      // segments since, and a stale plan could move the log start past the log end.
      List<RetentionPlanner.SegmentInfo> condemned = retentionPlan(nowMs);
      if (condemned.isEmpty()) {
        return 0;
      }
      long newStart = condemned.get(condemned.size() - 1).nextOffset();
      if (newStart > logStartOffset) {
        advanceLogStartOnWriter(newStart);
      }
      return condemned.size();
    });
  }

  /** The oldest segments that retention condemns now, oldest first; none unless the policy deletes. */
  private List<RetentionPlanner.SegmentInfo> retentionPlan(long nowMs) {
    LogConfig current = config;
    if (!current.cleanupPolicy().deletes()) {
      return List.of();
    }
    List<RetentionPlanner.SegmentInfo> infos = new ArrayList<>();
    for (Segment segment : segments.values()) {
      infos.add(new RetentionPlanner.SegmentInfo(segment.baseOffset(), segment.nextOffset(), segment.size(), segment.maxTimestamp()));
    }
    return infos.subList(0, RetentionPlanner.segmentsToDelete(infos, current, nowMs, highWatermark));
  }

  // ---------------------------------------------------------------- producer state

  /**
   * Rebuilds the producer state: from the latest readable snapshot at or below the log end, then the
   * batches after it (at most about one segment's, since a snapshot is written at each roll; the whole
   * log when there is none), then drops what the log start or the expiration rules out. Snapshots past
   * the log end, and unreadable ones, are deleted. On the loader thread before the log is published, or
   * on the writer after a truncation.
   */
  void loadProducerState() {
    long end = logEndOffset;
    long oldestSegment = segments.firstKey();
    long replayFrom = oldestSegment;
    producers.clear();
    synchronized (snapshotLock) {
      snapshotGeneration++;
      List<Long> snapshots = ProducerSnapshotFile.offsets(dir);
      for (int i = snapshots.size() - 1; i >= 0; i--) {
        long snapshot = snapshots.get(i);
        if (snapshot > end) {
          ProducerSnapshotFile.delete(dir, snapshot);
          continue;
        }
        if (snapshot < oldestSegment) {
          break;
        }
        try {
          producers.restore(ProducerSnapshotFile.read(dir, snapshot));
          replayFrom = snapshot;
          break;
        } catch (CorruptRecordException e) {
          LOG.warn("{}: dropping the unreadable producer snapshot at {}: {}", topicPartition, snapshot, e.getMessage());
          ProducerSnapshotFile.delete(dir, snapshot);
        }
      }
    }
    int replayed = 0;
    long offset = replayFrom;
    try {
      while (offset < end) {
        ByteBuffer batches = readSegments(offset, REPLAY_CHUNK_BYTES, end);
        if (!batches.hasRemaining()) {
          break;
        }
        for (RecordBatch batch : RecordBatch.iterate(batches)) {
          producers.update(batch);
          offset = batch.nextOffset();
          replayed++;
        }
      }
    } catch (IOException e) {
      throw new LogStorageException("cannot rebuild the producer state of " + topicPartition + " from offset " + offset, e);
    }
    producers.dropBelow(logStartOffset);
    producers.expire(clock.milliseconds());
    replayedBatches = replayed;
  }

  /** Batches the last rebuild of the producer state read from the log. */
  int replayedBatches() {
    return replayedBatches;
  }

  /** What the producer state knows of {@code producerId} now; runs on the writer. For tests. */
  CompletableFuture<Optional<ProducerEntry>> producerState(long producerId) {
    return writer.submit(this, 0, false, () -> producers.get(producerId));
  }

  /** Maintenance: forgets the idempotent producers idle past the expiration. Completes with how many. */
  CompletableFuture<Integer> expireProducers(long nowMs) {
    return writer.submit(this, 0, false, () -> producers.expire(nowMs));
  }

  /** Writer thread: has the producer state as of {@code offset} (the log end) written on the maintenance thread. */
  private void snapshotProducersLater(long offset) {
    Map<Long, ProducerEntry> state = producers.copy();
    long generation;
    synchronized (snapshotLock) {
      generation = snapshotGeneration;
    }
    maintenance.execute(() -> {
      synchronized (snapshotLock) {
        if (closed || generation != snapshotGeneration) {
          return; // a truncation since may have removed records the snapshot holds
        }
        try {
          ProducerSnapshotFile.write(dir, offset, state);
        } catch (LogStoreException e) {
          LOG.warn("{}: could not write the producer snapshot at {}; a load replays from an older one", topicPartition, offset, e);
        }
      }
    });
  }

  /** Maintenance thread: deletes the snapshots below the oldest segment, which no load can replay from. */
  private void deleteSnapshotsBelow(long oldestSegment) {
    synchronized (snapshotLock) {
      if (closed) {
        return;
      }
      try {
        for (long snapshot : ProducerSnapshotFile.offsets(dir)) {
          if (snapshot < oldestSegment) {
            ProducerSnapshotFile.delete(dir, snapshot);
          }
        }
      } catch (LogStoreException e) {
        LOG.warn("{}: could not delete old producer snapshots", topicPartition, e);
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** The id of the topic incarnation this partition belongs to, as last recorded; empty if none was (a directory from before topic ids). */
  public Optional<String> topicId() {
    return PartitionMetadataFile.read(dir);
  }

  /** Records the id of the topic incarnation this partition belongs to, durably (see {@link PartitionMetadataFile}). */
  public void recordTopicId(String topicId) {
    PartitionMetadataFile.write(dir, topicId);
  }

  /** Changes the log's settings (they apply to later appends, rolls and maintenance) and persists them. */
  public void updateConfig(LogConfig newConfig) {
    PartitionConfigFile.write(dir, newConfig);
    this.config = newConfig;
  }

  /** Segments as the compactor sees them, oldest first. */
  List<Segment> segmentsSnapshot() {
    return new ArrayList<>(segments.values());
  }

  /** How many truncations this log has seen; the compactor reads it before it reads any segment. */
  long truncations() {
    return truncations;
  }

  /**
   * Writer thread: whether a compacted copy of {@code original} may still replace it. The segment
   * must still be in the log, and no truncation may have run since the compactor read {@code
   * truncationsSeen}: the copy could hold records that the truncation removed.
   */
  boolean isSwappable(Segment original, long truncationsSeen) {
    return segments.get(original.baseOffset()) == original && truncations == truncationsSeen;
  }

  /**
   * Writer thread: puts {@code cleaned} in place of the segment at its base offset, whose compacted
   * copy it is (same offsets, fewer records), once {@link #isSwappable} said it may.
   */
  void swapSegmentOnWriter(Segment cleaned) {
    segments.put(cleaned.baseOffset(), cleaned);
  }

  LogWriter writer() {
    return writer;
  }

  Maintenance maintenance() {
    return maintenance;
  }

  Clock clock() {
    return clock;
  }

  /** Flushes everything and closes the files; called by the store once its writer has stopped. */
  void closeOnShutdown() throws IOException {
    if (closed) {
      return;
    }
    if (writeFailure == null) {
      for (Segment segment : segments.values()) {
        segment.flush();
      }
      recoveryPoint = logEndOffset;
      try {
        // So that the next load replays nothing.
        ProducerSnapshotFile.write(dir, logEndOffset, producers.copy());
      } catch (LogStoreException e) {
        LOG.warn("{}: no producer snapshot at close; the next load replays from an older one", topicPartition, e);
      }
    }
    closeFiles();
  }

  /** Closes the files without flushing: the partition is being deleted, or the store is crashing in a test. */
  void closeFiles() throws IOException {
    closed = true;
    for (Segment segment : segments.values()) {
      segment.close();
    }
  }

  boolean isClosed() {
    return closed;
  }

  private void ensureOpen() {
    if (closed) {
      throw new LogClosedException(topicPartition + " is closed");
    }
  }

  private void ensureWritable() {
    ensureOpen();
    LogStoreException failure = writeFailure;
    if (failure != null) {
      throw new LogStorageException(topicPartition + " is offline after a storage error: " + failure.getMessage(), failure);
    }
  }

  /** Makes a write error sticky: the partition takes no more writes until reopened. */
  private LogStorageException fail(IOException e) {
    LogStorageException failure = new LogStorageException("write to " + topicPartition + " failed", e);
    if (e instanceof ClosedChannelException && closed) {
      return failure;
    }
    writeFailure = failure;
    LOG.error("{} is now offline for writes", topicPartition, e);
    return failure;
  }

  @Override
  public String toString() {
    return "PartitionLog(" + topicPartition + ", start=" + logStartOffset + ", end=" + logEndOffset + ", hw=" + highWatermark + ")";
  }
}
