package io.streamgate.gateway.http;

import io.streamgate.cluster.ClusterNode;
import io.streamgate.cluster.PartitionService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /v1/cluster} (the nodes) and {@code POST /v1/cluster/rebalance} (preferred leaders back). */
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
          .put("rack", node.rack()));
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
}
