package io.streamgate.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.PartitionMoves;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Moving partitions to other nodes over REST ({@code /v1/cluster/reassignments}, docs/replication.md
 * "Moving partitions"): what is moving and how far, starting and cancelling moves, and the throttle
 * on the new replicas' catch-up ({@code /v1/cluster/replication-throttle}), over {@link PartitionMoves}.
 */
final class ReassignmentsHandler {
  /** Partitions one request may move. */
  static final int MAX_PARTITIONS_PER_REQUEST = 1000;
  /** Replicas one partition may be given (a replication factor beyond it is refused anyway). */
  static final int MAX_REPLICAS = 16;

  private final PartitionMoves moves;

  ReassignmentsHandler(PartitionMoves moves) {
    this.moves = moves;
  }

  /** {@code GET /v1/cluster/reassignments}: every moving partition with its new replicas' lag, and the throttle. */
  void list(RoutingContext ctx) {
    answer(ctx, moves.inProgress().thenApply(this::progressJson), 200);
  }

  /** {@code POST /v1/cluster/reassignments {"partitions":[{"topic","partition","replicas":[...]}]}}: starts the moves, 202. */
  void start(RoutingContext ctx) {
    JsonNode body = JsonBodies.object(ctx);
    JsonBodies.allowOnly(body, List.of("partitions"));
    JsonNode partitions = body.get("partitions");
    if (partitions == null || !partitions.isArray() || partitions.isEmpty() || partitions.size() > MAX_PARTITIONS_PER_REQUEST) {
      throw ApiException.badRequest("'partitions' must be an array of 1 to " + MAX_PARTITIONS_PER_REQUEST + " moves");
    }
    Map<TopicPartition, List<String>> targets = new LinkedHashMap<>();
    for (JsonNode move : partitions) {
      if (!move.isObject()) {
        throw ApiException.badRequest("each of 'partitions' must be an object with 'topic', 'partition' and 'replicas'");
      }
      JsonBodies.allowOnly(move, List.of("topic", "partition", "replicas"));
      TopicPartition tp = partition(move);
      if (targets.put(tp, replicas(move)) != null) {
        throw ApiException.badRequest(tp + " is named twice");
      }
    }
    answer(ctx, moves.reassign(targets).thenCompose(started -> moves.inProgress()).thenApply(this::progressJson), 202);
  }

  /** {@code DELETE /v1/cluster/reassignments/{topic}/{partition}}: cancels that partition's move; 204. */
  void cancel(RoutingContext ctx) {
    TopicPartition tp = new TopicPartition(QueryParams.topic(ctx),
        (int) QueryParams.parseLongIn(ctx.pathParam("partition"), "partition", 0, Integer.MAX_VALUE));
    Future.fromCompletionStage(moves.cancel(List.of(tp)), ctx.vertx().getOrCreateContext())
        .onSuccess(done -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
  }

  /** {@code GET /v1/cluster/replication-throttle}. */
  void throttle(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("bytesPerSecond", moves.throttle()));
  }

  /** {@code PUT /v1/cluster/replication-throttle {"bytesPerSecond": n}}: 0 lifts it. */
  void setThrottle(RoutingContext ctx) {
    JsonNode body = JsonBodies.object(ctx);
    JsonBodies.allowOnly(body, List.of("bytesPerSecond"));
    long rate = JsonBodies.optionalLong(body, "bytesPerSecond", -1);
    if (rate < 0) {
      throw ApiException.badRequest("'bytesPerSecond' is required: a whole number of at least 0 (0: no throttle)");
    }
    answer(ctx, moves.setThrottle(rate).thenApply(set -> new JsonObject().put("bytesPerSecond", rate)), 200);
  }

  private static TopicPartition partition(JsonNode move) {
    String topic = JsonBodies.requiredText(move, "topic");
    int partition = JsonBodies.optionalInt(move, "partition", -1);
    if (partition < 0) {
      throw ApiException.badRequest("'partition' is required: a whole number of at least 0 (" + topic + ")");
    }
    return new TopicPartition(topic, partition);
  }

  private static List<String> replicas(JsonNode move) {
    JsonNode replicas = move.get("replicas");
    if (replicas == null || !replicas.isArray() || replicas.isEmpty() || replicas.size() > MAX_REPLICAS) {
      throw ApiException.badRequest("'replicas' must be an array of 1 to " + MAX_REPLICAS + " node ids");
    }
    List<String> nodes = new ArrayList<>();
    for (JsonNode node : replicas) {
      if (!node.isTextual()) {
        throw ApiException.badRequest("'replicas' must hold node ids (strings)");
      }
      nodes.add(node.asText());
    }
    return nodes;
  }

  private JsonObject progressJson(List<PartitionMoves.Progress> progress) {
    JsonArray partitions = new JsonArray();
    for (PartitionMoves.Progress p : progress) {
      JsonArray adding = new JsonArray();
      for (PartitionMoves.AddingReplica replica : p.addingReplicas()) {
        adding.add(new JsonObject().put("node", replica.node()).put("inSync", replica.inSync())
            .put("lagRecords", replica.lagRecords() < 0 ? null : replica.lagRecords())
            .put("lagBytes", replica.lagBytes() < 0 ? null : replica.lagBytes()));
      }
      partitions.add(new JsonObject().put("topic", p.partition().topic()).put("partition", p.partition().partition())
          .put("replicas", new JsonArray(p.replicas())).put("targetReplicas", new JsonArray(p.target()))
          .put("addingReplicas", adding).put("removingReplicas", new JsonArray(p.removing())).put("leader", p.leader())
          .put("isr", new JsonArray(p.isr())));
    }
    return new JsonObject().put("throttleBytesPerSecond", moves.throttle()).put("partitions", partitions);
  }

  private static void answer(RoutingContext ctx, CompletableFuture<JsonObject> result, int status) {
    Future.fromCompletionStage(result, ctx.vertx().getOrCreateContext()).onSuccess(value -> json(ctx, status, value))
        .onFailure(ctx::fail);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
