package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/** The member is not (or no longer) in the group: it left, or its session timed out. It must join again; its commits are refused. */
public class MemberNotFoundException extends ClusterException {
  public MemberNotFoundException(String message) {
    super(message);
  }
}
