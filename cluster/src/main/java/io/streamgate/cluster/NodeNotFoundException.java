package io.streamgate.cluster;

/** No node of the cluster has the id: it is neither a metadata voter nor registered in the metadata log. */
public final class NodeNotFoundException extends ClusterException {
  public NodeNotFoundException(String message) {
    super(message);
  }
}
