package io.streamgate.cluster;

/**
 * A node cannot be removed from the cluster as asked: it still holds replicas (drain it first, or
 * forget it if it is dead for good), it is alive and was to be forgotten, or it is this very node;
 * or it cannot be drained, the other nodes being too few to hold its replicas.
 */
public final class NodeNotRemovableException extends ClusterException {
  public NodeNotRemovableException(String message) {
    super(message);
  }
}
