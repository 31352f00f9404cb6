package io.streamgate.logstore;

/** The source of time for everything that ages: segment rolls, retention, compaction, flush intervals. */
public interface Clock {
  /** Wall-clock milliseconds since the epoch, as record timestamps use. */
  long milliseconds();

  /** A monotonic nanosecond reading, for intervals. */
  long nanoseconds();

  Clock SYSTEM = new Clock() {
    @Override
    public long milliseconds() {
      return System.currentTimeMillis();
    }

    @Override
    public long nanoseconds() {
      return System.nanoTime();
    }
  };
}
