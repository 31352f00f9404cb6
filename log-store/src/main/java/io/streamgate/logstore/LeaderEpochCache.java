package io.streamgate.logstore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The leader-epoch history of one partition: for each leader epoch, the first offset written in it
 * (Kafka's KIP-101). Kept in the partition's {@code leader-epoch-checkpoint} file (lines
 * {@code epoch startOffset}) and rewritten atomically on every change, which is rare: once per
 * leader change, truncation or retention cut.
 *
 * <p>Thread-safety: every method is synchronized.
 */
final class LeaderEpochCache {
  private record Entry(int epoch, long startOffset) {}

  private final Path file;
  private final List<Entry> entries = new ArrayList<>();

  LeaderEpochCache(Path partitionDir) {
    this.file = partitionDir.resolve(FileNames.LEADER_EPOCH_CHECKPOINT);
    for (String line : CheckpointFile.read(file)) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length != 2) {
        throw new CorruptRecordException("malformed line in " + file + ": '" + line + "'");
      }
      entries.add(new Entry(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
    }
  }

  /** Records that {@code epoch} starts at {@code startOffset}, if it is newer than the latest known epoch. */
  synchronized void assign(int epoch, long startOffset) {
    if (epoch < 0 || (!entries.isEmpty() && entries.get(entries.size() - 1).epoch >= epoch)) {
      return;
    }
    entries.add(new Entry(epoch, startOffset));
    persist();
  }

  /** The latest epoch, or -1 when none is known. */
  synchronized int latestEpoch() {
    return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).epoch;
  }

  /** See {@link EpochEndOffset}; empty when the log knows no epoch at or below {@code epoch}. */
  synchronized Optional<EpochEndOffset> endOffsetFor(int epoch, long logEndOffset) {
    Entry found = null;
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = entries.get(i);
      if (entry.epoch > epoch) {
        return found == null ? Optional.empty() : Optional.of(new EpochEndOffset(found.epoch, entry.startOffset));
      }
      found = entry;
    }
    return found == null ? Optional.empty() : Optional.of(new EpochEndOffset(found.epoch, logEndOffset));
  }

  /** Forgets epochs that start at or after {@code endOffset} (the log was truncated there). */
  synchronized void truncateFromEnd(long endOffset) {
    if (entries.removeIf(entry -> entry.startOffset >= endOffset)) {
      persist();
    }
  }

  /** Forgets epochs wholly before {@code startOffset}; the epoch covering it now starts there. */
  synchronized void truncateFromStart(long startOffset) {
    int covering = -1;
    for (int i = 0; i < entries.size() && entries.get(i).startOffset <= startOffset; i++) {
      covering = i;
    }
    if (covering < 0 || (covering == 0 && entries.get(0).startOffset == startOffset)) {
      return;
    }
    Entry kept = new Entry(entries.get(covering).epoch, startOffset);
    entries.subList(0, covering + 1).clear();
    entries.add(0, kept);
    persist();
  }

  private void persist() {
    CheckpointFile.write(file, entries.stream().map(entry -> entry.epoch + " " + entry.startOffset).toList());
  }
}
