package io.streamgate.gateway.security;

import io.streamgate.cluster.security.Principal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-principal rates on this node: produced bytes, consumed bytes and requests per second. Each
 * principal has a bucket per kind that refills at the rate and holds a tenth of a second's worth; a
 * request is served while the bucket is not in debt and charged what it took, so a large request may
 * run the bucket into debt, and the client then waits until it is paid off (Kafka's throttling, in
 * the form of a token bucket). Every edge asks the same object: how long to hold a client back is
 * {@link #throttleMs}, and what it used is {@link #charge}d. A rate of 0 is no quota. Safe to call on
 * any thread; never blocks.
 */
public final class Quotas {
  /** What a quota counts. */
  public enum Kind {
    PRODUCE_BYTES,
    CONSUME_BYTES,
    REQUESTS
  }

  /** Rates per second; 0: none. */
  public record Rates(long produceBytes, long consumeBytes, long requests) {
    public static final Rates NONE = new Rates(0, 0, 0);

    long of(Kind kind) {
      return switch (kind) {
        case PRODUCE_BYTES -> produceBytes;
        case CONSUME_BYTES -> consumeBytes;
        case REQUESTS -> requests;
      };
    }
  }

  private static final double BURST_SECONDS = 0.1;

  private final Rates defaults;
  private final Map<Principal, Rates> overrides;
  private final LongSupplier nanoClock;
  private final Map<Principal, Bucket[]> buckets = new ConcurrentHashMap<>();
  /** Whether any principal has a quota: asked on every request, so decided once. */
  private final boolean any;

  /** @param overrides rates for some principals in place of {@code defaults} */
  public Quotas(Rates defaults, Map<Principal, Rates> overrides, LongSupplier nanoClock) {
    this.defaults = defaults;
    this.overrides = Map.copyOf(overrides);
    this.nanoClock = nanoClock;
    this.any = !defaults.equals(Rates.NONE) || this.overrides.values().stream().anyMatch(rates -> !rates.equals(Rates.NONE));
  }

  /** Whether any principal has any quota (edges skip the bookkeeping otherwise). */
  public boolean any() {
    return any;
  }

  /** The milliseconds {@code who} must wait before its next request of {@code kind} is served; 0 if it may go on. */
  public long throttleMs(Principal who, Kind kind) {
    Bucket bucket = bucket(who, kind);
    return bucket == null ? 0 : bucket.debtMs(nanoClock.getAsLong());
  }

  /** Charges {@code amount} to {@code who}'s {@code kind}; answers the wait it leaves, as {@link #throttleMs}. */
  public long charge(Principal who, Kind kind, long amount) {
    Bucket bucket = bucket(who, kind);
    return bucket == null ? 0 : bucket.take(amount, nanoClock.getAsLong());
  }

  private Bucket bucket(Principal who, Kind kind) {
    return buckets.computeIfAbsent(who, this::newBuckets)[kind.ordinal()];
  }

  /** A principal's buckets, one per kind it has a quota for. Principals are keys and token subjects, not connections, so few. */
  private Bucket[] newBuckets(Principal who) {
    Rates rates = overrides.getOrDefault(who, defaults);
    long now = nanoClock.getAsLong();
    Bucket[] made = new Bucket[Kind.values().length];
    for (Kind kind : Kind.values()) {
      if (rates.of(kind) > 0) {
        made[kind.ordinal()] = new Bucket(rates.of(kind), now);
      }
    }
    return made;
  }

  private static final class Bucket {
    private final double ratePerNano;
    private final double capacity;
    private double tokens;
    private long refilledAt;

    Bucket(long ratePerSecond, long now) {
      this.ratePerNano = ratePerSecond / 1e9;
      this.capacity = ratePerSecond * BURST_SECONDS;
      this.tokens = capacity;
      this.refilledAt = now;
    }

    synchronized long take(long amount, long now) {
      refill(now);
      tokens -= amount;
      return debtMs();
    }

    synchronized long debtMs(long now) {
      refill(now);
      return debtMs();
    }

    private long debtMs() {
      return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / ratePerNano / 1e6);
    }

    private void refill(long now) {
      tokens = Math.min(capacity, tokens + (now - refilledAt) * ratePerNano);
      refilledAt = now;
    }
  }
}
