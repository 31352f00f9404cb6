package io.streamgate.logstore;

import java.util.concurrent.TimeUnit;

/** A clock that moves only when a test says so. */
public final class ManualClock implements Clock {
  private volatile long nowMs;

  public ManualClock(long startMs) {
    this.nowMs = startMs;
  }

  public void advance(long ms) {
    nowMs += ms;
  }

  @Override
  public long milliseconds() {
    return nowMs;
  }

  @Override
  public long nanoseconds() {
    return TimeUnit.MILLISECONDS.toNanos(nowMs);
  }
}
