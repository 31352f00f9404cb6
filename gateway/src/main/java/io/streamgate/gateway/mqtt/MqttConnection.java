package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.Context;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT client's connection: CONNECT (connection limit, authentication, CONNACK with the node's
 * limits), then its PUBLISHes ({@link MqttIngest}) and subscriptions ({@link MqttDelivery}) until it
 * disconnects, is taken over, or is ended for bad input. Ending a connection for a fault is logged
 * and, for MQTT 5, carries a DISCONNECT reason code ({@link MqttFailures}); MQTT 3.1.1 has no such
 * packet, so its connection is simply closed. Keep-alive is vertx-mqtt's: a client silent for 1.5
 * times its keep-alive is closed (§3.1.2.10).
 *
 * <p>Confined to the connection's event loop, except {@link #takenOver()}.
 */
final class MqttConnection {
  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

  private final MqttEndpoint endpoint;
  private final Context context;
  private final MqttNodeServices node;
  private final boolean v5;
  private final NetSocket socket;
  private final Consumer<MqttConnection> onClosed;
  private MqttIngest ingest;
  private MqttDelivery delivery;
  private boolean reserved;
  private boolean accepted;
  private boolean closed;

  /** @param onClosed told once the connection is gone */
  MqttConnection(MqttEndpoint endpoint, Context context, MqttNodeServices node, Consumer<MqttConnection> onClosed) {
    this.endpoint = endpoint;
    this.onClosed = onClosed;
    this.context = context;
    this.node = node;
    this.v5 = endpoint.protocolVersion() == MqttVersion.MQTT_5.protocolLevel();
    this.socket = EndpointSocket.of(endpoint);
  }

  void start() {
    boolean assignedId = endpoint.clientIdentifier() == null;
    if (assignedId) {
      // An empty client id with a clean session: the server picks one (§3.1.3.1) and, in MQTT 5, says which.
      endpoint.setClientIdentifier("streamgate-" + UUID.randomUUID());
    }
    endpoint.exceptionHandler(this::onException);
    endpoint.closeHandler(v -> onClosed());
    if (!node.clients().reserve()) {
      LOG.warn("mqtt client {} from {} refused: the node has its maximum of connections", clientId(), endpoint.remoteAddress());
      endpoint.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
      return;
    }
    reserved = true;
    MqttAuth auth = endpoint.auth();
    node.authenticator().authenticate(clientId(), auth == null ? null : auth.getUsername(), auth == null ? null : auth.getPassword(),
        endpoint.remoteAddress()).onComplete(result -> {
          if (closed) {
            return;
          }
          if (result.failed()) {
            LOG.warn("mqtt client {} from {} refused: authentication failed: {}", clientId(), endpoint.remoteAddress(),
                result.cause().toString());
            endpoint.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
          } else if (!result.result()) {
            LOG.info("mqtt client {} from {} refused: not authorized", clientId(), endpoint.remoteAddress());
            endpoint.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
          } else {
            accept(assignedId);
          }
        });
  }

  private void accept(boolean assignedId) {
    GatewayConfig.Mqtt config = node.config();
    socket.setWriteQueueMaxSize(node.writeQueueBytes());
    ingest = new MqttIngest(node.service(), node.topics(), config.mapper(), node.partitioner(), context, endpoint, socket,
        config.maxInflight(), node.metrics(), this::fail);
    delivery = new MqttDelivery(node.service(), node.topics(), config.mapper(), context, endpoint, socket,
        Math.min(config.maxInflight(), clientLimit(MqttProperties.RECEIVE_MAXIMUM, 65_535)),
        clientLimit(MqttProperties.MAXIMUM_PACKET_SIZE, Integer.MAX_VALUE), node.metrics());
    endpoint.publishAutoAck(false);
    endpoint.subscriptionAutoAck(false);
    endpoint.publishHandler(ingest::onPublish);
    endpoint.publishReleaseHandler(ingest::onPubrel);
    endpoint.publishAcknowledgeHandler(delivery::onPuback);
    endpoint.subscribeHandler(this::onSubscribe);
    endpoint.unsubscribeHandler(message -> {
      delivery.unsubscribe(message.topics());
      endpoint.unsubscribeAcknowledge(message.messageId());
    });
    node.clients().register(clientId(), this);
    accepted = true;
    endpoint.accept(false, connackProperties(assignedId));
    delivery.start();
    LOG.debug("mqtt client {} connected from {} (MQTT {}, keep-alive {} s)", clientId(), endpoint.remoteAddress(),
        v5 ? "5" : "3.1.1", endpoint.keepAliveTimeSeconds());
  }

  /** What an MQTT 5 client must know of this server (§3.2.2.3); MQTT 3.1.1 CONNACKs carry no properties. */
  private MqttProperties connackProperties(boolean assignedId) {
    if (!v5) {
      return MqttProperties.NO_PROPERTIES;
    }
    MqttProperties properties = new MqttProperties();
    properties.add(new IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, node.config().maxInflight()));
    properties.add(new IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, node.config().maxPacketBytes()));
    properties.add(new IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 0));
    properties.add(new IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 0));
    properties.add(new IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0));
    if (assignedId) {
      properties.add(new StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, clientId()));
    }
    return properties;
  }

  /** A limit the MQTT 5 client set in its CONNECT, or {@code otherwise}. */
  private int clientLimit(int propertyId, int otherwise) {
    MqttProperty<?> property = endpoint.connectProperties() == null ? null : endpoint.connectProperties().getProperty(propertyId);
    return property != null && property.value() instanceof Integer value && value > 0 ? value : otherwise;
  }

  private void onSubscribe(MqttSubscribeMessage message) {
    delivery.subscribe(message.topicSubscriptions()).onComplete(result -> {
      if (closed) {
        return;
      }
      // MQTT 3.1.1 knows one failure code, 0x80 (§3.9.3). (vertx-mqtt's limitForMqttVersion compares signed bytes
      // and turns granted codes into failures too.)
      List<MqttSubAckReasonCode> codes = result.result().stream()
          .map(code -> v5 || (code.value() & 0xff) < 0x80 ? code : MqttSubAckReasonCode.UNSPECIFIED_ERROR).toList();
      endpoint.subscribeAcknowledge(message.messageId(), codes, MqttProperties.NO_PROPERTIES);
    });
  }

  /** Another connection took this client id: end this one (§3.1.4). Thread-safe. */
  void takenOver() {
    context.runOnContext(v -> {
      if (!closed) {
        LOG.info("mqtt client {}: session taken over by a new connection", clientId());
        disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER);
      }
    });
  }

  /** Ends the connection for a failure: logged, and told to an MQTT 5 client as a reason code. */
  void fail(Throwable failure) {
    if (closed) {
      return;
    }
    MqttDisconnectReasonCode reason = MqttFailures.reason(failure);
    LOG.warn("mqtt client {} from {} disconnected ({}): {}", clientId(), endpoint.remoteAddress(), reason,
        MqttFailures.unwrap(failure).getMessage());
    disconnect(reason);
  }

  /** The server is stopping: tell MQTT 5 clients so (reason 0x8B), close the others. */
  void shutdown() {
    if (!closed) {
      disconnect(MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN);
    }
  }

  /** The endpoint reports I/O errors and packets the decoder refused (oversize or malformed). */
  private void onException(Throwable failure) {
    if (failure instanceof IOException) {
      LOG.debug("mqtt client {}: connection error: {}", clientId(), failure.toString());
      return;
    }
    MqttDisconnectReasonCode reason = failure instanceof TooLongFrameException
        ? MqttDisconnectReasonCode.PACKET_TOO_LARGE : MqttDisconnectReasonCode.MALFORMED_PACKET;
    fail(new MqttRefusal(reason, "unreadable packet: " + failure.getMessage()));
  }

  private void disconnect(MqttDisconnectReasonCode reason) {
    if (!endpoint.isConnected()) {
      // Not accepted yet (or already gone): there is no session to send a DISCONNECT in.
      socket.close();
      return;
    }
    if (v5) {
      endpoint.disconnect(reason, MqttProperties.NO_PROPERTIES);
    } else {
      endpoint.close();
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    if (ingest != null) {
      ingest.close();
      delivery.close();
    }
    if (accepted) {
      node.clients().unregister(clientId(), this);
    }
    if (reserved) {
      node.clients().release();
    }
    onClosed.accept(this);
    LOG.debug("mqtt client {} disconnected", clientId());
  }

  private String clientId() {
    return endpoint.clientIdentifier();
  }
}
