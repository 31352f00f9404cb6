package io.streamgate.gateway.http;

import io.streamgate.cluster.ClusterNode;
import io.streamgate.cluster.PartitionService;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code GET /v1/cluster/stats}: every node's traffic counters and partition sizes, so that one page
 * (the console) can chart the cluster through whichever node it talks to. The answering node asks
 * each live node over the event bus, itself included; a node that does not answer in time is listed
 * with {@code reachable: false} rather than failing the whole answer.
 */
public final class ClusterStats {
  private static final long NODE_TIMEOUT_MS = 2000;

  private final PartitionService service;

  ClusterStats(PartitionService service) {
    this.service = service;
  }

  /** Answers this node's {@link GatewayMetrics#snapshot} to the other nodes; one per node, closed with its Vert.x. */
  public static MessageConsumer<Void> serve(Vertx vertx, String nodeId, GatewayMetrics metrics) {
    return vertx.eventBus().consumer(address(nodeId), message -> message.reply(metrics.snapshot(System.currentTimeMillis())));
  }

  private static String address(String nodeId) {
    return "streamgate.stats." + nodeId;
  }

  /** Every node's entry, naming only the topics the caller may describe. */
  void describe(RoutingContext ctx) {
    Caller caller = Caller.of(ctx);
    List<Future<JsonObject>> answers = service.nodes().stream().map(node -> ask(ctx.vertx(), node)).toList();
    Future.join(answers).onComplete(done -> {
      JsonArray nodes = new JsonArray();
      answers.forEach(answer -> nodes.add(visibleTo(caller, answer.result())));
      ctx.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("nodeId", service.nodeId()).put("nodes", nodes).toBuffer());
    });
  }

  private static JsonObject visibleTo(Caller caller, JsonObject node) {
    for (String list : List.of("topics", "partitions")) {
      JsonArray entries = node.getJsonArray(list);
      if (entries != null) {
        node.put(list, new JsonArray(entries.stream().filter(e -> caller.mayDescribeTopic(((JsonObject) e).getString("topic"))).toList()));
      }
    }
    return node;
  }

  /** One node's entry; never fails. */
  private static Future<JsonObject> ask(Vertx vertx, ClusterNode node) {
    JsonObject unreachable = new JsonObject().put("id", node.id()).put("alive", node.alive()).put("reachable", false);
    if (!node.alive()) {
      return Future.succeededFuture(unreachable);
    }
    return vertx.eventBus().<JsonObject>request(address(node.id()), null, new DeliveryOptions().setSendTimeout(NODE_TIMEOUT_MS))
        .map(reply -> new JsonObject().put("id", node.id()).put("alive", true).put("reachable", true).mergeIn(reply.body()))
        .otherwise(unreachable);
  }
}
