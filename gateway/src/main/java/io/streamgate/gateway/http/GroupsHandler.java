package io.streamgate.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicNames;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.groups.AssignmentStrategy;
import io.streamgate.cluster.groups.Cursor;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.groups.GroupService.GroupDescription;
import io.streamgate.cluster.groups.GroupService.Membership;
import io.streamgate.cluster.groups.GroupService.OffsetCommit;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.cluster.groups.GroupService.PartitionRecords;
import io.streamgate.cluster.groups.GroupService.PollResult;
import io.streamgate.cluster.groups.GroupService.ResetTarget;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code /v1/groups}: join, poll (long-poll, heartbeat, cursor), commit, leave, describe with lag,
 * list, reset offsets, delete. Any node serves any member: the group service routes each request
 * to the group's coordinator.
 */
final class GroupsHandler {
  static final long DEFAULT_SESSION_TIMEOUT_MS = 30_000;
  private static final int MAX_COMMITS = 10_000;

  private final GroupService groups;
  private final PartitionService partitions;
  private final GatewayConfig.Limits limits;
  private final GatewayMetrics metrics;
  private final RecordDecoding decoding;

  GroupsHandler(GroupService groups, PartitionService partitions, GatewayConfig.Limits limits, GatewayMetrics metrics,
      RecordDecoding decoding) {
    this.groups = groups;
    this.partitions = partitions;
    this.limits = limits;
    this.metrics = metrics;
    this.decoding = decoding;
  }

  void join(RoutingContext ctx) {
    String group = ctx.pathParam("group");
    JsonNode body = JsonBodies.object(ctx);
    JsonBodies.allowOnly(body, List.of("topics", "autoOffsetReset", "sessionTimeoutMs", "assignmentStrategy"));
    JsonNode topicsNode = body.get("topics");
    if (topicsNode == null || !topicsNode.isArray()) {
      throw ApiException.badRequest("'topics' is required: an array of topic names");
    }
    List<String> topics = new ArrayList<>();
    topicsNode.forEach(t -> {
      if (!t.isTextual()) {
        throw ApiException.badRequest("'topics' must hold topic names (strings)");
      }
      topics.add(t.asText());
    });
    Caller caller = Caller.of(ctx);
    topics.forEach(topic -> caller.requireTopic(AclOperation.READ, topic));
    OffsetReset reset = reset(JsonBodies.optionalText(body, "autoOffsetReset", "latest"));
    long sessionTimeoutMs = JsonBodies.optionalLong(body, "sessionTimeoutMs", DEFAULT_SESSION_TIMEOUT_MS);
    AssignmentStrategy strategy = AssignmentStrategy.parse(JsonBodies.optionalText(body, "assignmentStrategy",
        AssignmentStrategy.COOPERATIVE_STICKY.wireName()));
    answer(ctx, groups.join(group, topics, reset, sessionTimeoutMs, strategy), 201, membership -> {
      ctx.response().putHeader("Location", "/v1/groups/" + group + "/members/" + membership.memberId());
      // A cursor that has seen nothing yet: the first poll may present it too, so that even a lost
      // first answer is read again.
      String cursor = Cursor.encode(new Cursor.Position(membership.generation(), java.util.Map.of()));
      return new JsonObject(membershipJson(membership)).put("cursor", cursor).toBuffer();
    });
  }

  void poll(RoutingContext ctx) {
    String group = ctx.pathParam("group");
    String member = ctx.pathParam("member");
    int maxRecords = QueryParams.intIn(ctx.request(), "maxRecords", ConsumeHandler.DEFAULT_MAX_RECORDS, 1, limits.maxRecordsPerFetch());
    int maxBytes = QueryParams.intIn(ctx.request(), "maxBytes", ConsumeHandler.DEFAULT_MAX_BYTES, 1, limits.maxFetchBytes());
    long timeoutMs = QueryParams.longIn(ctx.request(), "timeoutMs", 0, 0, limits.maxWaitMs());
    Optional<String> cursor = Optional.ofNullable(QueryParams.single(ctx.request(), "cursor"));
    long started = System.nanoTime();
    Future.fromCompletionStage(groups.poll(group, member, maxRecords, maxBytes, timeoutMs, cursor), ctx.vertx().getOrCreateContext())
        .compose(result -> decoding.decode(batches(result), () -> render(result)))
        .onComplete(done -> {
          if (done.failed()) {
            ctx.fail(done.cause());
            return;
          }
          metrics.fetchLatency(System.nanoTime() - started);
          ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(done.result());
        });
  }

  /** The stored batches a poll answer carries, partition by partition. */
  static List<ByteBuffer> batches(PollResult result) {
    return result.records().stream().map(PartitionRecords::batches).toList();
  }

  /**
   * The poll answer: records of every partition in order, then the membership, the cursor and any
   * position resets. Decodes the batches: on the decode pool when they are large or compressed.
   */
  private Buffer render(PollResult result) {
    Buffer out = Buffer.buffer(256);
    out.appendString("{\"records\":[");
    int count = 0;
    for (PartitionRecords part : result.records()) {
      TopicPartition tp = part.partition();
      RecordJsonWriter writer = new RecordJsonWriter(tp.topic(), partitions.cachedTopic(tp.topic())
          .map(t -> TopicConfigs.valueFormat(t.config())).orElse(TopicConfigs.ValueFormat.BINARY));
      int before = out.length();
      for (RecordBatch batch : RecordBatch.iterate(part.batches().duplicate())) {
        for (Record record : batch.records()) {
          if (record.offset() < part.fetchOffset() || record.offset() >= part.nextOffset()) {
            continue;
          }
          if (count++ > 0) {
            out.appendString(",");
          }
          writer.write(out, tp.partition(), record);
        }
      }
      metrics.recordsOut(tp.topic(), (int) (part.nextOffset() - part.fetchOffset()), out.length() - before);
    }
    Membership membership = result.membership();
    out.appendString("],\"memberId\":").appendString(RecordJsonWriter.quote(membership.memberId()))
        .appendString(",\"generation\":").appendString(Integer.toString(membership.generation()))
        .appendString(",\"assignment\":").appendString(partitionsJson(membership.assignment()).encode())
        .appendString(",\"cursor\":").appendString(RecordJsonWriter.quote(result.cursor()));
    if (!result.resets().isEmpty()) {
      JsonArray resets = new JsonArray();
      result.resets().forEach(r -> resets.add(new JsonObject().put("topic", r.partition().topic())
          .put("partition", r.partition().partition()).put("from", r.from()).put("to", r.to())
          .put("policy", r.policy().name().toLowerCase(Locale.ROOT))));
      out.appendString(",\"offsetResets\":").appendString(resets.encode());
    }
    return out.appendString("}");
  }

  void commit(RoutingContext ctx) {
    String group = ctx.pathParam("group");
    String member = ctx.pathParam("member");
    Optional<List<OffsetCommit>> offsets = Optional.empty();
    Optional<String> cursor = Optional.empty();
    OptionalInt generation = OptionalInt.empty();
    if (ctx.body().length() > 0) {
      JsonNode body = JsonBodies.object(ctx);
      JsonBodies.allowOnly(body, List.of("offsets", "cursor", "generation"));
      cursor = Optional.ofNullable(JsonBodies.optionalText(body, "cursor", null));
      if (cursor.isPresent() && body.has("offsets") && !body.get("offsets").isNull()) {
        throw ApiException.badRequest("give 'offsets' or 'cursor', not both");
      }
      if (body.has("generation") && !body.get("generation").isNull()) {
        generation = OptionalInt.of(JsonBodies.optionalInt(body, "generation", 0));
      }
      JsonNode list = body.get("offsets");
      if (list != null && !list.isNull()) {
        if (!list.isArray() || list.size() > MAX_COMMITS) {
          throw ApiException.badRequest("'offsets' must be an array of at most " + MAX_COMMITS + " {topic, partition, offset}");
        }
        List<OffsetCommit> commits = new ArrayList<>();
        for (JsonNode item : list) {
          if (!item.isObject()) {
            throw ApiException.badRequest("each of 'offsets' must be an object {topic, partition, offset}");
          }
          JsonBodies.allowOnly(item, List.of("topic", "partition", "offset"));
          int partition = JsonBodies.optionalInt(item, "partition", -1);
          long offset = JsonBodies.optionalLong(item, "offset", -1);
          if (partition < 0 || offset < 0) {
            throw ApiException.badRequest("each of 'offsets' needs a partition and an offset, both at least 0");
          }
          // Checked here: TopicPartition refuses a bad name with an IllegalArgumentException, a 500.
          String topic = TopicNames.requireValid(JsonBodies.requiredText(item, "topic"));
          Caller.of(ctx).requireTopic(AclOperation.READ, topic);
          commits.add(new OffsetCommit(new TopicPartition(topic, partition), offset));
        }
        offsets = Optional.of(commits);
      }
    }
    answer(ctx, groups.commit(group, member, offsets, cursor, generation), 200, GroupsHandler::membershipJson);
  }

  void leave(RoutingContext ctx) {
    Future.fromCompletionStage(groups.leave(ctx.pathParam("group"), ctx.pathParam("member")), ctx.vertx().getOrCreateContext())
        .onSuccess(done -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  /** The groups the caller may describe. */
  void list(RoutingContext ctx) {
    Caller caller = Caller.of(ctx);
    answer(ctx, groups.list(), 200, summaries -> {
      JsonArray array = new JsonArray();
      summaries.stream().filter(g -> caller.mayDescribeGroup(g.group()))
          .forEach(g -> array.add(new JsonObject().put("group", g.group()).put("state", g.state())
              .put("generation", g.generation()).put("members", g.members())));
      return array.toBuffer();
    });
  }

  void describe(RoutingContext ctx) {
    Caller caller = Caller.of(ctx);
    answer(ctx, groups.describe(ctx.pathParam("group")), 200, d -> descriptionJson(d, caller::mayDescribeTopic));
  }

  void resetOffsets(RoutingContext ctx) {
    String group = ctx.pathParam("group");
    JsonNode body = JsonBodies.object(ctx);
    JsonBodies.allowOnly(body, List.of("topic", "to", "timestamp"));
    String topic = TopicNames.requireValid(JsonBodies.requiredText(body, "topic"));
    Caller caller = Caller.of(ctx);
    caller.requireTopic(AclOperation.READ, topic);
    JsonNode to = body.get("to");
    boolean hasTimestamp = body.has("timestamp") && !body.get("timestamp").isNull();
    if ((to == null || to.isNull()) == !hasTimestamp) {
      throw ApiException.badRequest("give 'to' (\"earliest\", \"latest\" or an offset) or 'timestamp', exactly one");
    }
    ResetTarget target;
    if (hasTimestamp) {
      long timestamp = JsonBodies.optionalLong(body, "timestamp", 0);
      target = new ResetTarget(Optional.empty(), Optional.empty(), Optional.of(timestamp));
    } else if (to.isTextual()) {
      target = new ResetTarget(Optional.of(reset(to.asText())), Optional.empty(), Optional.empty());
    } else if (to.isIntegralNumber() && to.canConvertToLong() && to.longValue() >= 0) {
      target = new ResetTarget(Optional.empty(), Optional.of(to.longValue()), Optional.empty());
    } else {
      throw ApiException.badRequest("'to' must be \"earliest\", \"latest\" or an offset (a whole number, at least 0)");
    }
    // Checked before the coordinator: its reset creates the group before it looks the topic up, and
    // a failed reset would leave an empty group behind that describes as 200 until it moves.
    if (partitions.cachedTopic(topic).isEmpty()) {
      throw new TopicNotFoundException("topic '" + topic + "' does not exist");
    }
    answer(ctx, groups.resetOffsets(group, topic, target).thenCompose(done -> groups.describe(group)), 200,
        d -> descriptionJson(d, caller::mayDescribeTopic));
  }

  void delete(RoutingContext ctx) {
    Future.fromCompletionStage(groups.delete(ctx.pathParam("group")), ctx.vertx().getOrCreateContext())
        .onSuccess(done -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  // ---------------------------------------------------------------- rendering

  static Buffer membershipJson(Membership membership) {
    return new JsonObject().put("memberId", membership.memberId()).put("generation", membership.generation())
        .put("assignment", partitionsJson(membership.assignment())).toBuffer();
  }

  static JsonArray partitionsJson(List<TopicPartition> partitions) {
    JsonArray array = new JsonArray();
    partitions.forEach(tp -> array.add(new JsonObject().put("topic", tp.topic()).put("partition", tp.partition())));
    return array;
  }

  /** A group's description, naming only the topics the caller may describe ({@code visible}). */
  private static Buffer descriptionJson(GroupDescription d, Predicate<String> visible) {
    JsonArray members = new JsonArray();
    d.members().forEach(m -> members.add(new JsonObject().put("memberId", m.memberId())
        .put("topics", new JsonArray(m.topics().stream().filter(visible).toList())).put("sessionTimeoutMs", m.sessionTimeoutMs())
        .put("assignment", partitionsJson(m.assignment().stream().filter(tp -> visible.test(tp.topic())).toList()))));
    JsonArray offsets = new JsonArray();
    long totalLag = 0;
    for (GroupService.PartitionLag lag : d.offsets()) {
      if (!visible.test(lag.partition().topic())) {
        continue;
      }
      offsets.add(new JsonObject().put("topic", lag.partition().topic()).put("partition", lag.partition().partition())
          .put("committed", lag.committed().orElse(null)).put("latest", lag.latest()).put("lag", lag.lag()));
      totalLag += lag.lag();
    }
    return new JsonObject().put("group", d.group()).put("state", d.state()).put("generation", d.generation())
        .put("assignmentStrategy", d.strategy().wireName()).put("members", members).put("offsets", offsets)
        .put("lag", totalLag).toBuffer();
  }

  private static OffsetReset reset(String text) {
    try {
      return OffsetReset.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("expected \"earliest\" or \"latest\", got '" + text + "'");
    }
  }

  private static <T> void answer(RoutingContext ctx, CompletableFuture<T> result, int status, Function<T, Buffer> render) {
    Future.fromCompletionStage(result, ctx.vertx().getOrCreateContext()).onComplete(done -> {
      if (done.failed()) {
        ctx.fail(done.cause());
        return;
      }
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(render.apply(done.result()));
    });
  }
}
