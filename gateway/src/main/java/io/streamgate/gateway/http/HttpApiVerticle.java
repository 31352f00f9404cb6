package io.streamgate.gateway.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamgate.cluster.MovePlans;
import io.streamgate.cluster.PartitionMoves;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.Readiness;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.gateway.security.NodeSecurity;
import io.streamgate.gateway.security.NodeTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The HTTP surface of a node: REST, long-poll, streams, health, metrics and the contract, on one
 * port. Deployed as several instances (one per event loop) that share the port. The services it
 * calls are plain thread-safe objects handed in by the node; every failure ends in
 * {@link ProblemMapper}.
 */
public final class HttpApiVerticle extends VerticleBase {
  private static final String CONTRACT = "openapi/streamgate.yaml";
  /** The console's directory on the classpath (module web-console). */
  private static final String CONSOLE = "streamgate-console";
  /** The longest a scrape of {@code /metrics} waits for the series computed when scraped (Prometheus' default scrape timeout is 10 s). */
  private static final long METRICS_REFRESH_WAIT_MS = 2000;

  private final PartitionService service;
  private final GroupService groups;
  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final BodyBudget bodyBudget;
  private final NodeSecurity security;
  private final StreamTickets tickets;
  private final NodeTls tls;
  /** Each route's path pattern and its methods, for the {@code Allow} header of a 405. */
  private final Map<Pattern, Set<HttpMethod>> methodsByPath = new LinkedHashMap<>();
  private HttpServer server;
  private final PartitionMoves moves;
  private final MovePlans plans;

  public HttpApiVerticle(PartitionService service, GroupService groups, GatewayConfig config, GatewayMetrics metrics,
      PrometheusMeterRegistry registry, Readiness readiness, BodyBudget bodyBudget, NodeSecurity security, StreamTickets tickets,
      NodeTls tls, PartitionMoves moves, MovePlans plans) {
    this.service = service;
    this.moves = moves;
    this.plans = plans;
    this.groups = groups;
    this.config = config;
    this.metrics = metrics;
    this.registry = registry;
    this.readiness = readiness;
    this.bodyBudget = bodyBudget;
    this.security = security;
    this.tickets = tickets;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    Router router = router();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.httpHost())
        .setPort(config.httpPort())
        .setMaxHeaderSize(config.limits().maxHttpHeaderBytes())
        .setMaxWebSocketFrameSize(config.limits().maxWebSocketFrameBytes())
        .setMaxWebSocketMessageSize(config.limits().maxWebSocketFrameBytes())
        // Cleartext HTTP/2 upgrades (h2c) hung requests with bodies from the JDK client; clients that
        // ask for one get HTTP/1.1, which every client speaks.
        .setHttp2ClearTextEnabled(false);
    if (tls.http()) {
      tls.secure(options);
    }
    return vertx.createHttpServer(options)
        .connectionHandler(connection -> {
          consolidateFlushes(connection);
          ConnectionGuard.install(connection, config.limits(), bodyBudget);
        })
        .invalidRequestHandler(ProblemMapper::handleInvalidRequest)
        .requestHandler(request -> {
          ConnectionGuard guard = ConnectionGuard.of(request);
          if (guard == null || guard.admit(request)) {
            router.handle(request);
          }
        })
        .listen().onSuccess(listening -> server = listening);
  }

  /**
   * Vert.x flushes every write made outside a read: a stream sending a chunk of N records to a
   * WebSocket made N frames, N flushes and N write system calls. Netty's FlushConsolidationHandler
   * at the head of the connection's pipeline turns the flushes of one event-loop task into one
   * (done right after the task), and those of a read into one at its end. It reaches the pipeline
   * through Vert.x's internal ConnectionBase: a Vert.x upgrade may need to revisit this.
   */
  private static void consolidateFlushes(io.vertx.core.http.HttpConnection connection) {
    if (connection instanceof io.vertx.core.net.impl.ConnectionBase base) {
      base.channelHandlerContext().pipeline().addFirst("flush-consolidation",
          new io.netty.handler.flush.FlushConsolidationHandler(256, true));
    }
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
    RecordDecoding decoding = RecordDecoding.create(vertx);
    ConsumeHandler consume = new ConsumeHandler(service, config.limits(), metrics, metrics.waitingLongPolls(), decoding);
    StreamHandler stream = new StreamHandler(service, groups, config.limits(), metrics, decoding, security.quotas());
    DeleteRecordsHandler deleteRecords = new DeleteRecordsHandler(service);
    ClusterHandler cluster = new ClusterHandler(service);
    ClusterStats stats = new ClusterStats(service);
    GroupsHandler groupsHandler = new GroupsHandler(groups, service, config.limits(), metrics, decoding);
    SecurityAdminHandler admin = new SecurityAdminHandler(security.accessControl());
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.limits().maxBodyBytes());
    HttpAuthentication authentication = new HttpAuthentication(security, tickets);
    HttpQuotas quotas = new HttpQuotas(security.quotas());

    if (!config.corsAllowedOrigins().isEmpty()) {
      // First: a browser's preflight comes without credentials.
      router.route().handler(new CorsPolicy(config.corsAllowedOrigins()));
    }
    // Everything under /v1 is for authenticated callers (before any body is read); each route then
    // asks what its operation needs (Caller) before the handler touches a service. (Vert.x runs a
    // route's body handler before its other handlers.) Health, the contract and the console are open.
    router.route("/v1/*").handler(authentication).handler(quotas.requests());
    route(router, HttpMethod.POST, "/v1/topics").handler(body).handler(topics::create);
    route(router, HttpMethod.GET, "/v1/topics").handler(topics::list);
    route(router, HttpMethod.GET, "/v1/topics/:topic").handler(Caller.topic(AclOperation.DESCRIBE)).handler(topics::describe);
    route(router, HttpMethod.PATCH, "/v1/topics/:topic").handler(body).handler(topics::update);
    route(router, HttpMethod.DELETE, "/v1/topics/:topic").handler(Caller.topic(AclOperation.DELETE)).handler(topics::delete);
    route(router, HttpMethod.POST, "/v1/topics/:topic/records").handler(body).handler(Caller.topic(AclOperation.WRITE))
        .handler(quotas.produce()).handler(produce::handle);
    // Content negotiation: an Accept that allows neither answers 406 (through the error handler).
    route(router, HttpMethod.GET, "/v1/topics/:topic/partitions/:partition/records")
        .produces(ConsumeHandler.JSON).produces(ConsumeHandler.NDJSON).handler(Caller.topic(AclOperation.READ)).handler(quotas.consume())
        .handler(consume::handle);
    route(router, HttpMethod.DELETE, "/v1/topics/:topic/partitions/:partition/records").handler(Caller.topic(AclOperation.DELETE))
        .handler(deleteRecords::handle);
    route(router, HttpMethod.GET, "/v1/topics/:topic/partitions/:partition/offsets").handler(Caller.topic(AclOperation.READ))
        .handler(consume::handleOffsets);
    route(router, HttpMethod.GET, "/v1/topics/:topic/stream").handler(Caller.topic(AclOperation.READ)).handler(stream::handle);
    route(router, HttpMethod.POST, "/v1/groups/:group/members").handler(body).handler(Caller.group(AclOperation.READ))
        .handler(groupsHandler::join);
    route(router, HttpMethod.GET, "/v1/groups/:group/members/:member/records").handler(Caller.group(AclOperation.READ))
        .handler(quotas.consume()).handler(groupsHandler::poll);
    route(router, HttpMethod.POST, "/v1/groups/:group/members/:member/commit").handler(body).handler(Caller.group(AclOperation.READ))
        .handler(groupsHandler::commit);
    route(router, HttpMethod.DELETE, "/v1/groups/:group/members/:member").handler(Caller.group(AclOperation.READ))
        .handler(groupsHandler::leave);
    route(router, HttpMethod.GET, "/v1/groups").handler(groupsHandler::list);
    route(router, HttpMethod.GET, "/v1/groups/:group").handler(Caller.group(AclOperation.DESCRIBE)).handler(groupsHandler::describe);
    route(router, HttpMethod.DELETE, "/v1/groups/:group").handler(Caller.group(AclOperation.DELETE)).handler(groupsHandler::delete);
    route(router, HttpMethod.POST, "/v1/groups/:group/offsets").handler(body).handler(Caller.group(AclOperation.READ))
        .handler(groupsHandler::resetOffsets);
    route(router, HttpMethod.GET, "/v1/cluster").handler(Caller.cluster(AclOperation.DESCRIBE)).handler(cluster::describe);
    route(router, HttpMethod.POST, "/v1/cluster/rebalance").handler(Caller.cluster(AclOperation.ALTER)).handler(cluster::rebalance);
    ReassignmentsHandler reassignments = new ReassignmentsHandler(moves);
    route(router, HttpMethod.GET, "/v1/cluster/reassignments").handler(Caller.cluster(AclOperation.DESCRIBE))
        .handler(reassignments::list);
    route(router, HttpMethod.POST, "/v1/cluster/reassignments").handler(body).handler(Caller.cluster(AclOperation.ALTER))
        .handler(reassignments::start);
    route(router, HttpMethod.DELETE, "/v1/cluster/reassignments/:topic/:partition").handler(Caller.cluster(AclOperation.ALTER))
        .handler(reassignments::cancel);
    route(router, HttpMethod.GET, "/v1/cluster/replication-throttle").handler(Caller.cluster(AclOperation.DESCRIBE))
        .handler(reassignments::throttle);
    route(router, HttpMethod.PUT, "/v1/cluster/replication-throttle").handler(body).handler(Caller.cluster(AclOperation.ALTER))
        .handler(reassignments::setThrottle);
    route(router, HttpMethod.DELETE, "/v1/cluster/nodes/:id").handler(Caller.cluster(AclOperation.ALTER))
        .handler(cluster::removeNode);
    MovePlansHandler movePlans = new MovePlansHandler(plans);
    route(router, HttpMethod.POST, "/v1/cluster/plan").handler(body).handler(Caller.cluster(AclOperation.ALTER))
        .handler(movePlans::plan);
    route(router, HttpMethod.POST, "/v1/cluster/nodes/:id/drain").handler(Caller.cluster(AclOperation.ALTER))
        .handler(movePlans::drain);
    route(router, HttpMethod.GET, "/v1/cluster/stats").handler(Caller.cluster(AclOperation.DESCRIBE)).handler(stats::describe);
    route(router, HttpMethod.POST, "/v1/acls").handler(body).handler(Caller.cluster(AclOperation.ALTER)).handler(admin::createAcls);
    route(router, HttpMethod.GET, "/v1/acls").handler(Caller.cluster(AclOperation.DESCRIBE)).handler(admin::listAcls);
    route(router, HttpMethod.DELETE, "/v1/acls").handler(Caller.cluster(AclOperation.ALTER)).handler(admin::deleteAcls);
    route(router, HttpMethod.POST, "/v1/api-keys").handler(body).handler(Caller.cluster(AclOperation.ALTER))
        .handler(admin::createApiKey);
    route(router, HttpMethod.GET, "/v1/api-keys").handler(Caller.cluster(AclOperation.DESCRIBE)).handler(admin::listApiKeys);
    route(router, HttpMethod.DELETE, "/v1/api-keys/:id").handler(Caller.cluster(AclOperation.ALTER)).handler(admin::revokeApiKey);
    route(router, HttpMethod.POST, "/v1/auth/tickets").handler(ctx -> json(ctx, 201,
        new JsonObject().put("ticket", tickets.issue(Caller.of(ctx).authenticated())).put("expiresInMs", StreamTickets.TTL_MS)));

    route(router, HttpMethod.GET, "/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    route(router, HttpMethod.GET, "/health/ready").handler(this::ready);
    // Metrics name topics and groups: for callers that may describe the cluster (a Prometheus scrape
    // job sends a key as its bearer token).
    route(router, HttpMethod.GET, "/metrics").handler(authentication).handler(quotas.requests())
        .handler(Caller.cluster(AclOperation.DESCRIBE))
        .handler(ctx -> Future.fromCompletionStage(metrics.refresh(), vertx.getOrCreateContext())
            // A group lag refresh that is slow (a partition's leader not answering) does not hold the
            // scrape past this: the lags of the refresh before are scraped instead.
            .timeout(METRICS_REFRESH_WAIT_MS, TimeUnit.MILLISECONDS)
            .onComplete(refreshed -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape())));
    console(router);
    Buffer contract = contract();
    route(router, HttpMethod.GET, "/openapi.yaml")
        .handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(contract));

    router.route().failureHandler(ProblemMapper::handleFailure);
    for (int status : new int[] {400, 404, 406, 413, 415, 431, 500, 503}) {
      router.errorHandler(status, ProblemMapper.errorHandler(status));
    }
    router.errorHandler(405, this::methodNotAllowed);
    return router;
  }

  /**
   * The web console's static files (module {@code web-console}) at {@code /console/}, from the
   * classpath. Browsers revalidate every file (Last-Modified, a 304 when unchanged) so that an upgraded
   * node never runs a mix of old and new modules; a missing file falls through to the API's 404 problem.
   */
  private void console(Router router) {
    // A regex: a plain "/console" route would match "/console/" too and redirect it forever.
    router.routeWithRegex("/console").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> ctx.redirect("/console/"));
    StaticHandler files = StaticHandler.create(CONSOLE).setDirectoryListing(false).setIncludeHidden(false)
        .setCachingEnabled(true).setMaxAgeSeconds(0);
    router.route("/console/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(files);
    methodsByPath.put(Pattern.compile("/console(/.*)?"), new LinkedHashSet<>(List.of(HttpMethod.GET, HttpMethod.HEAD)));
  }

  private Route route(Router router, HttpMethod method, String path) {
    Pattern pattern = Pattern.compile(path.replaceAll(":[a-z]+", "[^/]+"));
    methodsByPath.computeIfAbsent(pattern, p -> new LinkedHashSet<>()).add(method);
    return router.route(method, path);
  }

  /** A 405 names the methods the path serves, in the {@code Allow} header (RFC 9110) and the detail. */
  private void methodNotAllowed(RoutingContext ctx) {
    String path = ctx.request().path();
    Set<HttpMethod> allowed = new LinkedHashSet<>();
    methodsByPath.forEach((pattern, methods) -> {
      if (pattern.matcher(path).matches()) {
        allowed.addAll(methods);
      }
    });
    String allow = String.join(", ", allowed.stream().map(HttpMethod::name).toList());
    ctx.response().putHeader("Allow", allow);
    ProblemMapper.send(ctx.response(), path, StreamgateError.METHOD_NOT_ALLOWED,
        ctx.request().method().name() + " is not allowed on " + path + "; allowed: " + allow, Map.of());
  }

  /** 200 when every check is up, else 503; either way the body is the checks, not a problem. */
  private void ready(RoutingContext ctx) {
    JsonObject checks = new JsonObject();
    readiness.checks().forEach((name, up) -> checks.put(name, up ? "UP" : "DOWN"));
    boolean ready = readiness.ready();
    json(ctx, ready ? 200 : 503, new JsonObject().put("status", ready ? "UP" : "DOWN").put("checks", checks));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
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
