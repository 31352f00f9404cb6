package io.streamgate.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamgate.cluster.PartitionDescription;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicDescription;
import io.streamgate.cluster.TopicSpec;
import io.streamgate.cluster.TopicSummary;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/** Topic administration: create, list, describe, update (partitions, config), delete. */
final class TopicsHandler {
  private static final ObjectMapper JSON = JsonBodies.JSON;

  private final PartitionService service;
  private final int defaultPartitions;

  TopicsHandler(PartitionService service, int defaultPartitions) {
    this.service = service;
    this.defaultPartitions = defaultPartitions;
  }

  void create(RoutingContext ctx) {
    JsonNode body = JsonBodies.object(ctx);
    JsonBodies.allowOnly(body, List.of("name", "partitions", "replicationFactor", "config"));
    String name = JsonBodies.requiredText(body, "name");
    Caller.of(ctx).requireCreateTopic(name);
    int partitions = JsonBodies.optionalInt(body, "partitions", defaultPartitions);
    int replicationFactor = JsonBodies.optionalInt(body, "replicationFactor", 1);
    // On create, a null config value means the default, which is what leaving the key out means.
    Map<String, String> config = config(body);
    config.values().removeIf(java.util.Objects::isNull);
    TopicSpec spec = new TopicSpec(name, partitions, replicationFactor, config);
    Future.fromCompletionStage(service.createTopic(spec), ctx.vertx().getOrCreateContext())
        .onSuccess(created -> ctx.response().putHeader("Location", "/v1/topics/" + created.name()))
        .onComplete(done -> answer(ctx, done, 201, TopicsHandler::describeJson));
  }

  /** The topics the caller may describe: it cannot learn that the others exist. */
  void list(RoutingContext ctx) {
    Caller caller = Caller.of(ctx);
    answer(ctx, service.listTopics(), 200, topics -> {
      ArrayNode array = JSON.createArrayNode();
      for (TopicSummary topic : topics) {
        if (!caller.mayDescribeTopic(topic.name())) {
          continue;
        }
        array.addObject().put("name", topic.name()).put("partitions", topic.partitions()).put("replicationFactor",
            topic.replicationFactor());
      }
      return array;
    });
  }

  void describe(RoutingContext ctx) {
    answer(ctx, service.describeTopic(QueryParams.topic(ctx)), 200, TopicsHandler::describeJson);
  }

  void update(RoutingContext ctx) {
    String topic = QueryParams.topic(ctx);
    JsonNode body = JsonBodies.object(ctx);
    JsonBodies.allowOnly(body, List.of("partitions", "config"));
    if (body.isEmpty()) {
      throw ApiException.badRequest("the body changes nothing: give partitions, config or both");
    }
    OptionalInt partitions = body.has("partitions") ? OptionalInt.of(JsonBodies.optionalInt(body, "partitions", 0)) : OptionalInt.empty();
    // Kafka's operations: adding partitions is ALTER, changing the configuration ALTER_CONFIGS.
    Caller caller = Caller.of(ctx);
    if (partitions.isPresent()) {
      caller.requireTopic(AclOperation.ALTER, topic);
    }
    if (body.has("config")) {
      caller.requireTopic(AclOperation.ALTER_CONFIGS, topic);
    }
    answer(ctx, service.updateTopic(topic, partitions, config(body)), 200, TopicsHandler::describeJson);
  }

  void delete(RoutingContext ctx) {
    Future.fromCompletionStage(service.deleteTopic(QueryParams.topic(ctx)), ctx.vertx().getOrCreateContext())
        .onSuccess(done -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  static ObjectNode describeJson(TopicDescription topic) {
    ObjectNode node = JSON.createObjectNode().put("name", topic.name()).put("id", topic.id().toString())
        .put("replicationFactor", topic.replicationFactor());
    ArrayNode partitions = node.putArray("partitions");
    for (PartitionDescription partition : topic.partitions()) {
      ObjectNode p = partitions.addObject().put("partition", partition.partition()).put("leader", partition.leader());
      partition.replicas().forEach(p.putArray("replicas")::add);
      partition.isr().forEach(p.putArray("isr")::add);
      p.put("earliestOffset", partition.earliestOffset()).put("latestOffset", partition.latestOffset());
    }
    // Whole numbers as JSON numbers, words as strings: what a typed client expects.
    node.set("config", JSON.valueToTree(TopicConfigs.typed(topic.config())));
    return node;
  }

  private static <T> void answer(RoutingContext ctx, CompletableFuture<T> result, int status,
      java.util.function.Function<T, JsonNode> render) {
    Future.fromCompletionStage(result, ctx.vertx().getOrCreateContext()).onComplete(done -> answer(ctx, done, status, render));
  }

  private static <T> void answer(RoutingContext ctx, io.vertx.core.AsyncResult<T> result, int status,
      java.util.function.Function<T, JsonNode> render) {
    if (result.failed()) {
      ctx.fail(result.cause());
      return;
    }
    try {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(JSON.writeValueAsString(render.apply(result.result())));
    } catch (JsonProcessingException e) {
      ctx.fail(e);
    }
  }

  /** The {@code config} object: values may be strings or numbers (API convention), or null for the default. */
  private static Map<String, String> config(JsonNode body) {
    JsonNode config = body.get("config");
    Map<String, String> values = new LinkedHashMap<>();
    if (config == null || config.isNull()) {
      return values;
    }
    if (!config.isObject()) {
      throw ApiException.badRequest("'config' must be an object");
    }
    config.fields().forEachRemaining(entry -> {
      JsonNode value = entry.getValue();
      if (value.isNull()) {
        values.put(entry.getKey(), null);
        return;
      }
      if (!value.isTextual() && !value.isIntegralNumber()) {
        throw ApiException.badRequest("config '" + entry.getKey() + "' must be a string, a whole number or null");
      }
      values.put(entry.getKey(), value.asText());
    });
    return values;
  }
}
