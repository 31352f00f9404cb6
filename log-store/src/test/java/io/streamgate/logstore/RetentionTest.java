package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.readAll;
import static io.streamgate.logstore.TestStores.logConfig;
import static io.streamgate.logstore.TestStores.offsets;
import static io.streamgate.logstore.TestStores.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention with real segments: what {@link LogManager#runMaintenance} deletes, and what it must not. */
class RetentionTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long HOUR = 3_600_000;
  private static final TopicPartition TP = new TopicPartition("metrics", 0);

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(T0);
  private LogManager manager;

  @BeforeEach
  void open() {
    manager = LogManager.open(TestStores.config(dir, clock));
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private PartitionLog create(Map<String, ?> overrides) {
    return manager.create(TP, logConfig(Map.of(LogConfig.SEGMENT_BYTES, 1024)).with(overrides));
  }

  /** Appends one-record batches of about 230 bytes (four to a segment), stamped {@code timestamp}. */
  private static void append(PartitionLog log, long timestamp, int count) {
    for (int i = 0; i < count; i++) {
      long offset = log.logEndOffset();
      log.append(TestBatches.values(timestamp, "record " + offset + " " + "x".repeat(200))).join();
    }
  }

  private List<Path> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(TP.directoryName()))) {
      return files.filter(file -> file.getFileName().toString().endsWith(".log")).toList();
    }
  }

  @Test
  void timeRetentionDeletesSegmentsWhoseNewestRecordExpiredAndMovesTheLogStart() throws IOException {
    PartitionLog log = create(Map.of(LogConfig.RETENTION_MS, HOUR));
    append(log, T0, 10);
    log.roll().join();
    append(log, T0 + 2 * HOUR, 5);
    log.updateHighWatermark(log.logEndOffset());
    int segmentsBefore = log.segmentCount();

    clock.advance(HOUR); // nothing is older than an hour yet
    manager.runMaintenance();
    assertThat(log.applyRetention(clock.milliseconds()).join()).isZero();

    clock.advance(HOUR + 1);
    manager.runMaintenance();

    await().until(() -> log.logStartOffset() == 10);
    assertThat(log.segmentCount()).isLessThan(segmentsBefore);
    assertThat(offsets(readAll(log, 1000))).isEqualTo(LongStream.range(10, 15).boxed().toList());
    await().untilAsserted(() -> assertThat(segmentFiles()).hasSize(log.segmentCount()));
  }

  @Test
  void aLogWhoseEveryRecordExpiredEmptiesAndContinuesAtItsEnd() {
    PartitionLog log = create(Map.of(LogConfig.RETENTION_MS, HOUR));
    append(log, T0, 3);
    log.updateHighWatermark(3);
    clock.advance(2 * HOUR);

    assertThat(log.applyRetention(clock.milliseconds()).join()).isEqualTo(1);

    assertThat(log.logStartOffset()).isEqualTo(3);
    assertThat(log.logEndOffset()).isEqualTo(3);
    assertThat(log.sizeInBytes()).isZero();
    append(log, clock.milliseconds(), 1);
    log.updateHighWatermark(4);
    assertThat(offsets(readAll(log, 1000))).containsExactly(3L);
  }

  @Test
  void sizeRetentionKeepsTheLogUnderRetentionBytesPlusOneSegment() {
    long retentionBytes = 3000;
    PartitionLog log = create(Map.of(LogConfig.RETENTION_BYTES, retentionBytes));
    append(log, T0, 40);
    log.updateHighWatermark(40);
    assertThat(log.sizeInBytes()).isGreaterThan(3 * retentionBytes);

    assertThat(log.applyRetention(clock.milliseconds()).join()).isPositive();

    assertThat(log.sizeInBytes()).as("as in Kafka: never below the limit, less than a segment above it")
        .isBetween(retentionBytes, retentionBytes + 1024);
    List<String> kept = values(readAll(log, 1000));
    assertThat(kept).hasSize((int) (40 - log.logStartOffset()));
    assertThat(kept.get(kept.size() - 1)).startsWith("record 39 ");
    assertThat(log.applyRetention(clock.milliseconds()).join()).as("a second pass finds nothing more").isZero();
  }

  @Test
  void retentionNeverDeletesAtOrAboveTheHighWatermark() {
    PartitionLog log = create(Map.of(LogConfig.RETENTION_MS, HOUR, LogConfig.RETENTION_BYTES, 0));
    append(log, T0, 20);
    log.updateHighWatermark(6);
    clock.advance(2 * HOUR);

    log.applyRetention(clock.milliseconds()).join();

    assertThat(log.logStartOffset()).isBetween(1L, 6L);
    log.updateHighWatermark(20);
    assertThat(offsets(readAll(log, 1000))).isEqualTo(LongStream.range(log.logStartOffset(), 20).boxed().toList());
  }

  @Test
  void retentionOfACompactedTopicDoesNothing() {
    PartitionLog log = create(Map.of(LogConfig.RETENTION_MS, HOUR, LogConfig.CLEANUP_POLICY, "compact"));
    for (int i = 0; i < 10; i++) {
      log.append(TestBatches.keyed(T0, "k" + i, "x".repeat(300))).join();
    }
    log.updateHighWatermark(10);
    clock.advance(2 * HOUR);

    assertThat(log.applyRetention(clock.milliseconds()).join()).isZero();
    assertThat(log.logStartOffset()).isZero();
  }

  @Test
  void retentionPlannedBeforeATruncationDeletesOnlyWhatIsStillExpired() {
    PartitionLog log = create(Map.of(LogConfig.RETENTION_MS, HOUR));
    append(log, T0, 20);
    log.updateHighWatermark(20);
    clock.advance(2 * HOUR);
    CountDownLatch writerHeld = new CountDownLatch(1);
    CompletableFuture<Object> blocker = log.writer().submit(log, 0, false, () -> {
      writerHeld.await();
      return null;
    });
    CompletableFuture<Long> truncation;
    CompletableFuture<AppendResult> fresh;
    CompletableFuture<Integer> retention;
    try {
      // Queued in this order, all behind the blocker: the retention below plans on the 20 expired records.
      truncation = log.truncateTo(3);
      fresh = log.append(TestBatches.values(clock.milliseconds(), "fresh"));
      retention = log.applyRetention(clock.milliseconds());
    } finally {
      writerHeld.countDown();
    }
    blocker.join();
    truncation.join();
    fresh.join();
    retention.join();

    assertThat(log.logEndOffset()).isEqualTo(4);
    assertThat(log.logStartOffset()).isLessThanOrEqualTo(log.highWatermark());
    log.updateHighWatermark(4);
    assertThat(values(readAll(log, 1000))).as("the fresh record was not expired").endsWith("fresh");
  }

  @Test
  void backgroundMaintenanceAppliesRetentionOnItsOwn() {
    manager.close();
    manager = LogManager.open(TestStores.config(dir, clock).withMaintenanceIntervalMs(20));
    PartitionLog log = create(Map.of(LogConfig.RETENTION_MS, HOUR));
    append(log, T0, 8);
    log.updateHighWatermark(8);

    clock.advance(2 * HOUR);

    await().until(() -> log.logStartOffset() == 8);
    assertThat(IntStream.of(log.segmentCount())).containsExactly(1);
  }
}
