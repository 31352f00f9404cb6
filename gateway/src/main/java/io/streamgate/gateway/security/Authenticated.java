package io.streamgate.gateway.security;

import io.streamgate.cluster.security.Principal;

/**
 * What an authentication rests on, for a connection that outlives it: the principal, the id of the
 * API key that proved it (null for the bootstrap key, a token, a certificate or SCRAM), and when the
 * credential stops being good (a token's expiry; {@link Long#MAX_VALUE} for credentials without one).
 * {@link NodeSecurity#stillAuthenticated} asks again whether it holds. Never the secret itself.
 */
public record Authenticated(Principal principal, String apiKeyId, long expiresAtMs) {
  /** A credential good for as long as the connection: the bootstrap key, a client certificate, SCRAM, or anyone with auth off. */
  public static Authenticated lasting(Principal principal) {
    return new Authenticated(principal, null, Long.MAX_VALUE);
  }
}
