package io.streamgate.cluster.security;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The cluster's ACLs, API keys and SCRAM credentials: changed through the metadata log, read from this node's
 * committed copy (so reads never block and are the same on every node once applied).
 */
public interface AccessControl {
  /** Adds ACLs (one already there is kept as is); completes once committed. */
  CompletableFuture<Void> createAcls(List<AclBinding> acls);

  /** Removes the ACLs {@code filter} matches; completes with those removed, once committed. */
  CompletableFuture<List<AclBinding>> deleteAcls(AclFilter filter);

  /** The ACLs in force on this node. */
  List<AclBinding> acls();

  /** Makes a key for {@code owner}; the answer holds its secret, which nothing keeps. */
  CompletableFuture<NewApiKey> createApiKey(Principal owner);

  /** Revokes a key: from its commit on, no node accepts it. Fails if there is no such key. */
  CompletableFuture<Void> revokeApiKey(String id);

  List<ApiKey> apiKeys();

  /**
   * The live keys by id, as this node applied them: the applied state's own immutable map, not a
   * copy, so a watcher may compare it by identity (another map after any change to the keys).
   */
  Map<String, ApiKey> apiKeysById();

  /** The owner of the key whose secret this is, if it is a live key's. */
  Optional<Principal> authenticate(String secret);

  /**
   * Upserts and deletes SCRAM credentials in one change (a deletion of one not there does nothing);
   * completes once committed. Fails with {@link AccessControlLimitException} beyond the limits.
   */
  CompletableFuture<Void> alterScramCredentials(List<ScramCredential> upsertions, List<ScramCredential.Id> deletions);

  /** The SCRAM credentials in force on this node. */
  Collection<ScramCredential> scramCredentials();

  /** {@code user}'s credential of {@code mechanism}, if it has one. */
  Optional<ScramCredential> scramCredential(String user, ScramMechanism mechanism);
}
