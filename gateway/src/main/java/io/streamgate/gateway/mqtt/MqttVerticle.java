package io.streamgate.gateway.mqtt;

import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.security.NodeTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT listeners of a node: MQTT 3.1.1 and 5.0 over TCP, and, if configured, over WebSocket
 * (path {@code /mqtt}, subprotocol {@code mqtt}) for browsers. Deployed as several instances (one per
 * event loop) that share the port; each client's connection lives on one instance's event loop as
 * an {@link MqttConnection}. A failed bind fails the deployment.
 */
public final class MqttVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MqttVerticle.class);
  /** A client must send CONNECT within this after connecting (MQTT 3.1.1 §3.1.4 leaves the time to the server). */
  private static final int CONNECT_TIMEOUT_SECONDS = 30;
  /** Client ids up to this long are taken; MQTT requires at least 23 (§3.1.3.1), devices often send longer ones. */
  private static final int MAX_CLIENT_ID_LENGTH = 256;

  private final MqttNode node;
  private final NodeTls tls;
  private final Set<MqttConnection> connections = new HashSet<>();
  private RecordDecoding decoding;
  private MqttServer server;
  private MqttServer webSocketServer;

  /**
   * @param node what all instances of the node share
   * @param tls the node's TLS, for both listeners when {@code mqtt-tls} is on
   */
  public MqttVerticle(MqttNode node, NodeTls tls) {
    this.node = node;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    GatewayConfig.Mqtt mqtt = node.config();
    decoding = RecordDecoding.create(vertx);
    server = listener(options(mqtt).setPort(mqtt.bindPort()));
    if (!mqtt.webSocketEnabled()) {
      return server.listen();
    }
    MqttServerOptions webSocket = options(mqtt).setPort(mqtt.webSocketBindPort()).setUseWebSocket(true);
    // Browser clients send a packet per frame: a frame may be as large as the largest packet.
    webSocket.setWebSocketMaxFrameSize(mqtt.maxPacketBytes());
    webSocketServer = listener(webSocket);
    return server.listen().compose(tcp -> webSocketServer.listen());
  }

  private MqttServerOptions options(GatewayConfig.Mqtt mqtt) {
    MqttServerOptions options = new MqttServerOptions()
        .setHost(mqtt.host())
        .setMaxMessageSize(mqtt.maxPacketBytes())
        .setMaxClientIdLength(MAX_CLIENT_ID_LENGTH)
        .setTimeoutOnConnect(CONNECT_TIMEOUT_SECONDS)
        // Empty client ids are given one by MqttConnection, which tells MQTT 5 clients which.
        .setAutoClientId(false);
    if (tls.mqtt()) {
      tls.secure(options);
    }
    return options;
  }

  private MqttServer listener(MqttServerOptions options) {
    MqttServer listener = MqttServer.create(vertx, options);
    MqttPipeline.screen(listener, options.getMaxMessageSize());
    return listener
        .endpointHandler(endpoint -> {
          MqttConnection connection = new MqttConnection(endpoint, context, node, decoding, connections::remove);
          connections.add(connection);
          connection.start();
        })
        .exceptionHandler(failure -> LOG.debug("mqtt connection failed before CONNECT: {}", failure.toString()));
  }

  /**
   * Disconnects every client (MQTT 5 ones with reason 0x8B, server shutting down) and waits, up to
   * {@code shutdown-grace-ms}, for their sessions to be saved; then stops listening.
   */
  @Override
  public Future<?> stop() {
    List<Future<Void>> gone = List.copyOf(connections).stream().map(MqttConnection::shutdown).toList();
    return Future.join(gone).timeout(node.shutdownGraceMs(), TimeUnit.MILLISECONDS)
        .transform(saved -> Future.join(close(server), close(webSocketServer)));
  }

  private static Future<Void> close(MqttServer listener) {
    return listener == null ? Future.succeededFuture() : listener.close();
  }

  /** The port this instance listens on (all instances share it). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The MQTT-over-WebSocket port (all instances share it); 0 when that listener is off. */
  public int actualWebSocketPort() {
    return webSocketServer == null ? 0 : webSocketServer.actualPort();
  }
}
