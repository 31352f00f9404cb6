package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket that caps what leaders send to the replicas moves add, on a manual clock. */
class ReplicationThrottleTest {
  private final AtomicLong rate = new AtomicLong();
  private final AtomicLong nowMs = new AtomicLong(1_000_000);
  private final ReplicationThrottle throttle = new ReplicationThrottle(rate::get, nowMs::get);

  @Test
  void withoutARateEverythingGoesAtOnce() {
    assertThat(throttle.allowance(1 << 20)).isEqualTo(1 << 20);
    throttle.sent(1 << 30);
    assertThat(throttle.waitMs()).isZero();
  }

  @Test
  void aSecondsWorthGoesAtOnceThenTheRateAndADebtIsPaidFirst() {
    rate.set(1000);
    assertThat(throttle.allowance(5000)).as("a full bucket: one second's worth").isEqualTo(1000);
    throttle.sent(1500); // a batch is sent whole: 500 bytes of debt
    assertThat(throttle.allowance(5000)).isZero();
    assertThat(throttle.waitMs()).isEqualTo(501);
    nowMs.addAndGet(500);
    assertThat(throttle.allowance(5000)).as("the debt paid, nothing left yet").isZero();
    nowMs.addAndGet(250);
    assertThat(throttle.allowance(5000)).isEqualTo(250);
    // Many short steps add up as one long one would.
    for (int i = 0; i < 100; i++) {
      nowMs.addAndGet(1);
    }
    assertThat(throttle.allowance(5000)).isEqualTo(350);
    nowMs.addAndGet(60_000);
    assertThat(throttle.allowance(5000)).as("never more than a second's worth").isEqualTo(1000);
  }

  @Test
  void aChangedRateTakesEffectAtOnce() {
    rate.set(1000);
    throttle.sent(1000);
    rate.set(0);
    assertThat(throttle.allowance(4096)).isEqualTo(4096);
    rate.set(10);
    assertThat(throttle.allowance(4096)).isZero();
    nowMs.addAndGet(1000);
    assertThat(throttle.allowance(4096)).isEqualTo(10);
  }
}
