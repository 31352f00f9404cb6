package io.streamgate.logstore;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that changes the partitions of a data directory. Callers hand it work and get a
 * future; it takes everything queued at once, runs it, then fsyncs each partition that asked for
 * durability once, and only then completes the futures. Concurrent appends, to one partition or to
 * many, thus share writes and flushes (group commit), and no caller ever blocks on disk. When a round
 * must fsync several partitions, their fsyncs run at the same time (on a few helper threads, while
 * this thread waits), so that the file system can commit them together: one after another, each
 * would cost a full device flush.
 *
 * <p>Futures complete on this thread: what callers chain onto them must be quick and must not block.
 * The bytes waiting in the queue are bounded; past the bound, work is refused with
 * {@link WriteQueueFullException} instead of growing without limit.
 */
final class LogWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);
  private static final int MAX_TASKS_PER_ROUND = 4096;
  /** The longest a round waits for more durable appends before its fsync (see {@link #gatherDurable}). */
  private static final long MAX_GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /** Helper threads for concurrent fsyncs; a round with more partitions queues the rest on them. */
  private static final int SYNC_THREADS = 7;

  /** Work that runs on the writer thread. */
  @FunctionalInterface
  interface Action<T> {
    T run() throws Exception;
  }

  private static final class Task<T> {
    final PartitionLog log;
    final long bytes;
    final boolean durable;
    final Action<T> action;
    final CompletableFuture<T> future = new CompletableFuture<>();
    T result;
    Throwable error;

    Task(PartitionLog log, long bytes, boolean durable, Action<T> action) {
      this.log = log;
      this.bytes = bytes;
      this.durable = durable;
      this.action = action;
    }

    void complete() {
      if (error != null) {
        future.completeExceptionally(error);
      } else {
        future.complete(result);
      }
    }
  }

  private static final Task<Void> STOP = new Task<>(null, 0, false, () -> null);

  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final AtomicLong pendingBytes = new AtomicLong();
  private final long maxPendingBytes;
  private final Thread thread;
  private final ThreadPoolExecutor syncThreads;
  private volatile boolean accepting = true;
  /** Durable tasks in the last round that fsynced, and how long its fsyncs took. Writer thread only. */
  private int lastDurableTasks;
  private long lastSyncNanos;

  LogWriter(String name, long maxPendingBytes) {
    this.maxPendingBytes = maxPendingBytes;
    AtomicInteger syncThreadCount = new AtomicInteger();
    this.syncThreads = new ThreadPoolExecutor(SYNC_THREADS, SYNC_THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        runnable -> {
          Thread syncThread = new Thread(runnable, name + "-sync-" + syncThreadCount.incrementAndGet());
          syncThread.setDaemon(true);
          return syncThread;
        });
    this.syncThreads.allowCoreThreadTimeOut(true);
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Queues {@code action} for {@code log}. {@code bytes} counts against the pending-bytes bound;
   * {@code durable} asks for the log to be fsynced before the future completes.
   */
  <T> CompletableFuture<T> submit(PartitionLog log, long bytes, boolean durable, Action<T> action) {
    if (!accepting) {
      return CompletableFuture.failedFuture(new LogClosedException("the log store is closed"));
    }
    long pending = pendingBytes.addAndGet(bytes);
    if (bytes > 0 && pending > maxPendingBytes && pending != bytes) {
      pendingBytes.addAndGet(-bytes);
      return CompletableFuture.failedFuture(new WriteQueueFullException(
          "the write queue holds " + (pending - bytes) + " bytes, its maximum is " + maxPendingBytes));
    }
    Task<T> task = new Task<>(log, bytes, durable, action);
    queue.add(task);
    return task.future;
  }

  /** Whether the caller is the writer thread. */
  boolean isWriterThread() {
    return Thread.currentThread() == thread;
  }

  private void run() {
    List<Task<?>> round = new ArrayList<>();
    boolean stopping = false;
    while (!stopping) {
      try {
        round.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      queue.drainTo(round, MAX_TASKS_PER_ROUND);
      try {
        gatherDurable(round);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      stopping = round.remove(STOP);
      runRound(round);
      round.clear();
    }
    List<Task<?>> rest = new ArrayList<>();
    queue.drainTo(rest);
    rest.remove(STOP);
    runRound(rest);
    syncThreads.shutdown();
  }

  /**
   * Appenders that wait for each acknowledgement re-send right after their fsync. Started at once,
   * the next round would hold only the first few, and the appenders would split into two groups
   * fsyncing in turn (measured: 4.2 appends per fsync with 8 synchronous appenders). So a round that
   * will fsync, and holds fewer durable tasks than the last such round, waits a little for the rest:
   * at most a quarter of the last fsync's time, and never more than 2 ms.
   */
  private void gatherDurable(List<Task<?>> round) throws InterruptedException {
    int durable = (int) round.stream().filter(task -> task.durable).count();
    if (durable == 0 || durable >= lastDurableTasks) {
      return;
    }
    long deadline = System.nanoTime() + Math.min(lastSyncNanos / 4, MAX_GATHER_NANOS);
    while (durable < lastDurableTasks && round.size() < MAX_TASKS_PER_ROUND) {
      long remaining = deadline - System.nanoTime();
      Task<?> next = remaining > 0 ? queue.poll(remaining, TimeUnit.NANOSECONDS) : null;
      if (next == null) {
        return;
      }
      round.add(next);
      if (next == STOP) {
        return;
      }
      durable += next.durable ? 1 : 0;
    }
  }

  private void runRound(List<Task<?>> round) {
    Map<PartitionLog, List<Task<?>>> toSync = new IdentityHashMap<>();
    for (Task<?> task : round) {
      runTask(task);
      if (task.durable && task.error == null) {
        toSync.computeIfAbsent(task.log, log -> new ArrayList<>()).add(task);
      }
    }
    if (!toSync.isEmpty()) {
      long started = System.nanoTime();
      syncAll(toSync);
      lastSyncNanos = System.nanoTime() - started;
      lastDurableTasks = toSync.values().stream().mapToInt(List::size).sum();
    }
    for (Task<?> task : round) {
      pendingBytes.addAndGet(-task.bytes);
      try {
        task.complete();
      } catch (Throwable e) {
        LOG.error("a callback on a log future threw; callbacks must not throw", e);
      }
    }
  }

  /** Fsyncs every log of the round, concurrently when there are several, and waits for all. */
  private void syncAll(Map<PartitionLog, List<Task<?>>> toSync) {
    List<CompletableFuture<Void>> others = new ArrayList<>();
    Map.Entry<PartitionLog, List<Task<?>>> last = null;
    for (Map.Entry<PartitionLog, List<Task<?>>> entry : toSync.entrySet()) {
      if (last != null) {
        Map.Entry<PartitionLog, List<Task<?>>> other = last;
        others.add(CompletableFuture.runAsync(() -> sync(other.getKey(), other.getValue()), syncThreads));
      }
      last = entry;
    }
    if (last != null) {
      sync(last.getKey(), last.getValue());
    }
    // sync() catches everything, so join() only returns; it also makes the tasks' errors visible here.
    others.forEach(CompletableFuture::join);
  }

  /** Fsyncs {@code log}; on failure, every task that waited for it fails. Writer thread, or a sync thread the writer waits for. */
  private static void sync(PartitionLog log, List<Task<?>> tasks) {
    try {
      log.syncOnWriter();
    } catch (Throwable e) {
      tasks.forEach(task -> task.error = e);
    }
  }

  private static <T> void runTask(Task<T> task) {
    try {
      task.result = task.action.run();
    } catch (Throwable e) {
      task.error = e;
    }
  }

  /** Runs everything already queued, then stops the thread. Later submissions fail. */
  @Override
  public void close() {
    accepting = false;
    queue.add(STOP);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // A submission that raced with close landed after the thread's last drain.
    List<Task<?>> late = new ArrayList<>();
    queue.drainTo(late);
    late.forEach(task -> task.future.completeExceptionally(new LogClosedException("the log store is closed")));
  }
}
