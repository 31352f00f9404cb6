package io.streamgate.gateway.security;

import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclAuthorizer;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.ApiKeySecrets;
import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.Authorizer;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;

/**
 * What every edge asks about who a client is and what it may do, in one place: {@link #authenticate}
 * turns a presented secret into a principal (and what that rests on), {@link #authorize} answers a
 * question and writes a denial to the audit log, and for connections that outlive their
 * authentication {@link #watch} says when to ask again and {@link #stillAuthenticated} whether the
 * credential holds. With {@code auth} off, everyone is {@link Principal#ANONYMOUS} and everything is
 * allowed. Safe to call on an event loop.
 */
public final class NodeSecurity {
  /** How late, at most, an open connection learns of a changed ACL, a revoked key or an expired token. */
  static final long WATCH_INTERVAL_MS = 250;

  private final boolean enabled;
  private final String bootstrapKey;
  private final Supplier<AccessControl> accessControl;
  private final Authorizer authorizer;
  private final AuditLog audit = new AuditLog();
  private final Quotas quotas;
  /** Null with authentication off: nothing is ever refused, so nothing to watch. */
  private final AccessWatch watch;
  /** Null unless JWTs are accepted. */
  private final JwtAuthenticator jwt;

  /**
   * @param accessControl the cluster's ACLs and API keys, asked for at each use: they exist once the
   *     node's partition service is open, which is before any edge listens
   */
  public NodeSecurity(Vertx vertx, GatewayConfig.Security config, Supplier<AccessControl> accessControl) {
    this.enabled = config.enabled();
    this.jwt = enabled && config.jwt().enabled() ? JwtAuthenticator.create(vertx, config.jwt()) : null;
    this.bootstrapKey = config.bootstrapKey();
    this.accessControl = accessControl;
    Set<Principal> superUsers = new HashSet<>(config.superUsers());
    superUsers.add(Principal.BOOTSTRAP);
    this.authorizer = enabled ? new AclAuthorizer(superUsers, () -> accessControl.get().acls()) : Authorizer.ALLOW_ALL;
    this.quotas = new Quotas(config.defaultQuotas(), config.quotaOverrides(), System::nanoTime);
    this.watch = enabled ? new AccessWatch(vertx, accessControl, WATCH_INTERVAL_MS, System::currentTimeMillis) : null;
  }

  /** The rates principals are held to on this node. */
  public Quotas quotas() {
    return quotas;
  }

  public boolean enabled() {
    return enabled;
  }

  public AccessControl accessControl() {
    return accessControl.get();
  }

  public AuditLog audit() {
    return audit;
  }

  /**
   * The principal {@code secret} (an API key's secret, the bootstrap key, or a JWT when they are
   * accepted) stands for, with what that rests on; a failed future with {@link AuthenticationException}
   * if it stands for none, written to the audit log.
   * With authentication off, {@link Principal#ANONYMOUS} whatever is presented.
   */
  public Future<Authenticated> authenticate(String secret, String protocol, String remote) {
    if (!enabled) {
      return Future.succeededFuture(Authenticated.lasting(Principal.ANONYMOUS));
    }
    if (secret == null || secret.isEmpty()) {
      return refuse(protocol, remote, "no credentials");
    }
    if (!bootstrapKey.isEmpty()
        && MessageDigest.isEqual(bootstrapKey.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8))) {
      return Future.succeededFuture(Authenticated.lasting(Principal.BOOTSTRAP));
    }
    Optional<String> keyId = ApiKeySecrets.idOf(secret);
    if (jwt != null && keyId.isEmpty() && JwtAuthenticator.looksLikeJwt(secret)) {
      return jwt.authenticate(secret).recover(failure -> refuse(protocol, remote,
          failure instanceof AuthenticationException ? failure.getMessage() : "JWT not accepted: " + failure));
    }
    return accessControl.get().authenticate(secret)
        .map(owner -> Future.succeededFuture(new Authenticated(owner, keyId.get(), Long.MAX_VALUE)))
        .orElseGet(() -> refuse(protocol, remote, "unknown or revoked API key"));
  }

  /**
   * Whether the credential {@code who} rests on still holds: its API key not revoked, its token not
   * expired (the bootstrap key and a certificate hold for the connection). A refusal is written to
   * the audit log. For connections that outlive their authentication ({@link #watch}).
   */
  public boolean stillAuthenticated(Authenticated who, String protocol, String remote) {
    if (!enabled) {
      return true;
    }
    if (who.apiKeyId() != null && !accessControl.get().apiKeysById().containsKey(who.apiKeyId())) {
      audit.authenticationFailed(protocol, remote, "API key " + who.apiKeyId() + " of " + who.principal() + " revoked");
      return false;
    }
    if (System.currentTimeMillis() >= who.expiresAtMs()) {
      audit.authenticationFailed(protocol, remote, "token of " + who.principal() + " expired");
      return false;
    }
    return true;
  }

  /**
   * Runs {@code recheck} on {@code context} whenever this node's ACLs or API keys change and once
   * {@code who}'s credential expires, until cancelled: an open connection asks then whether it may go
   * on ({@link #stillAuthenticated}, {@link #authorize}). Nothing is watched with authentication off.
   */
  public AccessWatch.Watch watch(Context context, Authenticated who, Runnable recheck) {
    return enabled ? watch.watch(context, who, recheck) : AccessWatch.Watch.NONE;
  }

  /** The sessions watched on this node now. */
  public int watchedSessions() {
    return watch == null ? 0 : watch.watched();
  }

  /**
   * The principal a verified client certificate of this TLS session names ({@link TlsPrincipals}); a
   * failed future with {@link AuthenticationException}, written to the audit log, when it names none.
   * With authentication off, {@link Principal#ANONYMOUS}. For an edge whose client presented no other
   * credentials.
   */
  public Future<Authenticated> authenticateCertificate(SSLSession session, String protocol, String remote) {
    if (!enabled) {
      return Future.succeededFuture(Authenticated.lasting(Principal.ANONYMOUS));
    }
    return TlsPrincipals.of(session).map(principal -> Future.succeededFuture(Authenticated.lasting(principal)))
        .orElseGet(() -> refuse(protocol, remote, "no verified client certificate naming a principal"));
  }

  private Future<Authenticated> refuse(String protocol, String remote, String reason) {
    audit.authenticationFailed(protocol, remote, reason);
    return Future.failedFuture(new AuthenticationException(reason));
  }

  /** Whether {@code who} may do {@code operation} to the resource; a refusal is written to the audit log. */
  public boolean authorize(Principal who, String protocol, String remote, AclOperation operation, ResourceType type, String name) {
    if (authorizer.allows(who, hostOf(remote), operation, type, name)) {
      return true;
    }
    audit.denied(who, protocol, remote, operation, type, name);
    return false;
  }

  /** Whether {@code who} may, without writing a denial (to filter what a listing shows). */
  public boolean allows(Principal who, String remote, AclOperation operation, ResourceType type, String name) {
    return authorizer.allows(who, hostOf(remote), operation, type, name);
  }

  /**
   * Whether {@code who} may do {@code operation} to at least one resource of {@code type} (Kafka's
   * {@code authorizeByResourceType}): an ALLOW names a resource the rules then allow. Not audited.
   */
  public boolean allowsOnSome(Principal who, String remote, AclOperation operation, ResourceType type) {
    String host = hostOf(remote);
    if (authorizer.allows(who, host, operation, type, Principal.WILDCARD)) {
      return true;
    }
    for (AclBinding acl : accessControl.get().acls()) {
      if (acl.resourceType() == type && acl.permission() == AclPermission.ALLOW && acl.operation().grants().contains(operation)
          && acl.matchesPrincipal(who, host) && authorizer.allows(who, host, operation, type, acl.resourceName())) {
        return true;
      }
    }
    return false;
  }

  /** The host part of {@code host:port}, as ACLs name hosts. */
  private static String hostOf(String remote) {
    int colon = remote.lastIndexOf(':');
    return colon < 0 ? remote : remote.substring(0, colon);
  }
}
