package io.streamgate.cluster.groups;

import io.streamgate.cluster.RetriableClusterException;

/**
 * This node does not coordinate the group (it does not lead the group's {@code __groups} partition,
 * or no longer): the client finds the coordinator again. Kafka's NOT_COORDINATOR.
 */
public final class NotCoordinatorException extends RetriableClusterException {
  public NotCoordinatorException(String message) {
    super(message);
  }
}
