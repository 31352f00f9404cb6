package io.streamgate.cluster;

import io.streamgate.cluster.metadata.MetadataCommand;
import io.streamgate.cluster.metadata.MetadataCommand.AlterScramCredentials;
import io.streamgate.cluster.metadata.MetadataCommand.CreateAcls;
import io.streamgate.cluster.metadata.MetadataCommand.CreateApiKey;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteAcls;
import io.streamgate.cluster.metadata.MetadataCommand.RevokeApiKey;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.cluster.metadata.MetadataState;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AccessControlLimitException;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.ApiKey;
import io.streamgate.cluster.security.ApiKeyNotFoundException;
import io.streamgate.cluster.security.ApiKeySecrets;
import io.streamgate.cluster.security.NewApiKey;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ScramCredential;
import io.streamgate.cluster.security.ScramMechanism;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The cluster's ACLs, API keys and SCRAM credentials kept in the metadata log: a change is a {@link MetadataCommand}
 * that completes once committed and applied on this node (the state checks the limits, alike on every
 * node); reads are of the state this node's metadata voter has applied, in memory, without a lock or
 * a copy, so event loops may call them. Another node answers with a change once it has applied it
 * too, which is at most its metadata lag later. Thread-safe.
 */
final class MetadataAccessControl implements AccessControl {
  private final ClusterMetadata metadata;
  private final Supplier<MetadataState> committed;

  /** {@code committed}: the state the metadata voter of this node has applied. */
  MetadataAccessControl(ClusterMetadata metadata, Supplier<MetadataState> committed) {
    this.metadata = metadata;
    this.committed = committed;
  }

  @Override
  public CompletableFuture<Void> createAcls(List<AclBinding> acls) {
    if (acls.size() > MetadataState.MAX_ACLS) { // not even proposed: the log entry would be that large
      return CompletableFuture.failedFuture(new AccessControlLimitException("at most " + MetadataState.MAX_ACLS
          + " ACLs, was " + acls.size()));
    }
    return submit(new CreateAcls(acls)).thenApply(count -> null);
  }

  /**
   * Removes what {@code filter} matches in this node's ACLs now, as those exact ACLs (so that one made
   * meanwhile stays); completes with them. Two deletes at once may both answer an ACL they both saw.
   */
  @Override
  public CompletableFuture<List<AclBinding>> deleteAcls(AclFilter filter) {
    List<AclBinding> matched = acls().stream().filter(filter::matches).toList();
    if (matched.isEmpty()) {
      return CompletableFuture.completedFuture(matched);
    }
    return submit(new DeleteAcls(matched)).thenApply(count -> matched);
  }

  /** The committed state's own immutable list: the authorizer reads it at every request. */
  @Override
  public List<AclBinding> acls() {
    return committed.get().acls();
  }

  @Override
  public CompletableFuture<NewApiKey> createApiKey(Principal owner) {
    if (owner.equals(Principal.BOOTSTRAP) || owner.equals(Principal.ANONYMOUS)) {
      // User:bootstrap is a super-user: a key for it would make a second bootstrap key.
      return CompletableFuture.failedFuture(new AccessControlLimitException("no API key may be made for the reserved " + owner));
    }
    String id = ApiKeySecrets.newId();
    String secret = ApiKeySecrets.newSecret(id);
    ApiKey key = new ApiKey(id, owner, System.currentTimeMillis(), ApiKeySecrets.hash(secret));
    return submit(new CreateApiKey(key)).thenApply(count -> new NewApiKey(key, secret));
  }

  @Override
  public CompletableFuture<Void> revokeApiKey(String id) {
    return submit(new RevokeApiKey(id)).thenApply(count -> null);
  }

  @Override
  public List<ApiKey> apiKeys() {
    return List.copyOf(committed.get().apiKeys().values());
  }

  @Override
  public Map<String, ApiKey> apiKeysById() {
    return committed.get().apiKeys();
  }

  @Override
  public Optional<Principal> authenticate(String secret) {
    return ApiKeySecrets.idOf(secret).map(committed.get().apiKeys()::get).filter(key -> ApiKeySecrets.matches(key, secret))
        .map(ApiKey::principal);
  }

  @Override
  public CompletableFuture<Void> alterScramCredentials(List<ScramCredential> upsertions, List<ScramCredential.Id> deletions) {
    if (upsertions.size() + deletions.size() > MetadataState.MAX_SCRAM_CREDENTIALS) { // not even proposed, as with ACLs
      return CompletableFuture.failedFuture(new AccessControlLimitException("at most " + MetadataState.MAX_SCRAM_CREDENTIALS
          + " SCRAM credentials, was " + (upsertions.size() + deletions.size())));
    }
    return submit(new AlterScramCredentials(upsertions, deletions)).thenApply(count -> null);
  }

  @Override
  public Collection<ScramCredential> scramCredentials() {
    return committed.get().scramCredentials().values();
  }

  @Override
  public Optional<ScramCredential> scramCredential(String user, ScramMechanism mechanism) {
    return Optional.ofNullable(committed.get().scramCredentials().get(new ScramCredential.Id(user, mechanism)));
  }

  /** Proposes {@code command}; completes with its count once applied here, or fails with what its refusal means. */
  private CompletableFuture<Long> submit(MetadataCommand command) {
    return metadata.submit(command).thenApply(MetadataAccessControl::accepted);
  }

  private static long accepted(MetadataReply reply) {
    if (reply instanceof Refused refused) {
      throw refused.reason() == Reason.API_KEY_NOT_FOUND ? new ApiKeyNotFoundException(refused.detail())
          : refused.reason() == Reason.BEYOND_LIMIT ? new AccessControlLimitException(refused.detail())
              : new ClusterException("the metadata log refused the change: " + refused.detail());
    }
    return ((MetadataReply.Accepted) reply).value();
  }
}
