package io.streamgate.gateway.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request body bytes the node may hold at once, over every connection and verticle instance
 * ({@code max-buffered-body-bytes}). A request reserves its body's size before the body is read and
 * releases it when its exchange ends, however it ends; a request that does not fit is refused, so
 * that slow or stalled uploads cannot add up to an out-of-memory. Thread-safe.
 */
public final class BodyBudget {
  private final long capacity;
  private final AtomicLong reserved = new AtomicLong();

  public BodyBudget(long capacity) {
    this.capacity = capacity;
  }

  /** Reserves {@code bytes} if they fit under the capacity; false (and nothing reserved) if not. */
  boolean tryReserve(long bytes) {
    while (true) {
      long now = reserved.get();
      if (now + bytes > capacity) {
        return false;
      }
      if (reserved.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void release(long bytes) {
    reserved.addAndGet(-bytes);
  }

  /** Bytes reserved now (a gauge). */
  public long reserved() {
    return reserved.get();
  }

  public long capacity() {
    return capacity;
  }
}
