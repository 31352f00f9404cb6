package io.streamgate.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.logstore.OffsetOutOfRangeException;
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
 * {@code retryable} and error-specific members. The failure's {@link StreamgateError} (the one
 * catalogue, found by exception class) gives the status, type, title and retryability; this class
 * adds only the failures of the HTTP edge itself ({@link #errorFor}).
 */
public final class ProblemMapper {
  private static final Logger LOG = LoggerFactory.getLogger(ProblemMapper.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Suggested wait before retrying a retryable error. */
  static final long RETRY_AFTER_MS = 1000;
  /** The problem member with the wait; an {@link ApiException} may carry its own (a quota's exact wait). */
  static final String RETRY_AFTER_MS_MEMBER = "retryAfterMs";
  static final String PROBLEM_JSON = "application/problem+json";
  /** How long the rest of a refused oversize body is read before its connection closes. */
  static final long BODY_LIMIT_LINGER_MS = 2000;

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
      send(ctx.response(), ctx.request().path(), forStatus(status), defaultDetail(status), Map.of());
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
    StreamgateError error;
    String detail;
    if (cause instanceof TooLongHttpHeaderException) {
      error = StreamgateError.HEADERS_TOO_LARGE;
      detail = "the request's header block is larger than this node accepts";
    } else if (cause instanceof TooLongHttpLineException) {
      error = StreamgateError.URI_TOO_LONG;
      detail = "the request line is longer than this node accepts";
    } else {
      error = StreamgateError.INVALID_REQUEST;
      String reason = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
      detail = "the request is not valid HTTP" + (reason.length() > 200 ? reason.substring(0, 200) + "..." : reason);
    }
    String path = request.path();
    request.response().putHeader("Connection", "close");
    send(request.response(), path == null ? "" : path.length() > 200 ? path.substring(0, 200) + "..." : path, error, detail, Map.of());
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
      send(response, instance, api.error(), api.getMessage(), api.extensions());
      return;
    }
    StreamgateError error = errorFor(cause);
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
    boolean internal = error.problem() == StreamgateError.UNKNOWN_SERVER_ERROR;
    if (internal) {
      LOG.error("internal error answering {}", instance, cause);
    }
    send(response, instance, error, internal ? "an internal error occurred" : cause.getMessage(), extensions);
  }

  /** Answers a problem of {@code error} with {@code detail} and extra members. */
  public static void send(HttpServerResponse response, String instance, StreamgateError error, String detail,
      Map<String, Object> extensions) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      // A stream already started: the status is gone; end it so the client sees the failure.
      response.end();
      return;
    }
    if (error.retryable()) {
      response.putHeader("Retry-After", retryAfterSeconds(
          extensions.get(RETRY_AFTER_MS_MEMBER) instanceof Long waitMs ? waitMs : RETRY_AFTER_MS));
    }
    if (error.httpStatus() == 401) {
      // RFC 9110 §11.6.1: a 401 names the scheme the client is to use (docs/security.md).
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    if (error == StreamgateError.WEBSOCKET_VERSION_UNSUPPORTED) {
      // RFC 6455 §4.2.2: the 426 lists the versions the server speaks.
      response.putHeader("Sec-WebSocket-Version", WebSocketUpgrade.VERSION);
    }
    response.setStatusCode(error.httpStatus())
        .putHeader("Content-Type", PROBLEM_JSON)
        .end(problem(instance, error, detail, extensions));
  }

  /** The body of a problem of {@code error}: for the few answers written below Vert.x ({@link ConnectionGuard}). */
  static String problem(String instance, StreamgateError error, String detail, Map<String, Object> extensions) {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", error.type());
    problem.put("title", error.title());
    problem.put("status", error.httpStatus());
    problem.put("detail", detail == null ? error.title() : detail);
    if (instance != null) {
      problem.put("instance", instance);
    }
    problem.put("code", error.problemCode());
    problem.put("retryable", error.retryable());
    if (error.retryable()) {
      problem.put(RETRY_AFTER_MS_MEMBER, RETRY_AFTER_MS);
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
    return retryAfterSeconds(RETRY_AFTER_MS);
  }

  /** A wait in whole seconds, rounded up (the header has no fractions), at least 1. */
  static String retryAfterSeconds(long waitMs) {
    return String.valueOf(Math.max(1, (waitMs + 999) / 1000));
  }

  /**
   * The catalogue entry of {@code failure}: the catalogue's, but for what fails at the edge before
   * any request is served, which the catalogue (below the edge) cannot see.
   */
  static StreamgateError errorFor(Throwable failure) {
    Throwable cause = Failures.cause(failure);
    // Netty failing to decode what the client sent: a form body past Vert.x's form limits
    // (TooLongFormFieldException, TooManyFormFieldsException), a malformed form, and the like.
    // I/O failing under a handler is the connection's: a request body Vert.x cannot read (a form
    // field past its limit) or a client gone mid-answer. Disk failures arrive as LogStorageException.
    if (cause instanceof DecoderException || cause instanceof IOException || thrownByNettysHttpDecoder(cause)) {
      return StreamgateError.INVALID_REQUEST;
    }
    return StreamgateError.forException(cause);
  }

  /**
   * Whether Netty's HTTP codec threw {@code failure} itself, decoding the client's bytes: its form
   * decoder lets an {@code IllegalArgumentException} out for a broken %-escape in a field name. One
   * of our own is not: its first frame outside Netty is ours.
   */
  private static boolean thrownByNettysHttpDecoder(Throwable failure) {
    if (!(failure instanceof IllegalArgumentException)) {
      return false;
    }
    for (StackTraceElement frame : failure.getStackTrace()) {
      if (frame.getClassName().startsWith("io.netty.handler.codec.http.")) {
        return true;
      }
      if (!frame.getClassName().startsWith("io.netty.")) {
        return false;
      }
    }
    return false;
  }

  /** The entry for a bare HTTP status (a router 404 or 405, a body limit 413), {@link StreamgateError#UNKNOWN_SERVER_ERROR} for others. */
  static StreamgateError forStatus(int status) {
    switch (status) {
      case 400:
        return StreamgateError.INVALID_REQUEST;
      case 404:
        return StreamgateError.NOT_FOUND;
      case 405:
        return StreamgateError.METHOD_NOT_ALLOWED;
      case 406:
        return StreamgateError.NOT_ACCEPTABLE;
      case 408:
        return StreamgateError.HTTP_REQUEST_TIMEOUT;
      case 413:
        return StreamgateError.BODY_TOO_LARGE;
      case 414:
        return StreamgateError.URI_TOO_LONG;
      case 415:
        return StreamgateError.UNSUPPORTED_MEDIA_TYPE;
      case 429:
        return StreamgateError.THROTTLING_QUOTA_EXCEEDED;
      case 431:
        return StreamgateError.HEADERS_TOO_LARGE;
      case 503:
        return StreamgateError.UNAVAILABLE;
      default:
        return StreamgateError.UNKNOWN_SERVER_ERROR;
    }
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
