package io.streamgate.gateway.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamgate.cluster.PartitionService;
import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP surface of a node: REST, long-poll, streams, health, metrics and the contract, on one
 * port. Deployed as several instances (one per event loop) that share the port. The services it
 * calls are plain thread-safe objects handed in by the node; every failure ends in
 * {@link ProblemMapper}.
 */
public final class HttpApiVerticle extends VerticleBase {
  private static final String CONTRACT = "openapi/streamgate.yaml";

  private final PartitionService service;
  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final PrometheusMeterRegistry registry;
  private final AtomicBoolean ready;
  private HttpServer server;

  public HttpApiVerticle(PartitionService service, GatewayConfig config, GatewayMetrics metrics,
      PrometheusMeterRegistry registry, AtomicBoolean ready) {
    this.service = service;
    this.config = config;
    this.metrics = metrics;
    this.registry = registry;
    this.ready = ready;
  }

  @Override
  public Future<?> start() {
    Router router = router();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.httpHost())
        .setPort(config.httpPort())
        .setMaxHeaderSize(config.limits().maxHttpHeaderBytes())
        .setMaxWebSocketFrameSize(config.limits().maxWebSocketFrameBytes())
        .setMaxWebSocketMessageSize(config.limits().maxWebSocketFrameBytes());
    return vertx.createHttpServer(options).requestHandler(router).invalidRequestHandler(ProblemMapper::handleInvalidRequest)
        .listen().onSuccess(listening -> server = listening);
  }

  /** Stops taking connections and lets requests in flight finish, for up to {@code shutdown-grace-ms}. */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(config.shutdownGraceMs(), TimeUnit.MILLISECONDS);
  }

  /** The port this instance listens on (all instances share it). */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router() {
    Router router = Router.router(vertx);
    TopicsHandler topics = new TopicsHandler(service, config.defaultPartitions());
    ProduceHandler produce = new ProduceHandler(service, config, metrics);
    ConsumeHandler consume = new ConsumeHandler(service, config.limits(), metrics, metrics.waitingLongPolls());
    StreamHandler stream = new StreamHandler(service, config.limits(), metrics);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.limits().maxBodyBytes());

    router.post("/v1/topics").handler(body).handler(topics::create);
    router.get("/v1/topics").handler(topics::list);
    router.get("/v1/topics/:topic").handler(topics::describe);
    router.patch("/v1/topics/:topic").handler(body).handler(topics::update);
    router.delete("/v1/topics/:topic").handler(topics::delete);
    router.post("/v1/topics/:topic/records").handler(body).handler(produce::handle);
    router.get("/v1/topics/:topic/partitions/:partition/records").handler(consume::handle);
    router.get("/v1/topics/:topic/partitions/:partition/offsets").handler(consume::handleOffsets);
    router.get("/v1/topics/:topic/stream").handler(stream::handle);

    router.get("/health/live").handler(ctx -> json(ctx, 200, "{\"status\":\"UP\"}"));
    router.get("/health/ready").handler(ctx -> {
      if (ready.get()) {
        json(ctx, 200, "{\"status\":\"UP\"}");
      } else {
        ProblemMapper.send(ctx.response(), ctx.request().path(), ErrorCode.UNAVAILABLE, "the node is not ready", java.util.Map.of());
      }
    });
    router.get("/metrics").handler(ctx -> {
      metrics.refreshPartitionSizes();
      ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
    });
    Buffer contract = contract();
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(contract));

    router.route().failureHandler(ProblemMapper::handleFailure);
    for (int status : new int[] {400, 404, 405, 406, 413, 415, 431, 500, 503}) {
      router.errorHandler(status, ProblemMapper.errorHandler(status));
    }
    return router;
  }

  private static void json(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
  }

  private static Buffer contract() {
    try (InputStream in = HttpApiVerticle.class.getClassLoader().getResourceAsStream(CONTRACT)) {
      if (in == null) {
        throw new IllegalStateException("the contract " + CONTRACT + " is missing from the classpath");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + CONTRACT, e);
    }
  }
}
