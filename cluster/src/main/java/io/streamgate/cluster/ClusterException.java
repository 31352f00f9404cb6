package io.streamgate.cluster;

/** Base of the errors the partition service reports beyond the log store's own. */
public class ClusterException extends RuntimeException {
  public ClusterException(String message) {
    super(message);
  }
}
