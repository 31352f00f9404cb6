package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/**
 * A static member's instance id now belongs to another member id (a newer instance joined with it):
 * the older one is fenced off. Kafka's FENCED_INSTANCE_ID.
 */
public class FencedInstanceIdException extends ClusterException {
  public FencedInstanceIdException(String message) {
    super(message);
  }
}
