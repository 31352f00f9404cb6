package io.streamgate.logstore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The id of the topic incarnation a partition directory belongs to, kept in it as Kafka keeps it
 * ({@code partition.metadata}: {@code version: 0} and {@code topic_id: <id>} lines), so that a node
 * which slept through a topic's deletion and re-creation under the same name can tell its old
 * directory from the new topic's partition. The store only keeps the id; the cluster layer gives it
 * and compares it. Written atomically (tmp, fsync, rename); a directory from before topic ids has
 * no file.
 */
final class PartitionMetadataFile {
  private static final String VERSION_LINE = "version: 0";
  private static final String TOPIC_ID_PREFIX = "topic_id: ";

  private PartitionMetadataFile() {}

  static void write(Path partitionDir, String topicId) {
    if (topicId.isEmpty() || topicId.contains("\n")) {
      throw new IllegalArgumentException("not a topic id: '" + topicId + "'");
    }
    String text = VERSION_LINE + "\n" + TOPIC_ID_PREFIX + topicId + "\n";
    CheckpointFile.writeAtomically(partitionDir.resolve(FileNames.PARTITION_METADATA), text.getBytes(StandardCharsets.UTF_8));
  }

  /** The stored topic id; empty when there is no file. A malformed file is a {@link LogStorageException}. */
  static Optional<String> read(Path partitionDir) {
    Path file = partitionDir.resolve(FileNames.PARTITION_METADATA);
    try {
      String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n");
      if (lines.length != 2 || !lines[0].equals(VERSION_LINE) || !lines[1].startsWith(TOPIC_ID_PREFIX)
          || lines[1].length() == TOPIC_ID_PREFIX.length()) {
        throw new LogStorageException("malformed " + file, null);
      }
      return Optional.of(lines[1].substring(TOPIC_ID_PREFIX.length()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new LogStorageException("cannot read " + file, e);
    }
  }
}
