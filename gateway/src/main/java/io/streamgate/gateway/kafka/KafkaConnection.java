package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka client connection: reads frames, hands each request to {@link KafkaApis}, and writes
 * the answers in request order (Kafka clients match answers to requests by order): an answer that
 * is ready waits behind an earlier one that is not (a Fetch long-poll). At most {@link
 * #MAX_IN_FLIGHT} requests are in progress; past that, and while the socket's write queue is full,
 * reading stops. A frame that is not a request, an API this listener does not serve, or a version
 * it does not advertise closes the connection (logged at WARN with the client's address). Confined
 * to the connection's event loop.
 */
final class KafkaConnection {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaConnection.class);
  /**
   * Requests read but not yet answered, per connection. Kafka's producer sends at most 5 at a time
   * (max.in.flight.requests.per.connection), its consumer 1 per node; this bounds a client that
   * sends without waiting.
   */
  static final int MAX_IN_FLIGHT = 32;

  private final NetSocket socket;
  private final Context context;
  private final KafkaApis apis;
  private final String remote;
  private final KafkaFrames frames;
  /** Answers in request order; null: a request that gets none (Produce with acks=0). */
  private final Deque<Future<KafkaAnswer>> answers = new ArrayDeque<>();
  private final AppendOrder appendOrder = new AppendOrder();
  private boolean paused;
  private boolean closed;

  /** @param onClosed run once the connection has closed */
  KafkaConnection(NetSocket socket, Context context, KafkaApis apis, int maxFrameBytes, Runnable onClosed) {
    this.socket = socket;
    this.context = context;
    this.apis = apis;
    this.remote = String.valueOf(socket.remoteAddress());
    this.frames = new KafkaFrames(socket, maxFrameBytes, this::onFrame, this::refuse);
    socket.drainHandler(v -> updateFlow());
    socket.closeHandler(v -> {
      closed = true;
      onClosed.run();
    });
    socket.exceptionHandler(failure -> LOG.debug("kafka connection from {} failed: {}", remote, failure.toString()));
  }

  private void onFrame(Buffer frame) {
    if (closed) {
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
    if (api == KafkaApi.API_VERSIONS && !api.supports(version)) {
      int correlationId = KafkaCodec.correlationId(bytes);
      enqueue(Future.succeededFuture(KafkaCodec.encodeApiVersionsV0(correlationId,
          apis.apiVersions(StreamgateError.UNSUPPORTED_VERSION))));
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
      enqueue(Future.succeededFuture(refusal));
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
    Future<Object> answer;
    try {
      answer = apis.handle(request, new KafkaCaller(context, remote, request.clientId(), appendOrder));
    } catch (RuntimeException failure) {
      answer = Future.failedFuture(failure);
    }
    Future<KafkaAnswer> encoded = answer.map(response -> response == null ? null : KafkaCodec.encode(request, response));
    enqueue(socket.isSsl() ? encoded.compose(ready -> ready == null ? encoded : ready.inMemory(context)) : encoded);
  }

  private void enqueue(Future<KafkaAnswer> answer) {
    answers.add(answer);
    updateFlow();
    answer.onComplete(done -> writeReady());
  }

  /** Writes the answers at the head of the queue that are ready, in order. */
  private void writeReady() {
    while (!answers.isEmpty() && answers.peek().isComplete()) {
      Future<KafkaAnswer> answer = answers.poll();
      if (closed) {
        continue;
      }
      if (answer.failed()) {
        // Handlers answer every expected failure in the response; this is a bug or a broken invariant.
        LOG.warn("kafka request from {} failed; closing the connection", remote, answer.cause());
        close();
        return;
      }
      if (answer.result() != null) {
        answer.result().writeTo(socket);
      }
    }
    updateFlow();
  }

  private void updateFlow() {
    boolean shouldPause = answers.size() >= MAX_IN_FLIGHT || socket.writeQueueFull();
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
