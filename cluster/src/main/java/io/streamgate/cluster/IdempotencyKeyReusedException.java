package io.streamgate.cluster;

/**
 * A batch carries the idempotency id of a batch appended earlier, but other records: the client
 * reused a request's {@code Idempotency-Key} for another request. Nothing was written; retrying
 * the same request cannot succeed.
 */
public final class IdempotencyKeyReusedException extends ClusterException {
  public IdempotencyKeyReusedException(String message) {
    super(message);
  }
}
