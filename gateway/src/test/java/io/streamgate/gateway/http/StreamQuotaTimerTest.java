package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.groups.GroupService.Membership;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.security.Quotas;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamQuota}'s wait, on a real event loop: a record that runs the principal into debt holds
 * the stream (its sink reports full) until a timer wakes it; a charge meanwhile by the principal's
 * other streams makes it wait on; a stream closed while waiting is never woken.
 */
class StreamQuotaTimerTest {
  /** 1000 B/s holds 100 bytes: a 150-byte record leaves 50 ms of debt. */
  private static final long RATE = 1000;
  private static final Principal WHO = Principal.user("streamer");

  private Vertx vertx;
  private Context context;
  private Quotas quotas;
  private final FastSink sink = new FastSink();
  private final AtomicInteger wakes = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    quotas = new Quotas(new Quotas.Rates(0, RATE, 0), Map.of(), System::nanoTime);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aStreamInDebtIsHeldUntilTheTimerWakesIt() throws Exception {
    StreamQuota quota = onLoop(this::quota);
    onLoop(() -> quota.send("x".repeat(150), () -> ""));
    assertThat(onLoop(quota::writeQueueFull)).as("held while in debt").isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> wakes.get() == 1);
    assertThat(onLoop(quota::writeQueueFull)).isFalse();
    assertThat(quotas.throttleMs(WHO, Quotas.Kind.CONSUME_BYTES)).isZero();
  }

  @Test
  void aChargeDuringTheWaitMakesItWaitOn() throws Exception {
    StreamQuota quota = onLoop(this::quota);
    long started = System.nanoTime();
    onLoop(() -> quota.send("x".repeat(150), () -> ""));
    // Another stream of the principal: 200 bytes more, 200 ms more of debt.
    quotas.charge(WHO, Quotas.Kind.CONSUME_BYTES, 200);
    await().atMost(Duration.ofSeconds(5)).until(() -> wakes.get() == 1);
    assertThat(System.nanoTime() - started).as("woken after the whole debt").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(240));
    assertThat(quotas.throttleMs(WHO, Quotas.Kind.CONSUME_BYTES)).isZero();
  }

  @Test
  void aStreamClosedWhileWaitingIsNeverWoken() throws Exception {
    StreamQuota quota = onLoop(this::quota);
    onLoop(() -> quota.send("x".repeat(150), () -> ""));
    onLoop(() -> {
      quota.close();
      return null;
    });
    // Four times the wait: a timer left running would have woken it.
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> wakes.get() == 0);
  }

  @Test
  void aStreamOpenedInDebtWaitsBeforeItsFirstRecord() throws Exception {
    quotas.charge(WHO, Quotas.Kind.CONSUME_BYTES, 150);
    StreamQuota quota = onLoop(this::quota);
    assertThat(onLoop(quota::writeQueueFull)).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> wakes.get() == 1);
    assertThat(onLoop(quota::writeQueueFull)).isFalse();
  }

  private StreamQuota quota() {
    StreamQuota quota = new StreamQuota(sink, quotas, WHO, vertx);
    quota.drainHandler(wakes::incrementAndGet);
    return quota;
  }

  /** Runs {@code action} on the stream's event loop, as the stream's calls are. */
  private <T> T onLoop(Supplier<T> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> result.complete(action.get()));
    return result.get(5, TimeUnit.SECONDS);
  }

  /** A sink that takes every record at once. */
  private static final class FastSink implements GroupStreamSession.Sink {
    @Override
    public int send(String recordJson, Supplier<String> position) {
      return recordJson.length();
    }

    @Override
    public void assignment(Membership membership) {}

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public void drainHandler(Runnable onDrain) {}

    @Override
    public void fail(Throwable failure) {}
  }
}
