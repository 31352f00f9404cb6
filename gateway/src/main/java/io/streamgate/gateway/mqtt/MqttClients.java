package io.streamgate.gateway.mqtt;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MQTT clients connected to this node, by client id, across all MQTT verticle instances. A
 * client that connects with the id of one already connected takes its place: the older connection
 * is ended (MQTT 3.1.1 §3.1.4, 5.0 reason 0x8E Session taken over). Thread-safe.
 */
public final class MqttClients {
  private final ConcurrentHashMap<String, MqttConnection> byClientId = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final int maxConnections;

  public MqttClients(int maxConnections) {
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

  /** Registers an accepted connection, ending the one that had its client id. */
  void register(String clientId, MqttConnection connection) {
    MqttConnection previous = byClientId.put(clientId, connection);
    if (previous != null && previous != connection) {
      previous.takenOver();
    }
  }

  void unregister(String clientId, MqttConnection connection) {
    byClientId.remove(clientId, connection);
  }

  /** Connections open on this node. */
  public int connected() {
    return connections.get();
  }
}
