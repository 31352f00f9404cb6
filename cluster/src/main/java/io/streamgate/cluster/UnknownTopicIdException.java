package io.streamgate.cluster;

/**
 * No live topic has the id asked for: never one, or an incarnation deleted since (its name may be
 * another topic's now). Kafka's UNKNOWN_TOPIC_ID; a kind of {@link TopicNotFoundException}.
 */
public class UnknownTopicIdException extends TopicNotFoundException {
  public UnknownTopicIdException(String message) {
    super(message);
  }
}
