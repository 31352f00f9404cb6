package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.readAll;
import static io.streamgate.logstore.TestBatches.utf8;
import static io.streamgate.logstore.TestStores.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.logstore.format.BatchLayout;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The idempotent producer's rules on a real log (Kafka's {@code ProducerAppendInfo.checkSequence}), and their state across reopen and truncation. */
class ProducerStateTest {
  private static final TopicPartition TP = new TopicPartition("kafka-in", 0);
  private static final long T0 = 1_700_000_000_000L;
  private static final long PID = 42;

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(T0);
  private LogManager manager;
  private PartitionLog log;

  @BeforeEach
  void open() {
    manager = LogManager.open(TestStores.config(dir, clock));
    log = manager.create(TP, LogConfig.DEFAULT);
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** A batch of {@code records} records of producer {@code pid}, values naming epoch and sequence, so each batch is recognizable in the log. */
  static RecordBatch batch(long pid, int epoch, int firstSeq, int records) {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE).producer(pid, (short) epoch, firstSeq);
    for (int i = 0; i < records; i++) {
      builder.append(T0, null, utf8("p" + pid + "/e" + epoch + "/s" + (firstSeq + i)), List.of());
    }
    return builder.build();
  }

  private AppendResult append(RecordBatch batch) {
    return log.append(batch).join();
  }

  private Throwable failureOf(RecordBatch batch) {
    long endBefore = log.logEndOffset();
    Throwable failure =
        log.append(batch).handle((ok, error) -> error instanceof CompletionException wrapped ? wrapped.getCause() : error).join();
    assertThat(log.logEndOffset()).as("nothing written").isEqualTo(endBefore);
    return failure;
  }

  private List<String> stored() {
    log.updateHighWatermark(log.logEndOffset());
    return values(readAll(log, 1 << 20));
  }

  /** Appends batches 0..count-1 of two records each (sequences 0-1, 2-3, ...) and returns their results. */
  private List<AppendResult> appendTwoRecordBatches(int count) {
    List<AppendResult> results = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      results.add(append(batch(PID, 0, 2 * i, 2)));
    }
    return results;
  }

  // ---------------------------------------------------------------- the rules, one test each

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4})
  void aRetryOfAnyOfTheLastFiveBatchesAnswersItsOriginalOffsetsAndWritesNothing(int retried) {
    appendTwoRecordBatches(2); // pushed out of the last five by the five below
    List<AppendResult> lastFive = appendTwoRecordBatches(7).subList(2, 7);
    List<String> before = stored();

    AppendResult retry = append(batch(PID, 0, 2 * (retried + 2), 2));

    AppendResult original = lastFive.get(retried);
    assertThat(retry.duplicate()).isTrue();
    assertThat(retry.baseOffset()).isEqualTo(original.baseOffset());
    assertThat(retry.lastOffset()).isEqualTo(original.lastOffset());
    assertThat(stored()).isEqualTo(before).hasSize(14);
  }

  @Test
  void aRetryOfTheSixthMostRecentBatchIsOutOfOrder() {
    appendTwoRecordBatches(6);
    assertThat(failureOf(batch(PID, 0, 0, 2))).isInstanceOf(OutOfOrderSequenceException.class);
  }

  @Test
  void aGapInTheSequenceIsOutOfOrder() {
    appendTwoRecordBatches(1); // sequences 0-1
    assertThat(failureOf(batch(PID, 0, 3, 1))).isInstanceOf(OutOfOrderSequenceException.class);
    assertThat(append(batch(PID, 0, 2, 1)).duplicate()).isFalse();
  }

  @Test
  void aBatchOverlappingTheLastOneButNotEqualToItIsOutOfOrder() {
    appendTwoRecordBatches(1); // sequences 0-1
    assertThat(failureOf(batch(PID, 0, 1, 2))).isInstanceOf(OutOfOrderSequenceException.class);
  }

  @Test
  void sequencesWrapFromIntMaxToZero() {
    append(batch(PID, 0, Integer.MAX_VALUE - 1, 3)); // MAX-1, MAX, 0: an unknown producer may start anywhere
    AppendResult next = append(batch(PID, 0, 1, 2));
    assertThat(next.duplicate()).isFalse();
    assertThat(append(batch(PID, 0, Integer.MAX_VALUE - 1, 3)).duplicate()).isTrue();
    assertThat(failureOf(batch(PID, 0, 0, 1))).isInstanceOf(OutOfOrderSequenceException.class);
    assertThat(stored()).hasSize(5);
  }

  @Test
  void anOlderEpochIsAnInvalidProducerEpoch() {
    append(batch(PID, 3, 0, 1));
    assertThat(failureOf(batch(PID, 2, 1, 1))).isInstanceOf(InvalidProducerEpochException.class);
    assertThat(failureOf(batch(PID, 2, 0, 1))).as("not even a duplicate's sequence").isInstanceOf(InvalidProducerEpochException.class);
  }

  @Test
  void aNewerEpochStartsAtSequenceZeroAndForgetsTheOldBatches() {
    appendTwoRecordBatches(3);
    AppendResult bumped = append(batch(PID, 1, 0, 2));
    assertThat(bumped.duplicate()).as("same sequences as epoch 0's first batch, but a new epoch").isFalse();
    assertThat(failureOf(batch(PID, 0, 6, 1))).isInstanceOf(InvalidProducerEpochException.class);
    assertThat(append(batch(PID, 1, 2, 1)).duplicate()).isFalse();
    assertThat(stored()).hasSize(9);
  }

  @Test
  void aNewerEpochNotStartingAtZeroIsOutOfOrder() {
    appendTwoRecordBatches(1);
    assertThat(failureOf(batch(PID, 1, 2, 1))).isInstanceOf(OutOfOrderSequenceException.class);
  }

  @Test
  void anUnknownProducerMayStartAtAnySequence() {
    AppendResult first = append(batch(PID, 7, 1234, 3));
    assertThat(first.duplicate()).isFalse();
    assertThat(append(batch(PID, 7, 1237, 1)).duplicate()).isFalse();
  }

  @Test
  void batchesWithoutAProducerOrWithAnIdempotencyKeyIdAreNotChecked() {
    long keyId = ProducerIds.forIdempotencyKey(PID);
    for (int attempt = 0; attempt < 2; attempt++) {
      assertThat(append(batch(-1, -1, -1, 1)).duplicate()).isFalse();
      assertThat(append(batch(keyId, 0, 0, 2)).duplicate()).as("the cluster's idempotency window answers these").isFalse();
      assertThat(append(batch(keyId, 0, 1, 2)).duplicate()).isFalse();
    }
    assertThat(stored()).hasSize(10);
  }

  @Test
  void transactionalAndControlBatchesAreRefused() {
    RecordBatch transactional = batch(PID, 0, 0, 1);
    transactional.buffer().putShort(BatchLayout.ATTRIBUTES_OFFSET, (short) (transactional.attributes() | 0x10));
    rewriteCrc(transactional);
    assertThat(failureOf(transactional)).isInstanceOf(UnsupportedTransactionsException.class);
    RecordBatch control = batch(PID, 0, 0, 1);
    control.buffer().putShort(BatchLayout.ATTRIBUTES_OFFSET, (short) (control.attributes() | 0x20));
    rewriteCrc(control);
    assertThat(failureOf(control)).isInstanceOf(UnsupportedTransactionsException.class);
  }

  @Test
  void anAllocatedProducerNeedsAnEpochAndASequence() {
    assertThat(failureOf(batch(PID, 0, -1, 1))).isInstanceOf(InvalidRecordException.class);
    assertThat(failureOf(batch(PID, -1, 0, 1))).isInstanceOf(InvalidRecordException.class);
  }

  private static void rewriteCrc(RecordBatch batch) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(batch.buffer().duplicate().position(BatchLayout.ATTRIBUTES_OFFSET));
    batch.buffer().putInt(BatchLayout.CRC_OFFSET, (int) crc.getValue());
    batch.ensureValid();
  }

  // ---------------------------------------------------------------- followers, truncation, reload

  @Test
  void aFollowerLearnsTheProducersFromTheBatchesItCopies() {
    RecordBatch copied = batch(PID, 0, 0, 2);
    copied.setBaseOffset(0);
    copied.setPartitionLeaderEpoch(0);
    log.appendAsFollower(copied).join();

    AppendResult retry = append(batch(PID, 0, 0, 2)); // the follower now leads; the old leader's client retries
    assertThat(retry.duplicate()).isTrue();
    assertThat(retry.baseOffset()).isZero();
    assertThat(failureOf(batch(PID, 0, 5, 1))).isInstanceOf(OutOfOrderSequenceException.class);
  }

  @Test
  void aTruncationForgetsTheBatchesItRemoved() {
    appendTwoRecordBatches(3); // offsets 0-1, 2-3, 4-5
    log.truncateTo(4).join();

    assertThat(append(batch(PID, 0, 4, 2)).duplicate()).as("removed: written again").isFalse();
    assertThat(append(batch(PID, 0, 2, 2)).duplicate()).as("kept").isTrue();
    assertThat(stored()).containsExactly("p42/e0/s0", "p42/e0/s1", "p42/e0/s2", "p42/e0/s3", "p42/e0/s4", "p42/e0/s5");
  }

  @Test
  void aLogStartedAgainForgetsEveryProducer() {
    appendTwoRecordBatches(2);
    log.truncateFullyAndStartAt(100).join();
    assertThat(append(batch(PID, 0, 77, 1)).duplicate()).as("any sequence: unknown producer").isFalse();
    assertThat(ProducerSnapshotFile.offsets(log.dir())).isEmpty();
  }

  @Test
  void theStateSurvivesACleanReopenWithoutReplaying() {
    List<AppendResult> written = appendTwoRecordBatches(3);
    manager.close();
    manager = LogManager.open(TestStores.config(dir, clock));
    log = manager.get(TP).orElseThrow();

    assertThat(log.replayedBatches()).isZero();
    AppendResult retry = append(batch(PID, 0, 4, 2));
    assertThat(retry.duplicate()).isTrue();
    assertThat(retry.baseOffset()).isEqualTo(written.get(2).baseOffset());
    assertThat(failureOf(batch(PID, 0, 7, 1))).isInstanceOf(OutOfOrderSequenceException.class);
  }

  @Test
  void afterACrashTheStateComesFromTheLastRollsSnapshotAndTheBatchesAfterIt() throws Exception {
    log.updateConfig(LogConfig.DEFAULT.with(Map.of(LogConfig.SEGMENT_BYTES, 1024)));
    int batches = 60;
    List<AppendResult> written = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      written.add(append(batch(PID + (i % 3), 0, 2 * (i / 3), 2)));
    }
    long lastRoll = log.segmentsSnapshot().get(log.segmentCount() - 1).baseOffset();
    assertThat(log.segmentCount()).isGreaterThan(3);
    await().until(() -> Files.exists(ProducerSnapshotFile.file(dir.resolve(TP.directoryName()), lastRoll)));
    log.flush().join();
    manager.crashForTesting();

    manager = LogManager.open(TestStores.config(dir, clock));
    log = manager.get(TP).orElseThrow();

    long tail = written.stream().filter(result -> result.baseOffset() >= lastRoll).count();
    assertThat(log.replayedBatches()).as("only the batches after the last snapshot").isEqualTo((int) tail).isLessThan(batches / 3);
    for (int producer = 0; producer < 3; producer++) {
      AppendResult last = written.get(batches - 3 + producer);
      AppendResult retry = append(batch(PID + producer, 0, 2 * (batches / 3 - 1), 2));
      assertThat(retry.duplicate()).isTrue();
      assertThat(retry.baseOffset()).isEqualTo(last.baseOffset());
    }
    assertThat(stored()).hasSize(2 * batches);
  }

  @Test
  void anUnreadableSnapshotIsDroppedAndTheLogReplayedInstead() throws Exception {
    appendTwoRecordBatches(3);
    manager.close();
    Path snapshot = ProducerSnapshotFile.file(dir.resolve(TP.directoryName()), 6);
    assertThat(snapshot).exists();
    Files.writeString(snapshot, "0\n1\nnot a producer\n");

    manager = LogManager.open(TestStores.config(dir, clock));
    log = manager.get(TP).orElseThrow();

    assertThat(log.replayedBatches()).isEqualTo(3);
    assertThat(append(batch(PID, 0, 4, 2)).duplicate()).isTrue();
  }

  // ---------------------------------------------------------------- bounds

  @Test
  void aProducerIdleForTheExpirationIsForgotten() {
    manager.close();
    manager = LogManager.open(TestStores.config(dir, clock).withProducerState(60_000, 100));
    log = manager.get(TP).orElseThrow();
    append(batch(PID, 0, 0, 1));
    clock.advance(59_999);
    assertThat(log.expireProducers(clock.milliseconds()).join()).isZero();
    clock.advance(1);
    assertThat(log.expireProducers(clock.milliseconds()).join()).isEqualTo(1);
    assertThat(append(batch(PID, 0, 500, 1)).duplicate()).as("unknown again: any sequence").isFalse();
  }

  @Test
  void pastTheBoundTheLeastRecentlyWrittenProducerIsForgotten() {
    manager.close();
    manager = LogManager.open(TestStores.config(dir, clock).withProducerState(60_000, 2));
    log = manager.get(TP).orElseThrow();
    IntStream.range(0, 3).forEach(producer -> append(batch(producer, 0, 0, 1)));

    assertThat(log.producerState(0).join()).isEmpty();
    assertThat(log.producerState(1).join()).isPresent();
    assertThat(log.producerState(2).join()).isPresent();
  }
}
