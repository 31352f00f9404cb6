package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/** The operation needs a group with no members (resetting offsets, deleting the group). */
public class GroupNotEmptyException extends ClusterException {
  public GroupNotEmptyException(String message) {
    super(message);
  }
}
