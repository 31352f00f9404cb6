package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.security.AccessWatch;
import io.streamgate.gateway.security.Authenticated;
import io.streamgate.gateway.security.NodeSecurity;
import io.streamgate.gateway.security.TlsPrincipals;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka client connection: reads frames, hands each request to {@link KafkaApis}, and writes
 * the answers in request order (Kafka clients match answers to requests by order): an answer that
 * is ready waits behind an earlier one that is not (a Fetch long-poll). At most {@link
 * #MAX_IN_FLIGHT} requests are in progress; past that, and while the socket's write queue is full,
 * reading stops. A frame that is not a request, an API this listener does not serve, or a version
 * it does not advertise closes the connection (logged at WARN with the client's address). With
 * {@code auth=on} the connection authenticates first ({@link KafkaSasl}): any request but
 * ApiVersions, SaslHandshake and SaslAuthenticate before that closes it, as Kafka does; a failed
 * authentication is answered, then closed. Every other request carries the connection's principal
 * to its handler. Every served request is charged to its principal's quotas ({@link KafkaQuotas}),
 * whose wait mutes the connection after its answer. Confined to the connection's event loop.
 */
final class KafkaConnection {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaConnection.class);
  /**
   * Requests read but not yet answered, per connection. Kafka's producer sends at most 5 at a time
   * (max.in.flight.requests.per.connection), its consumer 1 per node; this bounds a client that
   * sends without waiting.
   */
  static final int MAX_IN_FLIGHT = 32;
  /**
   * The largest frame of a connection that has not authenticated yet (Kafka's
   * {@code sasl.server.max.receive.size}): a client without credentials cannot make the node buffer
   * {@code kafka-max-frame-bytes}.
   */
  static final int UNAUTHENTICATED_MAX_FRAME_BYTES = 512 * 1024;
  private static final String MAX_FRAME_SETTING = "kafka-max-frame-bytes";

  private final NetSocket socket;
  private final Context context;
  private final KafkaApis apis;
  private final String remote;
  private final KafkaFrames frames;
  /** Answers in request order. */
  private final Deque<Future<Outgoing>> answers = new ArrayDeque<>();
  private final AppendOrder appendOrder = new AppendOrder();
  private final NodeSecurity security;
  private final KafkaSasl sasl;
  private final int maxFrameBytes;
  private final KafkaQuotas quotas;
  private boolean paused;
  /** Not read until this {@link System#nanoTime} (a quota's wait), while {@link #muteTimer} runs. */
  private long mutedUntil;
  private long muteTimer = -1;
  private boolean closed;
  /** Closes the connection once its API key is revoked; replaced at each (re-)authentication. */
  private AccessWatch.Watch credentialWatch = AccessWatch.Watch.NONE;

  /**
   * An answer to write (null: a request that gets none, Produce with acks=0), whether the connection
   * then closes, and for how long it is then muted (a quota's wait).
   */
  private record Outgoing(KafkaAnswer answer, boolean thenClose, long muteMs) {
    Outgoing(KafkaAnswer answer, boolean thenClose) {
      this(answer, thenClose, 0);
    }
  }

  /** @param onClosed run once the connection has closed */
  KafkaConnection(NetSocket socket, Context context, KafkaApis apis, NodeSecurity security, int maxFrameBytes, Runnable onClosed) {
    this.socket = socket;
    this.context = context;
    this.apis = apis;
    this.remote = String.valueOf(socket.remoteAddress());
    this.security = security;
    // As Kafka's SSL listener with client authentication: a verified certificate names the principal, unless SASL follows.
    this.sasl = new KafkaSasl(security, context, remote, socket.isSsl() ? TlsPrincipals.of(socket.sslSession()).orElse(null) : null);
    this.maxFrameBytes = maxFrameBytes;
    this.quotas = new KafkaQuotas(security.quotas());
    this.frames = sasl.principal() != null ? new KafkaFrames(socket, maxFrameBytes, MAX_FRAME_SETTING, this::onFrame, this::refuse)
        : new KafkaFrames(socket, Math.min(maxFrameBytes, UNAUTHENTICATED_MAX_FRAME_BYTES), "the limit before authentication",
            this::onFrame, this::refuse);
    socket.drainHandler(v -> updateFlow());
    socket.closeHandler(v -> {
      closed = true;
      credentialWatch.cancel();
      onClosed.run();
    });
    socket.exceptionHandler(failure -> LOG.debug("kafka connection from {} failed: {}", remote, failure.toString()));
  }

  private void onFrame(Buffer frame) {
    if (closed) {
      return;
    }
    if (sasl.awaitsBareToken()) {
      onBareToken(frame.getBytes());
      return;
    }
    ByteBuffer bytes = ByteBuffer.wrap(frame.getBytes());
    short key = KafkaCodec.apiKey(bytes);
    short version = KafkaCodec.apiVersion(bytes);
    KafkaApi api = KafkaApi.forKey(key);
    if (api == null) {
      refuse("api key " + key + " is not served");
      return;
    }
    Principal principal = sasl.principal();
    if (principal == null && !api.beforeAuthentication()) {
      refuse("sent " + api + " before authenticating (SaslHandshake, SaslAuthenticate)");
      return;
    }
    if (principal != null && !api.beforeAuthentication() && System.currentTimeMillis() >= sasl.authenticated().expiresAtMs()) {
      // KIP-368: a request after the session's lifetime, without a re-authentication, closes the connection.
      security.audit().authenticationFailed(KafkaSasl.PROTOCOL, remote, "session of " + principal + " expired");
      refuse("sent " + api + " after its session expired without re-authenticating");
      return;
    }
    if (api == KafkaApi.API_VERSIONS && !api.supports(version)) {
      int correlationId = KafkaCodec.correlationId(bytes);
      enqueue(Future.succeededFuture(new Outgoing(KafkaCodec.encodeApiVersionsV0(correlationId,
          apis.apiVersions(StreamgateError.UNSUPPORTED_VERSION)), false)));
      return;
    }
    if (api == KafkaApi.PRODUCE && version >= api.minVersion() && version < KafkaApi.PRODUCE_FIRST_SERVED) {
      KafkaAnswer refusal;
      try {
        Buffer refused = KafkaCodec.refuseLegacyProduce(bytes, StreamgateError.UNSUPPORTED_VERSION.kafkaCode());
        refusal = refused == null ? null : KafkaAnswer.of(refused);
      } catch (RuntimeException malformed) {
        refuse("a malformed Produce v" + version + " request (" + malformed + ")");
        return;
      }
      LOG.warn("kafka client {} sent Produce v{}; answered UNSUPPORTED_VERSION (v{}+ is served)", remote, version,
          KafkaApi.PRODUCE_FIRST_SERVED);
      enqueue(Future.succeededFuture(new Outgoing(refusal, false)));
      return;
    }
    if (!api.supports(version)) {
      refuse(api + " v" + version + " is not served (v" + api.minVersion() + "-" + api.maxVersion() + " is)");
      return;
    }
    KafkaRequest request;
    try {
      request = KafkaCodec.decode(api, bytes);
    } catch (RuntimeException malformed) {
      refuse("a malformed " + api + " v" + version + " request (" + malformed + ")");
      return;
    }
    if (api == KafkaApi.SASL_HANDSHAKE || api == KafkaApi.SASL_AUTHENTICATE) {
      Future<KafkaSasl.Reply> reply = api == KafkaApi.SASL_HANDSHAKE
          ? Future.succeededFuture(sasl.handshake(request.body(SaslHandshakeRequestData.class).mechanism(), version))
          : sasl.authenticate(request.body(SaslAuthenticateRequestData.class).authBytes()).andThen(done -> afterSasl());
      // A re-authentication's handshake is a request of the connection's principal like any other, charged to
      // its quota: a client cannot make the node check tokens as fast as it sends them.
      enqueue(reply.map(done -> new Outgoing(KafkaCodec.encode(request, done.response()), done.close(),
          principal == null ? 0 : quotas.charge(principal, request, done.response()))));
      return;
    }
    Future<Object> answer;
    try {
      answer = apis.handle(request, new KafkaCaller(context, remote, request.clientId(), appendOrder,
          new KafkaAuthorization(security, principal, remote)));
    } catch (RuntimeException failure) {
      answer = Future.failedFuture(failure);
    }
    enqueue(answer.compose(response -> {
      long muteMs = quotas.charge(principal, request, response);
      KafkaAnswer encoded = response == null ? null : KafkaCodec.encode(request, response);
      // TLS cannot send a file region: a Fetch's slices are read into buffers first (off the event loop).
      Future<KafkaAnswer> sendable = encoded == null || !socket.isSsl() ? Future.succeededFuture(encoded) : encoded.inMemory(context);
      return sendable.map(ready -> new Outgoing(ready, false, muteMs));
    }));
  }

  /**
   * The client's SASL message after a SaslHandshake v0: answered with a bare token (empty but for
   * SCRAM's), or (Kafka's v0 rule) by a close.
   */
  private void onBareToken(byte[] token) {
    enqueue(sasl.authenticate(token).andThen(done -> afterSasl()).map(reply -> {
      boolean failed = reply.close();
      byte[] answer = ((SaslAuthenticateResponseData) reply.response()).authBytes();
      return new Outgoing(failed ? null : KafkaAnswer.of(Buffer.buffer().appendInt(answer.length).appendBytes(answer)), failed);
    }));
  }

  /**
   * After a SASL exchange: once authenticated, frames up to {@code kafka-max-frame-bytes}, and an API
   * key is watched, so that the connection closes once the key is revoked (the watch of an earlier
   * authentication ends). An expired token closes it at its next request (KIP-368), as in Kafka.
   */
  private void afterSasl() {
    Authenticated who = sasl.authenticated();
    if (who == null || closed) {
      return;
    }
    frames.limit(maxFrameBytes, MAX_FRAME_SETTING);
    credentialWatch.cancel();
    credentialWatch = who.apiKeyId() == null ? AccessWatch.Watch.NONE : security.watch(context, who, () -> {
      if (!closed && who == sasl.authenticated() && !security.stillAuthenticated(who, KafkaSasl.PROTOCOL, remote)) {
        refuse("its API key was revoked");
      }
    });
  }

  private void enqueue(Future<Outgoing> answer) {
    answers.add(answer);
    updateFlow();
    answer.onComplete(done -> writeReady());
  }

  /** Writes the answers at the head of the queue that are ready, in order. */
  private void writeReady() {
    while (!answers.isEmpty() && answers.peek().isComplete()) {
      Future<Outgoing> answer = answers.poll();
      if (closed) {
        continue;
      }
      if (answer.failed()) {
        // Handlers answer every expected failure in the response; this is a bug or a broken invariant.
        LOG.warn("kafka request from {} failed; closing the connection", remote, answer.cause());
        close();
        return;
      }
      if (answer.result().answer() != null) {
        answer.result().answer().writeTo(socket);
      }
      if (answer.result().thenClose()) {
        close();
        return;
      }
      mute(answer.result().muteMs());
    }
    updateFlow();
  }

  /** Stops reading for {@code ms} from now, unless muted longer already. */
  private void mute(long ms) {
    long until = System.nanoTime() + ms * 1_000_000;
    if (ms <= 0 || until - mutedUntil <= 0 && muteTimer >= 0) {
      return;
    }
    if (muteTimer >= 0) {
      context.owner().cancelTimer(muteTimer);
    }
    mutedUntil = until;
    muteTimer = context.owner().setTimer(ms, fired -> {
      muteTimer = -1;
      updateFlow();
    });
  }

  private void updateFlow() {
    boolean shouldPause = answers.size() >= MAX_IN_FLIGHT || socket.writeQueueFull() || muteTimer >= 0;
    if (shouldPause != paused && !closed) {
      paused = shouldPause;
      if (paused) {
        frames.pause();
      } else {
        frames.resume();
      }
    }
  }

  private void refuse(String why) {
    LOG.warn("kafka client {}: {}; closing the connection", remote, why);
    close();
  }

  private void close() {
    if (!closed) {
      closed = true;
      frames.pause();
      socket.close();
    }
  }
}
