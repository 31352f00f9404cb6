package io.streamgate.cluster;

/**
 * Too few replicas are in sync (below {@code min.insync.replicas}), or this node's side of the
 * cluster lacks a majority, for the request to be made safe. Nothing was written, or what was
 * written is not acknowledged; retrying later may succeed.
 */
public class NotEnoughReplicasException extends RetriableClusterException {
  public NotEnoughReplicasException(String message) {
    super(message);
  }
}
