package io.streamgate.cluster;

/** A replication factor below 1 or above the number of live nodes (or of the nodes a plan spreads replicas over). */
public class InvalidReplicationFactorException extends InvalidTopicException {
  public InvalidReplicationFactorException(String message) {
    super(message);
  }
}
