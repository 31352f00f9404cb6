package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.IdempotencyWindow.BatchId;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.ManualClock;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ProducerIds;
import io.streamgate.logstore.TestStores;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The window of recent idempotent batches: what it remembers, what it forgets, and what counts as the same batch. */
class IdempotencyWindowTest {
  /** One record's content: what a retry repeats. */
  record Content(byte[] key, byte[] value, List<Header> headers) {}

  @Example
  void forgetsTheOldestBatchesBeyondItsCapacity() {
    IdempotencyWindow window = new IdempotencyWindow();
    for (int i = 0; i <= IdempotencyWindow.CAPACITY; i++) {
      window.put(new BatchId(7, i), i, appended(i, i));
    }

    assertThat(window.get(new BatchId(7, 0))).as("oldest, forgotten").isNull();
    assertThat(window.get(new BatchId(7, 1)).fingerprint()).isEqualTo(1);
    assertThat(window.get(new BatchId(7, IdempotencyWindow.CAPACITY)).append().join().baseOffset())
        .isEqualTo(IdempotencyWindow.CAPACITY);
  }

  @Example
  void aFailedAppendIsForgottenSoARetryWrites() {
    IdempotencyWindow window = new IdempotencyWindow();
    CompletableFuture<AppendResult> failing = new CompletableFuture<>();
    window.put(new BatchId(1, 0), 42, failing);
    assertThat(window.get(new BatchId(1, 0))).as("pending: a retry waits for it").isNotNull();

    failing.completeExceptionally(new IllegalStateException("disk full"));

    assertThat(window.get(new BatchId(1, 0))).isNull();
  }

  @Example
  void aLateFailureOfAReplacedAppendLeavesItsReplacement() {
    IdempotencyWindow window = new IdempotencyWindow();
    CompletableFuture<AppendResult> first = new CompletableFuture<>();
    window.put(new BatchId(1, 0), 42, first);
    window.put(new BatchId(1, 0), 42, appended(5, 5));

    first.completeExceptionally(new IllegalStateException("timed out"));

    assertThat(window.get(new BatchId(1, 0)).append().join().baseOffset()).isEqualTo(5);
  }

  @Example
  void truncateToForgetsBatchesReachingTheOffsetAndKeepsTheRest() {
    IdempotencyWindow window = new IdempotencyWindow();
    window.put(new BatchId(1, 0), 0, appended(0, 4));
    window.put(new BatchId(1, 5), 0, appended(5, 9));
    window.put(new BatchId(1, 10), 0, appended(10, 14));
    CompletableFuture<AppendResult> pending = new CompletableFuture<>();
    window.put(new BatchId(1, 15), 0, pending);

    window.truncateTo(9);

    assertThat(window.get(new BatchId(1, 0))).isNotNull();
    assertThat(window.get(new BatchId(1, 5))).as("its last offset 9 was cut").isNull();
    assertThat(window.get(new BatchId(1, 10))).isNull();
    assertThat(window.get(new BatchId(1, 15))).as("not yet written: its own failure will remove it").isNotNull();

    window.clear();
    assertThat(window.get(new BatchId(1, 0))).isNull();
  }

  @Example
  void rebuildsFromTheLogsTailTheIdempotentBatchesOnly() throws Exception {
    Path dir = Files.createTempDirectory("idempotency-window");
    try (LogManager store = LogManager.open(TestStores.config(dir, new ManualClock(1_000_000)))) {
      PartitionLog log = store.create(new TopicPartition("t", 0), LogConfig.DEFAULT);
      List<Content> records = List.of(new Content(bytes("k"), bytes("v"), List.of()));
      long keyId = ProducerIds.forIdempotencyKey(9);
      log.append(batch(keyId, 0, 0, records, 1_000)).get(10, TimeUnit.SECONDS);
      log.append(new RecordBatchBuilder(Compression.NONE).append(1_000, bytes("k"), bytes("v"), List.of()).build()).get(10,
          TimeUnit.SECONDS);
      AppendResult second = log.append(batch(keyId, 1, 0, records, 1_000)).get(10, TimeUnit.SECONDS);

      IdempotencyWindow window = new IdempotencyWindow();
      window.merge(IdempotencyWindow.read(log, log.logEndOffset()));

      assertThat(window.get(new BatchId(keyId, 0)).append().join().baseOffset()).isZero();
      assertThat(window.get(new BatchId(keyId, 1)).append().join()).isEqualTo(second);
      assertThat(window.get(new BatchId(keyId, 1)).fingerprint()).isEqualTo(IdempotencyWindow.fingerprint(batch(keyId, 1, 0, records, 1)));
    } finally {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @Property
  void aRetryWithOtherTimestampsAndOffsetsHasTheSameFingerprint(@ForAll("contents") List<Content> records,
      @ForAll("timestamps") long first, @ForAll("timestamps") long retry) {
    assertThat(IdempotencyWindow.fingerprint(batch(1, 0, 0, records, first)))
        .isEqualTo(IdempotencyWindow.fingerprint(batch(2, 9, 100, records, retry)));
  }

  @Property
  void changingAnyRecordChangesTheFingerprint(@ForAll("contents") List<Content> records, @ForAll("contents") List<Content> others) {
    if (sameContent(records, others)) {
      return;
    }
    assertThat(IdempotencyWindow.fingerprint(batch(1, 0, 0, records, 1_000)))
        .isNotEqualTo(IdempotencyWindow.fingerprint(batch(1, 0, 0, others, 1_000)));
  }

  @Example
  void fieldBoundariesAndNullsAreTold() {
    Content keyAB = new Content(bytes("ab"), bytes(""), List.of());
    Content keyAValueB = new Content(bytes("a"), bytes("b"), List.of());
    Content nullKey = new Content(null, bytes("v"), List.of());
    Content emptyKey = new Content(bytes(""), bytes("v"), List.of());
    Content tombstone = new Content(bytes("k"), null, List.of());
    Content emptyValue = new Content(bytes("k"), bytes(""), List.of());
    Content nullHeader = new Content(bytes("k"), bytes("v"), List.of(new Header("h", null)));
    Content emptyHeader = new Content(bytes("k"), bytes("v"), List.of(new Header("h", new byte[0])));

    for (List<Content> pair : List.of(List.of(keyAB, keyAValueB), List.of(nullKey, emptyKey), List.of(tombstone, emptyValue),
        List.of(nullHeader, emptyHeader))) {
      assertThat(IdempotencyWindow.fingerprint(batch(1, 0, 0, List.of(pair.get(0)), 1)))
          .as("%s vs %s", pair.get(0), pair.get(1))
          .isNotEqualTo(IdempotencyWindow.fingerprint(batch(1, 0, 0, List.of(pair.get(1)), 1)));
    }
  }

  // ---------------------------------------------------------------- helpers

  private static CompletableFuture<AppendResult> appended(long base, long last) {
    return CompletableFuture.completedFuture(new AppendResult(base, last, 1_000, 100));
  }

  private static RecordBatch batch(long producerId, int sequence, long baseOffset, List<Content> records, long timestamp) {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE).baseOffset(baseOffset).producer(producerId, (short) 0, sequence);
    records.forEach(record -> builder.append(timestamp, record.key(), record.value(), record.headers()));
    return builder.build();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean sameContent(List<Content> a, List<Content> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Content x = a.get(i);
      Content y = b.get(i);
      if (!java.util.Arrays.equals(x.key(), y.key()) || !java.util.Arrays.equals(x.value(), y.value())
          || x.headers().size() != y.headers().size()) {
        return false;
      }
      for (int h = 0; h < x.headers().size(); h++) {
        if (!x.headers().get(h).key().equals(y.headers().get(h).key())
            || !java.util.Arrays.equals(x.headers().get(h).value(), y.headers().get(h).value())) {
          return false;
        }
      }
    }
    return true;
  }

  @Provide
  Arbitrary<List<Content>> contents() {
    Arbitrary<byte[]> field = Arbitraries.bytes().array(byte[].class).ofMaxSize(6).injectNull(0.2);
    Arbitrary<Header> header = Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(3), field).as(Header::new);
    return Combinators.combine(field, field, header.list().ofMaxSize(2)).as(Content::new).list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<Long> timestamps() {
    return Arbitraries.longs().between(0, 4_000_000_000_000L);
  }
}
