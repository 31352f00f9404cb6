package io.streamgate.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.ReferenceCountUtil;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one HTTP/1 connection to the node's rules for slow and broken clients. It sits in the
 * connection's Netty pipeline just before Vert.x's handler, where it sees every request head, the end
 * of every request body and every response as they pass, and:
 *
 * <ul>
 *   <li>closes a connection that has not delivered a whole request head within
 *       {@code http-header-timeout-ms} of its opening or of its previous answer (a head trickled in
 *       byte by byte, or an idle keep-alive connection);
 *   <li>answers 408 to a request whose body has not ended within {@code http-body-timeout-ms} of its
 *       head, and closes the connection;
 *   <li>holds a request's body size in the node's {@link BodyBudget} from its head until its answer
 *       starts (by then the body has been used), and refuses a body that does not fit (503);
 *   <li>answers a body whose chunked framing is broken (400, or 431 for an oversize trailer), where
 *       Vert.x would close the connection without a word;
 *   <li>answers a request whose client closed its sending side right after it (a half-close), and
 *       closes the connection after the answer instead of dropping it; an answer not ready within
 *       {@link #HALF_CLOSED_ANSWER_GRACE_MS} (a long-poll) is not waited for;
 *   <li>refuses (400) a request without exactly one valid {@code Host}, which Vert.x cannot route;
 *   <li>makes every close a lingering one, so that an answer is not lost to a reset.
 * </ul>
 *
 * <p>Not thread-safe, and need not be: a connection's handlers, timers and Vert.x requests all run on
 * its one event loop. It reaches the pipeline through Vert.x's internal ConnectionBase, as the
 * flush consolidation in {@link HttpApiVerticle} does.
 */
final class ConnectionGuard extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  /** Vert.x's name for its own handler in an HTTP/1 pipeline. */
  private static final String VERTX_HANDLER = "handler";
  /** RFC 3986 host (a name, IPv4 or bracketed IPv6 literal; not empty) and an optional port of up to 5 digits. */
  private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(:[0-9]{0,5})?");

  /** How long a request whose client closed its sending side may take to be answered. */
  static final long HALF_CLOSED_ANSWER_GRACE_MS = 2000;

  private final GatewayConfig.Limits limits;
  private final BodyBudget budget;
  private ChannelHandlerContext channel;
  private ScheduledFuture<?> headTimer;
  private ScheduledFuture<?> bodyTimer;
  /** Requests whose head has been read and whose final answer has not been written. */
  private int openExchanges;
  /** Whether the answer of the oldest open exchange has started (its head is written). */
  private boolean answerStarted;
  private boolean upgraded;
  private boolean inputClosed;
  /** What the request being answered holds in the budget. */
  private long reservedBytes;
  /** The request Vert.x is handling, from {@link #admit} to the end of its answer. */
  private HttpServerRequest current;
  /** Whether this guard has answered the request in progress itself (a body timeout, a broken chunked body). */
  private boolean answeredHere;
  /** Set once the connection is closing: the close to complete when the lingering ends. */
  private ChannelPromise lingerPromise;

  private ConnectionGuard(GatewayConfig.Limits limits, BodyBudget budget) {
    this.limits = limits;
    this.budget = budget;
  }

  /** Puts a guard on {@code connection}, if it is an HTTP/1 connection. */
  static void install(HttpConnection connection, GatewayConfig.Limits limits, BodyBudget budget) {
    if (connection instanceof ConnectionBase base) {
      ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
      if (pipeline.get(VERTX_HANDLER) != null && pipeline.get("httpDecoder") != null) {
        // Without it an end of input closes the connection at once, dropping the answer in progress.
        pipeline.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        pipeline.addBefore(VERTX_HANDLER, "connection-guard", new ConnectionGuard(limits, budget));
      }
    }
  }

  /** The guard of {@code request}'s connection, or null. */
  static ConnectionGuard of(HttpServerRequest request) {
    return request.connection() instanceof ConnectionBase base
        ? base.channelHandlerContext().pipeline().get(ConnectionGuard.class) : null;
  }

  /**
   * Decides whether Vert.x's request goes on to the router: false when it has been answered here
   * already (no valid Host, or a body the budget has no room for).
   */
  boolean admit(HttpServerRequest request) {
    current = request;
    cancelHeadTimer();
    String hostProblem = hostProblem(request);
    if (hostProblem != null) {
      refuse(request, StreamgateError.INVALID_REQUEST, hostProblem);
      return false;
    }
    long bodyBytes = bodyBytesToHold(request);
    if (bodyBytes > 0) {
      if (!budget.tryReserve(bodyBytes)) {
        refuse(request, StreamgateError.OVERLOADED, "the node holds as many request bodies as it may ("
            + budget.capacity() + " bytes); retry later");
        return false;
      }
      reservedBytes += bodyBytes;
    }
    return true;
  }

  /** RFC 9112 §3.2: a 400 for a request with no Host, more than one, or one that is not a host[:port]. */
  private static String hostProblem(HttpServerRequest request) {
    int hosts = request.headers().getAll(HttpHeaders.HOST).size();
    if (hosts != 1) {
      return hosts == 0 ? "the request has no Host header" : "the request has " + hosts + " Host headers";
    }
    String host = request.getHeader(HttpHeaders.HOST).trim();
    if (!HOST.matcher(host).matches() || request.authority() == null) {
      return "the Host header is not a valid host[:port]";
    }
    int colon = host.lastIndexOf(':');
    if (colon > host.lastIndexOf(']') && colon < host.length() - 1 && Integer.parseInt(host.substring(colon + 1)) > 65535) {
      return "the Host header's port is past 65535";
    }
    return null;
  }

  /**
   * The body bytes the request may make the node hold: its Content-Length, or for a chunked body
   * the most a body may be. A body declared past {@code max-body-bytes} holds nothing, as it is
   * refused (413) before it is read.
   */
  private long bodyBytesToHold(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    long declared;
    if (length != null) {
      // The decoder has checked that it is a number.
      declared = Long.parseLong(length.trim());
    } else if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      declared = limits.maxBodyBytes();
    } else {
      return 0;
    }
    return declared > limits.maxBodyBytes() ? 0 : declared;
  }

  /** Answers a problem before the body is read; the connection closes after (its body may still be coming). */
  private void refuse(HttpServerRequest request, StreamgateError error, String detail) {
    LOG.warn("refused a request from {} ({} {}): {}", request.remoteAddress(), request.method(), truncate(request.uri()), detail);
    ProblemMapper.closeAfterAnswer(request);
    ProblemMapper.send(request.response(), truncate(request.path()), error, detail, Map.of());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx;
    startHeadTimer();
  }

  /**
   * A lingering close (RFC 9112 §9.6): closing while the client is still sending makes the kernel
   * reset the connection, and the reset can destroy the answer before the client has read it. So
   * whoever closes (Vert.x after an invalid request or a {@code Connection: close}, this guard), the
   * answer goes out first, then a FIN; what the client still sends is read and dropped, and the
   * connection closes when the client closes its side or after {@link ProblemMapper#BODY_LIMIT_LINGER_MS}.
   */
  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (lingerPromise != null || inputClosed || !(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()) {
      ctx.close(promise);
      return;
    }
    lingerPromise = promise;
    cancelHeadTimer();
    cancel(bodyTimer);
    duplex.config().setAutoRead(true);
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> duplex.shutdownOutput());
    ctx.executor().schedule(this::endLinger, ProblemMapper.BODY_LIMIT_LINGER_MS, TimeUnit.MILLISECONDS);
  }

  private void endLinger() {
    if (channel.channel().isOpen()) {
      channel.close(lingerPromise);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (lingerPromise != null) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      if (!isKnownVersion(request.protocolVersion()) && request.decoderResult().isSuccess()) {
        // Vert.x would answer a version it does not know ("http/1.1", "HTTP/2.0" spoken as text) with an empty 501.
        request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("unsupported HTTP version "
            + truncate(request.protocolVersion().text()))));
      }
      openExchanges++;
      cancelHeadTimer();
      // A head the decoder refused has no body to wait for (and its Content-Length may not be a number).
      if (!(msg instanceof LastHttpContent) && request.decoderResult().isSuccess()
          && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0)) {
        cancel(bodyTimer);
        bodyTimer = ctx.executor().schedule(this::bodyTimedOut, limits.httpBodyTimeoutMs(), TimeUnit.MILLISECONDS);
      }
    } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      malformedBody(content.decoderResult().cause());
      return;
    }
    if (msg instanceof LastHttpContent) {
      cancel(bodyTimer);
      bodyTimer = null;
      if (openExchanges == 0) {
        startHeadTimer();
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (answeredHere) {
      // The connection is closing with this guard's answer; what the handler writes goes nowhere.
      ReferenceCountUtil.release(msg);
      promise.trySuccess();
      return;
    }
    boolean closeAfter = false;
    if (msg instanceof HttpResponse response && !isKnownVersion(response.protocolVersion())) {
      // Vert.x answers a request it cannot decode in the request's version, whatever it was ("HTTP/9.9").
      response.setProtocolVersion(HttpVersion.HTTP_1_1);
    }
    // 1xx answers but 101 (100 Continue, 103 Early Hints) come before the answer.
    if (msg instanceof HttpResponse response && (response.status().code() >= 200 || response.status().code() == 101)) {
      answerStarted = true;
      releaseBody();
      if (response.status().code() == 101) {
        upgraded = true;
        cancelHeadTimer();
        cancel(bodyTimer);
        // A WebSocket whose client has stopped sending before it began: nothing to serve.
        closeAfter = inputClosed;
      }
    }
    if (msg instanceof LastHttpContent && answerStarted && !upgraded) {
      closeAfter = answered();
    }
    if (closeAfter) {
      ChannelPromise written = promise.unvoid();
      written.addListener(ChannelFutureListener.CLOSE);
      ctx.write(msg, written);
    } else {
      ctx.write(msg, promise);
    }
  }

  /** The final answer of the oldest open exchange is being written; true if the connection should close after it. */
  private boolean answered() {
    openExchanges = Math.max(0, openExchanges - 1);
    answerStarted = false;
    current = null;
    if (openExchanges == 0) {
      if (inputClosed) {
        return true;
      }
      if (bodyTimer == null) {
        startHeadTimer();
      }
    }
    return false;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent && lingerPromise != null) {
      endLinger();
      return;
    }
    if (event instanceof ChannelInputShutdownEvent) {
      // The client will send nothing more. An exchange still waiting for its answer gets it (the
      // connection closes after it); one whose answer is under way already is a stream, which ends.
      inputClosed = true;
      if (openExchanges == 0 || answerStarted) {
        close();
      } else {
        // TCP cannot tell a half-close from a client that left: a waiting answer (a long-poll) gets
        // a short grace, then the connection closes and releases what the request holds.
        channel.executor().schedule(this::closeIfUnanswered, HALF_CLOSED_ANSWER_GRACE_MS, TimeUnit.MILLISECONDS);
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelHeadTimer();
    cancel(bodyTimer);
    releaseBody();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelHeadTimer();
    cancel(bodyTimer);
    releaseBody();
  }

  private void headTimedOut() {
    headTimer = null;
    LOG.debug("closing the connection from {}: no whole request head within {} ms", channel.channel().remoteAddress(),
        limits.httpHeaderTimeoutMs());
    channel.close();
  }

  private void bodyTimedOut() {
    bodyTimer = null;
    LOG.warn("closing the connection from {}: its request body did not end within {} ms", channel.channel().remoteAddress(),
        limits.httpBodyTimeoutMs());
    answerThenClose(StreamgateError.HTTP_REQUEST_TIMEOUT, "the request body did not arrive within " + limits.httpBodyTimeoutMs() + " ms");
  }

  /** A chunk size, chunk line or trailer the decoder could not take (it reads nothing more of this connection). */
  private void malformedBody(Throwable cause) {
    cancel(bodyTimer);
    bodyTimer = null;
    boolean trailer = cause instanceof TooLongHttpHeaderException;
    String detail = trailer ? "the chunked body's trailer section is larger than this node accepts"
        : "the chunked body is malformed: " + truncate(String.valueOf(cause.getMessage()));
    LOG.warn("refused a request body from {}: {}", channel.channel().remoteAddress(), detail);
    answerThenClose(trailer ? StreamgateError.HEADERS_TOO_LARGE : StreamgateError.INVALID_REQUEST, detail);
  }

  /**
   * Answers the request being handled, if its answer has not started, then closes the connection.
   * The answer is written here, below Vert.x, and whatever the request's handler writes later is
   * dropped: a handler that does not read the body may still be at work, and would otherwise
   * find its response ended under it.
   */
  private void answerThenClose(StreamgateError error, String detail) {
    HttpServerRequest request = current;
    if (request != null && !request.response().headWritten() && !request.response().ended()) {
      byte[] body = ProblemMapper.problem(truncate(request.path()), error, detail, Map.of()).getBytes(StandardCharsets.UTF_8);
      FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(error.httpStatus()),
          Unpooled.wrappedBuffer(body));
      answer.headers().set(HttpHeaderNames.CONTENT_TYPE, ProblemMapper.PROBLEM_JSON)
          .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      if (error.retryable()) {
        answer.headers().set(HttpHeaderNames.RETRY_AFTER, ProblemMapper.retryAfterSeconds());
      }
      answeredHere = true;
      releaseBody();
      channel.write(answer);
    }
    close();
  }

  /**
   * Closes once what is written has gone out: inside a read Vert.x writes an answer without
   * flushing it (it flushes when the read completes), and a bare close would drop it.
   */
  private void closeIfUnanswered() {
    if (openExchanges > 0 && !answerStarted) {
      close();
    }
  }

  private void close() {
    channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  private void startHeadTimer() {
    if (!upgraded && channel.channel().isActive()) {
      cancelHeadTimer();
      headTimer = channel.executor().schedule(this::headTimedOut, limits.httpHeaderTimeoutMs(), TimeUnit.MILLISECONDS);
    }
  }

  private void cancelHeadTimer() {
    cancel(headTimer);
    headTimer = null;
  }

  /**
   * Whether Vert.x knows {@code version}: it compares with Netty's constants by identity, so a
   * version that equals one but was spelled otherwise ({@code http/1.1}) is unknown to it.
   */
  private static boolean isKnownVersion(HttpVersion version) {
    return version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0;
  }

  private static void cancel(ScheduledFuture<?> timer) {
    if (timer != null) {
      timer.cancel(false);
    }
  }

  private void releaseBody() {
    if (reservedBytes > 0) {
      budget.release(reservedBytes);
      reservedBytes = 0;
    }
  }

  private static String truncate(String text) {
    return text == null ? "" : text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
