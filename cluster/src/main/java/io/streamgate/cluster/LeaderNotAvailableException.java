package io.streamgate.cluster;

/**
 * The partition has no reachable leader just now (an election is under way, or this node's view of
 * the leadership is stale). Retrying shortly succeeds once the metadata settles.
 */
public final class LeaderNotAvailableException extends RetriableClusterException {
  public LeaderNotAvailableException(String message) {
    super(message);
  }
}
