package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Random runs of appends, reads, truncations, rolls, record deletions, retention, high-watermark
 * moves and restarts (clean, and crashes) agree with a model: a list of records with their offsets,
 * a log start and a high watermark. After every step the whole log is read back and compared.
 */
class PartitionLogModelProperties {
  private static final long T0 = 1_700_000_000_000L;
  private static final long RETENTION_MS = 10_000;
  private static final TopicPartition TP = new TopicPartition("model", 0);

  // ---------------------------------------------------------------- actions

  sealed interface Action {}

  /** A batch of {@code timestamps.size()} records, stamped around the clock's time, values padded to {@code padding}. */
  record Append(List<Integer> timestampSkews, int padding, Compression compression) implements Action {}

  /** Reads at a point between one below the log start and two past the end; {@code uncommitted} reads past the hw. */
  record Read(double where, int maxBytes, boolean uncommitted) implements Action {}

  record FindByTimestamp(int skew) implements Action {}

  record UpdateHighWatermark(double where) implements Action {}

  /** Truncates anywhere from one below the log start to the end, or, {@code nearStart}, within a few offsets of the start. */
  record Truncate(double where, boolean nearStart) implements Action {}

  record Roll() implements Action {}

  record DeleteRecords(double where) implements Action {}

  record Retention(int advanceMs) implements Action {}

  record Restart() implements Action {}

  record Crash() implements Action {}

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Double> where = Arbitraries.doubles().between(0, 1);
    Arbitrary<Action> append = Combinators.combine(
        Arbitraries.integers().between(-3000, 3000).list().ofMinSize(1).ofMaxSize(6),
        Arbitraries.integers().between(0, 400),
        Arbitraries.frequency(Tuple.of(6, Compression.NONE), Tuple.of(1, Compression.GZIP), Tuple.of(1, Compression.LZ4),
            Tuple.of(1, Compression.ZSTD), Tuple.of(1, Compression.SNAPPY)))
        .as(Append::new);
    Arbitrary<Action> read = Combinators.combine(where, Arbitraries.integers().between(1, 3000), Arbitraries.of(true, false))
        .as(Read::new);
    return Arbitraries.frequencyOf(
        Tuple.of(10, append),
        Tuple.of(4, read),
        Tuple.of(2, Arbitraries.integers().between(-4000, 4000).map(FindByTimestamp::new)),
        Tuple.of(5, where.map(UpdateHighWatermark::new)),
        Tuple.of(3, Combinators.combine(where, Arbitraries.of(true, false)).as(Truncate::new)),
        Tuple.of(1, Arbitraries.just(new Roll())),
        Tuple.of(3, where.map(DeleteRecords::new)),
        Tuple.of(2, Arbitraries.integers().between(0, 8000).map(Retention::new)),
        Tuple.of(1, Arbitraries.just(new Restart())),
        Tuple.of(1, Arbitraries.just(new Crash())))
        .list().ofMinSize(5).ofMaxSize(40).withSizeDistribution(RandomDistribution.uniform());
  }

  // ---------------------------------------------------------------- the model

  /** One record the log must hold: its offset, the batch it came in, its timestamp and value. */
  record Entry(long offset, long batchBase, long timestamp, String value) {}

  /** What the log must look like. {@code checkpointedHighWatermark} is what a crash falls back to. */
  static final class Model {
    final List<Entry> entries = new ArrayList<>();
    long logStart;
    long logEnd;
    long highWatermark;
    long checkpointedHighWatermark;
    int serial;

    Entry at(long offset) {
      return entries.get((int) (offset - logStart));
    }

    void dropBelow(long offset) {
      entries.removeIf(entry -> entry.offset() < offset);
      logStart = offset;
      checkpointedHighWatermark = highWatermark; // a log start move writes the checkpoints
    }

    void dropFrom(long offset) {
      entries.removeIf(entry -> entry.offset() >= offset);
      logEnd = offset;
      highWatermark = Math.min(highWatermark, offset);
    }

    long clamp(double where, long from, long to) {
      return from + (long) Math.floor(where * (to - from + 1 - 1e-9));
    }
  }

  // ---------------------------------------------------------------- the property

  @Property(tries = 100)
  void aPartitionLogBehavesLikeItsModel(@ForAll("actions") List<Action> actions,
      @ForAll @IntRange(min = 1024, max = 4096) int segmentBytes,
      @ForAll("indexIntervals") int indexIntervalBytes) throws IOException {
    Path dir = Files.createTempDirectory("partition-log-model");
    ManualClock clock = new ManualClock(T0);
    LogConfig config = LogConfig.DEFAULT.with(Map.of(LogConfig.SEGMENT_BYTES, segmentBytes,
        LogConfig.INDEX_INTERVAL_BYTES, indexIntervalBytes, LogConfig.RETENTION_MS, RETENTION_MS,
        LogConfig.FLUSH_POLICY, "always"));
    Run run = new Run(dir, clock);
    try {
      run.log = run.manager.create(TP, config);
      for (Action action : actions) {
        run.apply(action);
        run.assertAgrees();
      }
    } finally {
      run.manager.close();
      deleteRecursively(dir);
    }
  }

  @Provide
  Arbitrary<Integer> indexIntervals() {
    return Arbitraries.of(0, 100, 4096);
  }

  /** One run: the store, the log under test and its model. */
  private static final class Run {
    final Path dir;
    final ManualClock clock;
    final Model model = new Model();
    LogManager manager;
    PartitionLog log;

    Run(Path dir, ManualClock clock) {
      this.dir = dir;
      this.clock = clock;
      this.manager = LogManager.open(TestStores.config(dir, clock));
    }

    void apply(Action action) {
      if (action instanceof Append append) {
        append(append);
      } else if (action instanceof Read read) {
        read(read);
      } else if (action instanceof FindByTimestamp find) {
        findByTimestamp(clock.milliseconds() + find.skew());
      } else if (action instanceof UpdateHighWatermark update) {
        long target = model.clamp(update.where(), model.logStart, model.logEnd + 1);
        log.updateHighWatermark(target);
        model.highWatermark = Math.max(model.highWatermark, Math.min(target, model.logEnd));
      } else if (action instanceof Truncate truncate) {
        long to = truncate.nearStart() ? Math.min(model.logEnd, model.logStart + 4) : model.logEnd;
        truncate(model.clamp(truncate.where(), model.logStart - 1, to));
      } else if (action instanceof Roll) {
        log.roll().join();
      } else if (action instanceof DeleteRecords delete) {
        deleteRecords(model.clamp(delete.where(), model.logStart, model.highWatermark + 1));
      } else if (action instanceof Retention retention) {
        clock.advance(retention.advanceMs());
        retention(clock.milliseconds());
      } else if (action instanceof Restart) {
        manager.close();
        reopen();
      } else if (action instanceof Crash) {
        manager.crashForTesting();
        // The high watermark comes back from its last checkpoint, within the log.
        model.highWatermark = Math.max(model.logStart, Math.min(model.checkpointedHighWatermark, model.logEnd));
        reopen();
        assertThat(manager.truncatedAtRecovery()).as("every acknowledged append was fsynced").isEmpty();
      }
    }

    private void reopen() {
      manager = LogManager.open(TestStores.config(dir, clock));
      log = manager.partition(TP);
      model.checkpointedHighWatermark = model.highWatermark; // opening writes the checkpoints
    }

    private void append(Append append) {
      RecordBatchBuilder builder = new RecordBatchBuilder(append.compression());
      List<Entry> added = new ArrayList<>();
      for (int skew : append.timestampSkews()) {
        long timestamp = clock.milliseconds() + skew;
        String value = "v" + model.serial++ + "-" + "x".repeat(append.padding());
        builder.append(timestamp, null, utf8(value), List.of());
        added.add(new Entry(model.logEnd + added.size(), model.logEnd, timestamp, value));
      }
      AppendResult result = log.append(builder.build()).join();
      assertThat(result.baseOffset()).isEqualTo(model.logEnd);
      assertThat(result.lastOffset()).isEqualTo(model.logEnd + added.size() - 1);
      model.entries.addAll(added);
      model.logEnd += added.size();
    }

    private void read(Read read) {
      long offset = model.clamp(read.where(), model.logStart - 1, model.logEnd + 2);
      if (offset < model.logStart || offset > model.logEnd) {
        assertThatThrownBy(() -> log.read(offset, read.maxBytes())).isInstanceOf(OffsetOutOfRangeException.class);
        return;
      }
      long limit = read.uncommitted() ? model.logEnd : model.highWatermark;
      ReadResult result = log.read(offset, read.maxBytes(), read.uncommitted() ? Long.MAX_VALUE : model.highWatermark);
      List<Record> records = result.records(offset);
      assertThat(result.highWatermark()).isEqualTo(model.highWatermark);
      assertThat(result.logStartOffset()).isEqualTo(model.logStart);
      assertThat(result.logEndOffset()).isEqualTo(model.logEnd);
      boolean wholeBatchBelowLimit = offset < model.logEnd && lastOffsetOfBatchAt(offset) < limit;
      assertThat(records.isEmpty()).as("read at %d below %d", offset, limit).isEqualTo(!wholeBatchBelowLimit);
      for (int i = 0; i < records.size(); i++) {
        Entry expected = model.at(offset + i);
        assertThat(records.get(i).offset()).isEqualTo(expected.offset());
        assertThat(records.get(i).offset()).isLessThan(limit);
        assertThat(TestBatches.string(records.get(i).value())).isEqualTo(expected.value());
      }
      if (!result.isEmpty()) {
        int firstBatch = result.batchList().get(0).sizeInBytes();
        assertThat(result.batches().remaining()).isLessThanOrEqualTo(Math.max(read.maxBytes(), firstBatch));
      }
    }

    private long lastOffsetOfBatchAt(long offset) {
      long base = model.at(offset).batchBase();
      return model.entries.stream().filter(entry -> entry.batchBase() == base).mapToLong(Entry::offset).max().orElseThrow();
    }

    private void findByTimestamp(long target) {
      Optional<TimestampOffset> expected = model.entries.stream()
          .filter(entry -> entry.timestamp() >= target)
          .findFirst()
          .filter(entry -> entry.offset() < model.highWatermark)
          .map(entry -> new TimestampOffset(entry.offset(), entry.timestamp()));
      assertThat(log.offsetForTimestamp(target)).as("first offset at or after %d", target).isEqualTo(expected);
    }

    private void truncate(long offset) {
      if (offset < model.logStart) {
        assertThatThrownBy(() -> log.truncateTo(offset).join()).hasCauseInstanceOf(OffsetOutOfRangeException.class);
        return;
      }
      long newEnd = offset >= model.logEnd ? model.logEnd : Math.max(model.at(offset).batchBase(), model.logStart);
      assertThat(log.truncateTo(offset).join()).isEqualTo(newEnd);
      model.dropFrom(newEnd);
    }

    private void deleteRecords(long offset) {
      if (offset > model.highWatermark) {
        assertThatThrownBy(() -> log.deleteRecordsBefore(offset).join()).isInstanceOf(CompletionException.class)
            .hasCauseInstanceOf(OffsetOutOfRangeException.class);
        return;
      }
      long newStart = Math.max(offset, model.logStart);
      assertThat(log.deleteRecordsBefore(offset).join()).isEqualTo(newStart);
      if (newStart > model.logStart) {
        model.dropBelow(newStart);
      }
    }

    private void retention(long now) {
      log.applyRetention(now).join();
      long newStart = log.logStartOffset();
      assertThat(newStart).isBetween(model.logStart, model.highWatermark);
      for (Entry entry : model.entries) {
        if (entry.offset() < newStart) {
          assertThat(entry.timestamp()).as("only expired records are deleted").isLessThan(now - RETENTION_MS);
        }
      }
      if (newStart > model.logStart) {
        model.dropBelow(newStart);
      }
    }

    void assertAgrees() {
      assertThat(log.logStartOffset()).as("log start").isEqualTo(model.logStart);
      assertThat(log.logEndOffset()).as("log end").isEqualTo(model.logEnd);
      assertThat(log.highWatermark()).as("high watermark").isEqualTo(model.highWatermark);
      List<String> expected = model.entries.stream().map(Entry::value).toList();
      // Readers see whole batches only: a batch straddling the high watermark stays hidden.
      List<String> committed = model.entries.stream()
          .filter(entry -> lastOffsetOfBatchAt(entry.offset()) < model.highWatermark)
          .map(Entry::value).toList();
      assertThat(TestStores.values(TestBatches.readAll(log, 700))).as("committed records").isEqualTo(committed);
      assertThat(TestStores.values(readUncommitted())).as("every record").isEqualTo(expected);
    }

    private List<Record> readUncommitted() {
      List<Record> all = new ArrayList<>();
      long next = log.logStartOffset();
      while (next < log.logEndOffset()) {
        ReadResult result = log.read(next, 1 << 20, Long.MAX_VALUE);
        List<Record> records = result.records(next);
        assertThat(records).as("a read at %d below the log end", next).isNotEmpty();
        all.addAll(records);
        next = records.get(records.size() - 1).offset() + 1;
      }
      return all;
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
