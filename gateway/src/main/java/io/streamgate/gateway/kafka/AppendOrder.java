package io.streamgate.gateway.kafka;

import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * Hands a connection's appends to the log in the order its requests came. Kafka serves one
 * connection's requests one at a time, and producers count on it: with several requests in flight
 * (the Java producer sends up to five) their batches must land in the order sent, or the idempotent
 * producer's sequences break and keys lose their order. Each append's check and hand-off may run on
 * the decode pool, so the next starts only once the one before has been handed to the log; their
 * waits for acknowledgements still overlap. Confined to the connection's event loop.
 */
final class AppendOrder {
  private Future<?> last = Future.succeededFuture();

  /** Runs {@code handOff} once every hand-off started before it has finished, failed or not; completes with its result. */
  <T> Future<T> next(Supplier<Future<T>> handOff) {
    Future<T> run = last.transform(previous -> handOff.get());
    last = run;
    return run;
  }
}
