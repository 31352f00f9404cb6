package io.streamgate.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A workload that runs on its own threads from {@link #start} to {@link #stop}, counting what it
 * completed; {@link Measurement} samples the counters to cut it into windows. Counters move when an
 * operation completes (for appends: when the future completes, i.e. written, and fsynced under
 * flush=always), and latencies are recorded at the same moment.
 */
abstract class Load implements AutoCloseable {
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong operations = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Recorder latency = new Recorder(3);
  protected volatile boolean running;

  /** Starts the load's threads. Set-up that must not be timed happens before, in the constructor. */
  abstract void start() throws Exception;

  /** Stops issuing work and waits for what is in flight. */
  abstract void stop() throws Exception;

  /** Releases files and threads; the temporary data goes. */
  @Override
  public abstract void close() throws Exception;

  /** Call when one operation of {@code recordCount} records and {@code byteCount} bytes completed. */
  protected final void completed(long recordCount, long byteCount, long startNanos) {
    records.addAndGet(recordCount);
    bytes.addAndGet(byteCount);
    operations.incrementAndGet();
    latency.recordValue(Math.max(0, System.nanoTime() - startNanos));
  }

  protected final void failed(Throwable error) {
    failure.compareAndSet(null, error);
    running = false;
  }

  final long records() {
    return records.get();
  }

  final long bytes() {
    return bytes.get();
  }

  final long operations() {
    return operations.get();
  }

  final Throwable failure() {
    return failure.get();
  }

  /** Latencies recorded since the previous call (nanoseconds). */
  final Histogram intervalLatency() {
    return latency.getIntervalHistogram();
  }
}
