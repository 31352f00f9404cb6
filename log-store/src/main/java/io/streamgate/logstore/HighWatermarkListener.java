package io.streamgate.logstore;

/**
 * Told when a partition's high watermark moves forward (or back, after a truncation). It runs on
 * the thread that moved it, possibly the store's writer thread: it must be cheap and must never
 * block; hand real work to another thread.
 */
@FunctionalInterface
public interface HighWatermarkListener {
  void onHighWatermark(TopicPartition partition, long highWatermark);
}
