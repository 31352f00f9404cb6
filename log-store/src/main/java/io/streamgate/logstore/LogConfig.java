package io.streamgate.logstore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of one partition's log, under Kafka's names where Kafka has one. Immutable; validated
 * on construction, so a {@code LogConfig} that exists is a valid one.
 *
 * @param segmentBytes {@code segment.bytes}: roll to a new segment past this size
 * @param segmentMs {@code segment.ms}: roll a non-empty segment this old
 * @param indexIntervalBytes {@code index.interval.bytes}: bytes between offset-index entries
 * @param retentionMs {@code retention.ms}: delete segments whose newest record is older; -1 keeps all
 * @param retentionBytes {@code retention.bytes}: delete the oldest segments while the log is larger; -1 keeps all
 * @param cleanupPolicy {@code cleanup.policy}: delete old segments, or compact to the last record per key
 * @param flushPolicy {@code flush.policy}: when appended bytes are fsynced
 * @param flushIntervalMs {@code flush.interval.ms}: the period of {@link FlushPolicy#INTERVAL}
 * @param maxRecordBytes {@code max.record.bytes}: the largest record batch accepted (a single record is a batch of one)
 * @param deleteRetentionMs {@code delete.retention.ms}: how long compaction keeps a tombstone
 */
public record LogConfig(
    long segmentBytes,
    long segmentMs,
    int indexIntervalBytes,
    long retentionMs,
    long retentionBytes,
    CleanupPolicy cleanupPolicy,
    FlushPolicy flushPolicy,
    long flushIntervalMs,
    int maxRecordBytes,
    long deleteRetentionMs) {

  public static final String SEGMENT_BYTES = "segment.bytes";
  public static final String SEGMENT_MS = "segment.ms";
  public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
  public static final String RETENTION_MS = "retention.ms";
  public static final String RETENTION_BYTES = "retention.bytes";
  public static final String CLEANUP_POLICY = "cleanup.policy";
  public static final String FLUSH_POLICY = "flush.policy";
  public static final String FLUSH_INTERVAL_MS = "flush.interval.ms";
  public static final String MAX_RECORD_BYTES = "max.record.bytes";
  public static final String DELETE_RETENTION_MS = "delete.retention.ms";

  /** Every key {@link #fromMap} understands. */
  public static final Set<String> KEYS = Set.of(SEGMENT_BYTES, SEGMENT_MS, INDEX_INTERVAL_BYTES, RETENTION_MS,
      RETENTION_BYTES, CLEANUP_POLICY, FLUSH_POLICY, FLUSH_INTERVAL_MS, MAX_RECORD_BYTES, DELETE_RETENTION_MS);

  /** The smallest segment size allowed; smaller would roll on nearly every batch. */
  public static final long MIN_SEGMENT_BYTES = 1024;
  /** Positions in a segment are int32 in the index, as in Kafka. */
  public static final long MAX_SEGMENT_BYTES = Integer.MAX_VALUE;

  /** Kafka's defaults: 1 GiB segments rolled weekly, a week's retention, no forced fsync. */
  public static final LogConfig DEFAULT = new LogConfig(
      1024L * 1024 * 1024, 7L * 24 * 3600 * 1000, 4096, 7L * 24 * 3600 * 1000, -1,
      CleanupPolicy.DELETE, FlushPolicy.NEVER, 1000, 1024 * 1024, 24L * 3600 * 1000);

  public LogConfig {
    check(segmentBytes >= MIN_SEGMENT_BYTES && segmentBytes <= MAX_SEGMENT_BYTES, SEGMENT_BYTES,
        "must be between " + MIN_SEGMENT_BYTES + " and " + MAX_SEGMENT_BYTES, segmentBytes);
    check(segmentMs >= 1, SEGMENT_MS, "must be at least 1", segmentMs);
    check(indexIntervalBytes >= 0, INDEX_INTERVAL_BYTES, "must be >= 0", indexIntervalBytes);
    check(retentionMs >= -1, RETENTION_MS, "must be -1 (unlimited) or >= 0", retentionMs);
    check(retentionBytes >= -1, RETENTION_BYTES, "must be -1 (unlimited) or >= 0", retentionBytes);
    check(cleanupPolicy != null, CLEANUP_POLICY, "is required", null);
    check(flushPolicy != null, FLUSH_POLICY, "is required", null);
    check(flushIntervalMs >= 1, FLUSH_INTERVAL_MS, "must be at least 1", flushIntervalMs);
    // A batch larger than segment.bytes is fine: it gets a segment of its own.
    check(maxRecordBytes >= 64, MAX_RECORD_BYTES, "must be at least 64", maxRecordBytes);
    check(deleteRetentionMs >= 0, DELETE_RETENTION_MS, "must be >= 0", deleteRetentionMs);
  }

  private static void check(boolean ok, String key, String rule, Object value) {
    if (!ok) {
      throw new InvalidConfigException(key + " " + rule + ", was " + value);
    }
  }

  /**
   * This config with the keys of {@code overrides} applied. Values may be strings or numbers; keys
   * outside {@link #KEYS} are an error, so a typo never passes silently.
   */
  public LogConfig with(Map<String, ?> overrides) {
    Map<String, String> merged = toMap();
    overrides.forEach((key, value) -> {
      if (!KEYS.contains(key)) {
        throw new InvalidConfigException("unknown log config key '" + key + "'; known keys: " + new java.util.TreeSet<>(KEYS));
      }
      merged.put(key, String.valueOf(value));
    });
    return fromStrings(merged);
  }

  /** {@link #DEFAULT} with {@code values} applied; see {@link #with}. */
  public static LogConfig fromMap(Map<String, ?> values) {
    return DEFAULT.with(values);
  }

  /** Every setting under its Kafka name, values as strings. */
  public Map<String, String> toMap() {
    Map<String, String> map = new LinkedHashMap<>();
    map.put(SEGMENT_BYTES, String.valueOf(segmentBytes));
    map.put(SEGMENT_MS, String.valueOf(segmentMs));
    map.put(INDEX_INTERVAL_BYTES, String.valueOf(indexIntervalBytes));
    map.put(RETENTION_MS, String.valueOf(retentionMs));
    map.put(RETENTION_BYTES, String.valueOf(retentionBytes));
    map.put(CLEANUP_POLICY, cleanupPolicy.configName());
    map.put(FLUSH_POLICY, flushPolicy.configName());
    map.put(FLUSH_INTERVAL_MS, String.valueOf(flushIntervalMs));
    map.put(MAX_RECORD_BYTES, String.valueOf(maxRecordBytes));
    map.put(DELETE_RETENTION_MS, String.valueOf(deleteRetentionMs));
    return map;
  }

  private static LogConfig fromStrings(Map<String, String> map) {
    return new LogConfig(
        parseLong(map, SEGMENT_BYTES), parseLong(map, SEGMENT_MS), (int) parseLong(map, INDEX_INTERVAL_BYTES),
        parseLong(map, RETENTION_MS), parseLong(map, RETENTION_BYTES),
        CleanupPolicy.forName(map.get(CLEANUP_POLICY)), FlushPolicy.forName(map.get(FLUSH_POLICY)),
        parseLong(map, FLUSH_INTERVAL_MS), (int) parseLong(map, MAX_RECORD_BYTES), parseLong(map, DELETE_RETENTION_MS));
  }

  private static long parseLong(Map<String, String> map, String key) {
    String text = map.get(key).trim();
    try {
      long value = Long.parseLong(text);
      if ((key.equals(INDEX_INTERVAL_BYTES) || key.equals(MAX_RECORD_BYTES)) && value != (int) value) {
        throw new InvalidConfigException(key + " must fit in 32 bits, was " + text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(key + " must be a whole number, was '" + text + "'");
    }
  }

  /**
   * {@code cleanup.policy}: retention deletes old segments ({@code delete}), compaction keeps the
   * last record per key ({@code compact}), or both ({@code compact,delete}, Kafka's list of the two,
   * which Kafka Streams asks for its windowed stores' changelogs).
   */
  public enum CleanupPolicy {
    DELETE("delete"),
    COMPACT("compact"),
    COMPACT_DELETE("compact,delete");

    private final String configName;

    CleanupPolicy(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    /** Whether retention deletes old segments. */
    public boolean deletes() {
      return this != COMPACT;
    }

    /** Whether compaction keeps only the last record per key (and every record needs a key). */
    public boolean compacts() {
      return this != DELETE;
    }

    /** The policy a value names: one of the two, or both as a comma-separated list in any order. */
    public static CleanupPolicy forName(String name) {
      Set<String> parts = new TreeSet<>();
      for (String part : (name == null ? "" : name).split(",", -1)) {
        parts.add(part.trim());
      }
      for (CleanupPolicy policy : values()) {
        if (parts.equals(new TreeSet<>(List.of(policy.configName.split(","))))) {
          return policy;
        }
      }
      throw new InvalidConfigException(CLEANUP_POLICY + " must be 'delete', 'compact' or 'compact,delete', was '" + name + "'");
    }
  }

  /** {@code flush.policy}: fsync before acknowledging, every interval, or never (rely on replication). */
  public enum FlushPolicy {
    ALWAYS,
    INTERVAL,
    NEVER;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static FlushPolicy forName(String name) {
      for (FlushPolicy policy : values()) {
        if (policy.configName().equals(name)) {
          return policy;
        }
      }
      throw new InvalidConfigException(FLUSH_POLICY + " must be 'always', 'interval' or 'never', was '" + name + "'");
    }
  }
}
