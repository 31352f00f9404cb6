package io.streamgate.cluster.security;

import io.streamgate.cluster.ClusterException;

/** No API key has the id asked for: it was never made, or it is revoked already. Nothing was changed. */
public class ApiKeyNotFoundException extends ClusterException {
  public ApiKeyNotFoundException(String message) {
    super(message);
  }
}
