package io.streamgate.gateway.kafka;

import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.ClusterAuthorizationException;
import io.streamgate.cluster.security.GroupAuthorizationException;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.cluster.security.TopicAuthorizationException;
import io.streamgate.gateway.security.NodeSecurity;
import io.vertx.core.Future;

/**
 * What a Kafka connection's principal may do, asked of {@link NodeSecurity} as Kafka's broker asks
 * its authorizer: one method per resource, each in two forms, a check that writes a denial to the
 * audit log (a request the client made) and, for listings, a filter that does not (Kafka's
 * {@code logIfDenied = false}). A refusal is the resource's authorization exception, which the
 * error catalogue answers TOPIC_, GROUP_ or CLUSTER_AUTHORIZATION_FAILED.
 */
record KafkaAuthorization(NodeSecurity security, Principal principal, String remote) {

  /** Succeeds if the principal may do {@code operation} to {@code topic}; else fails with TopicAuthorizationException. */
  Future<Void> topic(AclOperation operation, String topic) {
    return mayTopic(operation, topic) ? Future.succeededFuture()
        : Future.failedFuture(new TopicAuthorizationException("not authorized to " + operation + " topic '" + topic + "'"));
  }

  boolean mayTopic(AclOperation operation, String topic) {
    return topic != null && security.authorize(principal, KafkaSasl.PROTOCOL, remote, operation, ResourceType.TOPIC, topic);
  }

  /** Whether a listing shows {@code topic}: the principal may describe it (not audited). */
  boolean seesTopic(String topic) {
    return security.allows(principal, remote, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
  }

  /** Kafka's rule for creating a topic: CREATE on the cluster, or on the topic. */
  boolean mayCreateTopic(String topic) {
    return security.allows(principal, remote, AclOperation.CREATE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME)
        || mayTopic(AclOperation.CREATE, topic);
  }

  /** Succeeds if the principal may create {@code topic} (see {@link #mayCreateTopic}); else fails with TopicAuthorizationException. */
  Future<Void> createTopic(String topic) {
    return mayCreateTopic(topic) ? Future.succeededFuture()
        : Future.failedFuture(new TopicAuthorizationException("not authorized to CREATE topic '" + topic + "'"));
  }

  Future<Void> group(AclOperation operation, String group) {
    return mayGroup(operation, group) ? Future.succeededFuture()
        : Future.failedFuture(new GroupAuthorizationException("not authorized to " + operation + " group '" + group + "'"));
  }

  boolean mayGroup(AclOperation operation, String group) {
    return group != null && security.authorize(principal, KafkaSasl.PROTOCOL, remote, operation, ResourceType.GROUP, group);
  }

  /** Whether a listing shows {@code group}: the principal may describe it (not audited). */
  boolean seesGroup(String group) {
    return security.allows(principal, remote, AclOperation.DESCRIBE, ResourceType.GROUP, group);
  }

  Future<Void> cluster(AclOperation operation) {
    return mayCluster(operation) ? Future.succeededFuture()
        : Future.failedFuture(new ClusterAuthorizationException("not authorized to " + operation + " the cluster"));
  }

  boolean mayCluster(AclOperation operation) {
    return security.authorize(principal, KafkaSasl.PROTOCOL, remote, operation, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME);
  }

  /** Whether the principal may describe the cluster, without an audit line (a listing's filter). */
  boolean seesCluster() {
    return security.allows(principal, remote, AclOperation.DESCRIBE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME);
  }

  /** Writes an admin action the principal took ({@code action} e.g. create-acl, {@code target} what it touched) to the audit log. */
  void audit(String action, String target) {
    security.audit().adminAction(principal, KafkaSasl.PROTOCOL, remote, action, target);
  }

  /**
   * Kafka's rule for an idempotent producer's id: IDEMPOTENT_WRITE on the cluster, or WRITE on some
   * topic (KIP-679: whoever may produce anywhere may produce idempotently).
   */
  Future<Void> idempotentWrite() {
    return security.allowsOnSome(principal, remote, AclOperation.WRITE, ResourceType.TOPIC) ? Future.succeededFuture()
        : cluster(AclOperation.IDEMPOTENT_WRITE);
  }
}
