package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.readAll;
import static io.streamgate.logstore.TestBatches.utf8;
import static io.streamgate.logstore.TestStores.logConfig;
import static io.streamgate.logstore.TestStores.offsets;
import static io.streamgate.logstore.TestStores.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PartitionLog#truncateFullyAndStartAt}: a follower whose log ends below its leader's log
 * start empties its log and continues at the leader's log start. Also after a clean restart, a crash
 * right after it, and a crash at each step of it on disk.
 */
class FullTruncationTest {
  private static final TopicPartition TP = new TopicPartition("orders", 0);
  private static final long T0 = 1_700_000_000_000L;
  /** Where the leader's log starts: far past the end of the follower's log. */
  private static final long LEADER_START = 500;
  private static final int RECORDS = 30;

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

  /** 30 one-record batches of ~200 bytes in 1 KiB segments, in epochs 1 (0..9) and 2 (10..29), all committed. */
  private PartitionLog followerLog() {
    PartitionLog log = manager.create(TP, logConfig(Map.of(LogConfig.SEGMENT_BYTES, 1024)));
    for (int i = 0; i < RECORDS; i++) {
      log.append(TestBatches.values(T0, "v" + i + "-".repeat(200)), i < 10 ? 1 : 2).join();
    }
    log.updateHighWatermark(log.logEndOffset());
    return log;
  }

  private static RecordBatch fromLeader(long baseOffset, int epoch, String... values) {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE).baseOffset(baseOffset).partitionLeaderEpoch(epoch);
    for (String value : values) {
      builder.append(T0, null, utf8(value), List.of());
    }
    return builder.build();
  }

  private void reopen(boolean crash) {
    if (crash) {
      manager.crashForTesting();
    } else {
      manager.close();
    }
    manager = LogManager.open(TestStores.config(dir, clock));
  }

  @Test
  void theLogIsEmptiedAndContinuesAtTheNewStart() throws IOException {
    PartitionLog log = followerLog();
    assertThat(log.segmentCount()).isGreaterThan(3);
    List<Long> heard = new ArrayList<>();
    log.addListener((tp, hw) -> heard.add(hw));

    assertThat(log.truncateFullyAndStartAt(LEADER_START).join()).isEqualTo(LEADER_START);

    assertEmptyAt(log, LEADER_START);
    assertThat(heard).as("the high watermark moved up to the new start").containsExactly(LEADER_START);
    await().untilAsserted(() -> assertThat(segmentFiles()).containsExactly(FileNames.baseName(LEADER_START) + ".log"));

    assertContinuesAt(log, LEADER_START);
  }

  @Test
  void theHighWatermarkMovesDownToANewStartBelowIt() {
    PartitionLog log = followerLog();

    log.truncateFullyAndStartAt(12).join();

    assertEmptyAt(log, 12);
    assertContinuesAt(log, 12);
  }

  @ParameterizedTest(name = "crash={0}")
  @ValueSource(booleans = {false, true})
  void theNewStartSurvivesARestart(boolean crash) {
    PartitionLog log = followerLog();
    log.truncateFullyAndStartAt(LEADER_START).join();
    log.appendAsFollower(fromLeader(LEADER_START, 7, "first", "second")).join();
    log.updateHighWatermark(LEADER_START + 2);
    if (crash) {
      log.flush().join(); // a crash keeps what was fsynced; recovery of unflushed data is TornWriteTest's subject
    }

    reopen(crash);

    PartitionLog reopened = manager.partition(TP);
    assertThat(reopened.logStartOffset()).isEqualTo(LEADER_START);
    assertThat(reopened.logEndOffset()).isEqualTo(LEADER_START + 2);
    assertThat(reopened.latestEpoch()).isEqualTo(7);
    assertThat(reopened.endOffsetForEpoch(2)).as("the epochs before the cut are forgotten")
        .contains(new EpochEndOffset(2, LEADER_START));
    reopened.updateHighWatermark(LEADER_START + 2);
    assertThat(values(readAll(reopened, 100))).containsExactly("first", "second");
    assertThatThrownBy(() -> reopened.read(LEADER_START - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
  }

  /**
   * A crash at each step of the operation, as its files show it then: {@code retired} of the old
   * segments renamed {@code .deleted} (oldest first); with all of them retired, the epoch history
   * cleared or not; the new segment created, the log start checkpoint not yet written. The restart
   * finds a log the follower can go on with: a suffix of the old one, or an empty one; and the
   * repeated operation then leaves the same log as an uninterrupted one.
   */
  @ParameterizedTest(name = "step={0}")
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void aCrashAtAnyStepLeavesALogTheFollowerCanGoOnWith(int step) throws IOException {
    PartitionLog log = followerLog();
    log.deleteRecordsBefore(5).join();
    List<Long> bases = segmentBases();
    long oldEnd = log.logEndOffset();
    manager.close();
    Path partitionDir = dir.resolve(TP.directoryName());

    // Steps 1..3: some, then all but one, then all of the old segments retired.
    int retired = switch (step) {
      case 1 -> 1;
      case 2 -> bases.size() - 1;
      default -> bases.size();
    };
    for (long base : bases.subList(0, retired)) {
      for (String suffix : List.of(".log", ".index", ".timeindex")) {
        Path file = partitionDir.resolve(FileNames.baseName(base) + suffix);
        if (Files.exists(file)) {
          Files.move(file, file.resolveSibling(file.getFileName() + ".deleted"));
        }
      }
    }
    if (step >= 4) {
      CheckpointFile.write(partitionDir.resolve(FileNames.LEADER_EPOCH_CHECKPOINT), List.of());
    }
    if (step >= 5) {
      Files.createFile(partitionDir.resolve(FileNames.baseName(LEADER_START) + ".log"));
    }

    manager = LogManager.open(TestStores.config(dir, clock));
    PartitionLog recovered = manager.partition(TP);

    if (step < 3) {
      long start = bases.get(retired);
      assertThat(recovered.logStartOffset()).isEqualTo(start);
      assertThat(recovered.logEndOffset()).isEqualTo(oldEnd);
      assertThat(recovered.latestEpoch()).isEqualTo(2);
      recovered.updateHighWatermark(oldEnd);
      assertThat(offsets(readAll(recovered, 100))).isEqualTo(LongStream.range(start, oldEnd).boxed().toList());
    } else if (step < 5) {
      assertEmptyAt(recovered, 5);
    } else {
      assertEmptyAt(recovered, LEADER_START);
    }
    assertThat(recovered.logEndOffset()).as("still below the leader's start: the follower truncates again")
        .isLessThanOrEqualTo(LEADER_START);

    recovered.truncateFullyAndStartAt(LEADER_START).join();
    assertEmptyAt(recovered, LEADER_START);
    assertContinuesAt(recovered, LEADER_START);
  }

  @Test
  void aNegativeStartIsRefused() {
    PartitionLog log = followerLog();

    assertThatThrownBy(() -> log.truncateFullyAndStartAt(-1).join()).hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(log.logEndOffset()).isEqualTo(RECORDS);
  }

  private static void assertEmptyAt(PartitionLog log, long offset) {
    assertThat(log.logStartOffset()).isEqualTo(offset);
    assertThat(log.logEndOffset()).isEqualTo(offset);
    assertThat(log.highWatermark()).isEqualTo(offset);
    assertThat(log.segmentCount()).isEqualTo(1);
    assertThat(log.latestEpoch()).as("no epoch history").isEqualTo(-1);
    assertThat(log.read(offset, 100).isEmpty()).isTrue();
    if (offset > 0) {
      assertThatThrownBy(() -> log.read(offset - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
    }
  }

  /** The leader's batches from {@code start} on append, keep their offsets and epoch, and read back in order. */
  private static void assertContinuesAt(PartitionLog log, long start) {
    log.appendAsFollower(fromLeader(start, 7, "a", "b")).join();
    log.appendAsFollower(fromLeader(start + 2, 8, "c")).join();
    log.updateHighWatermark(start + 3);

    assertThat(offsets(readAll(log, 100))).containsExactly(start, start + 1, start + 2);
    assertThat(values(readAll(log, 100))).containsExactly("a", "b", "c");
    assertThat(log.latestEpoch()).isEqualTo(8);
    assertThat(log.endOffsetForEpoch(7)).contains(new EpochEndOffset(7, start + 2));
  }

  private List<String> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(TP.directoryName()))) {
      return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".log")).sorted().toList();
    }
  }

  private List<Long> segmentBases() throws IOException {
    return segmentFiles().stream().map(name -> FileNames.baseOffsetOf(name, ".log")).toList();
  }
}
