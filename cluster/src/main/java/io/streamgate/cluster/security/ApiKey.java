package io.streamgate.cluster.security;

import java.util.Arrays;
import java.util.Objects;

/**
 * An API key as the cluster keeps it: its public id, its owner, when it was made, and the SHA-256 of
 * its secret (never the secret: it is shown once, when made). The secret is 256 random bits, so a
 * plain hash is enough; no salt or slow hash is needed against guessing.
 */
public record ApiKey(String id, Principal principal, long createdMs, byte[] secretHash) {
  public ApiKey {
    Objects.requireNonNull(id);
    Objects.requireNonNull(principal);
    secretHash = secretHash.clone();
  }

  @Override
  public byte[] secretHash() {
    return secretHash.clone();
  }

  // By value, hash included: the metadata state holds keys, and two states are equal when their keys are.
  @Override
  public boolean equals(Object other) {
    return other instanceof ApiKey key && id.equals(key.id) && principal.equals(key.principal) && createdMs == key.createdMs
        && Arrays.equals(secretHash, key.secretHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, principal, createdMs, Arrays.hashCode(secretHash));
  }

  /** Without the hash: logs have no use for it. */
  @Override
  public String toString() {
    return "ApiKey[id=" + id + ", principal=" + principal + ", createdMs=" + createdMs + "]";
  }
}
