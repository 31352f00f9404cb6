package io.streamgate.cluster.groups;

import io.streamgate.cluster.RetriableClusterException;

/**
 * The coordinator is still rebuilding the groups of the group's {@code __groups} partition from its
 * log (it has just become its leader); retrying shortly succeeds. Kafka's COORDINATOR_LOAD_IN_PROGRESS.
 */
public final class CoordinatorLoadInProgressException extends RetriableClusterException {
  public CoordinatorLoadInProgressException(String message) {
    super(message);
  }
}
