package io.streamgate.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamgate.cluster.ClusteredPartitionService;
import io.streamgate.cluster.HazelcastSetup;
import io.streamgate.gateway.http.GatewayMetrics;
import io.streamgate.gateway.http.HttpApiVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: the composition root that creates a clustered Vert.x with metrics (Hazelcast
 * membership, the event bus between nodes), opens the partition service, and deploys the HTTP
 * verticles. A node started with nothing to join is a cluster of one. Closing it stops taking requests, lets those in flight
 * finish, then closes the log store (which finishes queued appends and flushes) and Vert.x.
 * Used by {@link GatewayMain} and by tests, which start nodes on port 0.
 */
public final class StreamgateNode {
  private static final Logger LOG = LoggerFactory.getLogger(StreamgateNode.class);

  private final Vertx vertx;
  private final ClusteredPartitionService service;
  private final Readiness readiness;
  private final int httpPort;

  private StreamgateNode(Vertx vertx, ClusteredPartitionService service, Readiness readiness, int httpPort) {
    this.vertx = vertx;
    this.service = service;
    this.readiness = readiness;
    this.httpPort = httpPort;
  }

  /** Starts a node; the future fails if anything (data dir, port) cannot be had, and nothing is left running. */
  public static Future<StreamgateNode> start(GatewayConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(HazelcastSetup.config(config.nodeId(), config.cluster()));
    return Vertx.builder()
        .with(new VertxOptions()
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true))
            .setEventBusOptions(new EventBusOptions().setHost(config.cluster().host()).setPort(0)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .withClusterManager(clusterManager)
        .buildClustered()
        .compose(vertx -> start(config, vertx, clusterManager, registry));
  }

  private static Future<StreamgateNode> start(GatewayConfig config, Vertx vertx, HazelcastClusterManager clusterManager,
      PrometheusMeterRegistry registry) {
    Readiness readiness = new Readiness();
    AtomicReference<ClusteredPartitionService> opened = new AtomicReference<>();
    AtomicReference<HttpApiVerticle> firstVerticle = new AtomicReference<>();
    return vertx.executeBlocking(() -> {
          ClusteredPartitionService service = ClusteredPartitionService.open(vertx, clusterManager.getHazelcastInstance(),
              config.dataDir(), config.nodeId(), config.readerThreads(), config.cluster(), new JsonObject());
          opened.set(service);
          readiness.set(Readiness.RECOVERY, true);
          // A node on the minority side of a split takes no writes: not ready, so balancers route away.
          service.onQuorum(quorum -> readiness.set(Readiness.CLUSTER, quorum));
          return service;
        })
        .compose(service -> {
          GatewayMetrics metrics = new GatewayMetrics(registry, service);
          return vertx.deployVerticle(() -> {
            HttpApiVerticle verticle = new HttpApiVerticle(service, service.groups(), config, metrics, registry, readiness);
            firstVerticle.compareAndSet(null, verticle);
            return verticle;
          }, new DeploymentOptions().setInstances(config.httpInstances()));
        })
        .compose(deployment -> {
          int port = firstVerticle.get().actualPort();
          String host = config.httpHost().equals("0.0.0.0") ? config.cluster().host() : config.httpHost();
          return Future.fromCompletionStage(opened.get().announce(new JsonObject().put("httpAddress", host + ":" + port)))
              .map(port);
        })
        .map(port -> {
          readiness.set(Readiness.SERVING, true);
          StreamgateNode node = new StreamgateNode(vertx, opened.get(), readiness, port);
          LOG.info("node {} ready: HTTP on {}:{}, data in {}", config.nodeId(), config.httpHost(), node.httpPort, config.dataDir());
          return node;
        })
        .recover(failure -> {
          ClusteredPartitionService service = opened.get();
          return vertx.executeBlocking(() -> {
            if (service != null) {
              service.close();
            }
            return null;
          }).eventually(vertx::close).transform(closed -> Future.failedFuture(failure));
        });
  }

  public int httpPort() {
    return httpPort;
  }

  public ClusteredPartitionService service() {
    return service;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The checks {@code GET /health/ready} reports. */
  public Readiness readiness() {
    return readiness;
  }

  /** Graceful stop: not ready, stop accepting, finish requests in flight, close the log store, close Vert.x. */
  public Future<Void> close() {
    readiness.set(Readiness.SERVING, false);
    return Future.join(vertx.deploymentIDs().stream().map(vertx::undeploy).toList())
        .transform(undeployed -> vertx.executeBlocking(() -> {
          service.close();
          return null;
        }))
        .eventually(vertx::close)
        .mapEmpty();
  }
}
