package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.readAll;
import static io.streamgate.logstore.TestStores.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints are written off the writer thread, and a failing one is retried. */
class CheckpointThreadTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TopicPartition A = new TopicPartition("events", 0);
  private static final TopicPartition B = new TopicPartition("events", 1);

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(T0);
  private final CountDownLatch release = new CountDownLatch(1);
  private LogManager manager;

  @AfterEach
  void close() {
    release.countDown();
    if (manager != null) {
      manager.close();
    }
  }

  private static void appendCommitted(PartitionLog log, int count) {
    for (int i = 0; i < count; i++) {
      log.append(TestBatches.values(T0, "v" + i)).join();
    }
    log.updateHighWatermark(log.logEndOffset());
  }

  @Test
  void appendsCompleteWhileACheckpointIsBlockedAndDeleteRecordsAnswersOnceItsStartIsDurable() {
    manager = LogManager.open(TestStores.config(dir, clock));
    PartitionLog a = manager.create(A, LogConfig.DEFAULT);
    PartitionLog b = manager.create(B, LogConfig.DEFAULT);
    appendCommitted(a, 10);
    CountDownLatch blocked = new CountDownLatch(1);
    manager.beforeCheckpointWrite = () -> {
      blocked.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };

    CompletableFuture<Long> deleted = a.deleteRecordsBefore(6);
    await().atMost(Duration.ofSeconds(10)).until(() -> blocked.getCount() == 0);

    // The writer is free: appends to either partition complete while the checkpoint waits.
    assertThat(b.append(TestBatches.values(T0, "x")).orTimeout(10, TimeUnit.SECONDS).join().baseOffset()).isZero();
    assertThat(a.append(TestBatches.values(T0, "v10")).orTimeout(10, TimeUnit.SECONDS).join().baseOffset()).isEqualTo(10);
    assertThat(a.logStartOffset()).isEqualTo(6);
    // The caller learns of the deletion only once a restart cannot bring the records back.
    assertThat(deleted).isNotDone();

    release.countDown();
    assertThat(deleted.orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(6);
    manager.crashForTesting();
    manager = LogManager.open(TestStores.config(dir, clock));
    PartitionLog reopened = manager.partition(A);
    assertThat(reopened.logStartOffset()).isEqualTo(6);
    assertThat(values(readAll(reopened, 1 << 20))).startsWith("v6", "v7", "v8", "v9");
  }

  @Test
  void aFailingPeriodicCheckpointIsLoggedAndRetriedNextPeriod() {
    manager = LogManager.open(TestStores.config(dir, clock).withCheckpointIntervalMs(20));
    AtomicInteger failures = new AtomicInteger();
    manager.beforeCheckpointWrite = () -> {
      if (failures.getAndIncrement() < 2) {
        throw new UncheckedIOException(new IOException("disk full (test)"));
      }
    };
    PartitionLog a = manager.create(A, LogConfig.DEFAULT);
    appendCommitted(a, 3);

    // Written by a later period: the failures did not stop the periodic task.
    await().atMost(Duration.ofSeconds(10)).until(() -> CheckpointFile.read(dir.resolve(FileNames.HIGH_WATERMARK_CHECKPOINT))
        .contains("events 0 3"));
    assertThat(failures.get()).isGreaterThan(2);
  }
}
