package io.streamgate.gateway.http;

import io.streamgate.cluster.ClusterNode;
import io.streamgate.cluster.PartitionService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/cluster} (the nodes), {@code POST /v1/cluster/rebalance} (preferred leaders back) and
 * {@code DELETE /v1/cluster/nodes/{id}} (a node removed for good).
 */
final class ClusterHandler {
  private final PartitionService service;

  ClusterHandler(PartitionService service) {
    this.service = service;
  }

  void describe(RoutingContext ctx) {
    JsonArray nodes = new JsonArray();
    for (ClusterNode node : service.nodes()) {
      nodes.add(new JsonObject().put("id", node.id()).put("httpAddress", node.httpAddress())
          .put("mqttAddress", node.mqttAddress())
          .put("kafkaAddress", node.kafkaAddress()).put("isController", node.controller()).put("alive", node.alive())
          .put("rack", node.rack()).put("stopping", node.stopping()).put("replicas", node.replicas())
          .put("leaders", node.leaders()));
    }
    ctx.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("nodeId", service.nodeId()).put("nodes", nodes).toBuffer());
  }

  void rebalance(RoutingContext ctx) {
    Future.fromCompletionStage(service.rebalance(), ctx.vertx().getOrCreateContext()).onComplete(moved -> {
      if (moved.failed()) {
        ctx.fail(moved.cause());
        return;
      }
      ctx.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("leadersMoved", moved.result()).toBuffer());
    });
  }

  /** Removes a node for good: an operator's action, which the audit log records once done. */
  void removeNode(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String forgetText = QueryParams.single(ctx.request(), "forget");
    if (forgetText != null && !forgetText.equals("true") && !forgetText.equals("false")) {
      throw ApiException.badRequest("query parameter 'forget' is true or false, not '" + forgetText + "'");
    }
    boolean forget = "true".equals(forgetText);
    Caller caller = Caller.of(ctx);
    Future.fromCompletionStage(service.removeNode(id, forget), ctx.vertx().getOrCreateContext()).onComplete(removed -> {
      if (removed.failed()) {
        ctx.fail(removed.cause());
        return;
      }
      caller.security().audit().adminAction(caller.principal(), caller.protocol(), caller.remote(),
          forget ? "forget-node" : "remove-node", id);
      ctx.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("nodeId", id).put("partitionsLeft", removed.result()).toBuffer());
    });
  }
}
