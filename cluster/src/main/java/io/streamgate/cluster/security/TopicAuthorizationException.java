package io.streamgate.cluster.security;

import io.streamgate.cluster.ClusterException;

/** The principal may not do what it asked to a topic (no ACL allows it, or one denies it); nothing was done. */
public class TopicAuthorizationException extends ClusterException {
  public TopicAuthorizationException(String message) {
    super(message);
  }
}
