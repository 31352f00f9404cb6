package io.streamgate.logstore;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens one partition directory at start, in named passes: clear leftovers of interrupted work,
 * open the segments, recover those that may hold unflushed or torn data, and settle the offsets.
 * Nothing before the first bad byte is lost; nothing after it is ever served.
 */
final class LogLoader {
  private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

  /**
   * What loading found. {@code truncatedBytes} counts every byte recovery cut off, those of dropped
   * segments included; {@code droppedSegments} how many whole segments went.
   */
  record Loaded(PartitionLog log, long truncatedBytes, int droppedSegments) {}

  /** Where the previous run left the partition, from the store's checkpoint files. */
  record Checkpoints(boolean cleanShutdown, long recoveryPoint, long logStartOffset, long highWatermark) {}

  private LogLoader() {}

  static Loaded load(TopicPartition tp, Path dir, LogConfig defaults, Clock clock, LogWriter writer,
      PartitionLog.Maintenance maintenance, Checkpoints checkpoints, ProducerStateTable producers) throws IOException {
    LogConfig config = PartitionConfigFile.read(dir, defaults);

    // Pass 1: finish or discard work a crash interrupted.
    completeSwaps(dir);
    deleteLeftovers(dir);

    // Pass 2: open segments in offset order; recover those after the recovery point (all of them
    // after an unclean shutdown with no checkpoint), and any whose indexes fail their checks.
    List<Long> baseOffsets = segmentBaseOffsets(dir);
    long recoverFrom = checkpoints.cleanShutdown() ? Long.MAX_VALUE : floor(baseOffsets, checkpoints.recoveryPoint());
    ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    long truncatedBytes = 0;
    int dropped = 0;
    long expectedNext = -1;
    boolean damageFound = false;
    boolean previousRecovered = false;
    for (long baseOffset : baseOffsets) {
      Segment segment = Segment.open(dir, baseOffset, config.indexIntervalBytes(), clock.milliseconds());
      if (damageFound || baseOffset < expectedNext || (previousRecovered && lostTailBefore(baseOffset, expectedNext, config))) {
        // Everything after the first bad byte goes, and so does a segment overlapping its predecessor
        // or starting past the end of one that lost its tail. Its bytes count as cut: they are lost
        // as surely as a torn tail, and the report must say so.
        truncatedBytes += segment.size();
        segment.markDeleted();
        segment.deleteMarked();
        dropped++;
        damageFound = true;
        continue;
      }
      previousRecovered = baseOffset >= recoverFrom || !segment.loadIndexes();
      if (previousRecovered) {
        int cut = segment.recover(Integer.MAX_VALUE, expectedNext);
        if (cut > 0) {
          truncatedBytes += cut;
          damageFound = true;
        }
        segment.flush();
      }
      segments.put(baseOffset, segment);
      expectedNext = segment.nextOffset();
    }
    if (truncatedBytes > 0 || dropped > 0) {
      LOG.warn("{}: recovery cut {} bytes of damaged or unflushed data, {} later segment(s) included; the log now ends at {}",
          tp, truncatedBytes, dropped, expectedNext);
    }

    // Pass 3: a log always has an active segment; settle the offsets.
    if (segments.isEmpty()) {
      long start = Math.max(0, checkpoints.logStartOffset());
      segments.put(start, Segment.create(dir, start, config.indexIntervalBytes(), clock.milliseconds()));
    }
    long logEnd = segments.lastEntry().getValue().nextOffset();
    long logStart = Math.min(Math.max(checkpoints.logStartOffset(), segments.firstKey()), logEnd);
    LeaderEpochCache epochs = new LeaderEpochCache(dir);
    epochs.truncateFromEnd(logEnd);
    epochs.truncateFromStart(logStart);
    long recoveryPoint = checkpoints.cleanShutdown() ? logEnd : Math.min(checkpoints.recoveryPoint(), logEnd);
    PartitionLog log = new PartitionLog(tp, dir, config, clock, writer, maintenance, segments, epochs, producers, logStart,
        checkpoints.highWatermark(), recoveryPoint);
    // Pass 4: the idempotent producers' state, from the last snapshot and the batches after it.
    log.loadProducerState();
    return new Loaded(log, truncatedBytes, dropped);
  }

  /**
   * Whether a segment starting at {@code baseOffset} shows that its predecessor, just recovered and
   * ending at {@code previousEnd}, lost its last batches. A roll starts a segment exactly where the
   * previous one ends, and only compaction (which may drop a segment's last batches, or all of them)
   * leaves a gap there; a predecessor that lost its tail at a batch boundary, or all its bytes (a
   * file whose data never reached the disk), leaves no torn batch to find, only this gap. (A log
   * compacted before its policy became delete may still hold such gaps; recovery after an unclean
   * shutdown then cuts it at the first one it scans.)
   */
  private static boolean lostTailBefore(long baseOffset, long previousEnd, LogConfig config) {
    return !config.cleanupPolicy().compacts() && baseOffset > previousEnd;
  }

  /** Creates the directory and first segment of a new partition. */
  static PartitionLog create(TopicPartition tp, Path dir, LogConfig config, Clock clock, LogWriter writer,
      PartitionLog.Maintenance maintenance, ProducerStateTable producers) throws IOException {
    Files.createDirectories(dir);
    PartitionConfigFile.write(dir, config);
    ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    segments.put(0L, Segment.create(dir, 0, config.indexIntervalBytes(), clock.milliseconds()));
    CheckpointFile.fsyncDirectory(dir);
    CheckpointFile.fsyncDirectory(dir.getParent());
    return new PartitionLog(tp, dir, config, clock, writer, maintenance, segments, new LeaderEpochCache(dir), producers, 0, 0, 0);
  }

  /** A {@code .swap} file is a complete, fsynced compacted segment: it replaces the original. */
  private static void completeSwaps(Path dir) throws IOException {
    for (Path swap : list(dir, "*" + FileNames.LOG_SUFFIX + FileNames.SWAP_SUFFIX)) {
      String logName = swap.getFileName().toString();
      logName = logName.substring(0, logName.length() - FileNames.SWAP_SUFFIX.length());
      long baseOffset = FileNames.baseOffsetOf(logName, FileNames.LOG_SUFFIX);
      Files.deleteIfExists(FileNames.indexFile(dir, baseOffset));
      Files.deleteIfExists(FileNames.timeIndexFile(dir, baseOffset));
      Files.move(swap, FileNames.logFile(dir, baseOffset), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteLeftovers(Path dir) throws IOException {
    for (String pattern : List.of("*" + FileNames.TMP_SUFFIX, "*" + FileNames.CLEANED_SUFFIX, "*" + FileNames.DELETED_SUFFIX)) {
      for (Path file : list(dir, pattern)) {
        Files.deleteIfExists(file);
      }
    }
  }

  private static List<Long> segmentBaseOffsets(Path dir) throws IOException {
    List<Long> offsets = new ArrayList<>();
    for (Path file : list(dir, "*" + FileNames.LOG_SUFFIX)) {
      long baseOffset = FileNames.baseOffsetOf(file.getFileName().toString(), FileNames.LOG_SUFFIX);
      if (baseOffset >= 0) {
        offsets.add(baseOffset);
      }
    }
    offsets.sort(null);
    return offsets;
  }

  /** The largest base offset at or below {@code offset}; the first when none is. */
  private static long floor(List<Long> baseOffsets, long offset) {
    long found = baseOffsets.isEmpty() ? 0 : baseOffsets.get(0);
    for (long baseOffset : baseOffsets) {
      if (baseOffset <= offset) {
        found = baseOffset;
      }
    }
    return found;
  }

  private static List<Path> list(Path dir, String glob) throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, glob)) {
      stream.forEach(files::add);
    }
    return files;
  }
}
