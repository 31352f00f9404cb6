package io.streamgate.gateway.mqtt;

import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.security.Quotas;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;

/**
 * One connection's deliveries: what its subscriptions ({@link MqttSubscriptions}) bring from the
 * partition readers ({@link MqttPartitionReaders}), its shared subscriptions and the retained
 * messages goes out through the in-flight window ({@link MqttInflightWindow}); {@link MqttMessages}
 * makes the messages. Once a SUBACK is out, the matching retained messages go first
 * ({@link #sendRetained}); then a message of each partition and share in turn.
 *
 * <p>For a persistent session, {@link #snapshot} gives what {@link #restore} needs to go on where
 * it stopped: the subscriptions, each partition's first record not yet sent, and the QoS 1 messages
 * awaiting their PUBACK, which a restore sends again with their packet ids and DUP set.
 *
 * <p>Backpressure: while the socket's write queue is full, or {@code maxInflight} QoS 1 messages
 * await their PUBACK, nothing is sent and no partition is read; the drain handler and PUBACKs start
 * it again. A slow subscriber therefore holds at most one chunk per partition plus one write queue
 * (and references to the retained messages due to it, which the node holds anyway).
 *
 * <p>Quotas: each message's payload is charged to the principal's consume quota; in debt, nothing is
 * sent until the wait has passed (the messages wait in their readers, as for a slow client).
 *
 * <p>Confined to the connection's event loop.
 */
final class MqttDelivery {
  private final MqttRetained retained;
  private final MqttAccess access;
  private final Context context;
  private final Quotas quotas;
  /** The timer of a consume quota's wait, nothing sent meanwhile; -1 when none. */
  private long quotaTimer = -1;
  private final NetSocket socket;
  private final long maxPacketBytes;
  private final String clientId;
  private final MqttInflightWindow window;
  private final MqttPartitionReaders readers;
  private final MqttSubscriptions subscriptions;
  /** Retained messages due to the client for its latest subscriptions, sent before live records. */
  private final ArrayDeque<MqttOutgoing> retainedDue = new ArrayDeque<>();
  /** Whether positions, subscriptions or acknowledgements moved since the last {@link #snapshot}. */
  private boolean dirty;

  /**
   * @param decoding where the records read for the subscriptions are decoded
   * @param maxInflight QoS 1 messages that may await a PUBACK at once
   * @param maxPacketBytes largest packet the client accepts (its MQTT 5 Maximum Packet Size); larger messages are skipped (§3.1.2.11.4)
   */
  MqttDelivery(MqttNode node, Context context, RecordDecoding decoding, MqttEndpoint endpoint, NetSocket socket, MqttAccess access,
      int maxInflight, long maxPacketBytes) {
    this.retained = node.retained();
    this.access = access;
    this.context = context;
    this.quotas = node.security().quotas();
    this.socket = socket;
    this.maxPacketBytes = maxPacketBytes;
    this.clientId = endpoint.clientIdentifier();
    this.window = new MqttInflightWindow(node.service(), context, endpoint, socket, maxInflight, node.metrics());
    this.readers = new MqttPartitionReaders(node.service(), node.topics(), context, decoding, clientId,
        this::messageFor,
        this::canSend, this::pump, this::moved);
    this.subscriptions = new MqttSubscriptions(node, context, decoding, clientId, access, readers, maxInflight, maxPacketBytes, this::pump,
        this::moved);
  }

  void start() {
    socket.drainHandler(v -> pump());
  }

  /**
   * Subscribes to each filter, with the SUBSCRIBE's MQTT 5 Subscription Identifier (0: none);
   * completes with the SUBACK reason codes, in order, once delivery from now on is set up.
   */
  Future<List<MqttSubAckReasonCode>> subscribe(List<MqttTopicSubscription> requested, int subscriptionId) {
    return subscriptions.subscribe(requested, subscriptionId);
  }

  /**
   * Once the SUBACK is out: queues the retained messages matching the subscriptions just made
   * (§3.3.1.3), at the lower of the subscription's and the message's QoS, unless an MQTT 5 client
   * asked not to get them (Retain Handling 2, or 1 for a subscription it had already).
   */
  void sendRetained() {
    for (MqttSubscriptions.Subscription subscription : subscriptions.takeAwaitingRetained()) {
      for (MqttRetained.Message message : retained.matching(subscription.filter())) {
        if (!access.allowsRetained(message.topic())) {
          continue;  // retained on a topic the principal may not read
        }
        MqttOutgoing outgoing = MqttMessages.forRetained(message, subscription.qos(), subscription.subscriptionId(), maxPacketBytes);
        if (outgoing != null) {
          retainedDue.add(outgoing);
        }
      }
    }
    pump();
  }

  /** The principal's rights changed: what it may no longer read is not read nor delivered any more. */
  void accessChanged() {
    subscriptions.accessChanged();
  }

  Future<Void> unsubscribe(List<String> filters) {
    return subscriptions.unsubscribe(filters);
  }

  /** PUBACK: the client has the message; its slot is free. */
  void onPuback(int packetId) {
    if (window.acknowledge(packetId)) {
      dirty = true;
      pump();
    }
  }

  /** Whether the session's state moved since the last snapshot. */
  boolean dirty() {
    return dirty;
  }

  /** The session as it stands: each partition's position is its first record not yet sent. */
  MqttSessionState snapshot(long now, long expiryMs, Set<Integer> unreleased) {
    dirty = false;
    return new MqttSessionState(now, expiryMs, subscriptions.saved(), readers.positions(), window.unacknowledged(), unreleased);
  }

  /**
   * Resumes a stored session: its subscriptions read on from their saved positions, and its
   * unacknowledged QoS 1 messages are sent again with their packet ids and DUP set (§4.4).
   */
  Future<Void> restore(MqttSessionState state) {
    window.owe(state.inflight());
    // Sent again only from topics the principal may read now: a session resumed under other rights
    // (revoked, or another principal's with the same client id) keeps the rest, unsent, for a later one.
    List<MqttSessionState.Inflight> readable = state.inflight().stream()
        .filter(message -> access.allowsRead(message.partition().topic())).toList();
    return subscriptions.restore(state, () -> window.resend(readable)).onSuccess(v -> pump());
  }

  void close() {
    if (quotaTimer >= 0) {
      context.owner().cancelTimer(quotaTimer);
    }
    window.close();
    subscriptions.close();
    readers.close();
  }

  /** The message a record read from a partition makes for this client's subscriptions, or null if none wants it. */
  private MqttOutgoing messageFor(TopicPartition partition, MqttMessages.Decoded record) {
    return MqttMessages.forSubscriptions(subscriptions.all(), clientId, partition, record, maxPacketBytes);
  }

  private boolean canSend() {
    return quotaTimer < 0 && window.canSend();
  }

  /** Sends through the window and charges the payload; in debt, holds delivery back for the wait. */
  private void send(MqttOutgoing message) {
    window.send(message);
    long waitMs = quotas.charge(access.principal(), Quotas.Kind.CONSUME_BYTES, message.payload().length);
    if (waitMs > 0) {
      quotaTimer = context.owner().setTimer(waitMs, fired -> {
        quotaTimer = -1;
        pump();
      });
    }
  }

  private void moved() {
    dirty = true;
  }

  /**
   * Sends what is ready, the retained messages first and then a message per partition and share in
   * turn, while the client keeps up; then reads partitions that have nothing ready.
   */
  private void pump() {
    while (!retainedDue.isEmpty() && canSend()) {
      send(retainedDue.poll());
    }
    boolean sent = true;
    while (sent && canSend()) {
      sent = false;
      for (MqttPartitionReaders.Reader reader : readers.all()) {
        if (!canSend()) {
          break;
        }
        MqttOutgoing next = reader.poll();
        if (next != null) {
          send(next);
          sent = true;
        }
      }
      for (MqttSharedSubscription share : subscriptions.shares()) {
        if (!canSend()) {
          break;
        }
        MqttOutgoing next = share.ready.poll();
        if (next != null) {
          send(next);
          sent = true;
        }
      }
    }
    if (canSend()) {
      readers.readIdle();
    }
  }
}
