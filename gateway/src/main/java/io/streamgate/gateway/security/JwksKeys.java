package io.streamgate.gateway.security;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
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
    // A fetch every few minutes: a connection each, so that none is reused after a refused answer was cut.
    this.client = vertx.createHttpClient(new HttpClientOptions().setMaxRedirects(0).setKeepAlive(false));
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
    return get().map(body -> JwtKeys.fromJwks(vertx, new JsonObject(body))).map(fetched -> {
      keys = fetched;
      return fetched;
    }).recover(failure -> {
      LOG.warn("The JWKS at {} could not be had, the {} keys kept: {}", url, keys.isEmpty() ? "no" : "earlier", failure.toString());
      return Future.succeededFuture(keys);
    });
  }

  /**
   * The body of a GET of the URL: a 200 of at most MAX_BYTES, within FETCH_TIMEOUT. A declared length
   * over the limit is refused before the body is read; a chunked body is read whole and then checked
   * (the URL is the operator's, not a client's). {@code body()}, not a handler set in a callback: a
   * small answer may have ended before the callback ran, and a handler set then throws.
   */
  private Future<Buffer> get() {
    Promise<Buffer> body = Promise.promise();
    long deadline = vertx.setTimer(FETCH_TIMEOUT.toMillis(), id -> body.tryFail("no answer within " + FETCH_TIMEOUT));
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setTimeout(FETCH_TIMEOUT.toMillis()))
        .compose(request -> request.send())
        .compose(response -> {
          String declared = response.getHeader(HttpHeaders.CONTENT_LENGTH);
          if (declared != null && (!declared.matches("\\d{1,18}") || Long.parseLong(declared) > MAX_BYTES)) {
            response.request().reset();
            return Future.failedFuture("a declared length of " + declared + " bytes; at most " + MAX_BYTES);
          }
          int status = response.statusCode();
          return response.body().compose(received -> status == 200 ? Future.succeededFuture(received)
              : Future.<Buffer>failedFuture("HTTP " + status));
        })
        .compose(received -> received.length() > MAX_BYTES
            ? Future.<Buffer>failedFuture("more than " + MAX_BYTES + " bytes")
            : Future.succeededFuture(received))
        .onComplete(body::tryComplete, body::tryFail);
    return body.future().andThen(done -> vertx.cancelTimer(deadline));
  }
}
