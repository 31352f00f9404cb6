package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.logstore.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Waiters for data: woken exactly when the high watermark passes their offset, once, in offset order. */
class WatchRegistryTest {
  private static final TopicPartition TP = new TopicPartition("t", 0);
  private static final TopicPartition OTHER = new TopicPartition("t", 1);

  @Property
  void eachWaiterWakesOnceWhenTheHighWatermarkFirstPassesItsOffset(
      @ForAll @Size(max = 30) List<@IntRange(max = 40) Integer> offsets,
      @ForAll @Size(max = 10) List<@IntRange(max = 15) Integer> steps) {
    WatchRegistry registry = new WatchRegistry();
    AtomicLong highWatermark = new AtomicLong();
    List<Integer> woken = new ArrayList<>();
    Map<Integer, Long> wokenAt = new HashMap<>();
    for (int i = 0; i < offsets.size(); i++) {
      int waiter = i;
      registry.watch(TP, offsets.get(i), highWatermark::get, () -> {
        woken.add(waiter);
        wokenAt.put(waiter, highWatermark.get());
      });
    }
    List<Long> marks = new ArrayList<>();
    for (int step : steps) {
      long previous = highWatermark.get();
      highWatermark.addAndGet(step);
      List<Integer> before = new ArrayList<>(woken);
      registry.onHighWatermark(TP, highWatermark.get());
      registry.onHighWatermark(OTHER, Long.MAX_VALUE);

      List<Integer> now = woken.subList(before.size(), woken.size());
      List<Integer> due = new ArrayList<>();
      for (int i = 0; i < offsets.size(); i++) {
        if (offsets.get(i) >= previous && offsets.get(i) < highWatermark.get()) {
          due.add(i);
        }
      }
      // Offset order, and registration order among equal offsets.
      due.sort((x, y) -> offsets.get(x).equals(offsets.get(y)) ? Integer.compare(x, y) : Integer.compare(offsets.get(x), offsets.get(y)));
      assertThat(now).as("woken by the move %d -> %d", previous, highWatermark.get()).isEqualTo(due);
      marks.add(highWatermark.get());
    }
    assertThat(woken).doesNotHaveDuplicates();
    assertThat(registry.size()).isEqualTo(offsets.size() - woken.size());
    wokenAt.forEach((waiter, mark) -> assertThat(mark).isGreaterThan(offsets.get(waiter)));
  }

  @Example
  void aWaiterAlreadyPassedWakesAtOnce() {
    WatchRegistry registry = new WatchRegistry();
    AtomicInteger woken = new AtomicInteger();

    registry.watch(TP, 4, () -> 5, woken::incrementAndGet);
    registry.watch(TP, 5, () -> 5, woken::incrementAndGet);

    assertThat(woken).hasValue(1);
    assertThat(registry.size()).isEqualTo(1);
  }

  @Example
  void aCancelledWaiterIsNeverWoken() {
    WatchRegistry registry = new WatchRegistry();
    AtomicInteger woken = new AtomicInteger();
    Cancellable cancelled = registry.watch(TP, 3, () -> 0, () -> woken.addAndGet(100));
    registry.watch(TP, 3, () -> 0, woken::incrementAndGet);

    cancelled.cancel();
    registry.onHighWatermark(TP, 10);
    cancelled.cancel();

    assertThat(woken).hasValue(1);
    assertThat(registry.size()).isZero();
  }

  @Example
  void wakeAllWakesEveryWaiterOfThatPartitionOnly() {
    WatchRegistry registry = new WatchRegistry();
    List<String> woken = new ArrayList<>();
    registry.watch(TP, 100, () -> 0, () -> woken.add("tp-100"));
    registry.watch(TP, 1, () -> 0, () -> woken.add("tp-1"));
    registry.watch(OTHER, 0, () -> 0, () -> woken.add("other"));

    registry.wakeAll(TP);

    assertThat(woken).containsExactly("tp-1", "tp-100");
    assertThat(registry.size()).isEqualTo(1);
  }

  @Example
  void racingRegistrationsAndMovesWakeEveryWaiterExactlyOnce() throws Exception {
    int waiters = 20_000;
    WatchRegistry registry = new WatchRegistry();
    AtomicLong highWatermark = new AtomicLong();
    AtomicIntegerArray wakes = new AtomicIntegerArray(waiters);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> registering = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int first = t;
        registering.add(threads.submit(() -> {
          start.await();
          for (int i = first; i < waiters; i += 2) {
            int waiter = i;
            registry.watch(TP, i / 10, highWatermark::get, () -> wakes.incrementAndGet(waiter));
          }
          return null;
        }));
      }
      Future<?> moving = threads.submit(() -> {
        start.await();
        for (long mark = 1; mark <= waiters / 10; mark++) {
          highWatermark.set(mark);
          registry.onHighWatermark(TP, mark);
        }
        return null;
      });
      start.countDown();
      for (Future<?> future : registering) {
        future.get(30, TimeUnit.SECONDS);
      }
      moving.get(30, TimeUnit.SECONDS);
      registry.onHighWatermark(TP, highWatermark.get());
    } finally {
      threads.shutdownNow();
    }

    for (int i = 0; i < waiters; i++) {
      assertThat(wakes.get(i)).as("waiter %d", i).isEqualTo(1);
    }
    assertThat(registry.size()).isZero();
  }
}
