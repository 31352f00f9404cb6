package io.streamgate.cluster;

/** There is no move of the partition to cancel. */
public class NoReassignmentException extends ClusterException {
  public NoReassignmentException(String message) {
    super(message);
  }
}
