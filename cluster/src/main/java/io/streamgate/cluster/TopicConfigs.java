package io.streamgate.cluster;

import io.streamgate.logstore.InvalidConfigException;
import io.streamgate.logstore.LogConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration keys of a topic: the log's own ({@link LogConfig#KEYS}) plus those the layers
 * above the log read. One place validates them all and fills in defaults.
 */
public final class TopicConfigs {
  /** Writes with {@code acks=all} fail while fewer replicas than this are in sync. */
  public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
  /** How record values are shown when read over HTTP: {@code json}, {@code string} or {@code binary}. */
  public static final String VALUE_FORMAT = "value.format";

  /**
   * Whether a replica outside the ISR may become leader when no in-sync one is alive: the partition
   * comes back sooner, and loses what only the dead replicas held.
   */
  public static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";

  /** How far before the leader's clock a record's timestamp may be, in ms (Kafka's name and default: unbounded). */
  public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
  /** How far after the leader's clock a record's timestamp may be, in ms (Kafka 4's name and default: one hour). */
  public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";

  private static final Set<String> OWN_KEYS = Set.of(MIN_INSYNC_REPLICAS, VALUE_FORMAT, UNCLEAN_LEADER_ELECTION,
      MESSAGE_TIMESTAMP_BEFORE_MAX_MS, MESSAGE_TIMESTAMP_AFTER_MAX_MS);
  /** The keys whose values are words; {@link #UNCLEAN_LEADER_ELECTION} is a boolean; every other key holds a whole number. */
  private static final Set<String> TEXT_KEYS = Set.of(LogConfig.CLEANUP_POLICY, LogConfig.FLUSH_POLICY, VALUE_FORMAT);

  /** How record values are carried over HTTP. */
  public enum ValueFormat {
    JSON,
    STRING,
    BINARY;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static ValueFormat forName(String name) {
      for (ValueFormat format : values()) {
        if (format.configName().equals(name)) {
          return format;
        }
      }
      throw new InvalidConfigException(VALUE_FORMAT + " must be json, string or binary, was '" + name + "'");
    }
  }

  private TopicConfigs() {}

  /** Every key a topic config may hold. */
  public static Set<String> keys() {
    Set<String> keys = new TreeSet<>(LogConfig.KEYS);
    keys.addAll(OWN_KEYS);
    return keys;
  }

  /** The defaults of every key, as strings. */
  public static Map<String, String> defaults() {
    Map<String, String> defaults = new LinkedHashMap<>(LogConfig.DEFAULT.toMap());
    defaults.put(MIN_INSYNC_REPLICAS, "1");
    defaults.put(VALUE_FORMAT, ValueFormat.JSON.configName());
    defaults.put(UNCLEAN_LEADER_ELECTION, "false");
    defaults.put(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.toString(TimestampBounds.DEFAULT.beforeMaxMs()));
    defaults.put(MESSAGE_TIMESTAMP_AFTER_MAX_MS, Long.toString(TimestampBounds.DEFAULT.afterMaxMs()));
    return defaults;
  }

  /**
   * {@code base} with {@code overrides} applied, validated: unknown keys and bad values throw
   * {@link InvalidConfigException} naming the key. Values may be strings or numbers; {@code null}
   * returns the key to its default.
   */
  public static Map<String, String> merge(Map<String, String> base, Map<String, ?> overrides) {
    Map<String, String> merged = new LinkedHashMap<>(base);
    Map<String, String> defaults = defaults();
    overrides.forEach((key, value) -> {
      if (!LogConfig.KEYS.contains(key) && !OWN_KEYS.contains(key)) {
        throw new InvalidConfigException("unknown topic config key '" + key + "'; known keys: " + keys());
      }
      merged.put(key, value == null ? defaults.get(key) : String.valueOf(value));
    });
    logConfig(merged);
    valueFormat(merged);
    int minInsync = parseInt(merged.get(MIN_INSYNC_REPLICAS), MIN_INSYNC_REPLICAS);
    if (minInsync < 1) {
      throw new InvalidConfigException(MIN_INSYNC_REPLICAS + " must be at least 1, was " + minInsync);
    }
    timestampBounds(merged);
    String unclean = merged.get(UNCLEAN_LEADER_ELECTION);
    if (!"true".equals(unclean) && !"false".equals(unclean)) {
      throw new InvalidConfigException(UNCLEAN_LEADER_ELECTION + " must be true or false, was '" + unclean + "'");
    }
    return merged;
  }

  /**
   * A validated config with each value as clients read it: the whole numbers as {@link Long}, the
   * words ({@code cleanup.policy}, {@code flush.policy}, {@code value.format}) as strings, the
   * switch {@code unclean.leader.election.enable} as a boolean.
   */
  public static Map<String, Object> typed(Map<String, String> config) {
    Map<String, Object> typed = new java.util.TreeMap<>();
    config.forEach((key, value) -> typed.put(key, TEXT_KEYS.contains(key) ? value
        : key.equals(UNCLEAN_LEADER_ELECTION) ? (Object) Boolean.valueOf(value) : Long.valueOf(value.trim())));
    return typed;
  }

  /** The log's part of a validated topic config. */
  public static LogConfig logConfig(Map<String, String> config) {
    Map<String, String> logKeys = new LinkedHashMap<>();
    config.forEach((key, value) -> {
      if (LogConfig.KEYS.contains(key)) {
        logKeys.put(key, value);
      }
    });
    return LogConfig.fromMap(logKeys);
  }

  /**
   * The topic's {@code max.record.bytes}, the largest batch it takes. Read on every produce, so
   * without building the whole {@link LogConfig}; the stored value was validated when it was set.
   */
  public static int maxRecordBytes(Map<String, String> config) {
    String value = config.get(LogConfig.MAX_RECORD_BYTES);
    return value == null ? LogConfig.DEFAULT.maxRecordBytes() : Integer.parseInt(value.trim());
  }

  public static ValueFormat valueFormat(Map<String, String> config) {
    return ValueFormat.forName(config.getOrDefault(VALUE_FORMAT, ValueFormat.JSON.configName()));
  }

  /**
   * The topic's {@code message.timestamp.before.max.ms} and {@code after.max.ms}. Read on every
   * append by the leader, so without building the whole {@link LogConfig}.
   */
  public static TimestampBounds timestampBounds(Map<String, String> config) {
    return new TimestampBounds(
        nonNegativeLong(config, MESSAGE_TIMESTAMP_BEFORE_MAX_MS, TimestampBounds.DEFAULT.beforeMaxMs()),
        nonNegativeLong(config, MESSAGE_TIMESTAMP_AFTER_MAX_MS, TimestampBounds.DEFAULT.afterMaxMs()));
  }

  private static long nonNegativeLong(Map<String, String> config, String key, long defaultValue) {
    String text = config.get(key);
    if (text == null) {
      return defaultValue;
    }
    long value;
    try {
      value = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(key + " must be a whole number, was '" + text + "'");
    }
    if (value < 0) {
      throw new InvalidConfigException(key + " must be at least 0, was " + value);
    }
    return value;
  }

  public static boolean uncleanLeaderElection(Map<String, String> config) {
    return Boolean.parseBoolean(config.getOrDefault(UNCLEAN_LEADER_ELECTION, "false"));
  }

  public static int minInsyncReplicas(Map<String, String> config) {
    return parseInt(config.getOrDefault(MIN_INSYNC_REPLICAS, "1"), MIN_INSYNC_REPLICAS);
  }

  private static int parseInt(String text, String key) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(key + " must be a whole number, was '" + text + "'");
    }
  }
}
