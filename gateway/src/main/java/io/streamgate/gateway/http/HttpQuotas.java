package io.streamgate.gateway.http;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.gateway.security.Quotas;
import io.streamgate.gateway.security.Quotas.Kind;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * The HTTP edge of {@link Quotas}: route handlers, each after {@link HttpAuthentication}, that answer
 * a request whose principal is in debt for what it asks 429 {@code too-many-requests} (with
 * {@code Retry-After} in whole seconds, rounded up, and the exact wait as {@code retryAfterMs}),
 * before anything is done, and otherwise let it on and charge what it took once it is answered: a
 * request served (REQUESTS), the body a successful produce wrote (PRODUCE_BYTES), the bytes a read
 * answered (CONSUME_BYTES). A refused request is not charged.
 */
final class HttpQuotas {
  private final Quotas quotas;

  HttpQuotas(Quotas quotas) {
    this.quotas = quotas;
  }

  /** For every authenticated request: one request. */
  Handler<RoutingContext> requests() {
    return ctx -> {
      if (quotas.any()) {
        Caller caller = Caller.of(ctx);
        refuseInDebt(caller, Kind.REQUESTS);
        quotas.charge(caller.principal(), Kind.REQUESTS, 1);
      }
      ctx.next();
    };
  }

  /** For a produce: the request body, once it is written (a 2xx). */
  Handler<RoutingContext> produce() {
    return ctx -> {
      if (quotas.any()) {
        Caller caller = Caller.of(ctx);
        refuseInDebt(caller, Kind.PRODUCE_BYTES);
        ctx.addEndHandler(ended -> {
          if (ended.succeeded() && ctx.response().getStatusCode() / 100 == 2) {
            quotas.charge(caller.principal(), Kind.PRODUCE_BYTES, ctx.body().length());
          }
        });
      }
      ctx.next();
    };
  }

  /** For a read: the bytes of its answer, whatever the answer. */
  Handler<RoutingContext> consume() {
    return ctx -> {
      if (quotas.any()) {
        Caller caller = Caller.of(ctx);
        refuseInDebt(caller, Kind.CONSUME_BYTES);
        ctx.addEndHandler(ended -> quotas.charge(caller.principal(), Kind.CONSUME_BYTES, ctx.response().bytesWritten()));
      }
      ctx.next();
    };
  }

  private void refuseInDebt(Caller caller, Kind kind) {
    long waitMs = quotas.throttleMs(caller.principal(), kind);
    if (waitMs > 0) {
      throw new ApiException(StreamgateError.THROTTLING_QUOTA_EXCEEDED, caller.principal() + " is over its "
          + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " quota on this node; retry in " + waitMs + " ms",
          Map.of(ProblemMapper.RETRY_AFTER_MS_MEMBER, waitMs));
    }
  }
}
