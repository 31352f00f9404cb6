package io.streamgate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.security.Quotas.Kind;
import io.streamgate.gateway.security.Quotas.Rates;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class QuotasTest {
  private static final Principal ALICE = Principal.user("alice");
  private static final Principal BOB = Principal.user("bob");
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private Quotas quotas(Rates defaults, Map<Principal, Rates> overrides) {
    return new Quotas(defaults, overrides, now::get);
  }

  private void advanceMs(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void withinTheBurstNothingWaitsAndADebtIsPaidOffAtTheRate() {
    Quotas quotas = quotas(new Rates(1000, 0, 0), Map.of());
    assertThat(quotas.charge(ALICE, Kind.PRODUCE_BYTES, 100)).isZero(); // a tenth of a second's worth
    assertThat(quotas.charge(ALICE, Kind.PRODUCE_BYTES, 500)).isEqualTo(500); // 500 bytes in debt at 1000/s
    advanceMs(200);
    assertThat(quotas.throttleMs(ALICE, Kind.PRODUCE_BYTES)).isEqualTo(300);
    advanceMs(300);
    assertThat(quotas.throttleMs(ALICE, Kind.PRODUCE_BYTES)).isZero();
  }

  @Test
  void aClientThatWaitsAsToldGetsTheRateOverTime() {
    Quotas quotas = quotas(new Rates(10_000, 0, 0), Map.of());
    long sent = 0;
    long startNanos = now.get();
    // A client sending 3,000-byte requests as fast as it is let, for 10 simulated seconds.
    while (now.get() - startNanos < TimeUnit.SECONDS.toNanos(10)) {
      long wait = quotas.throttleMs(ALICE, Kind.PRODUCE_BYTES);
      if (wait > 0) {
        advanceMs(wait);
        continue;
      }
      quotas.charge(ALICE, Kind.PRODUCE_BYTES, 3_000);
      sent += 3_000;
      advanceMs(1);
    }
    double rate = sent / 10.0;
    assertThat(rate).isBetween(9_000.0, 11_000.0);
  }

  @Test
  void eachPrincipalAndKindHasItsOwnBucketAndOverridesReplaceTheDefault() {
    Quotas quotas = quotas(new Rates(1000, 2000, 10), Map.of(BOB, new Rates(0, 0, 0)));
    assertThat(quotas.charge(ALICE, Kind.PRODUCE_BYTES, 1100)).isPositive();
    assertThat(quotas.throttleMs(ALICE, Kind.CONSUME_BYTES)).isZero();
    assertThat(quotas.throttleMs(ALICE, Kind.REQUESTS)).isZero();
    assertThat(quotas.charge(BOB, Kind.PRODUCE_BYTES, 1_000_000)).isZero();
    assertThat(quotas.any()).isTrue();
    assertThat(quotas(Rates.NONE, Map.of()).any()).isFalse();
  }

  @Test
  void requestsAreCountedOneEach() {
    Quotas quotas = quotas(new Rates(0, 0, 100), Map.of());
    for (int i = 0; i < 10; i++) {
      assertThat(quotas.charge(ALICE, Kind.REQUESTS, 1)).isZero(); // the burst: a tenth of a second's 100
    }
    assertThat(quotas.charge(ALICE, Kind.REQUESTS, 1)).isEqualTo(10);
  }
}
