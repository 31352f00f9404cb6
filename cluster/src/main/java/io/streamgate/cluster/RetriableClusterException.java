package io.streamgate.cluster;

/** A failure that a retry of the same request (with its {@code Idempotency-Key}, for a write) may overcome. */
public abstract class RetriableClusterException extends ClusterException {
  protected RetriableClusterException(String message) {
    super(message);
  }
}
