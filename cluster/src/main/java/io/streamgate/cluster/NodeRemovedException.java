package io.streamgate.cluster;

/**
 * This node's id was removed from the cluster for good ({@code DELETE /v1/cluster/nodes/{id}}): the
 * metadata log refuses its registration and renewals, so it can neither vote nor lead with the data
 * it holds. A node must come back with a new id and an empty data dir.
 */
public final class NodeRemovedException extends ClusterException {
  public NodeRemovedException(String message) {
    super(message);
  }
}
