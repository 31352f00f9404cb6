package io.streamgate.bench;

import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.LogManagerConfig;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Appenders against a fresh {@link LogManager} (one data directory, so one writer thread): each
 * appender is a thread that keeps up to {@code window} appends in flight to its partition (appender
 * i writes partition i mod partitions). With a window of 1 an appender is a synchronous producer:
 * it sends the next batch when the previous one is acknowledged. Per append the appender only copies
 * the pre-built batch bytes (the log changes a batch in place, so it cannot be reused) and wraps them.
 */
final class AppendLoad extends Load {
  private final Path dir;
  private final LogManager manager;
  private final List<PartitionLog> logs = new ArrayList<>();
  private final byte[] batchBytes;
  private final int appenders;
  private final int window;
  private final List<Thread> threads = new ArrayList<>();
  private final List<Semaphore> windows = new ArrayList<>();

  AppendLoad(Path dir, byte[] batchBytes, int appenders, int partitions, String flushPolicy, int window) {
    this.dir = dir;
    this.batchBytes = batchBytes;
    this.appenders = appenders;
    this.window = window;
    this.manager = LogManager.open(LogManagerConfig.defaults(dir));
    LogConfig config = LogConfig.DEFAULT.with(Map.of(LogConfig.FLUSH_POLICY, flushPolicy));
    for (int p = 0; p < partitions; p++) {
      logs.add(manager.create(new TopicPartition("bench", p), config));
    }
  }

  @Override
  void start() {
    running = true;
    for (int i = 0; i < appenders; i++) {
      PartitionLog log = logs.get(i % logs.size());
      Semaphore inFlight = new Semaphore(window);
      windows.add(inFlight);
      Thread thread = new Thread(() -> appendLoop(log, inFlight), "appender-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  private void appendLoop(PartitionLog log, Semaphore inFlight) {
    try {
      while (running) {
        if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        RecordBatch batch = RecordBatch.wrap(ByteBuffer.wrap(batchBytes.clone()));
        long start = System.nanoTime();
        log.append(batch).whenComplete((result, error) -> {
          if (error != null) {
            failed(error);
          } else {
            completed(result.recordCount(), result.sizeInBytes(), start);
          }
          inFlight.release();
        });
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  void stop() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join();
    }
    for (Semaphore inFlight : windows) {
      if (!inFlight.tryAcquire(window, 60, TimeUnit.SECONDS)) {
        failed(new IllegalStateException("appends still in flight 60 s after the load stopped"));
      }
    }
  }

  @Override
  public void close() {
    // Delete the partitions first: closing the manager would fsync everything that was written.
    for (PartitionLog log : logs) {
      manager.delete(log.topicPartition());
    }
    manager.close();
    TempDirs.deleteRecursively(dir);
  }
}
