package io.streamgate.cluster.security;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The cluster's ACLs and API keys: changed through the metadata log, read from this node's
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

  /** The owner of the key whose secret this is, if it is a live key's. */
  Optional<Principal> authenticate(String secret);
}
