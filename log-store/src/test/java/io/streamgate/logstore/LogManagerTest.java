package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.readAll;
import static io.streamgate.logstore.TestStores.logConfig;
import static io.streamgate.logstore.TestStores.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogManagerTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TopicPartition TP = new TopicPartition("events", 0);

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

  private void restart() {
    manager.close();
    manager = LogManager.open(TestStores.config(dir, clock));
  }

  private void crashAndReopen() {
    manager.crashForTesting();
    manager = LogManager.open(TestStores.config(dir, clock));
  }

  private static void appendCommitted(PartitionLog log, String... values) {
    for (String value : values) {
      log.append(TestBatches.values(T0, value)).join();
    }
    log.updateHighWatermark(log.logEndOffset());
  }

  private static String[] numbered(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(i -> prefix + i).toArray(String[]::new);
  }

  private List<String> directoryNames() throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).map(path -> path.getFileName().toString()).sorted().toList();
    }
  }

  // ---------------------------------------------------------------- partitions

  @Test
  void createdPartitionsCanBeLookedUp() {
    PartitionLog log = manager.create(TP, LogConfig.DEFAULT);

    assertThat(manager.get(TP)).containsSame(log);
    assertThat(manager.partition(TP)).isSameAs(log);
    assertThat(manager.partitions()).containsExactly(log);
    assertThat(manager.get(new TopicPartition("events", 1))).isEmpty();
    assertThatThrownBy(() -> manager.partition(new TopicPartition("events", 1)))
        .isInstanceOf(PartitionNotFoundException.class).hasMessageContaining("events-1");
    assertThatThrownBy(() -> manager.create(TP, LogConfig.DEFAULT)).isInstanceOf(PartitionAlreadyExistsException.class);
    assertThat(dir.resolve("events-0")).isDirectory();
  }

  @Test
  void aDeletedPartitionDisappearsAtOnceAndItsFilesInTheBackground() {
    PartitionLog log = manager.create(TP, LogConfig.DEFAULT);
    appendCommitted(log, "a", "b");

    manager.delete(TP);

    assertThat(manager.get(TP)).isEmpty();
    assertThat(dir.resolve(TP.directoryName())).doesNotExist();
    assertThatThrownBy(() -> manager.delete(TP)).isInstanceOf(PartitionNotFoundException.class);
    await().until(() -> directoryNames().isEmpty());
  }

  @Test
  void aDeletedPartitionStaysDeletedAfterARestartEvenIfItsFilesWereNotYetRemoved() throws IOException {
    appendCommitted(manager.create(TP, LogConfig.DEFAULT), "a");
    manager.delete(TP);
    crashAndReopen(); // may stop the background removal before it ran

    assertThat(manager.get(TP)).isEmpty();
    assertThat(manager.partitions()).isEmpty();
    await().until(() -> directoryNames().isEmpty());
  }

  @Test
  void aPartitionRecreatedUnderADeletedOnesNameStartsEmpty() {
    PartitionLog old = manager.create(TP, LogConfig.DEFAULT);
    appendCommitted(old, "old-a", "old-b");
    manager.delete(TP);

    PartitionLog fresh = manager.create(TP, LogConfig.DEFAULT);
    appendCommitted(fresh, "new");
    restart();

    PartitionLog reopened = manager.partition(TP);
    assertThat(reopened.logEndOffset()).isEqualTo(1);
    assertThat(values(readAll(reopened, 100))).containsExactly("new");
  }

  @Test
  void aRecreatedPartitionDoesNotInheritTheDeletedOnesOffsetsAfterACrash() {
    PartitionLog old = manager.create(TP, LogConfig.DEFAULT);
    appendCommitted(old, numbered("old", 10));
    old.deleteRecordsBefore(8).join(); // checkpoints log start 8 and high watermark 10
    manager.delete(TP);
    PartitionLog fresh = manager.create(TP, LogConfig.DEFAULT);
    appendCommitted(fresh, numbered("new", 5));

    crashAndReopen();

    PartitionLog reopened = manager.partition(TP);
    assertThat(reopened.logStartOffset()).isZero();
    assertThat(reopened.logEndOffset()).isEqualTo(5);
    assertThat(reopened.highWatermark()).as("nothing of the new partition was checkpointed").isZero();
    reopened.updateHighWatermark(5);
    assertThat(values(readAll(reopened, 100))).containsExactly(numbered("new", 5));
  }

  @Test
  void deleteAndCreateNeedAnOpenStore() {
    manager.create(TP, LogConfig.DEFAULT);
    manager.close();

    assertThatThrownBy(() -> manager.delete(TP)).isInstanceOf(LogClosedException.class);
  }

  // ---------------------------------------------------------------- the directory lock

  @Test
  void aSecondOpenOfTheSameDirectoryFailsClearly() {
    assertThatThrownBy(() -> LogManager.open(TestStores.config(dir, clock)))
        .isInstanceOf(LogStoreException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("in use");
    assertThatThrownBy(() -> LogManager.open(TestStores.config(dir.resolve("."), clock)))
        .as("another spelling of the same directory").isInstanceOf(LogStoreException.class);
  }

  @Test
  void aFailedSecondOpenLeavesTheFirstStoreHoldingItsLock() throws IOException {
    Path locks = Path.of("/proc/locks");
    assumeThat(Files.isReadable(locks)).as("Linux /proc/locks").isTrue();
    Object inode = Files.getAttribute(dir.resolve(FileNames.LOCK_FILE), "unix:ino");
    String lockEntry = ":" + inode + " ";
    assertThat(Files.readString(locks)).as("the store holds an OS lock on its lock file").contains(lockEntry);

    assertThatThrownBy(() -> LogManager.open(TestStores.config(dir, clock))).isInstanceOf(LogStoreException.class);

    assertThat(Files.readString(locks)).as("another process still cannot open the directory").contains(lockEntry);
  }

  @Test
  void theDirectoryCanBeOpenedAgainOnceClosedOrCrashed() {
    manager.create(TP, LogConfig.DEFAULT);
    restart();
    crashAndReopen();
    assertThat(manager.get(TP)).isPresent();
  }

  // ---------------------------------------------------------------- restarts

  @Test
  void aRestartKeepsPartitionsConfigsOffsetsLogStartsAndHighWatermarks() {
    LogConfig small = logConfig(Map.of(LogConfig.SEGMENT_BYTES, 2048, LogConfig.RETENTION_MS, 5000,
        LogConfig.FLUSH_POLICY, "always"));
    LogConfig compacted = logConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact", LogConfig.DELETE_RETENTION_MS, 7));
    TopicPartition other = new TopicPartition("keyed", 3);
    PartitionLog first = manager.create(TP, small);
    PartitionLog second = manager.create(other, compacted);
    appendCommitted(first, numbered("v", 40));
    first.deleteRecordsBefore(12).join();
    first.append(TestBatches.values(T0, "uncommitted")).join();
    second.append(TestBatches.keyed(T0, "k", "x")).join();

    restart();

    assertThat(manager.partitions()).extracting(PartitionLog::topicPartition).containsExactlyInAnyOrder(TP, other);
    PartitionLog first2 = manager.partition(TP);
    assertThat(first2.config()).isEqualTo(small);
    assertThat(first2.logStartOffset()).isEqualTo(12);
    assertThat(first2.highWatermark()).isEqualTo(40);
    assertThat(first2.logEndOffset()).isEqualTo(41);
    assertThat(values(readAll(first2, 100))).containsExactly(java.util.Arrays.copyOfRange(numbered("v", 40), 12, 40));
    PartitionLog second2 = manager.partition(other);
    assertThat(second2.config()).isEqualTo(compacted);
    assertThat(second2.logEndOffset()).isEqualTo(1);
    assertThat(second2.highWatermark()).isZero();
    assertThat(first2.append(TestBatches.values(T0, "more")).join().baseOffset()).isEqualTo(41);
  }

  @Test
  void aChangedConfigSurvivesARestart() {
    PartitionLog log = manager.create(TP, LogConfig.DEFAULT);
    LogConfig changed = logConfig(Map.of(LogConfig.RETENTION_BYTES, 123_456));

    log.updateConfig(changed);
    restart();

    assertThat(manager.partition(TP).config()).isEqualTo(changed);
  }

  @Test
  void manyPartitionsLoadInParallelAfterACleanAndAnUncleanShutdown() {
    int count = 50;
    for (int p = 0; p < count; p++) {
      PartitionLog log = manager.create(new TopicPartition("many", p), logConfig(Map.of(LogConfig.SEGMENT_BYTES, 1024)));
      appendCommitted(log, numbered("p" + p + "-", 5 + p % 7));
    }

    restart();
    assertAllLoaded(count);
    crashAndReopen();
    assertAllLoaded(count);
  }

  private void assertAllLoaded(int count) {
    assertThat(manager.partitions()).hasSize(count);
    for (int p = 0; p < count; p++) {
      PartitionLog log = manager.partition(new TopicPartition("many", p));
      assertThat(log.logEndOffset()).isEqualTo(5 + p % 7);
      log.updateHighWatermark(log.logEndOffset());
      assertThat(values(readAll(log, 100))).containsExactly(numbered("p" + p + "-", 5 + p % 7));
    }
  }

  @Test
  void strayDirectoriesAreIgnored() throws IOException {
    Files.createDirectories(dir.resolve("not a partition"));
    Files.createDirectories(dir.resolve("lost+found"));

    restart();

    assertThat(manager.partitions()).isEmpty();
    assertThat(dir.resolve("lost+found")).isDirectory();
  }

  // ---------------------------------------------------------------- recovery

  @Test
  void aCleanShutdownSkipsRecovery() throws IOException {
    PartitionLog log = manager.create(TP, LogConfig.DEFAULT);
    appendCommitted(log, numbered("v", 10));
    manager.close();
    // Recovery is what checks CRCs: damage only it would notice shows whether it ran.
    flipByteNearTheEnd(dir.resolve(TP.directoryName()).resolve("00000000000000000000.log"));

    manager = LogManager.open(TestStores.config(dir, clock));

    assertThat(manager.truncatedAtRecovery()).isEmpty();
    assertThat(manager.partition(TP).logEndOffset()).isEqualTo(10);
  }

  @Test
  void anUncleanShutdownRecoversAndReportsWhatItCut() throws IOException {
    PartitionLog log = manager.create(TP, LogConfig.DEFAULT);
    appendCommitted(log, numbered("v", 10));
    manager.crashForTesting();
    flipByteNearTheEnd(dir.resolve(TP.directoryName()).resolve("00000000000000000000.log"));

    manager = LogManager.open(TestStores.config(dir, clock));

    assertThat(manager.truncatedAtRecovery()).containsOnlyKeys(TP);
    assertThat(manager.truncatedAtRecovery().get(TP)).isPositive();
    PartitionLog recovered = manager.partition(TP);
    assertThat(recovered.logEndOffset()).isEqualTo(9);
    recovered.updateHighWatermark(9); // the crash came before the high watermark was checkpointed
    assertThat(values(readAll(recovered, 100))).containsExactly(numbered("v", 9));
  }

  /** Flips a byte inside the last batch's last record, where only a CRC check notices. */
  private static void flipByteNearTheEnd(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long position = channel.size() - 2;
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, position);
      one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
      channel.write(one, position);
    }
  }
}
