package io.streamgate.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.MovePlans;
import io.streamgate.cluster.ReplicaPlanner.Move;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Growing and shrinking over REST (docs/replication.md, "Growing and shrinking"): {@code POST
 * /v1/cluster/plan} proposes, and on request starts, the moves that spread replicas evenly over the
 * nodes; {@code POST /v1/cluster/nodes/{id}/drain} starts moving every replica off a node. Both
 * answer the moves, over {@link MovePlans}; started moves are then followed on {@code
 * /v1/cluster/reassignments}, and audited.
 */
final class MovePlansHandler {
  /** Nodes a plan may name; far more than a cluster has. */
  static final int MAX_NODES = 1000;

  private final MovePlans plans;

  MovePlansHandler(MovePlans plans) {
    this.plans = plans;
  }

  /** {@code POST /v1/cluster/plan [{"nodes":[...], "execute": false}]}: 200 with the moves, 202 once started. */
  void plan(RoutingContext ctx) {
    JsonNode body = ctx.body().isEmpty() ? JsonBodies.JSON.createObjectNode() : JsonBodies.object(ctx);
    JsonBodies.allowOnly(body, List.of("nodes", "execute"));
    List<String> nodes = nodes(body.get("nodes"));
    JsonNode executeNode = body.get("execute");
    if (executeNode != null && !executeNode.isBoolean()) {
      throw ApiException.badRequest("'execute' must be true or false");
    }
    boolean execute = executeNode != null && executeNode.booleanValue();
    answer(ctx, plans.plan(nodes, execute), execute ? 202 : 200, new JsonObject(),
        execute ? "execute-plan" : null, nodes.isEmpty() ? "every node" : String.join(",", nodes));
  }

  /** {@code POST /v1/cluster/nodes/{id}/drain}: 202 with the moves started (none when it holds nothing). */
  void drain(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    answer(ctx, plans.drain(id), 202, new JsonObject().put("node", id), "drain-node", id);
  }

  private static List<String> nodes(JsonNode nodes) {
    if (nodes == null || nodes.isNull()) {
      return List.of();
    }
    if (!nodes.isArray() || nodes.isEmpty() || nodes.size() > MAX_NODES) {
      throw ApiException.badRequest("'nodes' must be an array of 1 to " + MAX_NODES + " node ids");
    }
    List<String> ids = new ArrayList<>();
    for (JsonNode node : nodes) {
      if (!node.isTextual()) {
        throw ApiException.badRequest("'nodes' must hold node ids (strings)");
      }
      ids.add(node.asText());
    }
    return ids;
  }

  /** Answers {@code body} with the moves; an executed plan or a drain is audited once started. */
  private static void answer(RoutingContext ctx, CompletableFuture<List<Move>> moves, int status, JsonObject body,
      String auditedAction, String target) {
    Caller caller = Caller.of(ctx);
    Future.fromCompletionStage(moves, ctx.vertx().getOrCreateContext()).onSuccess(planned -> {
      if (auditedAction != null) {
        caller.security().audit().adminAction(caller.principal(), caller.protocol(), caller.remote(), auditedAction, target);
      }
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(body.put("moves", movesJson(planned)).encode());
    }).onFailure(ctx::fail);
  }

  private static JsonArray movesJson(List<Move> moves) {
    JsonArray json = new JsonArray();
    for (Move move : moves) {
      json.add(new JsonObject().put("topic", move.partition().topic()).put("partition", move.partition().partition())
          .put("from", new JsonArray(move.from())).put("to", new JsonArray(move.to())));
    }
    return json;
  }
}
