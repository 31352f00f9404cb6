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

  /**
   * Records that {@code epoch} starts at {@code startOffset}, if it is newer than the latest known
   * epoch. A known epoch starting at or after {@code startOffset} holds no record (a leader recorded
   * it and appended nothing) and is dropped, as Kafka's {@code assign} does.
   */
  synchronized void assign(int epoch, long startOffset) {
    if (epoch < 0 || (!entries.isEmpty() && entries.get(entries.size() - 1).epoch >= epoch)) {
      return;
    }
    entries.removeIf(entry -> entry.startOffset >= startOffset);
    entries.add(new Entry(epoch, startOffset));
    persist();
  }

  /** The latest epoch, or -1 when none is known. */
  synchronized int latestEpoch() {
    return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).epoch;
  }

  /**
   * Where {@code epoch} ended, as Kafka's OffsetsForLeaderEpoch answers (see {@link EpochEndOffset}).
   * The latest epoch, and any newer one, is answered for by the latest, ending at the log end. An
   * older one ends where the next known epoch starts, and is answered for by the largest known epoch
   * at or below it, or by itself when it predates the whole history (its records are gone, and a
   * follower must truncate to where the history starts). Empty when no epoch is known, or {@code
   * epoch} is undefined (negative).
   *
   * <p>Kafka answers an epoch newer than the latest as undefined: its epochs come from one
   * controller, so no follower can hold one. Here the two sides of a network split could each lead
   * in epochs of their own, and "undefined" sent a follower back to its log start, cutting the
   * history both share.
   */
  synchronized Optional<EpochEndOffset> endOffsetFor(int epoch, long logEndOffset) {
    int latest = latestEpoch();
    if (epoch < 0 || entries.isEmpty()) {
      return Optional.empty();
    }
    if (epoch >= latest) {
      return Optional.of(new EpochEndOffset(latest, logEndOffset));
    }
    int next = 0;
    while (entries.get(next).epoch <= epoch) {
      next++;
    }
    int answeringEpoch = next == 0 ? epoch : entries.get(next - 1).epoch;
    return Optional.of(new EpochEndOffset(answeringEpoch, entries.get(next).startOffset));
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

  /** Forgets every epoch: the log was emptied and restarted at a new offset. */
  synchronized void clear() {
    if (!entries.isEmpty()) {
      entries.clear();
      persist();
    }
  }

  private void persist() {
    CheckpointFile.write(file, entries.stream().map(entry -> entry.epoch + " " + entry.startOffset).toList());
  }
}
