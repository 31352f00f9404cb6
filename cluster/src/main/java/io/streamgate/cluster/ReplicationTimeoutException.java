package io.streamgate.cluster;

/**
 * An {@code acks=all} write was appended by the leader but the in-sync followers did not confirm it
 * in time. It may still become committed; a retry with the same {@code Idempotency-Key} answers its
 * offsets without writing it twice.
 */
public final class ReplicationTimeoutException extends RetriableClusterException {
  public ReplicationTimeoutException(String message) {
    super(message);
  }
}
