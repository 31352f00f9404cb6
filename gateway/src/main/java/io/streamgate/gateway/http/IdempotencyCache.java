package io.streamgate.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Remembers the answers to produce requests that carried an {@code Idempotency-Key}, so that a
 * retry gets the first answer and writes nothing again. A retry that arrives while the first
 * request is still in flight waits for it. Failed requests are forgotten (a retry may write).
 * Bounded in entries and time; the oldest is forgotten first. In memory: a restart forgets.
 *
 * <p>Thread-safety: synchronized; the futures it hands out complete on the first request's context.
 */
final class IdempotencyCache {
  private record Entry(Future<Buffer> answer, long expiresAtMs) {}

  private final int maxEntries;
  private final long ttlMs;
  private final LongSupplier clock;
  private final Map<String, Entry> entries;

  IdempotencyCache(int maxEntries, long ttlMs, LongSupplier clock) {
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.entries = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > IdempotencyCache.this.maxEntries;
      }
    };
  }

  /**
   * The answer remembered for {@code key}, or, the first time, the answer {@code request} produces
   * (which is remembered if it succeeds).
   */
  Future<Buffer> answer(String key, Supplier<Future<Buffer>> request) {
    long now = clock.getAsLong();
    Future<Buffer> first;
    synchronized (this) {
      Entry entry = entries.get(key);
      if (entry != null && entry.expiresAtMs > now) {
        return entry.answer;
      }
      if (maxEntries == 0) {
        return request.get();
      }
      first = request.get();
      Entry created = new Entry(first, now + ttlMs);
      entries.put(key, created);
    }
    return first.onFailure(e -> forget(key, first));
  }

  private synchronized void forget(String key, Future<Buffer> answer) {
    Entry entry = entries.get(key);
    if (entry != null && entry.answer == answer) {
      entries.remove(key);
    }
  }
}
