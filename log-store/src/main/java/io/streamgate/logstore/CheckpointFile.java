package io.streamgate.logstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A small text state file in Kafka's checkpoint layout: a version line ({@code 0}), a count line,
 * then one entry per line. Written atomically: a temporary file is written and fsynced, renamed over
 * the old one, and the directory fsynced, so a crash leaves either the old or the new content.
 * Not thread-safe; each file has one owner.
 */
final class CheckpointFile {
  private static final int VERSION = 0;

  private CheckpointFile() {}

  static void write(Path file, List<String> entries) {
    StringBuilder text = new StringBuilder().append(VERSION).append('\n').append(entries.size()).append('\n');
    entries.forEach(entry -> text.append(entry).append('\n'));
    writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The file's entries; empty when the file does not exist. A malformed file is an error. */
  static List<String> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new LogStorageException("cannot read checkpoint " + file, e);
    }
    if (lines.size() < 2 || !lines.get(0).trim().equals(String.valueOf(VERSION))) {
      throw new CorruptRecordException("checkpoint " + file + " has no version line " + VERSION);
    }
    int count;
    try {
      count = Integer.parseInt(lines.get(1).trim());
    } catch (NumberFormatException e) {
      throw new CorruptRecordException("checkpoint " + file + " has a malformed count line", e);
    }
    if (count < 0 || lines.size() < 2 + count) {
      throw new CorruptRecordException("checkpoint " + file + " declares " + count + " entries but has " + (lines.size() - 2));
    }
    return new ArrayList<>(lines.subList(2, 2 + count));
  }

  /** Writes {@code content} to {@code file} so that a crash leaves the old or the new content, never a mix. */
  static void writeAtomically(Path file, byte[] content) {
    Path tmp = file.resolveSibling(file.getFileName() + FileNames.TMP_SUFFIX);
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(java.nio.ByteBuffer.wrap(content));
        channel.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      fsyncDirectory(file.getParent());
    } catch (IOException e) {
      throw new LogStorageException("cannot write " + file, e);
    }
  }

  /** Makes a directory's entries (creations, renames, deletions) durable. */
  static void fsyncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      throw new LogStorageException("cannot fsync directory " + dir, e);
    }
  }
}
