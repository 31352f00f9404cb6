package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.Backoff;
import io.vertx.core.Context;

/**
 * How the MQTT edge waits before trying again what may succeed later (a read, a group poll, a load
 * of an internal topic during a failover): from about a second, growing to five while it keeps
 * failing, jittered so that the subscribers one failover stopped do not all come back at once.
 */
final class MqttRetry {
  static final long FIRST_MS = 1_000;
  static final long CAP_MS = 5_000;

  private MqttRetry() {}

  /** A backoff whose retries run on {@code context}. */
  static Backoff on(Context context) {
    return new Backoff(FIRST_MS, CAP_MS,
        (delayMs, action) -> context.owner().setTimer(delayMs, id -> context.runOnContext(v -> action.run())));
  }
}
