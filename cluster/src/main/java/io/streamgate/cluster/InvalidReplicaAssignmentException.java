package io.streamgate.cluster;

/** A move's target replicas that cannot be: empty, a node twice, a node the cluster does not know, another replication factor. */
public class InvalidReplicaAssignmentException extends ClusterException {
  public InvalidReplicaAssignmentException(String message) {
    super(message);
  }
}
