package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.logstore.format.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A producer that retries any of its last five batches at any moment (and restarts the log in
 * between, cleanly or by a crash) gets each batch written exactly once, in its order, and every
 * retry answered its first attempt's offsets.
 */
class ProducerRetryProperties {
  private static final TopicPartition TP = new TopicPartition("retries", 0);
  private static final long T0 = 1_700_000_000_000L;
  private static final long PID = 7;

  /**
   * An action of the producer: 0 sends its next batch; 1 to 5 retries its n-th most recent one (if it
   * sent that many); 6 restarts the log cleanly, 7 crashes and reopens it.
   */
  @Provide
  Arbitrary<List<Integer>> actions() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.just(0)),
        net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 5)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(6, 7)))
        .list().ofMinSize(1).ofMaxSize(40);
  }

  @Property(tries = 60)
  void everyBatchIsWrittenOnceWhateverTheRetries(@ForAll("actions") List<Integer> actions,
      @ForAll("sizes") List<Integer> sizes) throws IOException {
    Path dir = Files.createTempDirectory("producer-retries");
    ManualClock clock = new ManualClock(T0);
    LogManager manager = LogManager.open(TestStores.config(dir, clock));
    try {
      PartitionLog log = manager.create(TP, LogConfig.DEFAULT.with(java.util.Map.of(LogConfig.SEGMENT_BYTES, 1024)));
      List<AppendResult> sent = new ArrayList<>();
      List<String> expected = new ArrayList<>();
      int nextSeq = 0;
      for (int action : actions) {
        if (action == 0) {
          int records = sizes.get(sent.size() % sizes.size());
          sent.add(log.append(ProducerStateTest.batch(PID, 0, nextSeq, records)).join());
          for (int i = 0; i < records; i++) {
            expected.add("p" + PID + "/e0/s" + (nextSeq + i));
          }
          assertThat(sent.get(sent.size() - 1).duplicate()).isFalse();
          nextSeq += records;
        } else if (action <= 5 && action <= sent.size()) {
          AppendResult original = sent.get(sent.size() - action);
          int firstSeq = (int) (original.baseOffset() - sent.get(0).baseOffset()); // one record per sequence, from 0
          AppendResult retry = log.append(ProducerStateTest.batch(PID, 0, firstSeq, (int) original.recordCount())).join();
          assertThat(retry.duplicate()).as("retry of the batch %d back", action).isTrue();
          assertThat(retry.baseOffset()).isEqualTo(original.baseOffset());
          assertThat(retry.lastOffset()).isEqualTo(original.lastOffset());
        } else if (action == 6) {
          manager.close();
          manager = LogManager.open(TestStores.config(dir, clock));
          log = manager.get(TP).orElseThrow();
        } else if (action == 7) {
          log.flush().join(); // a crash loses what was not flushed; here the point is the state, not the data
          manager.crashForTesting();
          manager = LogManager.open(TestStores.config(dir, clock));
          log = manager.get(TP).orElseThrow();
        }
      }
      log.updateHighWatermark(log.logEndOffset());
      List<Record> stored = readAll(log, 1 << 20);
      assertThat(TestStores.values(stored)).isEqualTo(expected);
    } finally {
      manager.close();
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @Provide
  Arbitrary<List<Integer>> sizes() {
    return Arbitraries.integers().between(1, 4).list().ofMinSize(1).ofMaxSize(5);
  }
}
