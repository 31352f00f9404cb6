package io.streamgate.gateway.http;

import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.security.Authenticated;
import io.streamgate.gateway.security.NodeSecurity;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * The route handler in front of every guarded route: finds the request's credentials
 * ({@code Authorization: Bearer <API key or bootstrap key>}, or on a stream a {@code ?ticket=} from
 * {@link StreamTickets}), asks {@link NodeSecurity#authenticate} who they stand for (asynchronously,
 * the request paused meanwhile) and puts the {@link Caller} in the routing context; or fails the
 * request with 401 {@code unauthenticated}, before any body is read. With authentication off every
 * request goes on as {@link Principal#ANONYMOUS}.
 */
final class HttpAuthentication implements Handler<RoutingContext> {
  static final String TICKET = "ticket";
  private static final String BEARER = "bearer ";
  /** The only paths a ticket is good for: a stream, which a browser opens without headers. */
  private static final Pattern STREAM_PATH = Pattern.compile("/v1/topics/[^/]+/stream");

  private final NodeSecurity security;
  private final StreamTickets tickets;

  HttpAuthentication(NodeSecurity security, StreamTickets tickets) {
    this.security = security;
    this.tickets = tickets;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    boolean stream = STREAM_PATH.matcher(request.path()).matches();
    String protocol = !stream ? "http" : request.canUpgradeToWebSocket() ? "websocket" : "sse";
    String remote = String.valueOf(request.remoteAddress());
    Future<Authenticated> principal = principal(request, stream, protocol, remote);
    boolean paused = !request.isEnded();
    if (paused) {
      request.pause();
    }
    principal.onComplete(result -> {
      if (paused) {
        request.resume();
      }
      if (result.failed()) {
        ctx.fail(result.cause());
        return;
      }
      new Caller(security, result.result(), protocol, remote).putIn(ctx);
      ctx.next();
    });
  }

  private Future<Authenticated> principal(HttpServerRequest request, boolean stream, String protocol, String remote) {
    String authorization = request.getHeader("Authorization");
    if (security.enabled() && authorization == null && stream) {
      String ticket = QueryParams.single(request, TICKET);
      if (ticket != null) {
        return tickets.redeem(ticket).map(Future::succeededFuture)
            .orElseGet(() -> refuse(protocol, remote, "unknown, used or expired ticket"));
      }
    }
    if (authorization == null && request.isSSL()) {
      // No credentials presented: a verified client certificate names the principal (else 401).
      return security.authenticateCertificate(request.sslSession(), protocol, remote);
    }
    boolean bearer = authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length());
    if (security.enabled() && authorization != null && !bearer) {
      return refuse(protocol, remote, "only Authorization: Bearer credentials are accepted");
    }
    return security.authenticate(bearer ? authorization.substring(BEARER.length()).trim() : null, protocol, remote);
  }

  private Future<Authenticated> refuse(String protocol, String remote, String reason) {
    security.audit().authenticationFailed(protocol, remote, reason);
    return Future.failedFuture(new AuthenticationException(reason));
  }
}
