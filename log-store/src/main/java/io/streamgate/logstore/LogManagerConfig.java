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
 */
public record LogManagerConfig(
    Path dataDir,
    Clock clock,
    long maxPendingWriteBytes,
    long maintenanceIntervalMs,
    long checkpointIntervalMs,
    int recoveryThreads) {

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
  }

  /** Defaults for {@code dataDir}: 256 MiB of pending writes, maintenance every 10 s, checkpoints every 60 s. */
  public static LogManagerConfig defaults(Path dataDir) {
    return new LogManagerConfig(dataDir, Clock.SYSTEM, 256L * 1024 * 1024, 10_000, 60_000,
        Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  public LogManagerConfig withClock(Clock newClock) {
    return new LogManagerConfig(dataDir, newClock, maxPendingWriteBytes, maintenanceIntervalMs, checkpointIntervalMs, recoveryThreads);
  }

  public LogManagerConfig withMaintenanceIntervalMs(long interval) {
    return new LogManagerConfig(dataDir, clock, maxPendingWriteBytes, interval, checkpointIntervalMs, recoveryThreads);
  }

  public LogManagerConfig withCheckpointIntervalMs(long interval) {
    return new LogManagerConfig(dataDir, clock, maxPendingWriteBytes, maintenanceIntervalMs, interval, recoveryThreads);
  }
}
