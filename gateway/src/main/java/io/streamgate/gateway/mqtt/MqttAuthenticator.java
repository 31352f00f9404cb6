package io.streamgate.gateway.mqtt;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;

/**
 * Decides whether an MQTT CONNECT is let in. The node's default, {@link #OPEN}, lets everyone in;
 * a credentials check plugs in here. Called on the connection's event loop: it must not block, and
 * answers with a future instead.
 */
@FunctionalInterface
public interface MqttAuthenticator {
  /** Lets every client in. */
  MqttAuthenticator OPEN = (clientId, username, password, remote) -> Future.succeededFuture(true);

  /**
   * Completes with true to accept the connection, false to refuse it as not authorized (CONNACK
   * return code 5 in MQTT 3.1.1, reason code 0x87 in 5.0); a failed future refuses it as a server error.
   *
   * @param username null when the CONNECT carried none
   * @param password null when the CONNECT carried none
   */
  Future<Boolean> authenticate(String clientId, String username, String password, SocketAddress remote);
}
