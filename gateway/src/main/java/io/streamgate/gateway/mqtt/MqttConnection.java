package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.security.AccessWatch;
import io.streamgate.gateway.security.Authenticated;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttWill;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT client's connection: CONNECT (connection limit, authentication, will, session), then its
 * PUBLISHes ({@link MqttIngest}) and subscriptions ({@link MqttDelivery}) until it disconnects, is
 * taken over, or is ended for bad input.
 *
 * <ul>
 *   <li>Sessions (§4.1): a clean session lives as long as the connection. A persistent one (MQTT
 *       3.1.1 CleanSession 0; MQTT 5 Session Expiry Interval above 0, capped by
 *       {@code mqtt-max-session-expiry-seconds}) is saved in {@link MqttSessions} when its
 *       subscriptions change (before the SUBACK), every few seconds while its deliveries move, and
 *       when the connection ends; a later CONNECT on any node resumes it (CONNACK session present),
 *       resending unacknowledged QoS 1 messages with their packet ids and DUP set (§4.4).
 *   <li>Will (§3.1.2.5): published when the connection ends other than by a DISCONNECT (MQTT 5:
 *       DISCONNECT 0x04 asks for it), through the same path as a PUBLISH.
 *   <li>Ending for a fault is logged and, for MQTT 5, carries a DISCONNECT reason code
 *       ({@link MqttFailures}); MQTT 3.1.1 has no such packet, so its connection is simply closed.
 *       Keep-alive is vertx-mqtt's: a client silent for 1.5 times its keep-alive is closed (§3.1.2.10).
 * </ul>
 *
 * <p>Confined to the connection's event loop, except {@link #takenOver()}.
 */
final class MqttConnection {
  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
  /** How often a persistent session whose deliveries or QoS 2 ids moved is saved; a node crash loses at most this much of it. */
  private static final long SAVE_INTERVAL_MS = 5000;

  private final MqttEndpoint endpoint;
  private final Context context;
  private final MqttNode node;
  /** Where the records delivered to the client are decoded. */
  private final RecordDecoding decoding;
  private final boolean v5;
  private final NetSocket socket;
  /** Kept: vertx-mqtt's endpoint no longer tells it once closed. */
  private final SocketAddress remoteAddress;
  private final Consumer<MqttConnection> onClosed;
  /**
   * Completes once the connection is closed and its session saved, with where the save ended (empty
   * when nothing was written): a connection taking over, on this node or another, waits for it.
   */
  private final Promise<Optional<CompactedTopicMirror.Position>> gone = Promise.promise();
  private final long connectedAt = System.currentTimeMillis();
  /** Who the client is and what it may do; set once authenticated. */
  private MqttAccess access;
  private MqttIngest ingest;
  private MqttDelivery delivery;
  private MqttWill will;
  /** Session expiry in ms; 0 for a clean session. */
  private long sessionExpiryMs;
  private boolean sessionStored;
  private long saveTimer = -1;
  /** Asks again whether the client may go on when rights change or its credential expires; set once accepted. */
  private AccessWatch.Watch accessWatch = AccessWatch.Watch.NONE;
  private boolean reserved;
  private boolean registered;
  /** A DISCONNECT (or close) is under way: a fault is logged and told once. */
  private boolean ending;
  private boolean closed;

  /** @param onClosed told once the connection is gone */
  MqttConnection(MqttEndpoint endpoint, Context context, MqttNode node, RecordDecoding decoding, Consumer<MqttConnection> onClosed) {
    this.endpoint = endpoint;
    this.decoding = decoding;
    this.onClosed = onClosed;
    this.context = context;
    this.node = node;
    this.v5 = endpoint.protocolVersion() == MqttVersion.MQTT_5.protocolLevel();
    this.socket = EndpointSocket.of(endpoint);
    this.remoteAddress = endpoint.remoteAddress();
  }

  void start() {
    boolean assignedId = endpoint.clientIdentifier() == null;
    if (assignedId) {
      // An empty client id with a clean session: the server picks one (§3.1.3.1) and, in MQTT 5, says which.
      endpoint.setClientIdentifier(MqttNames.ASSIGNED_CLIENT_ID_PREFIX + UUID.randomUUID());
    }
    endpoint.exceptionHandler(this::onException);
    endpoint.closeHandler(v -> onClosed());
    if (!node.clients().reserve()) {
      refuse("the node has its maximum of connections", MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
          MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED);
      return;
    }
    reserved = true;
    sessionExpiryMs = sessionExpiryMs();
    ContextFutures.completedOn(context, principal()).onComplete(authenticated -> {
      if (closed) {
        return;
      }
      if (authenticated.failed()) {
        if (Failures.cause(authenticated.cause()) instanceof AuthenticationException) {
          // Audited by NodeSecurity; MQTT 3.1.1 §3.2.2.3 return code 4, MQTT 5 reason code 0x86.
          refuse("authentication failed: " + authenticated.cause().getMessage(),
              MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
              MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD);
        } else {
          refuse("authentication failed: " + authenticated.cause(), MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
              MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5);
        }
        return;
      }
      access = new MqttAccess(node.security(), node.config().mapper(), authenticated.result(), remoteAddress.toString());
      if (!acceptWill()) {
        return;
      }
      registered = true;
      node.clients().register(clientId(), this)
          .transform(previousGone -> session())
          .onComplete(session -> {
            if (closed) {
              return;
            }
            if (session.failed()) {
              LOG.warn("mqtt client {}: its session could not be had: {}", clientId(), session.cause().toString());
              endpoint.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                  : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            } else {
              accept(assignedId, session.result());
            }
          });
    });
  }

  /**
   * Who the client is: the CONNECT's password (an API key, the bootstrap key or a token; any user
   * name) as {@link io.streamgate.gateway.security.NodeSecurity#authenticate} reads it; without a
   * password, over TLS, the verified client certificate's subject.
   */
  private Future<Authenticated> principal() {
    MqttAuth auth = endpoint.auth();
    if ((auth == null || auth.getPassword() == null) && endpoint.isSsl()) {
      return node.security().authenticateCertificate(endpoint.sslSession(), "mqtt", remoteAddress.toString());
    }
    return node.security().authenticate(auth == null ? null : auth.getPassword(), "mqtt", remoteAddress.toString());
  }

  /** MQTT 5: the client's Session Expiry Interval, capped; MQTT 3.1.1: the cap, unless the session is clean. */
  private long sessionExpiryMs() {
    long max = node.config().maxSessionExpirySeconds() * 1000;
    if (!v5) {
      return endpoint.isCleanSession() ? 0 : max;
    }
    MqttProperty<?> expiry = endpoint.connectProperties() == null ? null
        : endpoint.connectProperties().getProperty(MqttProperties.SESSION_EXPIRY_INTERVAL);
    long seconds = expiry != null && expiry.value() instanceof Integer value ? Integer.toUnsignedLong(value) : 0;
    return Math.min(seconds * 1000, max);
  }

  /**
   * MQTT 5 Will Delay Interval (§3.1.3.2.2): how long the will waits for the client to come back,
   * at most until the session ends; 0 for MQTT 3.1.1.
   */
  private long willDelayMs() {
    MqttProperties properties = will.getWillProperties();
    MqttProperty<?> delay = !v5 || properties == null ? null : properties.getProperty(MqttProperties.WILL_DELAY_INTERVAL);
    long seconds = delay != null && delay.value() instanceof Integer value ? Integer.toUnsignedLong(value) : 0;
    return Math.min(seconds * 1000, sessionExpiryMs);
  }

  /** Whether the client asked for a clean start: a will delayed for its previous connection's session goes at once. */
  boolean cleanStart() {
    return endpoint.isCleanSession();
  }

  /**
   * A will whose topic the node would not take, or whose log topic the principal may not write to,
   * refuses the CONNECT (3.1.1: not authorized; 5.0: its reason).
   */
  private boolean acceptWill() {
    MqttWill offered = endpoint.will();
    if (offered == null || !offered.isWillFlag()) {
      return true;
    }
    if (offered.getWillQos() > MqttQoS.EXACTLY_ONCE.value()) {
      // MQTT 3.1.1 and 5.0 §3.1.2.6: a Will QoS of 3 makes the CONNECT malformed (3.1.1: close, no CONNACK).
      LOG.warn("mqtt client {} from {} refused: a will of QoS {} (§3.1.2.6)", clientId(), remoteAddress, offered.getWillQos());
      if (v5) {
        endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_MALFORMED_PACKET);
      } else {
        socket.close();
      }
      return false;
    }
    try {
      String logTopic = node.config().mapper().map(offered.getWillTopic(), clientId()).logTopic();
      if (!access.mayWrite(logTopic)) {
        refuse("will topic '" + offered.getWillTopic() + "' refused: " + access.principal() + " may not write to topic '" + logTopic + "'",
            MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5);
        return false;
      }
      will = offered;
      return true;
    } catch (RuntimeException refused) {
      MqttDisconnectReasonCode reason = MqttFailures.reason(refused);
      refuse("will topic '" + offered.getWillTopic() + "' refused: " + refused.getMessage(),
          MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, reason == MqttDisconnectReasonCode.NOT_AUTHORIZED
              ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5 : MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID);
      return false;
    }
  }

  /** The stored session to resume, if any: none with a clean start (which also drops a stored one). */
  private Future<Optional<MqttSessionState>> session() {
    MqttSessions sessions = node.sessions();
    if (endpoint.isCleanSession()) {
      return sessions.remove(clientId()).map(removed -> Optional.empty());
    }
    return sessions.load(clientId()).compose(stored -> {
      if (stored.isEmpty() && sessionExpiryMs > 0 && sessions.full()) {
        return Future.failedFuture(new IllegalStateException("the cluster keeps its maximum of sessions (mqtt-max-sessions)"));
      }
      sessionStored = stored.isPresent();
      return Future.succeededFuture(stored);
    });
  }

  private void accept(boolean assignedId, Optional<MqttSessionState> session) {
    GatewayConfig.Mqtt config = node.config();
    socket.setWriteQueueMaxSize(node.writeQueueBytes());
    EndpointSocket.consolidateFlushes(socket);
    ingest = new MqttIngest(node, context, endpoint, socket, access, this::fail);
    delivery = new MqttDelivery(node, context, decoding, endpoint, socket, access,
        Math.min(config.maxInflight(), clientLimit(MqttProperties.RECEIVE_MAXIMUM, 65_535)),
        clientLimit(MqttProperties.MAXIMUM_PACKET_SIZE, Integer.MAX_VALUE));
    endpoint.publishAutoAck(false);
    endpoint.subscriptionAutoAck(false);
    endpoint.publishHandler(ingest::onPublish);
    endpoint.publishReleaseHandler(ingest::onPubrel);
    endpoint.publishAcknowledgeHandler(delivery::onPuback);
    endpoint.subscribeHandler(this::onSubscribe);
    endpoint.unsubscribeHandler(message -> {
      delivery.unsubscribe(message.topics()).compose(v -> saveSession()).onComplete(saved -> {
        if (!closed && endpoint.isConnected()) {
          endpoint.unsubscribeAcknowledge(message.messageId());
        }
      });
    });
    endpoint.disconnectMessageHandler(message -> {
      // A DISCONNECT ends the connection normally: the will is dropped, unless an MQTT 5 client asks for it (§3.14.2.1).
      if (message.code() != MqttDisconnectReasonCode.WITH_WILL_MESSAGE) {
        will = null;
      }
    });
    endpoint.accept(session.isPresent(), connackProperties(assignedId));
    accessWatch = access.watch(context, this::recheckAccess);
    delivery.start();
    session.ifPresent(state -> {
      ingest.restore(state.unreleased());
      delivery.restore(state).onFailure(this::fail);
    });
    if (sessionExpiryMs > 0) {
      saveTimer = context.owner().setPeriodic(SAVE_INTERVAL_MS, id -> {
        if (delivery.dirty() || ingest.dirty()) {
          saveSession();
        }
      });
    }
    LOG.debug("mqtt client {} connected from {} (MQTT {}, keep-alive {} s, session {})", clientId(), remoteAddress,
        v5 ? "5" : "3.1.1", endpoint.keepAliveTimeSeconds(), session.isPresent() ? "resumed" : sessionExpiryMs > 0 ? "new" : "clean");
  }

  /**
   * The ACLs or keys changed, or the credential expired: a revoked or expired credential ends the
   * connection (MQTT 5: DISCONNECT 0x87 Not authorized, §3.14.2.1; 3.1.1 has no DISCONNECT from the
   * server, so it is closed); otherwise subscriptions stop reading what may no longer be read.
   */
  private void recheckAccess() {
    if (closed || ending) {
      return;
    }
    if (!access.stillAuthenticated()) {
      LOG.info("mqtt client {} from {}: its credentials were revoked or expired; disconnecting", clientId(), remoteAddress);
      disconnect(MqttDisconnectReasonCode.NOT_AUTHORIZED);
      return;
    }
    delivery.accessChanged();
  }

  /** What an MQTT 5 client must know of this server (§3.2.2.3); MQTT 3.1.1 CONNACKs carry no properties. */
  private MqttProperties connackProperties(boolean assignedId) {
    if (!v5) {
      return MqttProperties.NO_PROPERTIES;
    }
    MqttProperties properties = new MqttProperties();
    properties.add(new IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, node.config().maxInflight()));
    properties.add(new IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, node.config().maxPacketBytes()));
    properties.add(new IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, MqttIngest.TOPIC_ALIAS_MAXIMUM));
    if (sessionExpiryMs / 1000 < requestedSessionExpirySeconds()) {
      properties.add(new IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, (int) (sessionExpiryMs / 1000)));
    }
    if (assignedId) {
      properties.add(new StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, clientId()));
    }
    return properties;
  }

  private long requestedSessionExpirySeconds() {
    MqttProperty<?> expiry = endpoint.connectProperties() == null ? null
        : endpoint.connectProperties().getProperty(MqttProperties.SESSION_EXPIRY_INTERVAL);
    return expiry != null && expiry.value() instanceof Integer value ? Integer.toUnsignedLong(value) : 0;
  }

  /** A limit the MQTT 5 client set in its CONNECT, or {@code otherwise}. */
  private int clientLimit(int propertyId, int otherwise) {
    MqttProperty<?> property = endpoint.connectProperties() == null ? null : endpoint.connectProperties().getProperty(propertyId);
    return property != null && property.value() instanceof Integer value && value > 0 ? value : otherwise;
  }

  /** The SUBSCRIBE's MQTT 5 Subscription Identifier (§3.8.2.1.2); 0 when it has none. */
  private static int subscriptionId(MqttSubscribeMessage message) {
    MqttProperty<?> id = message.properties() == null ? null : message.properties().getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER);
    return id != null && id.value() instanceof Integer value ? value : 0;
  }

  private void onSubscribe(MqttSubscribeMessage message) {
    delivery.subscribe(message.topicSubscriptions(), subscriptionId(message))
        // A persistent session's new subscriptions are stored before they are acknowledged.
        .compose(codes -> saveSession().map(codes))
        .onComplete(result -> {
          // The endpoint is closed already when the client's DISCONNECT came meanwhile.
          if (closed || !endpoint.isConnected()) {
            return;
          }
          if (result.failed()) {
            fail(result.cause());
            return;
          }
          // MQTT 3.1.1 knows one failure code, 0x80 (§3.9.3). (vertx-mqtt's limitForMqttVersion compares signed bytes
          // and turns granted codes into failures too.)
          List<MqttSubAckReasonCode> codes = result.result().stream()
              .map(code -> v5 || (code.value() & 0xff) < 0x80 ? code : MqttSubAckReasonCode.UNSPECIFIED_ERROR).toList();
          endpoint.subscribeAcknowledge(message.messageId(), codes, MqttProperties.NO_PROPERTIES);
          delivery.sendRetained();
        });
  }

  /** Saves a persistent session as it stands, completing with where the save ended; nothing for a clean one. */
  private Future<Optional<CompactedTopicMirror.Position>> saveSession() {
    if (sessionExpiryMs == 0 || delivery == null) {
      return Future.succeededFuture(Optional.empty());
    }
    MqttSessionState state = delivery.snapshot(System.currentTimeMillis(), sessionExpiryMs, ingest.unreleased());
    sessionStored = true;
    return node.sessions().save(clientId(), state).map(Optional::of);
  }

  /** When the client's CONNECT was accepted for processing: of two connections with one client id, the later one stays. */
  long connectedAt() {
    return connectedAt;
  }

  /**
   * Another connection took this client id: end this one (§3.1.4); completes once it is gone and its
   * session saved, with where the save ended. Thread-safe.
   */
  Future<Optional<CompactedTopicMirror.Position>> takenOver() {
    context.runOnContext(v -> {
      if (!closed) {
        LOG.info("mqtt client {}: session taken over by a new connection", clientId());
        disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER);
      }
    });
    return gone.future();
  }

  /** Ends the connection for a failure: logged, and told to an MQTT 5 client as a reason code. */
  void fail(Throwable failure) {
    if (closed || ending) {
      return;
    }
    MqttDisconnectReasonCode reason = MqttFailures.reason(failure);
    LOG.warn("mqtt client {} from {} disconnected ({}): {}", clientId(), remoteAddress, reason,
        Failures.cause(failure).getMessage());
    disconnect(reason);
  }

  /** The server is stopping: tell MQTT 5 clients so (reason 0x8B), close the others; completes once gone and saved. */
  Future<Void> shutdown() {
    if (!closed) {
      disconnect(MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN);
    }
    return gone.future().mapEmpty();
  }

  /** The endpoint reports I/O errors and the packets {@link MqttPacketScreen} refused. */
  private void onException(Throwable failure) {
    if (failure instanceof IOException) {
      LOG.debug("mqtt client {}: connection error: {}", clientId(), failure.toString());
      return;
    }
    fail(failure);
  }

  private void refuse(String why, MqttConnectReturnCode v3Code, MqttConnectReturnCode v5Code) {
    LOG.warn("mqtt client {} from {} refused: {}", clientId(), remoteAddress, why);
    endpoint.reject(v5 ? v5Code : v3Code);
  }

  private void disconnect(MqttDisconnectReasonCode reason) {
    if (ending) {
      return;
    }
    ending = true;
    MqttPacketScreen screen = EndpointSocket.pipeline(socket).get(MqttPacketScreen.class);
    if (screen != null) {
      screen.ending();
    }
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
    accessWatch.cancel();
    if (saveTimer >= 0) {
      context.owner().cancelTimer(saveTimer);
    }
    Future<Optional<CompactedTopicMirror.Position>> saved = Future.succeededFuture(Optional.empty());
    if (ingest != null) {
      if (will != null) {
        long delayMs = willDelayMs();
        if (delayMs > 0) {
          MqttWill delayed = will;
          node.clients().delayWill(clientId(), delayMs, context, () -> publishWill(delayed));
        } else {
          publishWill(will);
        }
      }
      if (sessionExpiryMs > 0) {
        saved = saveSession();
      } else if (sessionStored) {
        // A session resumed by a connection that keeps none (MQTT 5 expiry 0) ends with it (§3.1.2.11.2).
        saved = node.sessions().remove(clientId());
      }
      ingest.close();
      delivery.close();
    }
    if (reserved) {
      node.clients().release();
    }
    onClosed.accept(this);
    saved.onComplete(done -> {
      if (done.failed()) {
        LOG.warn("mqtt client {}: session not saved: {}", clientId(), done.cause().toString());
      }
      if (registered) {
        node.clients().unregister(clientId(), this);
      }
      gone.complete(done.succeeded() ? done.result() : Optional.empty());
    });
    LOG.debug("mqtt client {} disconnected", clientId());
  }

  private void publishWill(MqttWill will) {
    byte[] payload = will.getWillMessageBytes() == null ? new byte[0] : will.getWillMessageBytes();
    ingest.write(will.getWillTopic(), payload, MqttQoS.valueOf(will.getWillQos()), will.isWillRetain())
        .onSuccess(v -> LOG.debug("mqtt client {}: will published to '{}'", clientId(), will.getWillTopic()))
        .onFailure(e -> LOG.warn("mqtt client {}: will to '{}' not published: {}", clientId(), will.getWillTopic(), e.toString()));
  }

  private String clientId() {
    return endpoint.clientIdentifier();
  }
}
