package io.streamgate.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sparse offset index of one segment: entries of (offset relative to the segment's base offset,
 * file position of the batch whose last offset that is), in Kafka's {@code .index} layout of two
 * big-endian int32 per entry. Entries are held in memory and written to the file on {@link #persist};
 * the file is derived data, rebuilt from the log on recovery when missing or inconsistent.
 *
 * <p>Thread-safety: one writer (the store's writer thread) appends, truncates and persists; readers
 * on any thread look up without locks. The entry array is published before the entry count, and
 * readers read the count first, so a reader never sees a count larger than its array.
 */
final class OffsetIndex {
  static final int ENTRY_SIZE = 8;

  private final Path file;
  private final long baseOffset;
  private volatile int[] entries = new int[64]; // relativeOffset, position, relativeOffset, position, ...
  private volatile int entryCount;
  private int persistedCount;

  OffsetIndex(Path file, long baseOffset) {
    this.file = file;
    this.baseOffset = baseOffset;
  }

  /**
   * Loads the index file, or returns null when it is missing or fails the sanity checks: a size
   * that is not a whole number of entries, offsets or positions that do not increase, or a position
   * past the segment's end. (The caller checks the last offset against the segment's end.)
   */
  static OffsetIndex load(Path file, long baseOffset, int segmentSize) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length % ENTRY_SIZE != 0) {
      return null;
    }
    OffsetIndex index = new OffsetIndex(file, baseOffset);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    long lastOffset = -1;
    int lastPosition = -1;
    while (buffer.hasRemaining()) {
      long offset = baseOffset + buffer.getInt();
      int position = buffer.getInt();
      if (offset <= lastOffset || position <= lastPosition || position >= segmentSize) {
        return null;
      }
      index.append(offset, position);
      lastOffset = offset;
      lastPosition = position;
    }
    index.persistedCount = index.entryCount;
    return index;
  }

  /** Adds an entry; offsets and positions must increase. Writer thread only. */
  void append(long offset, int position) {
    int count = entryCount;
    int[] array = entries;
    if (count * 2 + 2 > array.length) {
      int[] grown = new int[array.length * 2];
      System.arraycopy(array, 0, grown, 0, count * 2);
      array = grown;
    }
    array[count * 2] = Math.toIntExact(offset - baseOffset);
    array[count * 2 + 1] = position;
    entries = array;
    entryCount = count + 1;
  }

  /** The file position to start scanning from for {@code targetOffset}: that of the last entry at or below it, else 0. */
  int lookup(long targetOffset) {
    int count = entryCount;
    int[] array = entries;
    long relative = targetOffset - baseOffset;
    int low = 0;
    int high = count - 1;
    int found = -1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (array[mid * 2] <= relative) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? 0 : array[found * 2 + 1];
  }

  /** Drops the entries at or past file position {@code position}. Writer thread only. */
  void truncateToPosition(int position) {
    int count = entryCount;
    int[] array = entries;
    while (count > 0 && array[(count - 1) * 2 + 1] >= position) {
      count--;
    }
    entryCount = count;
    // The file's entries past here are stale: the next persist must rewrite them, even if appends
    // bring the count back to what the file holds.
    persistedCount = Math.min(persistedCount, count);
  }

  /** The last entry's file position, or 0 when there is none. */
  int lastPosition() {
    int count = entryCount;
    return count == 0 ? 0 : entries[(count - 1) * 2 + 1];
  }

  /** The last entry's offset, or -1 when there is none. */
  long lastOffset() {
    int count = entryCount;
    return count == 0 ? -1 : baseOffset + entries[(count - 1) * 2];
  }

  int entryCount() {
    return entryCount;
  }

  /** Brings the file in line with the entries in memory, writing only what changed. Writer thread only. */
  void persist() throws IOException {
    int count = entryCount; // before the array: the writer publishes the array first
    int[] array = entries;
    persistedCount = IndexFile.persist(file, persistedCount, count, ENTRY_SIZE,
        (buffer, i) -> buffer.putInt(array[i * 2]).putInt(array[i * 2 + 1]));
  }

  /** Forgets what the file holds, so that the next {@link #persist} rewrites it whole. */
  void markFileStale() {
    persistedCount = 0;
  }
}
