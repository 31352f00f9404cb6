package io.streamgate.cluster;

/**
 * A record's timestamp lies further from the leader's clock than the topic's {@code
 * message.timestamp.before.max.ms} or {@code after.max.ms} allow (Kafka's {@code INVALID_TIMESTAMP}).
 * Nothing of the batch was written.
 */
public final class InvalidTimestampException extends ClusterException {
  public InvalidTimestampException(String message) {
    super(message);
  }
}
