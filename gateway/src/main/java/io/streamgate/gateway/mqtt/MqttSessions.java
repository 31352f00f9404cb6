package io.streamgate.gateway.mqtt;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent MQTT sessions of the cluster by client id, kept in the compacted internal topic
 * {@code __mqtt_sessions} and mirrored on every node, so a client may come back to any node, also
 * after a restart. A session not saved again within its expiry is dropped, when it is next asked
 * for and by a sweep every minute. Thread-safe.
 */
final class MqttSessions {
  static final String TOPIC = "__mqtt_sessions";
  static final int PARTITIONS = 8;
  private static final Logger LOG = LoggerFactory.getLogger(MqttSessions.class);
  private static final long SWEEP_MS = 60_000;

  private final CompactedTopicMirror mirror;
  private final int maxSessions;

  MqttSessions(CompactedTopicMirror mirror, int maxSessions) {
    this.mirror = mirror;
    this.maxSessions = maxSessions;
  }

  /** The client's session if it has one that has not expired; waits until the sessions are loaded. */
  Future<Optional<MqttSessionState>> load(String clientId) {
    return mirror.loaded().map(loaded -> mirror.get(clientId).map(MqttSessionState::fromBytes)
        .filter(state -> !state.expired(System.currentTimeMillis())));
  }

  /** Whether a new session would take the cluster past {@code mqtt-max-sessions}. */
  boolean full() {
    return mirror.size() >= maxSessions;
  }

  /** Saves the client's session; completes with where the record ends, which {@link #applied} waits for on another node. */
  Future<CompactedTopicMirror.Position> save(String clientId, MqttSessionState state) {
    return mirror.loaded().compose(loaded -> mirror.put(clientId, state.toBytes()));
  }

  /** Forgets the client's session, if it has one; completes with where the deletion ends, if one was written. */
  Future<Optional<CompactedTopicMirror.Position>> remove(String clientId) {
    return mirror.loaded().compose(loaded -> mirror.get(clientId).isPresent()
        ? mirror.put(clientId, null).map(Optional::of) : Future.succeededFuture(Optional.empty()));
  }

  /** Completes once this node's copy has what was saved up to {@code position}, on whichever node. */
  Future<Void> applied(CompactedTopicMirror.Position position) {
    return mirror.applied(position);
  }

  /** Every minute, drops expired sessions of clients that {@code connectedHere} does not know as connected to this node. */
  long startSweeping(Vertx vertx, Predicate<String> connectedHere) {
    return vertx.setPeriodic(SWEEP_MS, id -> {
      long now = System.currentTimeMillis();
      mirror.snapshot().forEach((clientId, bytes) -> {
        if (!connectedHere.test(clientId) && MqttSessionState.fromBytes(bytes).expired(now)) {
          mirror.put(clientId, null).onFailure(e -> LOG.debug("expired session of {} not dropped yet: {}", clientId, e.toString()));
        }
      });
    });
  }
}
