package io.streamgate.gateway.kafka;

import io.streamgate.cluster.ClusteredPartitionService;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.gateway.security.NodeSecurity;
import io.streamgate.gateway.security.NodeTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listener of a node: Kafka's wire protocol over TCP, deployed as several instances (one
 * per event loop) sharing the port; each connection lives on one instance's event loop as a
 * {@link KafkaConnection}. A failed bind fails the deployment. See docs/kafka.md.
 */
public final class KafkaVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaVerticle.class);

  private final ClusteredPartitionService service;
  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final AtomicInteger connections;
  private final NodeSecurity security;
  private final NodeTls tls;
  private NetServer server;

  /**
   * @param connections the node's open Kafka connections, shared by every instance
   * @param tls the node's TLS, for the listener when {@code kafka-tls} is on
   */
  public KafkaVerticle(ClusteredPartitionService service, GatewayConfig config, GatewayMetrics metrics, AtomicInteger connections,
      NodeSecurity security, NodeTls tls) {
    this.service = service;
    this.config = config;
    this.metrics = metrics;
    this.connections = connections;
    this.security = security;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    GatewayConfig.Kafka kafka = config.kafka();
    KafkaApis apis = new KafkaApis(service, service.groups(), service.classicGroups(), config, RecordDecoding.create(vertx), metrics,
        security);
    NetServerOptions options = new NetServerOptions().setHost(kafka.host()).setPort(kafka.bindPort()).setTcpNoDelay(true);
    if (tls.kafka()) {
      tls.secure(options);
    }
    server = vertx.createNetServer(options)
        .connectHandler(socket -> {
          if (connections.incrementAndGet() > kafka.maxConnections()) {
            connections.decrementAndGet();
            LOG.warn("kafka client {}: this node already has {} Kafka connections (kafka-max-connections); closing the new one",
                socket.remoteAddress(), kafka.maxConnections());
            socket.close();
            return;
          }
          new KafkaConnection(socket, context, apis, security, kafka.maxFrameBytes(), connections::decrementAndGet);
        });
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The port this instance listens on (all instances share it). */
  public int actualPort() {
    return server.actualPort();
  }
}
