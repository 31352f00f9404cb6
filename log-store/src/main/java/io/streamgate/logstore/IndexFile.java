package io.streamgate.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Brings an index file in line with the index's entries in memory: it cuts what a truncation
 * removed, then writes only the entries past those already in the file, and fsyncs.
 */
final class IndexFile {
  /** Puts entry {@code index} into {@code buffer}. */
  @FunctionalInterface
  interface EntryWriter {
    void put(ByteBuffer buffer, int index);
  }

  private IndexFile() {}

  /** Returns the number of entries the file now holds ({@code count}). */
  static int persist(Path file, int persistedCount, int count, int entrySize, EntryWriter entries) throws IOException {
    if (count == persistedCount && Files.exists(file) && Files.size(file) == (long) count * entrySize) {
      return count;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      int from = Math.min(persistedCount, count);
      if (channel.size() != (long) from * entrySize) {
        channel.truncate((long) from * entrySize);
      }
      ByteBuffer buffer = ByteBuffer.allocate((count - from) * entrySize);
      for (int i = from; i < count; i++) {
        entries.put(buffer, i);
      }
      buffer.flip();
      while (buffer.hasRemaining()) {
        channel.write(buffer, (long) from * entrySize + buffer.position());
      }
      channel.force(true);
    }
    return count;
  }
}
