package io.streamgate.gateway.kafka;

import io.streamgate.cluster.TopicConfigs;
import io.streamgate.logstore.InvalidConfigException;
import io.streamgate.logstore.LogConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Kafka's topic config names and Streamgate's ({@link TopicConfigs}). Most are the same; a few Kafka
 * keys have another name here, and a few describe what Streamgate always does, so their value
 * then is accepted and not kept. Any other key is checked by {@link TopicConfigs} (an unknown one
 * is INVALID_CONFIG). Also how DescribeConfigs describes each key: its source and type.
 */
final class KafkaTopicConfigs {
  /** Kafka's DescribeConfigs sources: a value set on the topic, a node setting, the default. */
  static final byte TOPIC_CONFIG = 1;
  static final byte STATIC_BROKER_CONFIG = 4;
  static final byte DEFAULT_CONFIG = 5;

  /** Kafka's DescribeConfigs types (v3+). */
  static final byte BOOLEAN = 1;
  static final byte STRING = 2;
  static final byte INT = 3;
  static final byte LONG = 5;
  static final byte LIST = 7;

  /** Kafka's name → Streamgate's. */
  private static final Map<String, String> RENAMED = Map.of("max.message.bytes", LogConfig.MAX_RECORD_BYTES);
  /** Kafka keys whose only value Streamgate serves: batches are stored as the producer sent them, with its timestamps. */
  private static final Map<String, String> BUILT_IN = Map.of("compression.type", "producer", "message.timestamp.type", "CreateTime");
  /** The topic keys {@code kafka-reassign-partitions} sets with a throttle: which replicas it applies to (docs/kafka.md). */
  static final Set<String> THROTTLED_REPLICAS = Set.of("leader.replication.throttled.replicas",
      "follower.replication.throttled.replicas");
  /** The keys whose values are comma-separated lists in Kafka (APPEND and SUBTRACT apply to them). */
  private static final Set<String> LIST_KEYS = Set.of(LogConfig.CLEANUP_POLICY);
  /** The whole-number keys that Kafka types as int; every other whole number is a long. */
  private static final Set<String> INT_KEYS = Set.of(LogConfig.SEGMENT_BYTES, LogConfig.INDEX_INTERVAL_BYTES,
      LogConfig.MAX_RECORD_BYTES, TopicConfigs.MIN_INSYNC_REPLICAS);

  private KafkaTopicConfigs() {}

  /** A Kafka client's configs under Streamgate's keys; a built-in key with its built-in value is dropped. */
  static Map<String, String> toStreamgate(Map<String, String> kafka) {
    Map<String, String> mapped = new LinkedHashMap<>();
    kafka.forEach((key, value) -> {
      if (value != null && value.equals(BUILT_IN.get(key))) {
        return;
      }
      mapped.put(RENAMED.getOrDefault(key, key), value);
    });
    return mapped;
  }

  /** A Streamgate key as Kafka's clients name it. */
  static String toKafka(String key) {
    for (Map.Entry<String, String> renamed : RENAMED.entrySet()) {
      if (renamed.getValue().equals(key)) {
        return renamed.getKey();
      }
    }
    return key;
  }

  /** A Kafka key as Streamgate names it (a built-in key as it is). */
  static String toStreamgate(String kafkaKey) {
    return RENAMED.getOrDefault(kafkaKey, kafkaKey);
  }

  /** The Kafka keys that describe what Streamgate always does, each with its one value. */
  static Map<String, String> builtIn() {
    return BUILT_IN;
  }

  /**
   * Refuses a value for a built-in key other than the one Streamgate serves ({@code
   * compression.type=gzip}): Streamgate cannot do it, and dropping it silently would lie.
   */
  static void requireServable(String kafkaKey, String value) {
    String only = BUILT_IN.get(kafkaKey);
    if (only != null && !only.equals(value)) {
      throw new InvalidConfigException(kafkaKey + " can only be " + only + " (batches are stored as the producer sent them), was '"
          + value + "'");
    }
  }

  static boolean isBuiltIn(String kafkaKey) {
    return BUILT_IN.containsKey(kafkaKey);
  }

  static boolean isList(String kafkaKey) {
    return LIST_KEYS.contains(toStreamgate(kafkaKey));
  }

  /** Kafka's type of a Streamgate key (a built-in key is a string). */
  static byte type(String key) {
    if (LIST_KEYS.contains(key)) {
      return LIST;
    }
    if (INT_KEYS.contains(key)) {
      return INT;
    }
    String defaultValue = TopicConfigs.defaults().get(key);
    if (defaultValue == null) {
      return STRING;
    }
    Object typed = TopicConfigs.typed(Map.of(key, defaultValue)).get(key);
    return typed instanceof Boolean ? BOOLEAN : typed instanceof Long ? LONG : STRING;
  }

  /** Whether a topic's value of a Streamgate key was set on the topic: it differs from the default. */
  static boolean setOnTopic(String key, String value) {
    return !value.equals(TopicConfigs.defaults().get(key));
  }
}
