package io.streamgate.cluster;

import java.util.function.LongSupplier;

/**
 * The cap on what a leader sends to replicas that a move is adding (Kafka's
 * {@code leader.replication.throttled.rate}): a token bucket of the cluster's rate in bytes per
 * second, holding at most one second of it, shared by every partition this node leads. A read may
 * take more than is left (a record batch is sent whole); the debt is paid before the next. Rate
 * {@code 0}: no cap. Thread-safe.
 */
final class ReplicationThrottle {
  private final LongSupplier bytesPerSecond;
  private final LongSupplier monotonicMs;
  /** Starts full: a second's worth once a rate is set. */
  private long available = Long.MAX_VALUE / 2;
  private long refilledAtMs;

  ReplicationThrottle(LongSupplier bytesPerSecond, LongSupplier monotonicMs) {
    this.bytesPerSecond = bytesPerSecond;
    this.monotonicMs = monotonicMs;
    this.refilledAtMs = monotonicMs.getAsLong();
  }

  /** How many of {@code wanted} bytes may be sent now: all without a cap, none while in debt. */
  synchronized int allowance(int wanted) {
    long rate = refill();
    if (rate == 0) {
      return wanted;
    }
    return (int) Math.max(0, Math.min(wanted, available));
  }

  /** Counts bytes sent to an adding replica. */
  synchronized void sent(long bytes) {
    if (refill() > 0) {
      available -= bytes;
    }
  }

  /** How long until something may be sent again; 0 if now. */
  synchronized long waitMs() {
    long rate = refill();
    return rate == 0 || available > 0 ? 0 : Math.max(1, (-available + 1) * 1000 / rate);
  }

  private long refill() {
    long rate = bytesPerSecond.getAsLong();
    long now = monotonicMs.getAsLong();
    if (rate == 0) {
      refilledAtMs = now;
      return 0;
    }
    // A second refills the bucket: no longer span is counted (nor overflows).
    long credit = Math.min(now - refilledAtMs, 1000) * rate / 1000;
    // Only the time credited is used up, so that frequent calls at a low rate still add up.
    refilledAtMs = credit > 0 ? refilledAtMs + credit * 1000 / rate : refilledAtMs;
    available = Math.min(rate, available + credit);
    if (available == rate) {
      refilledAtMs = now;
    }
    return rate;
  }
}
