package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * Retries after a failure wait a capped, growing, randomized delay, so that readers that failed
 * together (a failover) do not all retry at the same instant, and a site that keeps failing asks
 * less and less often.
 */
class BackoffTest {
  /** What was scheduled: each delay, in order. */
  private final List<Long> scheduled = new ArrayList<>();

  private Backoff backoff(long firstMs, long capMs, long seed) {
    Random random = new Random(seed);
    return new Backoff(firstMs, capMs, (delayMs, action) -> scheduled.add(delayMs), () -> random);
  }

  @Property
  void eachDelayIsBetweenHalfAndAllOfItsCappedExponentialCeiling(@ForAll @LongRange(min = 1, max = 10_000) long firstMs,
      @ForAll @IntRange(min = 1, max = 1_000) int capFactor, @ForAll long seed, @ForAll @IntRange(max = 80) int attempts) {
    long capMs = firstMs * capFactor;
    Backoff backoff = backoff(firstMs, capMs, seed);
    for (int attempt = 0; attempt < attempts; attempt++) {
      long ceiling = Math.min(capMs, attempt >= 40 ? capMs : firstMs << attempt);
      assertThat(backoff.nextDelayMs()).as("attempt %d", attempt).isBetween(ceiling - ceiling / 2, ceiling);
    }
  }

  @Test
  void theFirstDelayIsNeverLaterThanTheSitesFixedDelayWas() {
    for (long seed = 0; seed < 1_000; seed++) {
      assertThat(backoff(200, 2_000, seed).nextDelayMs()).isBetween(100L, 200L);
    }
  }

  @Test
  void delaysGrowUntilTheCapAndStayThere() {
    Backoff backoff = backoff(200, 2_000, 42);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      delays.add(backoff.nextDelayMs());
    }
    // Ceilings 200, 400, 800, 1600, then the cap: each range lies wholly above the one two steps before.
    assertThat(delays.get(2)).isGreaterThan(delays.get(0));
    assertThat(delays.get(3)).isGreaterThan(delays.get(1));
    assertThat(delays.subList(4, 12)).allSatisfy(d -> assertThat(d).isBetween(1_000L, 2_000L));
  }

  @Test
  void aSuccessStartsTheNextFailuresAtTheFirstDelayAgain() {
    Backoff backoff = backoff(1_000, 5_000, 7);
    for (int i = 0; i < 10; i++) {
      backoff.nextDelayMs();
    }
    assertThat(backoff.nextDelayMs()).isBetween(2_500L, 5_000L);
    backoff.reset();
    assertThat(backoff.nextDelayMs()).isBetween(500L, 1_000L);
  }

  @Test
  void retrySchedulesTheActionAfterTheNextDelay() {
    Backoff backoff = backoff(200, 2_000, 3);
    backoff.retry(() -> {});
    backoff.retry(() -> {});
    assertThat(scheduled).hasSize(2);
    assertThat(scheduled.get(0)).isBetween(100L, 200L);
    assertThat(scheduled.get(1)).isBetween(200L, 400L);
  }

  @Test
  void readersThatFailTogetherDoNotRetryTogether() {
    // A failover: a thousand readers fail at the same instant. With the old fixed delay all thousand
    // retried at the same millisecond; now they spread over the first delay's upper half.
    Random random = new Random(11);
    Set<Long> distinct = new HashSet<>();
    long earliest = Long.MAX_VALUE;
    long latest = Long.MIN_VALUE;
    for (int reader = 0; reader < 1_000; reader++) {
      long delay = new Backoff(1_000, 5_000, (d, a) -> {}, () -> random).nextDelayMs();
      distinct.add(delay);
      earliest = Math.min(earliest, delay);
      latest = Math.max(latest, delay);
    }
    assertThat(distinct).hasSizeGreaterThan(300);
    assertThat(earliest).isLessThan(550);
    assertThat(latest).isGreaterThan(950);
  }

  @Test
  void aCapBelowTheFirstDelayOrANonPositiveDelayIsRefused() {
    assertThatThrownBy(() -> new Backoff(0, 100, (d, a) -> {})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(200, 100, (d, a) -> {})).isInstanceOf(IllegalArgumentException.class);
  }
}
