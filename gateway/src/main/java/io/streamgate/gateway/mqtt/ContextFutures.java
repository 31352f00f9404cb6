package io.streamgate.gateway.mqtt;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Futures brought back to the context that waits for them: a future another context (or thread)
 * completes runs its callbacks there, and a connection confined to its event loop must not go on
 * on another one (vertx-mqtt's endpoint then races its own close).
 */
final class ContextFutures {
  private ContextFutures() {}

  /** {@code result}, completed on {@code context}. */
  static <T> Future<T> completedOn(Context context, Future<T> result) {
    Promise<T> onContext = Promise.promise();
    result.onComplete(outcome -> {
      if (Vertx.currentContext() == context) {
        onContext.handle(outcome);
      } else {
        context.runOnContext(v -> onContext.handle(outcome));
      }
    });
    return onContext.future();
  }

  /** {@code result}, completed on the context of whoever calls this (as it is, when called off any context). */
  static <T> Future<T> onCallersContext(Future<T> result) {
    Context caller = Vertx.currentContext();
    return caller == null ? result : completedOn(caller, result);
  }
}
