package io.streamgate.gateway.http;

import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.ClusterAuthorizationException;
import io.streamgate.cluster.security.GroupAuthorizationException;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.cluster.security.TopicAuthorizationException;
import io.streamgate.gateway.security.AccessWatch;
import io.streamgate.gateway.security.Authenticated;
import io.streamgate.gateway.security.NodeSecurity;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;

/**
 * Who an HTTP request acts for ({@link HttpAuthentication} puts one in every routing context it lets
 * through) and the authorization questions the handlers ask before they touch a service. A refusal
 * is thrown as the catalogue's exception (403 {@code forbidden}), except that a principal that may
 * not describe a topic is told the topic does not exist (404 {@code topic-not-found}, the same answer
 * as for a missing topic), so that it cannot learn which topics exist. Immutable; safe on any thread.
 */
final class Caller {
  private static final String KEY = "streamgate.caller";

  private final NodeSecurity security;
  private final Authenticated authenticated;
  private final Principal principal;
  private final String protocol;
  private final String remote;

  Caller(NodeSecurity security, Authenticated authenticated, String protocol, String remote) {
    this.security = security;
    this.authenticated = authenticated;
    this.principal = authenticated.principal();
    this.protocol = protocol;
    this.remote = remote;
  }

  /** The caller of a request that went through {@link HttpAuthentication}. */
  static Caller of(RoutingContext ctx) {
    Caller caller = ctx.get(KEY);
    if (caller == null) {
      throw new IllegalStateException("no caller for " + ctx.request().path() + ": the route is outside authentication");
    }
    return caller;
  }

  void putIn(RoutingContext ctx) {
    ctx.put(KEY, this);
  }

  Principal principal() {
    return principal;
  }

  /** The credential the caller authenticated with (a stream ticket is issued for it). */
  Authenticated authenticated() {
    return authenticated;
  }

  String protocol() {
    return protocol;
  }

  String remote() {
    return remote;
  }

  NodeSecurity security() {
    return security;
  }

  /** A route handler that lets the request on only if its caller may do {@code operation} to the path's topic. */
  static Handler<RoutingContext> topic(AclOperation operation) {
    return ctx -> {
      of(ctx).requireTopic(operation, QueryParams.topic(ctx));
      ctx.next();
    };
  }

  /** A route handler that lets the request on only if its caller may do {@code operation} to the path's group. */
  static Handler<RoutingContext> group(AclOperation operation) {
    return ctx -> {
      of(ctx).requireGroup(operation, ctx.pathParam("group"));
      ctx.next();
    };
  }

  /** A route handler that lets the request on only if its caller may do {@code operation} to the cluster. */
  static Handler<RoutingContext> cluster(AclOperation operation) {
    return ctx -> {
      of(ctx).requireCluster(operation);
      ctx.next();
    };
  }

  /** Refuses unless the caller may do {@code operation} to {@code topic}; see the class comment for the 404. */
  void requireTopic(AclOperation operation, String topic) {
    if (security.authorize(principal, protocol, remote, operation, ResourceType.TOPIC, topic)) {
      return;
    }
    if (operation != AclOperation.DESCRIBE && mayDescribeTopic(topic)) {
      throw new TopicAuthorizationException(principal + " may not " + operation + " topic " + topic);
    }
    throw new TopicNotFoundException("topic '" + topic + "' does not exist");
  }

  void requireGroup(AclOperation operation, String group) {
    if (!security.authorize(principal, protocol, remote, operation, ResourceType.GROUP, group)) {
      throw new GroupAuthorizationException(principal + " may not " + operation + " group " + group);
    }
  }

  void requireCluster(AclOperation operation) {
    if (!security.authorize(principal, protocol, remote, operation, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME)) {
      throw new ClusterAuthorizationException(principal + " may not " + operation + " the cluster");
    }
  }

  /**
   * Runs {@code end} with the refusal, on {@code context}, once the caller may no longer go on
   * reading {@code topic} (and {@code group}, unless null): its key revoked, its token expired
   * (401 {@code unauthenticated}) or READ withdrawn (403 {@code forbidden}; a denial is audited).
   * For a stream, which outlives its request; it cancels the answer when it ends.
   */
  AccessWatch.Watch whileMayRead(Context context, String topic, String group, Consumer<RuntimeException> end) {
    return security.watch(context, authenticated, () -> {
      if (!security.stillAuthenticated(authenticated, protocol, remote)) {
        end.accept(new AuthenticationException("the credentials of " + principal + " were revoked or expired"));
      } else if (!security.authorize(principal, protocol, remote, AclOperation.READ, ResourceType.TOPIC, topic)) {
        end.accept(new TopicAuthorizationException(principal + " may no longer READ topic " + topic));
      } else if (group != null && !security.authorize(principal, protocol, remote, AclOperation.READ, ResourceType.GROUP, group)) {
        end.accept(new GroupAuthorizationException(principal + " may no longer READ group " + group));
      }
    });
  }

  /** Kafka's rule: CREATE on the cluster, or on the topic. */
  boolean mayCreateTopic(String topic) {
    return security.allows(principal, remote, AclOperation.CREATE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME)
        || security.allows(principal, remote, AclOperation.CREATE, ResourceType.TOPIC, topic);
  }

  /** Refuses a topic creation that {@link #mayCreateTopic} does not allow (written to the audit log). */
  void requireCreateTopic(String topic) {
    if (!mayCreateTopic(topic)) {
      security.authorize(principal, protocol, remote, AclOperation.CREATE, ResourceType.TOPIC, topic);
      throw new TopicAuthorizationException(principal + " may not CREATE topic " + topic);
    }
  }

  /** Whether the caller may learn that {@code topic} exists (no audit: for filtering what an answer shows). */
  boolean mayDescribeTopic(String topic) {
    return security.allows(principal, remote, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
  }

  boolean mayDescribeGroup(String group) {
    return security.allows(principal, remote, AclOperation.DESCRIBE, ResourceType.GROUP, group);
  }
}
