package io.streamgate.cluster.security;

import io.streamgate.cluster.ClusterException;

/** The principal may not do what it asked to a group (no ACL allows it, or one denies it); nothing was done. */
public class GroupAuthorizationException extends ClusterException {
  public GroupAuthorizationException(String message) {
    super(message);
  }
}
