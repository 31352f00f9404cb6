package io.streamgate.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.cluster.PartitionOffsets;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.gateway.security.AccessWatch;
import io.streamgate.gateway.security.Quotas;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code GET /v1/topics/{topic}/stream}: a WebSocket (one text frame per record) or a Server-Sent
 * Events stream (one {@code record} event per record, {@code id} = the stream's next position), over
 * the chosen partitions from {@code offset}, {@code timestamp}, or an exact resume position
 * ({@code resume=P:O,...}, or the browser's {@code Last-Event-ID}, which wins). Everything is
 * validated before the upgrade, so errors are ordinary problem responses.
 */
final class StreamHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SSE_HEARTBEAT_MS = 15_000;

  private static final long DEFAULT_AUTO_COMMIT_MS = 5000;

  private final PartitionService service;
  private final GroupService groups;
  private final GatewayConfig.Limits limits;
  private final GatewayMetrics metrics;
  /** One per handler, and so per event loop: the sessions of this handler run on its verticle's context. */
  private final StreamReads reads;
  private final RecordDecoding decoding;
  private final Quotas quotas;

  StreamHandler(PartitionService service, GroupService groups, GatewayConfig.Limits limits, GatewayMetrics metrics,
      RecordDecoding decoding, Quotas quotas) {
    this.service = service;
    this.groups = groups;
    this.limits = limits;
    this.metrics = metrics;
    this.reads = new StreamReads(service, decoding);
    this.decoding = decoding;
    this.quotas = quotas;
  }

  void handle(RoutingContext ctx) {
    String topicName = QueryParams.topic(ctx);
    TopicMetadata topic = service.cachedTopic(topicName)
        .orElseThrow(() -> new TopicNotFoundException("topic '" + topicName + "' does not exist"));
    boolean webSocket = ctx.request().canUpgradeToWebSocket();
    if (webSocket) {
      WebSocketUpgrade.check(ctx.request());
    }
    if (!webSocket && !ConsumeHandler.accepts(ctx, "text/event-stream")) {
      throw new ApiException(StreamgateError.NOT_ACCEPTABLE, "a stream is a WebSocket upgrade or an Accept: text/event-stream request");
    }
    String group = QueryParams.single(ctx.request(), "group");
    String rack = QueryParams.rack(ctx.request());
    if (group != null) {
      if (rack != null) {
        throw ApiException.badRequest("a group stream reads in the answering node's rack; 'rack' does not apply");
      }
      Caller.of(ctx).requireGroup(AclOperation.READ, group);
      handleGroup(ctx, topicName, group, webSocket);
      return;
    }
    List<Integer> partitions = partitions(ctx, topic);
    Map<Integer, Long> resume = resumePositions(ctx, partitions);
    Context context = ctx.vertx().getOrCreateContext();
    // The positions are looked up asynchronously. A WebSocket upgrade waits for the end of the request,
    // which arrives while we look: pause the request until the upgrade (toWebSocket resumes it), or
    // until the refusal (resume, so the connection reads on).
    if (webSocket) {
      ctx.request().pause();
    }
    Future<Map<Integer, Long>> starts;
    try {
      starts = startPositions(ctx, topic, partitions, resume, context);
    } catch (RuntimeException e) {
      refuse(ctx, webSocket, e);
      return;
    }
    starts.onSuccess(positions -> {
      if (metrics.openStreams().incrementAndGet() > limits.maxStreams()) {
        metrics.openStreams().decrementAndGet();
        refuse(ctx, webSocket,
            new ApiException(StreamgateError.OVERLOADED, "this node already serves " + limits.maxStreams() + " streams"));
        return;
      }
      TopicConfigs.ValueFormat format = TopicConfigs.valueFormat(topic.config());
      if (webSocket) {
        ctx.request().toWebSocket()
            .onSuccess(ws -> serveWebSocket(ws, quota(ctx, new WebSocketSink(ws)), context, Caller.of(ctx), topicName, format, rack,
                positions))
            .onFailure(failure -> {
              metrics.openStreams().decrementAndGet();
              ctx.fail(failure);
            });
      } else {
        serveEvents(ctx, context, topicName, format, rack, positions);
      }
    }).onFailure(failure -> refuse(ctx, webSocket, failure));
  }

  /**
   * {@code group=G}: the stream joins group G as a member (before the upgrade, so a refusal is a
   * problem response) and carries the partitions the group assigns it. {@code offset=earliest|latest}
   * is the member's reset policy; {@code autoCommitMs} (default 5000, 0 = off) and
   * {@code sessionTimeoutMs} tune it; {@code Last-Event-ID} (or {@code cursor}) resumes at a cursor.
   */
  private void handleGroup(RoutingContext ctx, String topic, String group, boolean webSocket) {
    for (String positional : List.of("partition", "timestamp", "resume")) {
      if (QueryParams.single(ctx.request(), positional) != null) {
        throw ApiException.badRequest("a group stream gets its partitions from the group; '" + positional + "' does not apply");
      }
    }
    String offset = QueryParams.single(ctx.request(), "offset");
    GroupService.OffsetReset reset;
    if (offset == null || offset.equals("latest")) {
      reset = GroupService.OffsetReset.LATEST;
    } else if (offset.equals("earliest")) {
      reset = GroupService.OffsetReset.EARLIEST;
    } else {
      throw ApiException.badRequest("a group stream starts from its committed offsets; 'offset' may only be earliest or latest");
    }
    long sessionTimeoutMs = QueryParams.longIn(ctx.request(), "sessionTimeoutMs", GroupsHandler.DEFAULT_SESSION_TIMEOUT_MS,
        io.streamgate.cluster.groups.GroupCoordinator.MIN_SESSION_TIMEOUT_MS,
        io.streamgate.cluster.groups.GroupCoordinator.MAX_SESSION_TIMEOUT_MS);
    long autoCommitMs = QueryParams.longIn(ctx.request(), "autoCommitMs", DEFAULT_AUTO_COMMIT_MS, 0, 3_600_000);
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    Optional<String> cursor = Optional.ofNullable(lastEventId != null && !lastEventId.isBlank() ? lastEventId
        : QueryParams.single(ctx.request(), "cursor"));
    Context context = ctx.vertx().getOrCreateContext();
    if (webSocket) {
      ctx.request().pause();
    }
    if (metrics.openStreams().incrementAndGet() > limits.maxStreams()) {
      metrics.openStreams().decrementAndGet();
      refuse(ctx, webSocket, new ApiException(StreamgateError.OVERLOADED, "this node already serves " + limits.maxStreams() + " streams"));
      return;
    }
    Future.fromCompletionStage(groups.join(group, List.of(topic), reset, sessionTimeoutMs,
        io.streamgate.cluster.groups.AssignmentStrategy.COOPERATIVE_STICKY), context)
        .onFailure(failure -> {
          metrics.openStreams().decrementAndGet();
          refuse(ctx, webSocket, failure);
        })
        .onSuccess(membership -> {
          if (webSocket) {
            ctx.request().toWebSocket()
                .onSuccess(ws -> serveGroupWebSocket(ws, ctx, context, topic, group, membership, sessionTimeoutMs, autoCommitMs, cursor))
                .onFailure(failure -> {
                  metrics.openStreams().decrementAndGet();
                  groups.leave(group, membership.memberId());
                  ctx.fail(failure);
                });
          } else {
            serveGroupEvents(ctx, context, topic, group, membership, sessionTimeoutMs, autoCommitMs, cursor);
          }
        });
  }

  private void serveGroupWebSocket(ServerWebSocket ws, RoutingContext ctx, Context context, String topic, String group,
      GroupService.Membership membership, long sessionTimeoutMs, long autoCommitMs, Optional<String> cursor) {
    ws.setWriteQueueMaxSize(limits.streamBufferBytes());
    WebSocketSink sink = new WebSocketSink(ws);
    StreamQuota quota = quota(ctx, sink);
    GroupStreamSession session = new GroupStreamSession(groups, service, context, group, membership, sessionTimeoutMs, autoCommitMs,
        cursor, quota, metrics, decoding);
    AccessWatch.Watch access = Caller.of(ctx).whileMayRead(context, topic, group, session::end);
    ws.textMessageHandler(text -> {
      switch (op(text)) {
        case "pause" -> session.pause();
        case "resume" -> session.resume();
        case "commit" -> session.commit(current -> sink.event("committed", current));
        default -> ws.writeTextMessage("{\"error\":{\"status\":400,\"code\":\"invalid-request\",\"detail\":"
            + RecordJsonWriter.quote("unknown message; send {\"op\":\"commit\"}, {\"op\":\"pause\"} or {\"op\":\"resume\"}") + "}}");
      }
    });
    ws.closeHandler(v -> {
      access.cancel();
      session.close();
      quota.close();
      metrics.openStreams().decrementAndGet();
    });
    session.start();
  }

  private void serveGroupEvents(RoutingContext ctx, Context context, String topic, String group, GroupService.Membership membership,
      long sessionTimeoutMs, long autoCommitMs, Optional<String> cursor) {
    HttpServerResponse response = openEvents(ctx);
    StreamQuota quota = quota(ctx, new EventStreamSink(response));
    GroupStreamSession session = new GroupStreamSession(groups, service, context, group, membership, sessionTimeoutMs, autoCommitMs,
        cursor, quota, metrics, decoding);
    AccessWatch.Watch access = Caller.of(ctx).whileMayRead(context, topic, group, session::end);
    finishOnce(response, context, () -> {
      access.cancel();
      session.close();
      quota.close();
    });
    response.write(": group " + group + " member " + membership.memberId() + "\n\n");
    session.start();
  }

  /** The stream's sink, charging what it sends to the caller's consume quota. */
  private StreamQuota quota(RoutingContext ctx, GroupStreamSession.Sink sink) {
    return new StreamQuota(sink, quotas, Caller.of(ctx).principal(), ctx.vertx());
  }

  /** Answers a problem instead of opening the stream. */
  private static void refuse(RoutingContext ctx, boolean paused, Throwable failure) {
    if (paused) {
      ctx.request().resume();
    }
    ctx.fail(failure);
  }

  private void serveWebSocket(ServerWebSocket ws, StreamQuota quota, Context context, Caller caller, String topic,
      TopicConfigs.ValueFormat format, String rack, Map<Integer, Long> positions) {
    ws.setWriteQueueMaxSize(limits.streamBufferBytes());
    StreamSession session = new StreamSession(service, reads, context, topic, format, rack, positions, quota, metrics);
    AccessWatch.Watch access = caller.whileMayRead(context, topic, null, session::end);
    ws.textMessageHandler(text -> control(ws, session, text));
    ws.closeHandler(v -> {
      access.cancel();
      session.close();
      quota.close();
      metrics.openStreams().decrementAndGet();
    });
    session.start();
  }

  /** The {@code op} of a client's WebSocket message, or "" if it has none. */
  private static String op(String text) {
    try {
      JsonNode message = JSON.readTree(text);
      return message != null && message.path("op").isTextual() ? message.get("op").asText() : "";
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** Client messages: {@code {"op":"pause"}} and {@code {"op":"resume"}}. */
  private static void control(ServerWebSocket ws, StreamSession session, String text) {
    switch (op(text)) {
      case "pause":
        session.pause();
        break;
      case "resume":
        session.resume();
        break;
      default:
        ws.writeTextMessage("{\"error\":{\"status\":400,\"code\":\"invalid-request\",\"detail\":"
            + RecordJsonWriter.quote("unknown message; send {\"op\":\"pause\"} or {\"op\":\"resume\"}") + "}}");
    }
  }

  private void serveEvents(RoutingContext ctx, Context context, String topic, TopicConfigs.ValueFormat format, String rack,
      Map<Integer, Long> positions) {
    HttpServerResponse response = openEvents(ctx);
    StreamQuota quota = quota(ctx, new EventStreamSink(response));
    StreamSession session = new StreamSession(service, reads, context, topic, format, rack, positions, quota, metrics);
    AccessWatch.Watch access = Caller.of(ctx).whileMayRead(context, topic, null, session::end);
    finishOnce(response, context, () -> {
      access.cancel();
      session.close();
      quota.close();
    });
    // The head goes out at once, so that clients see the stream open before the first record.
    response.write(": stream " + session.position() + "\n\n");
    session.start();
  }

  private HttpServerResponse openEvents(RoutingContext ctx) {
    return ctx.response().setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(limits.streamBufferBytes());
  }

  /**
   * Keeps an SSE stream alive with comments, and runs {@code onFinish} once, when the client goes
   * away or the server ends the stream (after a failure): an ended response is no longer told when
   * its connection closes, which may stay open (keep-alive).
   */
  private void finishOnce(HttpServerResponse response, Context context, Runnable onFinish) {
    long heartbeat = context.owner().setPeriodic(SSE_HEARTBEAT_MS, id -> {
      if (!response.writeQueueFull()) {
        response.write(": keep-alive\n\n");
      }
    });
    boolean[] finished = {false};
    Handler<Void> finish = v -> {
      if (!finished[0]) {
        finished[0] = true;
        context.owner().cancelTimer(heartbeat);
        onFinish.run();
        metrics.openStreams().decrementAndGet();
      }
    };
    response.closeHandler(finish);
    response.endHandler(finish);
  }

  private static List<Integer> partitions(RoutingContext ctx, TopicMetadata topic) {
    String text = QueryParams.single(ctx.request(), "partition");
    List<Integer> partitions = new ArrayList<>();
    if (text == null || text.isBlank()) {
      for (int p = 0; p < topic.partitions(); p++) {
        partitions.add(p);
      }
      return partitions;
    }
    for (String part : text.split(",")) {
      int partition = (int) QueryParams.parseLongIn(part, "partition", 0, Integer.MAX_VALUE);
      if (partition >= topic.partitions()) {
        throw new PartitionNotFoundException("topic '" + topic.name() + "' has no partition " + partition
            + " (it has " + topic.partitions() + ")");
      }
      if (!partitions.contains(partition)) {
        partitions.add(partition);
      }
    }
    return partitions;
  }

  /** Positions from {@code Last-Event-ID} (preferred) or {@code resume}: {@code P:O,P:O}. */
  private static Map<Integer, Long> resumePositions(RoutingContext ctx, List<Integer> partitions) {
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    String text = lastEventId != null && !lastEventId.isBlank() ? lastEventId : QueryParams.single(ctx.request(), "resume");
    Map<Integer, Long> positions = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return positions;
    }
    for (String pair : text.split(",")) {
      String[] parts = pair.trim().split(":");
      if (parts.length != 2) {
        throw ApiException.badRequest("a resume position is P:O,P:O (partition:next offset), got '" + text + "'");
      }
      int partition = (int) QueryParams.parseLongIn(parts[0], "resume partition", 0, Integer.MAX_VALUE);
      long offset = QueryParams.parseLongIn(parts[1], "resume offset", 0, Long.MAX_VALUE);
      if (partitions.contains(partition)) {
        positions.put(partition, offset);
      }
    }
    return positions;
  }

  private Future<Map<Integer, Long>> startPositions(RoutingContext ctx, TopicMetadata topic, List<Integer> partitions,
      Map<Integer, Long> resume, Context context) {
    String offsetText = QueryParams.single(ctx.request(), "offset");
    String timestampText = QueryParams.single(ctx.request(), "timestamp");
    if (offsetText != null && timestampText != null) {
      throw ApiException.badRequest("give offset or timestamp, not both");
    }
    OptionalLong timestamp = timestampText == null ? OptionalLong.empty()
        : OptionalLong.of(QueryParams.parseLongIn(timestampText, "timestamp", 0, Long.MAX_VALUE));
    Long fixedOffset = offsetText == null || offsetText.equals("latest") || offsetText.equals("earliest") ? null
        : QueryParams.parseLongIn(offsetText, "offset", 0, Long.MAX_VALUE);
    String mode = offsetText == null ? (timestamp.isPresent() ? "timestamp" : "latest") : offsetText;
    // Every start is checked against the partition's range before the stream opens: a start below
    // the log start is a 416 problem now, not a failure after the upgrade.
    List<Future<Long>> starts = new ArrayList<>();
    for (int partition : partitions) {
      TopicPartition tp = new TopicPartition(topic.name(), partition);
      starts.add(Future.fromCompletionStage(service.offsets(tp, timestamp), context).map(offsets -> {
        long start = resume.containsKey(partition) ? resume.get(partition)
            : fixedOffset != null ? fixedOffset : startFrom(mode, offsets);
        if (start < offsets.earliest()) {
          throw new OffsetOutOfRangeException("offset " + start + " of " + tp + " is below the log start "
              + offsets.earliest(), offsets.earliest(), offsets.latest());
        }
        return start;
      }));
    }
    return Future.all(starts).map(all -> {
      Map<Integer, Long> positions = new LinkedHashMap<>();
      for (int i = 0; i < partitions.size(); i++) {
        positions.put(partitions.get(i), starts.get(i).result());
      }
      return positions;
    });
  }

  private static long startFrom(String mode, PartitionOffsets offsets) {
    switch (mode) {
      case "earliest":
        return offsets.earliest();
      case "timestamp":
        return offsets.forTimestamp().map(hit -> hit.offset()).orElse(offsets.latest());
      default:
        return offsets.latest();
    }
  }

  static String problemJson(Throwable failure) {
    StreamgateError error = ProblemMapper.errorFor(failure);
    return "{\"status\":" + error.httpStatus() + ",\"code\":\"" + error.problemCode() + "\",\"detail\":"
        + RecordJsonWriter.quote(String.valueOf(failure.getMessage())) + "}";
  }
}
