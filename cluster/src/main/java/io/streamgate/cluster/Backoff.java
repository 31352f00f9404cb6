package io.streamgate.cluster;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * When to try again after a failure that may pass (no leader for a moment, a coordinator moving):
 * capped exponential backoff with jitter. The n-th delay in a row is drawn uniformly from the upper
 * half of {@code min(cap, first * 2^n)}, so the first is never later than {@code first}, a site
 * that keeps failing asks less and less often, and the thousands of readers a failover fails at
 * the same instant spread their retries instead of meeting the new leader in lockstep.
 * {@link #reset()} on success starts the next run of failures at {@code first} again.
 *
 * <p>It only computes delays and hands them to a {@link Scheduler} (a Vert.x timer, a
 * {@code ScheduledExecutorService}), so it knows no threading model. Thread-safe.
 */
public final class Backoff {
  /** Runs {@code action} once, {@code delayMs} from now. */
  @FunctionalInterface
  public interface Scheduler {
    void schedule(long delayMs, Runnable action);
  }

  private final long firstMs;
  private final long capMs;
  private final Scheduler scheduler;
  private final Supplier<RandomGenerator> random;
  /** Failures since the last success. */
  private final AtomicInteger failures = new AtomicInteger();

  public Backoff(long firstMs, long capMs, Scheduler scheduler) {
    this(firstMs, capMs, scheduler, ThreadLocalRandom::current);
  }

  /** @param random the jitter's source; a seeded one makes the delays repeatable (tests) */
  Backoff(long firstMs, long capMs, Scheduler scheduler, Supplier<RandomGenerator> random) {
    if (firstMs < 1 || capMs < firstMs) {
      throw new IllegalArgumentException("a backoff needs 1 <= first <= cap, got first " + firstMs + " ms, cap " + capMs + " ms");
    }
    this.firstMs = firstMs;
    this.capMs = capMs;
    this.scheduler = scheduler;
    this.random = random;
  }

  /** Runs {@code action} after the next delay. */
  public void retry(Runnable action) {
    scheduler.schedule(nextDelayMs(), action);
  }

  /** The delay before the next try, counting one more failure. */
  long nextDelayMs() {
    long ceiling = ceilingMs(failures.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : n + 1));
    return ceiling - random.get().nextLong(ceiling / 2 + 1);
  }

  /** A success: the next failure waits the first delay again. */
  public void reset() {
    failures.set(0);
  }

  private long ceilingMs(int failures) {
    // Shifting only while the result stays at or below the cap cannot overflow.
    return failures < Long.SIZE && firstMs <= capMs >> failures ? firstMs << failures : capMs;
  }
}
