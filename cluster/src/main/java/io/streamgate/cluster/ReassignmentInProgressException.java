package io.streamgate.cluster;

/** The partition is moving already; a move is cancelled before another starts. */
public class ReassignmentInProgressException extends ClusterException {
  public ReassignmentInProgressException(String message) {
    super(message);
  }
}
