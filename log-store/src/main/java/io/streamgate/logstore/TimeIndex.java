package io.streamgate.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sparse time index of one segment: entries of (largest timestamp so far, offset relative to the
 * segment's base offset at which it was reached), in Kafka's {@code .timeindex} layout (int64, int32,
 * big-endian). Timestamps strictly increase from entry to entry. Held in memory, written on
 * {@link #persist}, rebuilt on recovery like the offset index.
 *
 * <p>Thread-safety: as {@link OffsetIndex}: one writer, lock-free readers.
 */
final class TimeIndex {
  static final int ENTRY_SIZE = 12;

  private final Path file;
  private final long baseOffset;
  private volatile long[] timestamps = new long[32];
  private volatile int[] relativeOffsets = new int[32];
  private volatile int entryCount;
  private int persistedCount;

  TimeIndex(Path file, long baseOffset) {
    this.file = file;
    this.baseOffset = baseOffset;
  }

  /** Loads the index file, or returns null when it is missing or inconsistent (see {@link OffsetIndex#load}). */
  static TimeIndex load(Path file, long baseOffset, long segmentNextOffset) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length % ENTRY_SIZE != 0) {
      return null;
    }
    TimeIndex index = new TimeIndex(file, baseOffset);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    long lastTimestamp = Long.MIN_VALUE;
    long lastOffset = -1;
    while (buffer.hasRemaining()) {
      long timestamp = buffer.getLong();
      long offset = baseOffset + buffer.getInt();
      if (timestamp <= lastTimestamp || offset < lastOffset || offset >= segmentNextOffset) {
        return null;
      }
      index.maybeAppend(timestamp, offset);
      lastTimestamp = timestamp;
      lastOffset = offset;
    }
    index.persistedCount = index.entryCount;
    return index;
  }

  /** Adds an entry if {@code timestamp} is larger than the last one's. Writer thread only. */
  void maybeAppend(long timestamp, long offset) {
    int count = entryCount;
    if (count > 0 && timestamps[count - 1] >= timestamp) {
      return;
    }
    long[] times = timestamps;
    int[] offsets = relativeOffsets;
    if (count == times.length) {
      times = java.util.Arrays.copyOf(times, count * 2);
      offsets = java.util.Arrays.copyOf(offsets, count * 2);
    }
    times[count] = timestamp;
    offsets[count] = Math.toIntExact(offset - baseOffset);
    timestamps = times;
    relativeOffsets = offsets;
    entryCount = count + 1;
  }

  /**
   * An offset from which to scan for the first record with a timestamp at or after {@code target}:
   * one past the last entry whose timestamp is below it (every record up to that entry's offset is
   * older than {@code target}), else the segment's base offset.
   */
  long scanStartFor(long target) {
    int count = entryCount;
    long[] times = timestamps;
    int[] offsets = relativeOffsets;
    int low = 0;
    int high = count - 1;
    int found = -1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (times[mid] < target) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? baseOffset : baseOffset + offsets[found] + 1;
  }

  /** The last entry's timestamp, or -1 when there is none. */
  long lastTimestamp() {
    int count = entryCount;
    return count == 0 ? -1 : timestamps[count - 1];
  }

  /** The last entry's offset, or the base offset when there is none. */
  long lastOffset() {
    int count = entryCount;
    return count == 0 ? baseOffset : baseOffset + relativeOffsets[count - 1];
  }

  /** Drops the entries at or past {@code offset}. Writer thread only. */
  void truncateTo(long offset) {
    int count = entryCount;
    while (count > 0 && baseOffset + relativeOffsets[count - 1] >= offset) {
      count--;
    }
    entryCount = count;
    // As in OffsetIndex#truncateToPosition: the file's entries past here are stale.
    persistedCount = Math.min(persistedCount, count);
  }

  void persist() throws IOException {
    int count = entryCount; // before the arrays: the writer publishes them first
    long[] times = timestamps;
    int[] offsets = relativeOffsets;
    persistedCount = IndexFile.persist(file, persistedCount, count, ENTRY_SIZE,
        (buffer, i) -> buffer.putLong(times[i]).putInt(offsets[i]));
  }

  void markFileStale() {
    persistedCount = 0;
  }
}
