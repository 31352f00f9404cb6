package io.streamgate.bench;

import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.LogManagerConfig;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A partition filled with at least {@code dataBytes} of one batch shape (flush=never, untimed), its
 * high watermark at its end, for the read scenarios. Just written, its segment is in the page cache;
 * one full read pass before the measurement makes sure of it.
 */
final class ReadFixture implements AutoCloseable {
  private final Path dir;
  private final LogManager manager;
  private final PartitionLog log;
  private final int recordsPerBatch;

  ReadFixture(Path dir, byte[] batchBytes, int recordsPerBatch, long dataBytes) throws Exception {
    this.dir = dir;
    this.recordsPerBatch = recordsPerBatch;
    this.manager = LogManager.open(LogManagerConfig.defaults(dir));
    this.log = manager.create(new TopicPartition("bench-read", 0),
        LogConfig.DEFAULT.with(Map.of(LogConfig.FLUSH_POLICY, "never")));
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (long written = 0; written < dataBytes; written += batchBytes.length) {
      pending.add(log.append(RecordBatch.wrap(ByteBuffer.wrap(batchBytes.clone()))));
      if (pending.size() >= 64) {
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        pending.clear();
      }
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    log.updateHighWatermark(log.logEndOffset());
    for (long offset = log.logStartOffset(); offset < log.highWatermark();) {
      offset = log.read(offset, 1 << 20).nextOffset();
    }
  }

  PartitionLog log() {
    return log;
  }

  int recordsPerBatch() {
    return recordsPerBatch;
  }

  /** The segment files, for the raw read reference. */
  List<Path> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(log.topicPartition().directoryName()))) {
      return files.filter(file -> file.getFileName().toString().endsWith(".log")).sorted().toList();
    }
  }

  @Override
  public void close() {
    manager.delete(log.topicPartition());
    manager.close();
    TempDirs.deleteRecursively(dir);
  }
}
