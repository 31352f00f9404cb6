package io.streamgate.gateway.security;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An issuer's keys, fetched from its JWKS URL: at start, every {@link #REFRESH} after, and again
 * when a token names a key not among them (a new key the issuer rotated in), but not more often than
 * once per {@code minFetchInterval}, so that tokens naming made-up keys cannot make this node hammer
 * the issuer. A fetch that fails keeps the keys there were. Each fetch is bounded: {@value
 * #MAX_BYTES} bytes, {@link #FETCH_TIMEOUT} in all, {@value JwtKeys#MAX_KEYS} keys. Thread-safe.
 */
final class JwksKeys {
  private static final Logger LOG = LoggerFactory.getLogger(JwksKeys.class);
  static final Duration REFRESH = Duration.ofMinutes(5);
  static final Duration MIN_FETCH_INTERVAL = Duration.ofSeconds(10);
  static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_BYTES = 256 * 1024;

  private final Vertx vertx;
  private final String url;
  private final long minFetchIntervalNanos;
  private final HttpClient client;
  private volatile JwtKeys keys;
  /** The fetch under way, or the last one; guarded by this. */
  private Future<JwtKeys> fetch;
  private long lastFetchNanos;

  JwksKeys(Vertx vertx, String url, Duration minFetchInterval) {
    this.vertx = vertx;
    this.url = url;
    this.minFetchIntervalNanos = minFetchInterval.toNanos();
    this.client = HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    this.keys = JwtKeys.none(vertx);
    synchronized (this) {
      fetch = fetch();
    }
    vertx.setPeriodic(REFRESH.toMillis(), id -> refresh());
  }

  JwtKeys current() {
    return keys;
  }

  /** The keys after a fetch, unless one is under way (then its keys) or the last began too recently (then those there are). */
  synchronized Future<JwtKeys> refreshed() {
    if (fetch.isComplete() && System.nanoTime() - lastFetchNanos >= minFetchIntervalNanos) {
      fetch = fetch();
    }
    return fetch.isComplete() ? Future.succeededFuture(keys) : fetch;
  }

  private synchronized void refresh() {
    if (fetch.isComplete()) {
      fetch = fetch();
    }
  }

  /** Called holding the lock. */
  private Future<JwtKeys> fetch() {
    lastFetchNanos = System.nanoTime();
    return get().map(body -> JwtKeys.fromJwks(vertx, new JsonObject(Buffer.buffer(body)))).map(fetched -> {
      keys = fetched;
      return fetched;
    }).recover(failure -> {
      LOG.warn("The JWKS at {} could not be had, the {} keys kept: {}", url, keys.isEmpty() ? "no" : "earlier", failure.toString());
      return Future.succeededFuture(keys);
    });
  }

  /**
   * The body of a GET of the URL: a 200 of at most MAX_BYTES, within FETCH_TIMEOUT. A declared length
   * over the limit is not kept; a chunked body is read whole and then checked (the URL is the
   * operator's, not a client's). With the JDK's client: fetches with Vert.x's client, one every few
   * minutes, now and then waited out their whole limit on loaded machines (clean-clone runs of
   * JwksKeysTest, three times, each after a different workaround), which a node must not do to a
   * client presenting a token.
   */
  private Future<byte[]> get() {
    Promise<byte[]> body = Promise.promise();
    long deadline = vertx.setTimer(FETCH_TIMEOUT.toMillis(), id -> body.tryFail("no answer within " + FETCH_TIMEOUT));
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(FETCH_TIMEOUT).GET().build();
    client.sendAsync(request, JwksKeys::boundedBody).whenComplete((response, failure) -> {
      if (failure != null) {
        body.tryFail(failure);
      } else if (response.statusCode() != 200) {
        body.tryFail("HTTP " + response.statusCode());
      } else if (response.body() == null || response.body().length > MAX_BYTES) {
        body.tryFail("more than " + MAX_BYTES + " bytes");
      } else {
        body.tryComplete(response.body());
      }
    });
    return body.future().andThen(done -> vertx.cancelTimer(deadline));
  }

  /** The body, unless its declared length is over the limit: then none (null), the bytes discarded as they come. */
  private static HttpResponse.BodySubscriber<byte[]> boundedBody(HttpResponse.ResponseInfo info) {
    return info.headers().firstValueAsLong("content-length").orElse(-1) > MAX_BYTES
        ? HttpResponse.BodySubscribers.replacing(null)
        : HttpResponse.BodySubscribers.ofByteArray();
  }
}
