package io.streamgate.logstore;

import java.nio.file.Path;

/**
 * The settings of a {@link LogManager}: where its data lives and how its background work is paced.
 *
 * @param dataDir the data directory; created if missing, locked while open
 * @param clock the time source for rolls, retention and compaction
 * @param maxPendingWriteBytes bytes of appends that may wait for the writer before appends are refused
 * @param maintenanceIntervalMs how often retention, compaction and interval flushes are checked
 * @param checkpointIntervalMs how often recovery points and log start offsets are checkpointed
 * @param recoveryThreads threads that load and recover partitions in parallel at start
 * @param producerIdExpirationMs how long a partition remembers an idle idempotent producer (Kafka's
 *     {@code producer.id.expiration.ms}), by its batches' timestamps
 * @param maxProducersPerPartition idempotent producers a partition remembers at most; past it the
 *     least recently written is forgotten (its next batch is accepted at any sequence)
 */
public record LogManagerConfig(
    Path dataDir,
    Clock clock,
    long maxPendingWriteBytes,
    long maintenanceIntervalMs,
    long checkpointIntervalMs,
    int recoveryThreads,
    long producerIdExpirationMs,
    int maxProducersPerPartition) {

  /** Kafka's {@code producer.id.expiration.ms}: a day. */
  public static final long DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24L * 3600 * 1000;
  /** About 4 MB of state per partition at most (some 400 bytes a producer). */
  public static final int DEFAULT_MAX_PRODUCERS_PER_PARTITION = 10_000;

  public LogManagerConfig {
    if (dataDir == null || clock == null) {
      throw new InvalidConfigException("dataDir and clock are required");
    }
    if (maxPendingWriteBytes < 1024 * 1024) {
      throw new InvalidConfigException("maxPendingWriteBytes must be at least 1 MiB, was " + maxPendingWriteBytes);
    }
    if (maintenanceIntervalMs < 1 || checkpointIntervalMs < 1 || recoveryThreads < 1) {
      throw new InvalidConfigException("intervals and thread counts must be positive");
    }
    if (producerIdExpirationMs < 1 || maxProducersPerPartition < 1) {
      throw new InvalidConfigException("producerIdExpirationMs and maxProducersPerPartition must be positive, were "
          + producerIdExpirationMs + " and " + maxProducersPerPartition);
    }
  }

  /** Defaults for {@code dataDir}: 256 MiB of pending writes, maintenance every 10 s, checkpoints every 60 s. */
  public static LogManagerConfig defaults(Path dataDir) {
    return new LogManagerConfig(dataDir, Clock.SYSTEM, 256L * 1024 * 1024, 10_000, 60_000,
        Math.max(1, Runtime.getRuntime().availableProcessors()), DEFAULT_PRODUCER_ID_EXPIRATION_MS,
        DEFAULT_MAX_PRODUCERS_PER_PARTITION);
  }

  public LogManagerConfig withClock(Clock newClock) {
    return new LogManagerConfig(dataDir, newClock, maxPendingWriteBytes, maintenanceIntervalMs, checkpointIntervalMs, recoveryThreads,
        producerIdExpirationMs, maxProducersPerPartition);
  }

  public LogManagerConfig withMaintenanceIntervalMs(long interval) {
    return new LogManagerConfig(dataDir, clock, maxPendingWriteBytes, interval, checkpointIntervalMs, recoveryThreads,
        producerIdExpirationMs, maxProducersPerPartition);
  }

  public LogManagerConfig withCheckpointIntervalMs(long interval) {
    return new LogManagerConfig(dataDir, clock, maxPendingWriteBytes, maintenanceIntervalMs, interval, recoveryThreads,
        producerIdExpirationMs, maxProducersPerPartition);
  }

  public LogManagerConfig withProducerState(long expirationMs, int maxProducers) {
    return new LogManagerConfig(dataDir, clock, maxPendingWriteBytes, maintenanceIntervalMs, checkpointIntervalMs, recoveryThreads,
        expirationMs, maxProducers);
  }
}
