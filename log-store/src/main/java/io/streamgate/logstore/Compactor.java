package io.streamgate.logstore;

import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction for {@code cleanup.policy=compact}: keeps the last record of every key, and drops
 * tombstones (records with a null value) once they are older than {@code delete.retention.ms}.
 *
 * <p>Only closed segments wholly below the high watermark are cleaned. Each is rewritten one to one,
 * keeping every retained record's offset, timestamp and headers, and each batch's base offset,
 * last offset and leader epoch, so offsets never move and followers and readers see the same
 * history with gaps. The copy is written as {@code .cleaned}, fsynced, renamed {@code .swap}, and
 * swapped in on the writer thread; recovery completes or discards a swap a crash interrupted.
 *
 * <p>Runs on the maintenance thread only. The key map lives in memory while one log is cleaned:
 * about the size of the distinct keys in its closed segments.
 */
final class Compactor {
  private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

  void maybeCompact(PartitionLog log, long nowMs) {
    LogConfig config = log.config();
    if (!config.cleanupPolicy().compacts()) {
      return;
    }
    long truncationsSeen = log.truncations();
    List<Segment> all = log.segmentsSnapshot();
    List<Segment> cleanable = new ArrayList<>();
    long highWatermark = log.highWatermark();
    for (Segment segment : all.subList(0, all.size() - 1)) {
      if (segment.nextOffset() > highWatermark) {
        break;
      }
      cleanable.add(segment);
    }
    if (cleanable.isEmpty()) {
      return;
    }
    try {
      Map<ByteBuffer, Long> lastOffsetByKey = lastOffsetByKey(cleanable);
      long tombstoneHorizon = nowMs - config.deleteRetentionMs();
      for (Segment segment : cleanable) {
        clean(log, segment, lastOffsetByKey, tombstoneHorizon, truncationsSeen);
      }
    } catch (IOException e) {
      LOG.error("compaction of {} failed; it will be tried again", log.topicPartition(), e);
    }
  }

  private static Map<ByteBuffer, Long> lastOffsetByKey(List<Segment> segments) throws IOException {
    Map<ByteBuffer, Long> map = new HashMap<>();
    for (Segment segment : segments) {
      for (RecordBatch batch : segment.batchesFrom(0)) {
        for (Record record : batch.records()) {
          map.put(copy(record.key()), record.offset());
        }
      }
    }
    return map;
  }

  private static void clean(PartitionLog log, Segment segment, Map<ByteBuffer, Long> lastOffsetByKey, long tombstoneHorizon,
      long truncationsSeen) throws IOException {
    Path dir = log.dir();
    Path cleanedFile = dir.resolve(FileNames.baseName(segment.baseOffset()) + FileNames.LOG_SUFFIX + FileNames.CLEANED_SUFFIX);
    boolean changed = false;
    try (FileChannel out = FileChannel.open(cleanedFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      for (RecordBatch batch : segment.batchesFrom(0)) {
        List<Record> records = batch.records();
        List<Record> kept = new ArrayList<>();
        for (Record record : records) {
          boolean latest = lastOffsetByKey.get(record.key()) == record.offset();
          boolean expiredTombstone = record.value() == null && record.timestamp() < tombstoneHorizon;
          if (latest && !expiredTombstone) {
            kept.add(record);
          }
        }
        changed |= kept.size() != records.size();
        if (!kept.isEmpty()) {
          writeFully(out, kept.size() == records.size() ? batch.buffer() : rebuild(batch, kept).buffer());
        }
      }
      out.force(true);
    }
    if (!changed) {
      Files.delete(cleanedFile);
      return;
    }
    Segment cleaned = Segment.openAt(cleanedFile, dir, segment.baseOffset(), log.config().indexIntervalBytes(), log.clock().milliseconds());
    cleaned.recover(Integer.MAX_VALUE, segment.baseOffset());
    Path swapFile = dir.resolve(FileNames.baseName(segment.baseOffset()) + FileNames.LOG_SUFFIX + FileNames.SWAP_SUFFIX);
    Files.move(cleanedFile, swapFile, StandardCopyOption.ATOMIC_MOVE);
    boolean swapped = log.writer().submit(log, 0, false, () -> {
      if (!log.isSwappable(segment, truncationsSeen)) {
        Files.delete(swapFile); // or the next start would complete the swap
        return false;
      }
      segment.markDeleted();
      Files.move(swapFile, FileNames.logFile(dir, segment.baseOffset()), StandardCopyOption.ATOMIC_MOVE);
      cleaned.flush();
      CheckpointFile.fsyncDirectory(dir);
      log.swapSegmentOnWriter(cleaned);
      return true;
    }).join();
    if (!swapped) {
      cleaned.close();
      LOG.debug("{} of {} changed while it was compacted; the next pass compacts it again", segment, log.topicPartition());
      return;
    }
    log.maintenance().execute(() -> {
      try {
        segment.deleteMarked();
      } catch (IOException e) {
        LOG.warn("could not delete the compacted-away segment {}", segment, e);
      }
    });
    LOG.debug("compacted {} of {}: {} -> {} bytes", segment, log.topicPartition(), segment.size(), cleaned.size());
  }

  /** The same batch with only {@code kept}, at their original offsets; base and last offsets unchanged. */
  private static RecordBatch rebuild(RecordBatch original, List<Record> kept) {
    RecordBatchBuilder builder = new RecordBatchBuilder(original.compression())
        .baseOffset(original.baseOffset())
        .partitionLeaderEpoch(original.partitionLeaderEpoch())
        .producer(original.producerId(), original.producerEpoch(), original.baseSequence());
    for (Record record : kept) {
      builder.appendWithOffset(record.offset(), record.timestamp(), record.key(), record.value(), record.headers());
    }
    return builder.lastOffsetDelta(original.lastOffsetDelta()).build();
  }

  private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }

  private static ByteBuffer copy(ByteBuffer key) {
    ByteBuffer copy = ByteBuffer.allocate(key.remaining());
    copy.put(key.duplicate()).flip();
    return copy;
  }
}
