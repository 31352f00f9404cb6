package io.streamgate.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/** Runs one {@link Load}: a warm-up, then measured windows, and reports the median window. */
final class Measurement {
  private Measurement() {}

  /** What one window measured. */
  record Window(double recordsPerSec, double bytesPerSec, long p50Nanos, long p99Nanos, long operations, double seconds) {}

  /** The median window of a scenario and the spread over all of them. */
  record Result(Window median, List<Window> windows) {
    /** (max - min) / median of the byte rates, in percent. */
    double spreadPercent() {
      double min = windows.stream().mapToDouble(Window::bytesPerSec).min().orElse(0);
      double max = windows.stream().mapToDouble(Window::bytesPerSec).max().orElse(0);
      return median.bytesPerSec() == 0 ? 0 : 100 * (max - min) / median.bytesPerSec();
    }

    /** The median over windows of each latency percentile (not the latency of the median window). */
    long p50Nanos() {
      return medianOf(windows.stream().mapToLong(Window::p50Nanos).sorted().toArray());
    }

    long p99Nanos() {
      return medianOf(windows.stream().mapToLong(Window::p99Nanos).sorted().toArray());
    }

    private static long medianOf(long[] sorted) {
      return sorted.length == 0 ? 0 : sorted[(sorted.length - 1) / 2];
    }
  }

  static Result run(Load load, BenchOptions options) throws Exception {
    List<Window> windows = new ArrayList<>();
    load.start();
    try {
      if (options.warmupMs() > 0) {
        phase(load, options.warmupMs(), options.maxPhaseBytes());
      }
      for (int i = 0; i < options.repeats(); i++) {
        windows.add(phase(load, options.measureMs(), options.maxPhaseBytes()));
      }
    } finally {
      load.stop();
    }
    rethrow(load);
    List<Window> byRate = new ArrayList<>(windows);
    byRate.sort(Comparator.comparingDouble(Window::recordsPerSec));
    return new Result(byRate.get((byRate.size() - 1) / 2), List.copyOf(windows));
  }

  /** Lets the load run for {@code millis} or until it moved {@code maxBytes}, whichever comes first. */
  private static Window phase(Load load, long millis, long maxBytes) throws Exception {
    long records0 = load.records();
    long bytes0 = load.bytes();
    long ops0 = load.operations();
    load.intervalLatency(); // drop what came before
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
    long now;
    while (true) {
      now = System.nanoTime();
      if (now >= deadline || load.bytes() - bytes0 >= maxBytes || load.failure() != null) {
        break;
      }
      LockSupport.parkNanos(Math.min(deadline - now, TimeUnit.MILLISECONDS.toNanos(2)));
    }
    long records = load.records() - records0;
    long bytes = load.bytes() - bytes0;
    long ops = load.operations() - ops0;
    long end = System.nanoTime();
    Histogram latencies = load.intervalLatency();
    rethrow(load);
    double seconds = (end - start) / 1e9;
    return new Window(records / seconds, bytes / seconds, latencies.getValueAtPercentile(50),
        latencies.getValueAtPercentile(99), ops, seconds);
  }

  private static void rethrow(Load load) throws Exception {
    Throwable failure = load.failure();
    if (failure instanceof Exception e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
  }
}
