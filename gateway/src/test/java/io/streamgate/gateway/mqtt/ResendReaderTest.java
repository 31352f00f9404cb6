package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.Backoff;
import io.streamgate.cluster.LeaderNotAvailableException;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatchBuilder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A resumed session's unacknowledged QoS 1 message is read back to be sent again: a failure that
 * may pass (no leader for a moment, a new leader still catching up) is retried, and only a record
 * the log no longer has (retention removed it, its topic was deleted) is skipped.
 */
class ResendReaderTest {
  private static final TopicPartition PARTITION = new TopicPartition("sensors", 0);
  private static final long OFFSET = 5;
  private static final long RETRY_MS = 20;

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  /** What each read answers, in turn: a ReadResult or a Throwable. */
  private final Deque<Object> answers = new ConcurrentLinkedDeque<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final ResendReader reader = new ResendReader(service(), context,
      () -> new Backoff(RETRY_MS, RETRY_MS, (delayMs, action) -> vertx.setTimer(delayMs, id -> context.runOnContext(v -> action.run()))),
      stopped::get);

  @AfterEach
  void closeVertx() {
    vertx.close().await();
  }

  @Test
  void aLeaderMissingForAMomentIsWaitedForAndTheRecordIsSentAgain() throws Exception {
    answers.add(new LeaderNotAvailableException("sensors-0 has no leader"));
    answers.add(new LeaderNotAvailableException("sensors-0 has no leader"));
    answers.add(holding(OFFSET, "the message"));
    Optional<Record> record = read();
    assertThat(record).map(r -> new String(r.valueBytes(), UTF_8)).contains("the message");
    assertThat(reads).hasValue(3);
  }

  @Test
  void aNewLeaderWhoseHighWatermarkIsNotYetThereIsWaitedFor() throws Exception {
    // The record was committed (it was sent); a leader just elected may not have advanced its high watermark to it yet.
    answers.add(new ReadResult(OFFSET, ByteBuffer.allocate(0), OFFSET, 0, OFFSET + 1));
    answers.add(holding(OFFSET, "the message"));
    assertThat(read()).isPresent();
    assertThat(reads).hasValue(2);
  }

  @Test
  void aRecordRetentionRemovedIsSkipped() throws Exception {
    answers.add(new OffsetOutOfRangeException("offset 5 is below the log start 10", 10, 20));
    assertThat(read()).isEmpty();
    answers.add(new TopicNotFoundException("sensors"));
    assertThat(read()).isEmpty();
    assertThat(reads).hasValue(2);
  }

  @Test
  void anyOtherFailureFailsTheResumeRatherThanSkipping() {
    answers.add(new IllegalStateException("disk on fire"));
    Future<Optional<Record>> result = reader.recordAt(PARTITION, OFFSET);
    assertThat(await(result)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void retryingStopsWhenTheConnectionCloses() {
    for (int i = 0; i < 1000; i++) {
      answers.add(new LeaderNotAvailableException("sensors-0 has no leader"));
    }
    Future<Optional<Record>> result = reader.recordAt(PARTITION, OFFSET);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> reads.get() >= 2);
    stopped.set(true);
    assertThat(await(result)).isInstanceOf(LeaderNotAvailableException.class);
  }

  private Optional<Record> read() throws Exception {
    return reader.recordAt(PARTITION, OFFSET).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The failure the future ends with, waiting up to 10 s. */
  private static Throwable await(Future<?> result) {
    try {
      result.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static ReadResult holding(long offset, String value) {
    ByteBuffer batch = new RecordBatchBuilder(Compression.NONE).baseOffset(offset)
        .append(System.currentTimeMillis(), "sensors/a".getBytes(UTF_8), value.getBytes(UTF_8), List.of()).build().buffer();
    return new ReadResult(offset, batch, offset + 1, 0, offset + 1);
  }

  /** A partition service whose reads answer from {@link #answers}; nothing else is called. */
  private PartitionService service() {
    return (PartitionService) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {PartitionService.class},
        (proxy, method, args) -> {
          if (!method.getName().equals("read")) {
            throw new UnsupportedOperationException(method.getName());
          }
          reads.incrementAndGet();
          Object answer = answers.isEmpty() ? new LeaderNotAvailableException("no more answers") : answers.poll();
          return answer instanceof Throwable failure ? CompletableFuture.failedFuture(failure)
              : CompletableFuture.completedFuture((ReadResult) answer);
        });
  }
}
