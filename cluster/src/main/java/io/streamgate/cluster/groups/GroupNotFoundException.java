package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/** The group has no members and no committed offsets: it does not exist. */
public class GroupNotFoundException extends ClusterException {
  public GroupNotFoundException(String message) {
    super(message);
  }
}
