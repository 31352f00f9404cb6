package io.streamgate.logstore;

import java.util.regex.Pattern;

/**
 * One partition of one topic. Topic names follow Kafka's rule, {@code [a-zA-Z0-9._-]{1,249}},
 * and {@code .} and {@code ..} are refused because the name becomes a directory name.
 */
public record TopicPartition(String topic, int partition) {
  private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  public TopicPartition {
    validateTopic(topic);
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0, was " + partition);
    }
  }

  /** Throws {@link IllegalArgumentException} saying why {@code topic} is not a legal topic name. */
  public static void validateTopic(String topic) {
    if (topic == null || !LEGAL_TOPIC.matcher(topic).matches()) {
      throw new IllegalArgumentException(
          "topic name must match [a-zA-Z0-9._-]{1,249}, was " + (topic == null ? "null" : "'" + topic + "'"));
    }
    if (topic.equals(".") || topic.equals("..")) {
      throw new IllegalArgumentException("topic name cannot be '.' or '..'");
    }
  }

  /** The partition's directory name, {@code <topic>-<partition>} as Kafka names it. */
  public String directoryName() {
    return topic + "-" + partition;
  }

  /** Parses a directory name made by {@link #directoryName()}. */
  public static TopicPartition fromDirectoryName(String name) {
    int dash = name.lastIndexOf('-');
    if (dash <= 0 || dash == name.length() - 1) {
      throw new IllegalArgumentException("not a partition directory name: " + name);
    }
    try {
      return new TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a partition directory name: " + name, e);
    }
  }

  @Override
  public String toString() {
    return directoryName();
  }
}
