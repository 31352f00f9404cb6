package io.streamgate.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamgate.cluster.ClusteredPartitionService;
import io.streamgate.cluster.HazelcastSetup;
import io.streamgate.gateway.http.BodyBudget;
import io.streamgate.gateway.http.ClusterStats;
import io.streamgate.gateway.http.HttpApiVerticle;
import io.streamgate.gateway.http.StreamTickets;
import io.streamgate.gateway.kafka.KafkaVerticle;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.gateway.mqtt.MqttNode;
import io.streamgate.gateway.mqtt.MqttVerticle;
import io.streamgate.gateway.security.NodeSecurity;
import io.streamgate.gateway.security.NodeTls;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: the composition root that creates a clustered Vert.x with metrics (Hazelcast
 * membership, the event bus between nodes), opens the partition service, and deploys the HTTP
 * MQTT and Kafka verticles. A node started with nothing to join is a cluster of one. Closing it stops taking requests, lets those in flight
 * finish, then closes the log store (which finishes queued appends and flushes) and Vert.x.
 * Used by {@link GatewayMain} and by tests, which start nodes on port 0.
 */
public final class StreamgateNode {
  private static final Logger LOG = LoggerFactory.getLogger(StreamgateNode.class);

  private final Vertx vertx;
  private final ClusteredPartitionService service;
  private final MqttNode mqtt;
  private final Readiness readiness;
  private final NodeSecurity security;
  private final NodeTls tls;
  private final int httpPort;
  private final int mqttPort;
  private final int mqttWebSocketPort;
  private final int kafkaPort;
  private final long shutdownGraceMs;

  private StreamgateNode(Vertx vertx, ClusteredPartitionService service, MqttNode mqtt, Readiness readiness, NodeSecurity security,
      NodeTls tls, int httpPort, int mqttPort, int mqttWebSocketPort, int kafkaPort, long shutdownGraceMs) {
    this.vertx = vertx;
    this.service = service;
    this.mqtt = mqtt;
    this.readiness = readiness;
    this.security = security;
    this.tls = tls;
    this.httpPort = httpPort;
    this.mqttPort = mqttPort;
    this.mqttWebSocketPort = mqttWebSocketPort;
    this.kafkaPort = kafkaPort;
    this.shutdownGraceMs = shutdownGraceMs;
  }

  /** Starts a node; the future fails if anything (data dir, port) cannot be had, and nothing is left running. */
  public static Future<StreamgateNode> start(GatewayConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(
        HazelcastSetup.config(config.nodeId(), config.cluster(), config.security().clusterSecret()));
    NodeTls tls;
    try {
      tls = NodeTls.start(config.tls());
    } catch (IOException | RuntimeException e) {
      LOG.error("node {} failed to start: the TLS files cannot be used: {}", config.nodeId(), e.getMessage());
      return Future.failedFuture(e);
    }
    EventBusOptions eventBus = new EventBusOptions().setHost(config.cluster().host()).setPort(0);
    if (tls.cluster()) {
      tls.secure(eventBus);
    }
    return Vertx.builder()
        .with(new VertxOptions()
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true))
            .setEventBusOptions(eventBus))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .withClusterManager(clusterManager)
        .buildClustered()
        .onFailure(failure -> tls.close())
        .compose(vertx -> start(config, vertx, clusterManager, registry, tls));
  }

  private static Future<StreamgateNode> start(GatewayConfig config, Vertx vertx,
      HazelcastClusterManager clusterManager, PrometheusMeterRegistry registry, NodeTls tls) {
    Readiness readiness = new Readiness();
    AtomicReference<ClusteredPartitionService> opened = new AtomicReference<>();
    // The ACLs and keys are the metadata log's: there once the service is open, before any listener.
    NodeSecurity security = new NodeSecurity(vertx, config.security(), () -> opened.get().accessControl());
    StreamTickets tickets = new StreamTickets();
    warnIfOpenBeyondLoopback(config);
    AtomicReference<HttpApiVerticle> firstVerticle = new AtomicReference<>();
    AtomicReference<MqttVerticle> firstMqttVerticle = new AtomicReference<>();
    AtomicReference<KafkaVerticle> firstKafkaVerticle = new AtomicReference<>();
    AtomicReference<MqttNode> mqttNode = new AtomicReference<>();
    AtomicReference<GatewayMetrics> gatewayMetrics = new AtomicReference<>();
    // Not bound to a context: a failed start completes it after this Vert.x, and its event loops, are closed.
    Promise<StreamgateNode> started = Promise.promise();
    vertx.executeBlocking(() -> {
      ClusteredPartitionService service = ClusteredPartitionService.open(vertx, clusterManager.getHazelcastInstance(),
          config.dataDir(), config.nodeId(), config.readerThreads(), config.cluster(), new JsonObject());
      opened.set(service);
      readiness.set(Readiness.RECOVERY, true);
      // A node on the minority side of a split takes no writes: not ready, so balancers route away.
      service.onLease(held -> readiness.set(Readiness.CLUSTER, held));
      return service;
    })
        .compose(service -> {
          GatewayMetrics metrics = new GatewayMetrics(registry, service);
          gatewayMetrics.set(metrics);
          // Like the partition service's handlers, not waited for: a node whose registration has not
          // spread yet is listed as unreachable by GET /v1/cluster/stats for that moment.
          ClusterStats.serve(vertx, service.nodeId(), metrics);
          BodyBudget bodyBudget = new BodyBudget(config.limits().maxBufferedBodyBytes());
          metrics.bodyBudget(bodyBudget::reserved);
          return vertx.deployVerticle(() -> {
            HttpApiVerticle verticle = new HttpApiVerticle(service, service.groups(), config, metrics, registry, readiness, bodyBudget,
                security, tickets, tls, service.moves(), service.plans());
            firstVerticle.compareAndSet(null, verticle);
            return verticle;
          }, new DeploymentOptions().setInstances(config.httpInstances()));
        })
        .compose(deployment -> {
          if (!config.mqtt().enabled()) {
            return Future.succeededFuture();
          }
          MqttNode mqtt = MqttNode.start(vertx, opened.get(), opened.get()::ensureInternalTopic, opened.get().groups(), config,
              security, registry, gatewayMetrics.get());
          mqttNode.set(mqtt);
          return vertx.deployVerticle(() -> {
            MqttVerticle verticle = new MqttVerticle(mqtt, tls);
            firstMqttVerticle.compareAndSet(null, verticle);
            return verticle;
          }, new DeploymentOptions().setInstances(config.mqtt().instances()));
        })
        .compose(deployments -> {
          if (!config.kafka().enabled()) {
            return Future.succeededFuture();
          }
          AtomicInteger kafkaConnections = new AtomicInteger();
          return vertx.deployVerticle(() -> {
            KafkaVerticle verticle = new KafkaVerticle(opened.get(), config, gatewayMetrics.get(), kafkaConnections, security, tls);
            firstKafkaVerticle.compareAndSet(null, verticle);
            return verticle;
          }, new DeploymentOptions().setInstances(config.kafka().instances()));
        })
        .compose(deployments -> {
          int port = firstVerticle.get().actualPort();
          int mqttPort = firstMqttVerticle.get() == null ? 0 : firstMqttVerticle.get().actualPort();
          int mqttWebSocketPort = firstMqttVerticle.get() == null ? 0 : firstMqttVerticle.get().actualWebSocketPort();
          JsonObject addresses = new JsonObject().put("httpAddress", advertised(config.httpHost(), config) + ":" + port);
          if (mqttPort > 0) {
            addresses.put("mqttAddress", advertised(config.mqtt().host(), config) + ":" + mqttPort);
          }
          int kafkaPort = firstKafkaVerticle.get() == null ? 0 : firstKafkaVerticle.get().actualPort();
          if (kafkaPort > 0) {
            String host = config.kafka().advertisedHost().isEmpty() ? advertised(config.kafka().host(), config)
                : config.kafka().advertisedHost();
            addresses.put("kafkaAddress", host + ":" + kafkaPort);
          }
          return Future.fromCompletionStage(opened.get().announce(addresses))
              .map(announced -> new StreamgateNode(vertx, opened.get(), mqttNode.get(), readiness, security, tls, port, mqttPort,
                  mqttWebSocketPort, kafkaPort, config.shutdownGraceMs()));
        })
        .map(node -> {
          readiness.set(Readiness.SERVING, true);
          LOG.info("node {} ready: HTTP on {}:{}, MQTT {}{}, Kafka {}, data in {}", config.nodeId(), config.httpHost(), node.httpPort,
              node.mqttPort > 0 ? "on " + config.mqtt().host() + ":" + node.mqttPort : "off",
              node.mqttWebSocketPort > 0 ? ", MQTT over WebSocket on " + config.mqtt().host() + ":" + node.mqttWebSocketPort + "/mqtt" : "",
              node.kafkaPort > 0 ? "on " + config.kafka().host() + ":" + node.kafkaPort : "off", config.dataDir());
          if (config.tls().configured()) {
            LOG.info("node {} TLS: HTTP {}, MQTT {}, Kafka {}, event bus {}; client certificates {}", config.nodeId(),
                onOff(tls.http()), onOff(tls.mqtt()), onOff(tls.kafka()), onOff(tls.cluster()),
                config.tls().clientAuth().name().toLowerCase(java.util.Locale.ROOT));
          }
          return node;
        })
        .onSuccess(started::complete)
        .onFailure(failure -> {
          LOG.error("node {} failed to start", config.nodeId(), failure);
          // From a thread of its own: a Vert.x being closed cannot complete futures on its own event loops.
          new Thread(() -> {
            if (mqttNode.get() != null) {
              mqttNode.get().close();
            }
            if (opened.get() != null) {
              opened.get().close();
            }
            tls.close();
            vertx.close().toCompletionStage().whenComplete((closed, closeFailure) -> started.fail(failure));
          }, "streamgate-failed-start").start();
        });
    return started.future();
  }

  private static String onOff(boolean on) {
    return on ? "on" : "off";
  }

  /** Authentication off is for a node only its own machine reaches: say so when it listens further. */
  private static void warnIfOpenBeyondLoopback(GatewayConfig config) {
    if (config.security().enabled()) {
      return;
    }
    List<String> open = new ArrayList<>();
    if (!isLoopback(config.httpHost())) {
      open.add("HTTP on " + config.httpHost());
    }
    if (config.mqtt().enabled() && !isLoopback(config.mqtt().host())) {
      open.add("MQTT on " + config.mqtt().host());
    }
    if (config.kafka().enabled() && !isLoopback(config.kafka().host())) {
      open.add("Kafka on " + config.kafka().host());
    }
    if (!open.isEmpty()) {
      LOG.warn("authentication is off (auth=off) and the node listens beyond this machine ({}): anyone who reaches it may read, "
          + "write and delete every topic; set auth=on (docs/security.md)", String.join(", ", open));
    }
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  /** The address other nodes and clients reach a listener bound to {@code host} at. */
  private static String advertised(String host, GatewayConfig config) {
    return host.equals("0.0.0.0") ? config.cluster().host() : host;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The MQTT port, or 0 when the node has no MQTT listener. */
  public int mqttPort() {
    return mqttPort;
  }

  /** The Kafka port, or 0 when the node has no Kafka listener. */
  public int kafkaPort() {
    return kafkaPort;
  }

  /** The MQTT-over-WebSocket port, or 0 when the node has no such listener. */
  public int mqttWebSocketPort() {
    return mqttWebSocketPort;
  }

  public ClusteredPartitionService service() {
    return service;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Who clients are and what they may do: the same object every listener asks. */
  public NodeSecurity security() {
    return security;
  }

  /** The checks {@code GET /health/ready} reports. */
  public Readiness readiness() {
    return readiness;
  }

  /**
   * Graceful stop, each step bounded by {@code shutdown-grace-ms}: not ready (load balancers stop
   * sending); hand this node's partition leaderships to other in-sync replicas while it still
   * serves (requests for the partitions that moved are forwarded to their new leaders, Kafka clients
   * are told the new leader); stop accepting and finish requests in flight, still under the lease
   * (what the node still leads, as the only in-sync replica, serves them: MQTT sessions are saved);
   * give the lease and what is left up; close the service, the log store, Vert.x.
   */
  public Future<Void> close() {
    long startedNs = System.nanoTime();
    String id = service.nodeId();
    readiness.set(Readiness.SERVING, false);
    LOG.info("node {} stopping: not ready; handing its leaderships off (at most {} ms)", id, shutdownGraceMs);
    return Future.fromCompletionStage(service.handOff(shutdownGraceMs))
        .transform(handedOff -> {
          LOG.info("node {} stopping: hand-off over after {} ms; finishing the requests in flight", id, sinceMs(startedNs));
          return Future.join(vertx.deploymentIDs().stream().map(vertx::undeploy).toList());
        })
        .transform(undeployed -> {
          LOG.info("node {} stopping: listeners closed after {} ms; giving up its lease", id, sinceMs(startedNs));
          return Future.fromCompletionStage(service.resign());
        })
        .transform(resigned -> vertx.executeBlocking(() -> {
          if (mqtt != null) {
            mqtt.close();
          }
          service.close();
          return null;
        }))
        .eventually(vertx::close)
        .eventually(() -> {
          tls.close();
          LOG.info("node {} stopped after {} ms", id, sinceMs(startedNs));
          return Future.succeededFuture();
        })
        .mapEmpty();
  }

  private static long sinceMs(long startedNs) {
    return (System.nanoTime() - startedNs) / 1_000_000;
  }
}
