package io.streamgate.gateway.mqtt;

import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MQTT clients connected to this node, by client id, across all MQTT verticle instances. A
 * client that connects with the id of one already connected takes its place: the older connection
 * is ended (MQTT 3.1.1 §3.1.4, 5.0 reason 0x8E Session taken over). Thread-safe.
 */
final class MqttClients {
  private final ConcurrentHashMap<String, MqttConnection> byClientId = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final int maxConnections;

  MqttClients(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  /** Takes a connection slot; false when the node already has its maximum. */
  boolean reserve() {
    if (connections.incrementAndGet() > maxConnections) {
      connections.decrementAndGet();
      return false;
    }
    return true;
  }

  void release() {
    connections.decrementAndGet();
  }

  /**
   * Registers a connection, ending the one that had its client id; completes once that one is gone
   * and has saved its session, so the new one resumes what the old one left.
   */
  Future<Void> register(String clientId, MqttConnection connection) {
    MqttConnection previous = byClientId.put(clientId, connection);
    return previous != null && previous != connection ? previous.takenOver() : Future.succeededFuture();
  }

  void unregister(String clientId, MqttConnection connection) {
    byClientId.remove(clientId, connection);
  }

  boolean isConnected(String clientId) {
    return byClientId.containsKey(clientId);
  }

  /** Connections open on this node. */
  int connected() {
    return connections.get();
  }
}
