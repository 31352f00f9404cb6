package io.streamgate.gateway.mqtt;

import io.micrometer.core.instrument.MeterRegistry;
import io.streamgate.cluster.Murmur2Partitioner;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.gateway.security.NodeSecurity;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * What every MQTT connection of a node shares: the partition service, the log topics, the client
 * registry, the sessions and retained messages (each mirrored from its internal topic), the
 * node's security (who a client is, what it may do), the meters and the configuration. Created once per node; all thread-safe.
 */
public final class MqttNode {
  private final Vertx vertx;
  private final PartitionService service;
  private final GroupService groups;
  private final MqttLogTopics topics;
  private final MqttClients clients;
  private final MqttSessions sessions;
  private final MqttRetained retained;
  private final NodeSecurity security;
  private final MqttMetrics metrics;
  private final Murmur2Partitioner partitioner = new Murmur2Partitioner();
  private final GatewayConfig config;
  private final CompactedTopicMirror sessionMirror;
  private final CompactedTopicMirror retainedMirror;
  private final long sweepTimer;

  private MqttNode(Vertx vertx, PartitionService service, BiFunction<String, Integer, CompletionStage<Void>> ensureInternalTopic,
      GroupService groups, GatewayConfig config, NodeSecurity security, MeterRegistry registry, GatewayMetrics traffic) {
    this.vertx = vertx;
    this.service = service;
    this.groups = groups;
    this.config = config;
    this.security = security;
    this.topics = new MqttLogTopics(service, config.autoCreateTopics(), config.defaultPartitions());
    this.sessionMirror = new CompactedTopicMirror(vertx, service, MqttSessions.TOPIC,
        () -> ensureInternalTopic.apply(MqttSessions.TOPIC, MqttSessions.PARTITIONS));
    this.retainedMirror = new CompactedTopicMirror(vertx, service, MqttRetained.TOPIC,
        () -> ensureInternalTopic.apply(MqttRetained.TOPIC, MqttRetained.PARTITIONS));
    this.sessions = new MqttSessions(sessionMirror, config.mqtt().maxSessions());
    this.retained = new MqttRetained(retainedMirror, config.mqtt().maxRetainedBytes());
    this.clients = new MqttClients(vertx, service, sessions, config.mqtt().maxConnections());
    this.metrics = new MqttMetrics(registry, clients, traffic);
    sessionMirror.start();
    retainedMirror.start();
    this.sweepTimer = sessions.startSweeping(vertx, clients::isConnected);
  }

  /**
   * Starts a node's MQTT state: it loads sessions and retained messages in the background (creating
   * their internal topics through {@code ensureInternalTopic}); connections that need them wait.
   */
  public static MqttNode start(Vertx vertx, PartitionService service,
      BiFunction<String, Integer, CompletionStage<Void>> ensureInternalTopic, GroupService groups, GatewayConfig config,
      NodeSecurity security, MeterRegistry registry, GatewayMetrics traffic) {
    return new MqttNode(vertx, service, ensureInternalTopic, groups, config, security, registry, traffic);
  }

  /** Stops following the internal topics and answering other nodes' takeovers; call after the MQTT verticles are undeployed. */
  public void close() {
    vertx.cancelTimer(sweepTimer);
    clients.close();
    sessionMirror.close();
    retainedMirror.close();
  }

  PartitionService service() {
    return service;
  }

  /** The consumer groups, which shared subscriptions are members of. */
  GroupService groups() {
    return groups;
  }

  MqttLogTopics topics() {
    return topics;
  }

  MqttClients clients() {
    return clients;
  }

  MqttSessions sessions() {
    return sessions;
  }

  MqttRetained retained() {
    return retained;
  }

  NodeSecurity security() {
    return security;
  }

  MqttMetrics metrics() {
    return metrics;
  }

  Murmur2Partitioner partitioner() {
    return partitioner;
  }

  GatewayConfig.Mqtt config() {
    return config.mqtt();
  }

  /** How long a stopping node waits for its clients' sessions to be saved. */
  long shutdownGraceMs() {
    return config.shutdownGraceMs();
  }

  /** Bytes a subscriber's socket may queue before delivery to it pauses. */
  int writeQueueBytes() {
    return config.limits().streamBufferBytes();
  }
}
