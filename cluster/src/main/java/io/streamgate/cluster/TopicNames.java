package io.streamgate.cluster;

import io.streamgate.logstore.TopicPartition;

/**
 * Kafka's topic naming rule as clients meet it: {@code [a-zA-Z0-9._-]{1,249}}, not {@code .} or
 * {@code ..}; names starting with {@code __} are internal, so clients can neither create them nor
 * write to, change or delete them.
 */
public final class TopicNames {
  /** Names starting with this are internal topics. */
  public static final String INTERNAL_PREFIX = "__";

  private TopicNames() {}

  public static boolean isInternal(String topic) {
    return topic != null && topic.startsWith(INTERNAL_PREFIX);
  }

  /** Throws {@link InvalidTopicNameException} unless {@code topic} follows the naming rule. */
  public static String requireValid(String topic) {
    try {
      TopicPartition.validateTopic(topic);
    } catch (IllegalArgumentException e) {
      throw new InvalidTopicNameException(e.getMessage());
    }
    return topic;
  }

  /** Throws {@link InternalTopicException} if {@code topic} is internal; {@code action} says what was refused ("write to"). */
  public static void refuseInternal(String topic, String action) {
    if (isInternal(topic)) {
      throw new InternalTopicException("topic '" + topic + "' is internal: clients cannot " + action + " it");
    }
  }
}
