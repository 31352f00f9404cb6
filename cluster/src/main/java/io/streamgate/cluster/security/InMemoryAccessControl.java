package io.streamgate.cluster.security;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SCAFFOLD, replaced by the metadata-backed implementation in this round of #16: ACLs and keys in this node's memory only.
 */
public final class InMemoryAccessControl implements AccessControl {
  private final LinkedHashSet<AclBinding> acls = new LinkedHashSet<>();
  private final Map<String, ApiKey> keys = new ConcurrentHashMap<>();

  @Override
  public synchronized CompletableFuture<Void> createAcls(List<AclBinding> added) {
    acls.addAll(added);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized CompletableFuture<List<AclBinding>> deleteAcls(AclFilter filter) {
    List<AclBinding> removed = acls.stream().filter(filter::matches).toList();
    removed.forEach(acls::remove);
    return CompletableFuture.completedFuture(removed);
  }

  @Override
  public synchronized List<AclBinding> acls() {
    return new ArrayList<>(acls);
  }

  @Override
  public CompletableFuture<NewApiKey> createApiKey(Principal owner) {
    String id = ApiKeySecrets.newId();
    String secret = ApiKeySecrets.newSecret(id);
    ApiKey key = new ApiKey(id, owner, System.currentTimeMillis(), ApiKeySecrets.hash(secret));
    keys.put(id, key);
    return CompletableFuture.completedFuture(new NewApiKey(key, secret));
  }

  @Override
  public CompletableFuture<Void> revokeApiKey(String id) {
    return keys.remove(id) == null ? CompletableFuture.failedFuture(new IllegalArgumentException("no API key " + id))
        : CompletableFuture.completedFuture(null);
  }

  @Override
  public List<ApiKey> apiKeys() {
    return List.copyOf(keys.values());
  }

  @Override
  public Optional<Principal> authenticate(String secret) {
    return ApiKeySecrets.idOf(secret).map(keys::get).filter(key -> ApiKeySecrets.matches(key, secret)).map(ApiKey::principal);
  }
}
