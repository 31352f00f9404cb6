package io.streamgate.cluster.security;

import io.streamgate.cluster.ClusterException;

/**
 * A request came without credentials where they are needed, or with ones that are not (or no longer)
 * good: an unknown or revoked key, a forged, expired or foreign token. The message never holds the
 * secret.
 */
public class AuthenticationException extends ClusterException {
  public AuthenticationException(String message) {
    super(message);
  }
}
