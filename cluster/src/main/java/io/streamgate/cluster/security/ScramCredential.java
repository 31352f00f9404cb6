package io.streamgate.cluster.security;

import java.util.Arrays;
import java.util.Objects;

/**
 * A user's SCRAM credential for one mechanism as the cluster keeps it (Kafka's model, RFC 5802):
 * salt, iteration count, StoredKey and ServerKey, never the password nor the salted password. A
 * client that knows the password proves it against StoredKey; ServerKey proves the node to it.
 */
public record ScramCredential(String user, ScramMechanism mechanism, byte[] salt, int iterations, byte[] storedKey,
    byte[] serverKey) {
  /** A user's credential of one mechanism: what AlterUserScramCredentials upserts and deletes. */
  public record Id(String user, ScramMechanism mechanism) {
    public Id {
      Objects.requireNonNull(user);
      Objects.requireNonNull(mechanism);
    }
  }

  public ScramCredential {
    Objects.requireNonNull(user);
    Objects.requireNonNull(mechanism);
    salt = salt.clone();
    storedKey = storedKey.clone();
    serverKey = serverKey.clone();
  }

  public Id id() {
    return new Id(user, mechanism);
  }

  @Override
  public byte[] salt() {
    return salt.clone();
  }

  @Override
  public byte[] storedKey() {
    return storedKey.clone();
  }

  @Override
  public byte[] serverKey() {
    return serverKey.clone();
  }

  // By value, keys included: the metadata state holds credentials, and two states are equal when theirs are.
  @Override
  public boolean equals(Object other) {
    return other instanceof ScramCredential c && user.equals(c.user) && mechanism == c.mechanism && iterations == c.iterations
        && Arrays.equals(salt, c.salt) && Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(user, mechanism, iterations, Arrays.hashCode(salt), Arrays.hashCode(storedKey), Arrays.hashCode(serverKey));
  }

  /** Without salt and keys: logs have no use for them. */
  @Override
  public String toString() {
    return "ScramCredential[user=" + user + ", mechanism=" + mechanism.mechanismName() + ", iterations=" + iterations + "]";
  }
}
