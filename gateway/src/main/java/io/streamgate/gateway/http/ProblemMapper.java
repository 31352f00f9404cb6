package io.streamgate.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.IdempotencyKeyReusedException;
import io.streamgate.cluster.InternalTopicException;
import io.streamgate.cluster.InvalidPartitionsException;
import io.streamgate.cluster.InvalidReplicationFactorException;
import io.streamgate.cluster.InvalidTimestampException;
import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.InvalidTopicNameException;
import io.streamgate.cluster.LeaderNotAvailableException;
import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.NotLeaderException;
import io.streamgate.cluster.ReplicationTimeoutException;
import io.streamgate.cluster.TopicExistsException;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.groups.CoordinatorLoadInProgressException;
import io.streamgate.cluster.groups.GroupNotEmptyException;
import io.streamgate.cluster.groups.GroupNotFoundException;
import io.streamgate.cluster.groups.InvalidGroupRequestException;
import io.streamgate.cluster.groups.MemberNotFoundException;
import io.streamgate.cluster.groups.RebalanceConflictException;
import io.streamgate.logstore.InvalidConfigException;
import io.streamgate.logstore.InvalidRecordException;
import io.streamgate.logstore.LogClosedException;
import io.streamgate.logstore.LogStorageException;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.RecordTooLargeException;
import io.streamgate.logstore.WriteQueueFullException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into an {@code application/problem+json} response (RFC 9457):
 * {@code type}, {@code title}, {@code status}, {@code detail}, {@code instance}, plus {@code code},
 * {@code retryable} and error-specific members. The {@link ErrorCode} is found by exception class,
 * walking up the hierarchy (Kafka's {@code Errors.forException}), never from message text.
 *
 * <p>A {@code CorruptRecordException} is deliberately unmapped: the gateway builds every batch it
 * appends, so one can only come from the disk or a bug, and it answers {@code internal} (logged).
 */
public final class ProblemMapper {
  private static final Logger LOG = LoggerFactory.getLogger(ProblemMapper.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Suggested wait before retrying a retryable error. */
  static final long RETRY_AFTER_MS = 1000;
  static final String PROBLEM_JSON = "application/problem+json";
  /** How long the rest of a refused oversize body is read before its connection closes. */
  static final long BODY_LIMIT_LINGER_MS = 2000;

  private static final Map<Class<? extends Throwable>, ErrorCode> BY_CLASS = Map.ofEntries(
      Map.entry(TopicNotFoundException.class, ErrorCode.TOPIC_NOT_FOUND),
      Map.entry(PartitionNotFoundException.class, ErrorCode.PARTITION_NOT_FOUND),
      Map.entry(TopicExistsException.class, ErrorCode.TOPIC_EXISTS),
      Map.entry(InvalidTopicException.class, ErrorCode.INVALID_REQUEST),
      Map.entry(InvalidTopicNameException.class, ErrorCode.INVALID_TOPIC_NAME),
      Map.entry(InvalidPartitionsException.class, ErrorCode.INVALID_PARTITIONS),
      Map.entry(InvalidReplicationFactorException.class, ErrorCode.INVALID_REPLICATION_FACTOR),
      Map.entry(InternalTopicException.class, ErrorCode.INTERNAL_TOPIC),
      Map.entry(InvalidConfigException.class, ErrorCode.INVALID_CONFIG),
      Map.entry(OffsetOutOfRangeException.class, ErrorCode.OFFSET_OUT_OF_RANGE),
      Map.entry(RecordTooLargeException.class, ErrorCode.RECORD_TOO_LARGE),
      Map.entry(InvalidRecordException.class, ErrorCode.INVALID_RECORD),
      Map.entry(InvalidTimestampException.class, ErrorCode.INVALID_TIMESTAMP),
      Map.entry(WriteQueueFullException.class, ErrorCode.OVERLOADED),
      Map.entry(LogStorageException.class, ErrorCode.STORAGE_ERROR),
      Map.entry(LogClosedException.class, ErrorCode.UNAVAILABLE),
      Map.entry(NotEnoughReplicasException.class, ErrorCode.NOT_ENOUGH_REPLICAS),
      Map.entry(IdempotencyKeyReusedException.class, ErrorCode.IDEMPOTENCY_KEY_REUSED),
      // Appended by the leader, not confirmed by the ISR in time: the same retry advice.
      Map.entry(ReplicationTimeoutException.class, ErrorCode.NOT_ENOUGH_REPLICAS),
      Map.entry(LeaderNotAvailableException.class, ErrorCode.LEADER_NOT_AVAILABLE),
      Map.entry(CoordinatorLoadInProgressException.class, ErrorCode.LEADER_NOT_AVAILABLE),
      Map.entry(NotLeaderException.class, ErrorCode.LEADER_NOT_AVAILABLE),
      Map.entry(InvalidGroupRequestException.class, ErrorCode.INVALID_REQUEST),
      Map.entry(GroupNotFoundException.class, ErrorCode.GROUP_NOT_FOUND),
      Map.entry(MemberNotFoundException.class, ErrorCode.MEMBER_NOT_FOUND),
      Map.entry(RebalanceConflictException.class, ErrorCode.STALE_ASSIGNMENT),
      Map.entry(GroupNotEmptyException.class, ErrorCode.GROUP_NOT_EMPTY),
      // A failure another node reported without a type of its own.
      Map.entry(ClusterException.class, ErrorCode.UNAVAILABLE),
      // Netty failing to decode what the client sent: a form body past Vert.x's form limits
      // (TooLongFormFieldException, TooManyFormFieldsException), a malformed form, and the like.
      Map.entry(DecoderException.class, ErrorCode.INVALID_REQUEST),
      // I/O failing under a handler is the connection's: a request body Vert.x cannot read (a form
      // field past its limit) or a client gone mid-answer. Disk failures arrive as LogStorageException.
      Map.entry(IOException.class, ErrorCode.INVALID_REQUEST));

  private ProblemMapper() {}

  /** The router's failure handler: answers the failure of {@code ctx} as a problem. */
  public static void handleFailure(RoutingContext ctx) {
    handleFailure(ctx, ctx.statusCode());
  }

  /**
   * The router's error handler for {@code status}. The router also calls it for failures outside
   * any route (an unmatched path, a path it cannot decode), where the context itself has no status
   * and no failure: the status it was registered for is the answer.
   */
  public static Handler<RoutingContext> errorHandler(int status) {
    return ctx -> handleFailure(ctx, ctx.failed() && ctx.statusCode() > 0 ? ctx.statusCode() : status);
  }

  private static void handleFailure(RoutingContext ctx, int status) {
    Throwable failure = ctx.failure();
    // HTTP/1 only: an HTTP/2 connection carries other streams, and its refused stream ends alone.
    if (failure == null && status == 413) {
      closeAfterAnswer(ctx.request());
    }
    if (failure == null) {
      send(ctx.response(), ctx.request().path(), ErrorCode.forStatus(status), defaultDetail(status), Map.of());
    } else {
      send(ctx.response(), ctx.request().path(), failure);
    }
  }

  /**
   * The HTTP server's handler of requests it cannot decode, which never reach the router: a head
   * past {@code max-http-header-bytes} (431), a request line too long (414), or not HTTP at all (400).
   * As Vert.x's default handler does, the connection closes after the answer.
   */
  public static void handleInvalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    ErrorCode code;
    String detail;
    if (cause instanceof TooLongHttpHeaderException) {
      code = ErrorCode.HEADERS_TOO_LARGE;
      detail = "the request's header block is larger than this node accepts";
    } else if (cause instanceof TooLongHttpLineException) {
      code = ErrorCode.URI_TOO_LONG;
      detail = "the request line is longer than this node accepts";
    } else {
      code = ErrorCode.INVALID_REQUEST;
      String reason = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
      detail = "the request is not valid HTTP" + (reason.length() > 200 ? reason.substring(0, 200) + "..." : reason);
    }
    String path = request.path();
    request.response().putHeader("Connection", "close");
    send(request.response(), path == null ? "" : path.length() > 200 ? path.substring(0, 200) + "..." : path, code, detail, Map.of());
    request.connection().close();
  }

  /**
   * For a request refused before its body was read (too large, no room in the node's body budget,
   * no valid Host): the answer says {@code Connection: close}, and the connection closes once the
   * body has ended or after {@link #BODY_LIMIT_LINGER_MS} (a lingering close: the rest of the body is
   * read and dropped meanwhile, so that the client is not reset before it reads the answer). Without
   * it the whole body, however large or endless, would be read first. Call before the answer ends.
   */
  static void closeAfterAnswer(HttpServerRequest request) {
    // HTTP/1 only: an HTTP/2 connection carries other streams, and its refused stream ends alone.
    if (request.isEnded() || request.version() == HttpVersion.HTTP_2) {
      return;
    }
    request.response().putHeader("Connection", "close");
    // Before the answer ends, so that the connection waits for it rather than closing at once.
    request.connection().shutdown(BODY_LIMIT_LINGER_MS, TimeUnit.MILLISECONDS);
  }

  /** Answers {@code failure} as a problem on {@code response}. */
  public static void send(HttpServerResponse response, String instance, Throwable failure) {
    Throwable cause = Failures.cause(failure);
    if (cause instanceof ApiException api) {
      send(response, instance, api.code(), api.getMessage(), api.extensions());
      return;
    }
    ErrorCode code = codeFor(cause);
    Map<String, Object> extensions = new LinkedHashMap<>();
    if (cause instanceof OffsetOutOfRangeException range) {
      extensions.put("earliestOffset", range.logStartOffset());
      extensions.put("latestOffset", range.logEndOffset());
    }
    if (response.ended() || response.closed()) {
      // The client is gone (or was answered already): there is no one to tell.
      LOG.debug("not answering {}, whose connection has closed: {}", instance, cause.toString());
      return;
    }
    if (code == ErrorCode.INTERNAL) {
      LOG.error("internal error answering {}", instance, cause);
    }
    send(response, instance, code, code == ErrorCode.INTERNAL ? "an internal error occurred" : cause.getMessage(), extensions);
  }

  /** Answers a problem of {@code code} with {@code detail} and extra members. */
  public static void send(HttpServerResponse response, String instance, ErrorCode code, String detail, Map<String, Object> extensions) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      // A stream already started: the status is gone; end it so the client sees the failure.
      response.end();
      return;
    }
    if (code.retryable()) {
      response.putHeader("Retry-After", retryAfterSeconds());
    }
    response.setStatusCode(code.status())
        .putHeader("Content-Type", PROBLEM_JSON)
        .end(problem(instance, code, detail, extensions));
  }

  /** The body of a problem of {@code code}: for the few answers written below Vert.x ({@link ConnectionGuard}). */
  static String problem(String instance, ErrorCode code, String detail, Map<String, Object> extensions) {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", code.type());
    problem.put("title", code.title());
    problem.put("status", code.status());
    problem.put("detail", detail == null ? code.title() : detail);
    if (instance != null) {
      problem.put("instance", instance);
    }
    problem.put("code", code.code());
    problem.put("retryable", code.retryable());
    if (code.retryable()) {
      problem.put("retryAfterMs", RETRY_AFTER_MS);
    }
    problem.putAll(extensions);
    try {
      return JSON.writeValueAsString(problem);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code Retry-After} header of a retryable problem. */
  static String retryAfterSeconds() {
    return String.valueOf(Math.max(1, RETRY_AFTER_MS / 1000));
  }

  static ErrorCode codeFor(Throwable failure) {
    for (Class<?> type = Failures.cause(failure).getClass(); type != null; type = type.getSuperclass()) {
      ErrorCode code = BY_CLASS.get(type);
      if (code != null) {
        return code;
      }
    }
    return ErrorCode.INTERNAL;
  }


  private static String defaultDetail(int status) {
    switch (status) {
      case 400:
        return "the request cannot be read (a malformed path, query or head)";
      case 404:
        return "no resource at this path";
      case 405:
        return "this resource does not support that method";
      case 406:
        return "no media type the request accepts can be answered";
      case 413:
        return "the request body is larger than this node accepts";
      default:
        return null;
    }
  }
}
