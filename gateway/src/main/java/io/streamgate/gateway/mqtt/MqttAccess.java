package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.security.AccessWatch;
import io.streamgate.gateway.security.Authenticated;
import io.streamgate.gateway.security.NodeSecurity;
import io.vertx.core.Context;
import java.util.Optional;
import java.util.Set;

/**
 * What one connection's principal may do, asked of the node's {@link NodeSecurity}: a PUBLISH (and
 * a will) needs WRITE on the log topic its message goes to, a SUBSCRIBE READ on the log topics its
 * filter reaches, a shared subscription READ on its consumer group too. The {@code may...} questions
 * write a denial to the audit log; the {@code allows...} ones only filter what a subscription reads.
 * Immutable, thread-safe.
 */
final class MqttAccess {
  private static final String PROTOCOL = "mqtt";

  private final NodeSecurity security;
  private final MqttTopicMapper mapper;
  private final Authenticated authenticated;
  private final Principal principal;
  private final String remote;

  /** @param remote the client's {@code host:port} */
  MqttAccess(NodeSecurity security, MqttTopicMapper mapper, Authenticated authenticated, String remote) {
    this.security = security;
    this.mapper = mapper;
    this.authenticated = authenticated;
    this.principal = authenticated.principal();
    this.remote = remote;
  }

  Principal principal() {
    return principal;
  }

  /**
   * Runs {@code recheck} on {@code context} whenever the node's ACLs or keys change and once the
   * connection's credential expires, until cancelled.
   */
  AccessWatch.Watch watch(Context context, Runnable recheck) {
    return security.watch(context, authenticated, recheck);
  }

  /** Whether the connection's API key is not revoked and its token not expired; a refusal is audited. */
  boolean stillAuthenticated() {
    return security.stillAuthenticated(authenticated, PROTOCOL, remote);
  }

  boolean mayWrite(String logTopic) {
    return security.authorize(principal, PROTOCOL, remote, AclOperation.WRITE, ResourceType.TOPIC, logTopic);
  }

  /** Whether the principal may read every log topic in {@code logTopics}; the first it may not is audited. */
  boolean mayRead(Set<String> logTopics) {
    return logTopics.stream().allMatch(name -> security.authorize(principal, PROTOCOL, remote, AclOperation.READ, ResourceType.TOPIC,
        name));
  }

  boolean mayReadGroup(String group) {
    return security.authorize(principal, PROTOCOL, remote, AclOperation.READ, ResourceType.GROUP, group);
  }

  /** Whether a subscription of this principal may read the log topic; not audited (it filters what a wildcard reaches). */
  boolean allowsRead(String logTopic) {
    return security.allows(principal, remote, AclOperation.READ, ResourceType.TOPIC, logTopic);
  }

  /**
   * Whether the principal may get the retained message of {@code mqttTopic}: it may read the log
   * topic the message's topic maps to. A topic whose log topic cannot be told from it (the
   * publisher's client id names it: {@code {clientId}} in a mapping rule): only with authentication off.
   */
  boolean allowsRetained(String mqttTopic) {
    Optional<Set<String>> logTopics = mapper.logTopicsFor(mqttTopic).filter(names -> !names.isEmpty());
    return logTopics.isPresent() ? logTopics.get().stream().allMatch(this::allowsRead) : !security.enabled();
  }
}
