package io.streamgate.cluster.security;

import io.streamgate.cluster.ClusterException;

/** The principal may not do what it asked to a cluster (no ACL allows it, or one denies it); nothing was done. */
public class ClusterAuthorizationException extends ClusterException {
  public ClusterAuthorizationException(String message) {
    super(message);
  }
}
