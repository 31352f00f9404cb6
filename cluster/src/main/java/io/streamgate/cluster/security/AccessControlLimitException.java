package io.streamgate.cluster.security;

import io.streamgate.cluster.ClusterException;

/**
 * A change to the ACLs or API keys that would go beyond one of their limits (how many the cluster
 * holds, how long a name may be, which principals a key may be made for: docs/security.md); nothing
 * was changed.
 */
public class AccessControlLimitException extends ClusterException {
  public AccessControlLimitException(String message) {
    super(message);
  }
}
