package io.streamgate.gateway.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cross-origin calls from browsers (CORS), for the origins of {@code cors-allowed-origins}: a
 * preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}) from an allowed origin is
 * answered 204 here, before authentication (a browser sends it without credentials); any other
 * request from one carries {@code Access-Control-Allow-Origin} and the response headers a client
 * reads. A request from another origin goes on with no CORS headers, so the browser withholds the
 * answer from the page; it is not refused (Vert.x's CorsHandler answers it 403, which would also
 * refuse a browser's same-origin POST to the console, which sends {@code Origin} too). No cookies
 * are used, so credentials are never allowed. WebSocket upgrades are not subject to CORS.
 */
final class CorsPolicy implements Handler<RoutingContext> {
  /** The methods of the API (openapi/streamgate.yaml). */
  static final String METHODS = "GET, POST, PATCH, DELETE";
  /** The request headers the API reads that a browser does not allow cross-origin by itself. */
  static final String REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";
  /** The response headers the API sets that a page may need beyond those a browser always shows. */
  static final String EXPOSED_HEADERS = "Location, Retry-After, WWW-Authenticate";
  /** How long a browser may reuse a preflight's answer. */
  static final String MAX_AGE_SECONDS = "600";

  private final boolean anyOrigin;
  private final Set<String> origins;

  /** @param origins lower case, as the configuration validated them; {@code *} alone for any */
  CorsPolicy(List<String> origins) {
    this.anyOrigin = origins.contains("*");
    this.origins = Set.copyOf(origins);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (request.canUpgradeToWebSocket()) {
      ctx.next();
      return;
    }
    HttpServerResponse response = ctx.response();
    // The answer depends on the Origin: a cache must not give one origin's to another.
    response.headers().add("Vary", "Origin");
    String origin = request.getHeader("Origin");
    if (origin == null || !(anyOrigin || origins.contains(origin.toLowerCase(Locale.ROOT)))) {
      ctx.next();
      return;
    }
    response.putHeader("Access-Control-Allow-Origin", origin);
    if (request.method() == HttpMethod.OPTIONS && request.getHeader("Access-Control-Request-Method") != null) {
      response.putHeader("Access-Control-Allow-Methods", METHODS).putHeader("Access-Control-Allow-Headers", REQUEST_HEADERS)
          .putHeader("Access-Control-Max-Age", MAX_AGE_SECONDS).setStatusCode(204).end();
      return;
    }
    response.putHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    ctx.next();
  }
}
