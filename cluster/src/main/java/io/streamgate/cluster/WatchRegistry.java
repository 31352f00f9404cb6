package io.streamgate.cluster;

import io.streamgate.logstore.TopicPartition;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Who waits for data on which partition, ordered by the offset they wait for (Kafka's purgatory
 * idea): a high-watermark move wakes exactly the waiters below it, and costs nothing for the rest.
 * An idle waiter is one map entry. Thread-safe: registration, firing and cancellation may race, and
 * each callback runs at most once.
 */
final class WatchRegistry {
  private record WatchKey(long offset, long sequence) implements Comparable<WatchKey> {
    @Override
    public int compareTo(WatchKey other) {
      int byOffset = Long.compare(offset, other.offset);
      return byOffset != 0 ? byOffset : Long.compare(sequence, other.sequence);
    }
  }

  private final Map<TopicPartition, ConcurrentSkipListMap<WatchKey, Runnable>> watches = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();

  /** Registers {@code onData} until the high watermark passes {@code offset}; fires at once if it has. */
  Cancellable watch(TopicPartition partition, long offset, LongSupplier highWatermark, Runnable onData) {
    ConcurrentSkipListMap<WatchKey, Runnable> waiting = watches.computeIfAbsent(partition, tp -> new ConcurrentSkipListMap<>());
    WatchKey key = new WatchKey(offset, sequence.incrementAndGet());
    waiting.put(key, onData);
    // Checked after registering, so a move between the check and the put is never missed.
    if (highWatermark.getAsLong() > offset) {
      fire(waiting, key);
    }
    return () -> waiting.remove(key);
  }

  /** Wakes every waiter of {@code partition} below {@code highWatermark}. */
  void onHighWatermark(TopicPartition partition, long highWatermark) {
    ConcurrentSkipListMap<WatchKey, Runnable> waiting = watches.get(partition);
    if (waiting == null) {
      return;
    }
    Iterator<WatchKey> due = waiting.headMap(new WatchKey(highWatermark, Long.MIN_VALUE)).keySet().iterator();
    while (due.hasNext()) {
      fire(waiting, due.next());
    }
  }

  /** Wakes every waiter of {@code partition}: it is going away. */
  void wakeAll(TopicPartition partition) {
    ConcurrentSkipListMap<WatchKey, Runnable> waiting = watches.remove(partition);
    if (waiting != null) {
      waiting.keySet().forEach(key -> fire(waiting, key));
    }
  }

  /** Number of registered waiters, for metrics. */
  int size() {
    return watches.values().stream().mapToInt(Map::size).sum();
  }

  private static void fire(ConcurrentSkipListMap<WatchKey, Runnable> waiting, WatchKey key) {
    Runnable callback = waiting.remove(key);
    if (callback != null) {
      callback.run();
    }
  }
}
