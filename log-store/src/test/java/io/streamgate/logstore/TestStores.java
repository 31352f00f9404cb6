package io.streamgate.logstore;

import io.streamgate.logstore.format.Record;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Opens stores whose background maintenance never races a test: the test runs it by hand. */
public final class TestStores {
  /** Longer than any test runs, so scheduled maintenance and checkpoints never fire by themselves. */
  public static final long NEVER_MS = 3_600_000;

  private TestStores() {}

  /** A store config on {@code clock} with scheduled maintenance and checkpoints pushed out of reach. */
  public static LogManagerConfig config(Path dir, Clock clock) {
    return LogManagerConfig.defaults(dir).withClock(clock).withMaintenanceIntervalMs(NEVER_MS)
        .withCheckpointIntervalMs(NEVER_MS);
  }

  public static LogConfig logConfig(Map<String, ?> overrides) {
    return LogConfig.DEFAULT.with(overrides);
  }

  /** The values of {@code records} as strings (null for a tombstone). */
  public static List<String> values(List<Record> records) {
    return records.stream().map(record -> TestBatches.string(record.value())).toList();
  }

  public static List<Long> offsets(List<Record> records) {
    return records.stream().map(Record::offset).toList();
  }
}
