package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/** The request conflicts with the group's current assignment: a commit from an older generation, or for a partition the member no longer owns. Nothing was written; the member's next poll carries its current assignment. */
public class RebalanceConflictException extends ClusterException {
  public RebalanceConflictException(String message) {
    super(message);
  }
}
