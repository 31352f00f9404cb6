package io.streamgate.cluster;

/**
 * This node does not (or no longer) lead the partition: the request raced a change of leader.
 * Retrying reaches the new leader once the metadata settles.
 */
public final class NotLeaderException extends RetriableClusterException {
  public NotLeaderException(String message) {
    super(message);
  }
}
