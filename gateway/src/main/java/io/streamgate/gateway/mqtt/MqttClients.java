package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.ClusterNode;
import io.streamgate.cluster.PartitionService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT clients connected to this node, by client id, across all MQTT verticle instances. A
 * client that connects with the id of one already connected takes its place, on this node or any
 * other: the older connection is ended (MQTT 3.1.1 §3.1.4, 5.0 reason 0x8E Session taken over) and
 * the new one goes on once the older one's session is saved and this node's copy of the sessions
 * has it. Other nodes are asked over the event bus, each at its own address. It also holds the
 * wills waiting out their MQTT 5 delay, which a connection with their client id settles. Thread-safe.
 */
final class MqttClients {
  private static final Logger LOG = LoggerFactory.getLogger(MqttClients.class);
  /** How long a takeover waits for another node to end its connection and save the session. */
  private static final long TAKEOVER_TIMEOUT_MS = 5000;

  private final ConcurrentHashMap<String, MqttConnection> byClientId = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final int maxConnections;
  private final Vertx vertx;
  private final PartitionService service;
  private final MqttSessions sessions;
  private final MessageConsumer<JsonObject> takeovers;
  /** Wills waiting out their delay, by client id. */
  private final ConcurrentHashMap<String, PendingWill> pendingWills = new ConcurrentHashMap<>();

  private static final class PendingWill {
    final Context context;
    final Runnable publish;
    volatile long timer = -1;

    PendingWill(Context context, Runnable publish) {
      this.context = context;
      this.publish = publish;
    }
  }

  MqttClients(Vertx vertx, PartitionService service, MqttSessions sessions, int maxConnections) {
    this.vertx = vertx;
    this.service = service;
    this.sessions = sessions;
    this.maxConnections = maxConnections;
    this.takeovers = vertx.eventBus().consumer(takeoverAddress(service.nodeId()), this::onTakeoverRequest);
  }

  private static String takeoverAddress(String nodeId) {
    return "streamgate.mqtt.takeover." + nodeId;
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
   * Registers a connection, ending any other with its client id here or on another live node;
   * completes once those are gone and their sessions saved and seen here, so the new connection
   * resumes what the old ones left. A node that does not answer in time is passed over.
   */
  Future<Void> register(String clientId, MqttConnection connection) {
    MqttConnection previous = byClientId.put(clientId, connection);
    List<Future<?>> ended = new ArrayList<>();
    if (previous != null && previous != connection) {
      ended.add(previous.takenOver());
    }
    JsonObject request = new JsonObject().put("clientId", clientId).put("connectedAt", connection.connectedAt())
        .put("cleanStart", connection.cleanStart());
    DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(TAKEOVER_TIMEOUT_MS);
    for (ClusterNode node : service.nodes()) {
      if (node.alive() && !node.id().equals(service.nodeId())) {
        ended.add(vertx.eventBus().<JsonObject>request(takeoverAddress(node.id()), request, delivery)
            .compose(answer -> awaitSaved(answer.body()))
            .recover(failure -> {
              LOG.debug("mqtt client {}: node {} did not confirm a takeover: {}", clientId, node.id(), failure.toString());
              return Future.succeededFuture();
            }));
      }
    }
    // After the old connection here has gone: its will may just have been delayed.
    return Future.join(ended).onComplete(gone -> settlePendingWill(clientId, connection.cleanStart())).mapEmpty();
  }

  /**
   * Publishes a will once its delay has passed, unless a connection with its client id comes first
   * (MQTT 5 §3.1.3.2.2). A node that stops drops the wills it was delaying.
   */
  void delayWill(String clientId, long delayMs, Context context, Runnable publish) {
    PendingWill pending = new PendingWill(context, publish);
    PendingWill previous = pendingWills.put(clientId, pending);
    if (previous != null) {
      vertx.cancelTimer(previous.timer);
    }
    pending.timer = vertx.setTimer(delayMs, id -> {
      if (pendingWills.remove(clientId, pending)) {
        context.runOnContext(v -> publish.run());
      }
    });
  }

  /** A connection with the client id came: a delayed will is dropped if the session goes on, and published now if it ends (a clean start). */
  private void settlePendingWill(String clientId, boolean sessionEnds) {
    PendingWill pending = pendingWills.remove(clientId);
    if (pending != null) {
      vertx.cancelTimer(pending.timer);
      if (sessionEnds) {
        pending.context.runOnContext(v -> pending.publish.run());
      }
    }
  }

  /** Another node's client connected: end the connection here with its client id, if older, and answer once its session is saved. */
  private void onTakeoverRequest(Message<JsonObject> request) {
    String clientId = request.body().getString("clientId");
    MqttConnection local = byClientId.get(clientId);
    boolean cleanStart = request.body().getBoolean("cleanStart", false);
    if (local == null) {
      settlePendingWill(clientId, cleanStart);
      request.reply(new JsonObject());
      return;
    }
    // Of two connections made at once on two nodes, the later one stays, not neither.
    if (local.connectedAt() > request.body().getLong("connectedAt")) {
      request.reply(new JsonObject());
      return;
    }
    local.takenOver().onComplete(saved -> {
      settlePendingWill(clientId, cleanStart);
      request.reply(saved.succeeded() ? savedAt(saved.result()) : new JsonObject());
    });
  }

  private static JsonObject savedAt(Optional<CompactedTopicMirror.Position> position) {
    return position.map(p -> new JsonObject().put("partition", p.partition()).put("offset", p.offset())).orElse(new JsonObject());
  }

  private Future<Void> awaitSaved(JsonObject savedAt) {
    if (!savedAt.containsKey("offset")) {
      return Future.succeededFuture();
    }
    return sessions.applied(new CompactedTopicMirror.Position(savedAt.getInteger("partition"), savedAt.getLong("offset")))
        .timeout(TAKEOVER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
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

  /** Stops answering other nodes' takeovers. */
  Future<Void> close() {
    return takeovers.unregister();
  }
}
