package io.streamgate.cluster;

/** A partition count out of bounds, or fewer partitions than the topic has (partitions are never removed). */
public class InvalidPartitionsException extends InvalidTopicException {
  public InvalidPartitionsException(String message) {
    super(message);
  }
}
