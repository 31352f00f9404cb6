package io.streamgate.gateway.kafka;

import io.streamgate.cluster.TopicConfigs;
import io.streamgate.logstore.LogConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kafka's topic config names and Streamgate's ({@link TopicConfigs}). Most are the same; a few Kafka
 * keys have another name here, and a few describe what Streamgate always does, so their value
 * then is accepted and not kept. Any other key is checked by {@link TopicConfigs} (an unknown one
 * is INVALID_CONFIG).
 */
final class KafkaTopicConfigs {
  /** Kafka's name → Streamgate's. */
  private static final Map<String, String> RENAMED = Map.of("max.message.bytes", LogConfig.MAX_RECORD_BYTES);
  /** Kafka keys whose only value Streamgate serves: batches are stored as the producer sent them, with its timestamps. */
  private static final Map<String, String> BUILT_IN = Map.of("compression.type", "producer", "message.timestamp.type", "CreateTime");

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
}
