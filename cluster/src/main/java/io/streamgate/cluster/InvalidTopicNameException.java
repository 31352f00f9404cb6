package io.streamgate.cluster;

/** A topic name outside Kafka's rule, or one reserved for internal topics. */
public class InvalidTopicNameException extends InvalidTopicException {
  public InvalidTopicNameException(String message) {
    super(message);
  }
}
