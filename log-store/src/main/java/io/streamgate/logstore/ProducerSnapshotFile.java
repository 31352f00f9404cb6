package io.streamgate.logstore;

import io.streamgate.logstore.ProducerStateTable.BatchMetadata;
import io.streamgate.logstore.ProducerStateTable.ProducerEntry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A partition's producer state as it was at one offset, in {@code <20-digit offset>.snapshot} next to
 * the segments (Kafka's name; the layout is ours, see docs/format.md): written when a segment rolls,
 * so that loading replays at most the batches after the last snapshot. A {@link CheckpointFile}: a
 * version line, a count line, then one producer per line, least recently written first:
 * {@code producerId epoch lastTimestamp} then each remembered batch, oldest first, as
 * {@code firstSeq,lastSeq,baseOffset,lastOffset,maxTimestamp}, all separated by spaces.
 */
final class ProducerSnapshotFile {
  static final String SUFFIX = ".snapshot";

  private ProducerSnapshotFile() {}

  static Path file(Path dir, long offset) {
    return dir.resolve(FileNames.baseName(offset) + SUFFIX);
  }

  static void write(Path dir, long offset, Map<Long, ProducerEntry> producers) {
    List<String> lines = new ArrayList<>(producers.size());
    producers.forEach((producerId, entry) -> {
      StringBuilder line = new StringBuilder().append(producerId).append(' ').append(entry.epoch()).append(' ')
          .append(entry.lastTimestamp());
      for (BatchMetadata batch : entry.batches()) {
        line.append(' ').append(batch.firstSeq()).append(',').append(batch.lastSeq()).append(',').append(batch.baseOffset())
            .append(',').append(batch.lastOffset()).append(',').append(batch.maxTimestamp());
      }
      lines.add(line.toString());
    });
    CheckpointFile.write(file(dir, offset), lines);
  }

  /** The snapshot at {@code offset}; {@link CorruptRecordException} if it is malformed. */
  static Map<Long, ProducerEntry> read(Path dir, long offset) {
    Path file = file(dir, offset);
    Map<Long, ProducerEntry> producers = new LinkedHashMap<>();
    for (String line : CheckpointFile.read(file)) {
      String[] fields = line.trim().split(" ");
      try {
        if (fields.length < 4 || fields.length > 3 + ProducerStateTable.BATCHES_PER_PRODUCER) {
          throw new NumberFormatException("a producer has 1 to " + ProducerStateTable.BATCHES_PER_PRODUCER + " batches");
        }
        List<BatchMetadata> batches = new ArrayList<>();
        for (int i = 3; i < fields.length; i++) {
          String[] batch = fields[i].split(",");
          if (batch.length != 5) {
            throw new NumberFormatException("a batch has 5 fields");
          }
          batches.add(new BatchMetadata(Integer.parseInt(batch[0]), Integer.parseInt(batch[1]), Long.parseLong(batch[2]),
              Long.parseLong(batch[3]), Long.parseLong(batch[4])));
        }
        producers.put(Long.parseLong(fields[0]), new ProducerEntry(Short.parseShort(fields[1]), List.copyOf(batches),
            Long.parseLong(fields[2])));
      } catch (NumberFormatException e) {
        throw new CorruptRecordException("producer snapshot " + file + " has a malformed line '" + line + "': " + e.getMessage());
      }
    }
    return producers;
  }

  /** The offsets of the snapshots in {@code dir}, ascending. */
  static List<Long> offsets(Path dir) {
    List<Long> offsets = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path file : stream) {
        long offset = FileNames.baseOffsetOf(file.getFileName().toString(), SUFFIX);
        if (offset >= 0) {
          offsets.add(offset);
        }
      }
    } catch (IOException e) {
      throw new LogStorageException("cannot list the producer snapshots of " + dir, e);
    }
    offsets.sort(null);
    return offsets;
  }

  static void delete(Path dir, long offset) {
    try {
      Files.deleteIfExists(file(dir, offset));
    } catch (IOException e) {
      throw new LogStorageException("cannot delete the producer snapshot at " + offset + " in " + dir, e);
    }
  }
}
