package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.keyed;
import static io.streamgate.logstore.TestBatches.readAll;
import static io.streamgate.logstore.TestBatches.string;
import static io.streamgate.logstore.TestBatches.utf8;
import static io.streamgate.logstore.TestStores.logConfig;
import static io.streamgate.logstore.TestStores.offsets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactionTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TopicPartition TP = new TopicPartition("profiles", 0);
  private static final long TOMBSTONE_RETENTION_MS = 60_000;

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

  private PartitionLog create() {
    return manager.create(TP, logConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact", LogConfig.SEGMENT_BYTES, 1024,
        LogConfig.DELETE_RETENTION_MS, TOMBSTONE_RETENTION_MS)));
  }

  private Path partitionDir() {
    return dir.resolve(TP.directoryName());
  }

  /** Appends {@code key=value} records, each its own batch, and returns the offsets they got. */
  private List<Long> put(PartitionLog log, String... keyValues) {
    List<Long> offsets = new ArrayList<>();
    for (String keyValue : keyValues) {
      String[] parts = keyValue.split("=", 2);
      String value = parts[1].equals("null") ? null : parts[1] + " " + "x".repeat(150);
      offsets.add(log.append(keyed(clock.milliseconds(), parts[0], value)).join().baseOffset());
    }
    log.updateHighWatermark(log.logEndOffset());
    return offsets;
  }

  /** What a reader sees: offset, key and the value's first word (null for a tombstone), in offset order. */
  private static List<String> contents(PartitionLog log) {
    return readAll(log, 1 << 20).stream().map(CompactionTest::describe).toList();
  }

  private static String describe(Record record) {
    String value = string(record.value());
    return record.offset() + ":" + string(record.key()) + "=" + (value == null ? "null" : value.split(" ")[0]);
  }

  /** The last record of each key, as {@link #describe} writes it, in offset order. */
  private static List<String> lastPerKey(List<String> described) {
    Map<String, String> last = new LinkedHashMap<>();
    for (String record : described) {
      String key = record.substring(record.indexOf(':') + 1, record.indexOf('='));
      last.remove(key);
      last.put(key, record);
    }
    return new ArrayList<>(last.values());
  }

  @Test
  void compactionKeepsTheLastValueOfEveryKeyAtItsOriginalOffset() {
    PartitionLog log = create();
    for (int round = 0; round < 6; round++) {
      put(log, "a=a" + round, "b=b" + round, "c=c" + round);
    }
    put(log, "d=d0");
    log.roll().join();
    List<String> before = contents(log);
    long end = log.logEndOffset();
    long sizeBefore = log.sizeInBytes();

    manager.runMaintenance();

    assertThat(contents(log)).isEqualTo(lastPerKey(before))
        .containsExactly("15:a=a5", "16:b=b5", "17:c=c5", "18:d=d0");
    assertThat(log.logEndOffset()).isEqualTo(end);
    assertThat(log.sizeInBytes()).isLessThan(sizeBefore);
    assertThat(offsets(log.read(3, 1 << 20).records())).as("a read at a removed offset gets the next survivor")
        .first().isEqualTo(15L);
    assertThat(put(log, "a=later")).containsExactly(end);
  }

  @Test
  void compactAndDeleteCompactsAndThenDeletesExpiredSegments() {
    long hour = 3_600_000;
    PartitionLog log = manager.create(TP, logConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact,delete",
        LogConfig.SEGMENT_BYTES, 1024, LogConfig.DELETE_RETENTION_MS, TOMBSTONE_RETENTION_MS, LogConfig.RETENTION_MS, hour)));
    for (int round = 0; round < 4; round++) {
      put(log, "a=a" + round, "b=b" + round);
    }
    log.roll().join();

    manager.runMaintenance();
    assertThat(contents(log)).containsExactly("6:a=a3", "7:b=b3");

    clock.advance(2 * hour);
    put(log, "c=c0");
    log.roll().join();
    manager.runMaintenance();
    await().untilAsserted(() -> assertThat(contents(log)).containsExactly("8:c=c0"));
    assertThat(log.logStartOffset()).isEqualTo(8);
  }

  @Test
  void theActiveSegmentAndRecordsAboveTheHighWatermarkAreNotCompacted() {
    PartitionLog log = create();
    put(log, "a=a0", "a=a1", "a=a2", "a=a3", "a=a4");
    log.roll().join();
    put(log, "a=a5", "a=a6");
    log.updateHighWatermark(log.logEndOffset());

    manager.runMaintenance();

    assertThat(contents(log)).as("closed segments keep the key's last value among them; the active one is whole")
        .containsExactly("4:a=a4", "5:a=a5", "6:a=a6");

    PartitionLog other = manager.create(new TopicPartition("uncommitted", 0), log.config());
    for (int i = 0; i < 5; i++) {
      other.append(keyed(T0, "k", "v" + i + " " + "x".repeat(300))).join();
    }
    other.roll().join();
    manager.runMaintenance();
    other.updateHighWatermark(other.logEndOffset());
    assertThat(offsets(readAll(other, 1 << 20))).as("nothing at or above the high watermark is cleaned")
        .containsExactly(0L, 1L, 2L, 3L, 4L);
  }

  @Test
  void aPartlyCompactedBatchKeepsItsOffsetRangeAndCompression() {
    PartitionLog log = create();
    RecordBatch batch = new RecordBatchBuilder(Compression.LZ4)
        .append(T0, utf8("a"), utf8("a0"), List.of())
        .append(T0, utf8("b"), utf8("b0"), List.of())
        .append(T0, utf8("c"), utf8("c0"), List.of())
        .build();
    log.append(batch).join();
    put(log, "a=a1", "c=c1");
    log.roll().join();

    manager.runMaintenance();

    RecordBatch compacted = log.read(0, 1 << 20).batchList().get(0);
    assertThat(compacted.baseOffset()).isZero();
    assertThat(compacted.lastOffset()).as("the last offset stays, though its record went").isEqualTo(2);
    assertThat(compacted.compression()).isEqualTo(Compression.LZ4);
    compacted.ensureValid();
    assertThat(contents(log)).containsExactly("1:b=b0", "3:a=a1", "4:c=c1");
  }

  @Test
  void deletingRecordsAlsoDeletesSegmentsThatCompactionEmptied() throws IOException {
    PartitionLog log = create();
    put(log, "a=a0", "b=b0", "a=a1", "b=b1", "c=c0");
    log.roll().join();
    put(log, "a=a2", "b=b2", "c=c1", "d=d0");
    log.roll().join();
    put(log, "e=e0");
    log.roll().join();
    manager.runMaintenance();
    assertThat(contents(log)).containsExactly("5:a=a2", "6:b=b2", "7:c=c1", "8:d=d0", "9:e=e0");

    log.deleteRecordsBefore(9).join();

    assertThat(contents(log)).containsExactly("9:e=e0");
    await().untilAsserted(() -> assertThat(filesEndingWith(".log")).as("only the segment from 9 and the active one")
        .hasSize(2));
    assertThat(log.segmentCount()).isEqualTo(2);
  }

  @Test
  void truncatingIntoAGapThatCompactionLeftEndsTheLogWhereItsRecordsEnd() {
    PartitionLog log = create();
    put(log, "b=b0", "a=a0", "a=a1", "c=c0");
    log.roll().join();
    manager.runMaintenance();
    assertThat(contents(log)).containsExactly("0:b=b0", "2:a=a1", "3:c=c0");

    assertThat(log.truncateTo(1).join()).isEqualTo(1);

    assertThat(log.logEndOffset()).isEqualTo(1);
    RecordBatch fromLeader = new RecordBatchBuilder(Compression.NONE).baseOffset(1).partitionLeaderEpoch(0)
        .append(T0, utf8("z"), utf8("z0 from the leader"), List.of()).build();
    assertThat(log.appendAsFollower(fromLeader).join().baseOffset()).as("the follower continues at the offset it truncated to")
        .isEqualTo(1);
    log.updateHighWatermark(2);
    assertThat(contents(log)).containsExactly("0:b=b0", "1:z=z0");
  }

  @Test
  void tombstonesStayUntilDeleteRetentionThenGo() {
    PartitionLog log = create();
    put(log, "gone=g0", "kept=k0", "gone=g1");
    put(log, "gone=null");
    log.roll().join();

    manager.runMaintenance();
    assertThat(contents(log)).containsExactly("1:kept=k0", "3:gone=null");

    clock.advance(TOMBSTONE_RETENTION_MS - 1);
    manager.runMaintenance();
    assertThat(contents(log)).containsExactly("1:kept=k0", "3:gone=null");

    clock.advance(2);
    manager.runMaintenance();
    assertThat(contents(log)).containsExactly("1:kept=k0");
  }

  @Test
  void aCompactedLogReadsTheSameAfterACleanRestartAndAfterACrash() {
    PartitionLog log = create();
    for (int round = 0; round < 5; round++) {
      put(log, "x=x" + round, "y=y" + round);
    }
    log.roll().join();
    manager.runMaintenance();
    List<String> compacted = contents(log);
    assertThat(compacted).containsExactly("8:x=x4", "9:y=y4");

    manager.close();
    manager = LogManager.open(TestStores.config(dir, clock));
    assertThat(contents(manager.partition(TP))).isEqualTo(compacted);

    manager.crashForTesting();
    manager = LogManager.open(TestStores.config(dir, clock));
    PartitionLog recovered = manager.partition(TP);
    assertThat(manager.truncatedAtRecovery()).isEmpty();
    recovered.updateHighWatermark(recovered.logEndOffset());
    assertThat(contents(recovered)).isEqualTo(compacted);
    assertThat(recovered.logEndOffset()).isEqualTo(10);
  }

  @Test
  void aSwapThatACrashInterruptedIsCompletedAtTheNextStart() throws IOException {
    PartitionLog log = create();
    put(log, "a=a0", "b=b0", "a=a1");
    log.roll().join();
    manager.close();
    // The compacted copy of segment 0, as the compactor leaves it renamed .swap just before swapping.
    writeSwap(0, keyedBatch(1, "b", "b0"), keyedBatch(2, "a", "a1"));

    manager = LogManager.open(TestStores.config(dir, clock));

    assertThat(contents(manager.partition(TP))).containsExactly("1:b=b0", "2:a=a1");
    assertThat(manager.partition(TP).logEndOffset()).isEqualTo(3);
    assertThat(filesEndingWith(".swap")).isEmpty();
  }

  @Test
  void aSwapInterruptedAfterTheOriginalWasRetiredIsCompletedToo() throws IOException {
    PartitionLog log = create();
    put(log, "a=a0", "b=b0", "a=a1");
    log.roll().join();
    manager.close();
    writeSwap(0, keyedBatch(1, "b", "b0"), keyedBatch(2, "a", "a1"));
    for (String suffix : List.of(".log", ".index", ".timeindex")) {
      Path file = partitionDir().resolve("00000000000000000000" + suffix);
      if (Files.exists(file)) {
        Files.move(file, file.resolveSibling(file.getFileName() + ".deleted"));
      }
    }

    manager = LogManager.open(TestStores.config(dir, clock));

    assertThat(contents(manager.partition(TP))).containsExactly("1:b=b0", "2:a=a1");
    assertThat(filesEndingWith(".swap")).isEmpty();
    assertThat(filesEndingWith(".deleted")).isEmpty();
  }

  @Test
  void aCopyThatWasNotYetRenamedSwapIsDiscarded() throws IOException {
    PartitionLog log = create();
    put(log, "a=a0", "b=b0", "a=a1");
    log.roll().join();
    manager.close();
    Path cleaned = partitionDir().resolve("00000000000000000000.log.cleaned");
    Files.write(cleaned, bytesOf(keyedBatch(2, "a", "a1")));

    manager = LogManager.open(TestStores.config(dir, clock));

    assertThat(contents(manager.partition(TP))).containsExactly("0:a=a0", "1:b=b0", "2:a=a1");
    assertThat(cleaned).doesNotExist();
  }

  @Test
  void aTruncationWhileASegmentIsBeingCompactedIsNotUndoneByTheSwap() throws Exception {
    PartitionLog log = create();
    for (int round = 0; round < 8; round++) {
      put(log, "a=a" + round, "b=b" + round, "c=c" + round);
    }
    log.roll().join();
    List<String> survivors = contents(log).subList(0, 2);
    CountDownLatch writerHeld = new CountDownLatch(1);
    CompletableFuture<Object> blocker = log.writer().submit(log, 0, false, () -> {
      writerHeld.await();
      return null;
    });
    CompletableFuture<Long> truncation;
    CompletableFuture<Void> compaction;
    try {
      truncation = log.truncateTo(2); // queued first, runs before the compactor's swap
      compaction = CompletableFuture.runAsync(manager::runMaintenance);
      await().until(() -> !filesEndingWith(".swap").isEmpty());
    } finally {
      writerHeld.countDown();
    }
    blocker.join();
    truncation.join();
    compaction.join();

    assertThat(log.logEndOffset()).isEqualTo(2);
    assertThat(contents(log)).isEqualTo(survivors);
    put(log, "z=z0");
    assertThat(contents(log)).containsExactly("0:a=a0", "1:b=b0", "2:z=z0");
    manager.close();
    manager = LogManager.open(TestStores.config(dir, clock));
    PartitionLog reopened = manager.partition(TP);
    assertThat(reopened.logEndOffset()).isEqualTo(3);
    assertThat(contents(reopened)).containsExactly("0:a=a0", "1:b=b0", "2:z=z0");
  }

  private static RecordBatch keyedBatch(long offset, String key, String value) {
    return new RecordBatchBuilder(Compression.NONE).baseOffset(offset).partitionLeaderEpoch(0)
        .append(T0, utf8(key), utf8(value + " " + "x".repeat(150)), List.of()).build();
  }

  private void writeSwap(long baseOffset, RecordBatch... batches) throws IOException {
    Path swap = partitionDir().resolve(FileNames.baseName(baseOffset) + ".log.swap");
    try (FileChannel channel = FileChannel.open(swap, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (RecordBatch batch : batches) {
        channel.write(batch.buffer());
      }
    }
  }

  private static byte[] bytesOf(RecordBatch batch) {
    ByteBuffer buffer = batch.buffer();
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  private List<Path> filesEndingWith(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(partitionDir())) {
      return files.filter(file -> file.getFileName().toString().endsWith(suffix)).toList();
    }
  }
}
