package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageFactory;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.streamgate.cluster.Acks;
import io.streamgate.cluster.Murmur2Partitioner;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.security.TopicAuthorizationException;
import io.streamgate.gateway.JsonValues;
import io.streamgate.gateway.security.Quotas;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Header;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's PUBLISHes into the log: each message becomes one record (key and log topic by
 * {@link MqttTopicMapper}, value the payload, the headers of {@link MqttNames}) appended through
 * the {@link PartitionService}.
 *
 * <ul>
 *   <li>QoS 0: appended with {@link Acks#LEADER}; nothing is answered.
 *   <li>QoS 1: PUBACK once the record is committed ({@link Acks#ALL}).
 *   <li>QoS 2: PUBREC once committed; the packet id is then remembered until PUBREL, and a PUBLISH
 *       that repeats it meanwhile is answered PUBREC again without a second append (MQTT 3.1.1
 *       §4.3.3 method B), so each packet id is written once per session.
 * </ul>
 *
 * PUBACKs and PUBRECs go out in the order the PUBLISHes came in (§4.6), and appends are issued in
 * that order too: the records of one network read go out as one batch per partition
 * ({@link PartitionBatcher}), with {@code acks=all} if any of them needs it. A QoS 1/2 message over
 * its topic's {@code max.record.bytes} is refused. Past {@code maxInflight} publishes (or {@link #MAX_PENDING_BYTES}) still being
 * appended, the connection stops reading from the client until they complete, so a fast publisher
 * holds bounded memory. A publish the node refuses, or a failed QoS 1/2 append, ends the connection
 * through {@code fail}; a failed QoS 0 append is logged and dropped, as QoS 0 allows.
 *
 * <p>A message goes to the log only if the principal may WRITE its log topic ({@link MqttAccess}).
 * A denied QoS 1/2 PUBLISH of an MQTT 5 client is answered PUBACK/PUBREC with reason code 0x87
 * (§3.4.2.1, §3.5.2.1) and the connection goes on; MQTT 3.1.1 has no negative acknowledgement, so
 * there, as for a denied QoS 0 PUBLISH, the connection ends (MQTT 5: DISCONNECT 0x87).
 *
 * <p>A PUBLISH's payload is charged to its principal's produce quota ({@link Quotas}); in debt, the
 * connection stops reading for the wait (TCP flow control, which holds the publisher back).
 *
 * <p>Confined to the connection's event loop.
 */
final class MqttIngest {
  private static final Logger LOG = LoggerFactory.getLogger(MqttIngest.class);
  /** Payload bytes of publishes being appended before the connection stops reading from the client. */
  static final int MAX_PENDING_BYTES = 1024 * 1024;
  private static final byte[][] QOS_TEXT = {{'0'}, {'1'}, {'2'}};
  private static final Header RETAINED = new Header(MqttNames.RETAIN_HEADER, new byte[] {'1'});
  /** Most topic aliases a client may set (MQTT 5 Topic Alias Maximum, told in CONNACK). */
  static final int TOPIC_ALIAS_MAXIMUM = 64;

  private final PartitionService service;
  private final MqttLogTopics topics;
  private final MqttTopicMapper mapper;
  private final Murmur2Partitioner partitioner;
  /** The client's topic aliases (MQTT 5), at most {@link #TOPIC_ALIAS_MAXIMUM}. */
  private final Map<Integer, String> topicAliases = new HashMap<>();
  private final MqttRetained retained;
  private final Context context;
  private final MqttEndpoint endpoint;
  private final boolean v5;
  private final NetSocket socket;
  private final MqttAccess access;
  private final String clientId;
  private final int maxInflight;
  private final Consumer<Throwable> fail;
  private final MqttMetrics metrics;
  private final PartitionBatcher batcher;
  private final byte[] clientIdBytes;
  /** Acknowledgements owed, in PUBLISH order. */
  private final ArrayDeque<Ack> acks = new ArrayDeque<>();
  /** QoS 2 packet ids received and not yet released, with the commit of their record. */
  private final Map<Integer, Future<Void>> unreleased = new HashMap<>();
  /** Completes once the previous publish's append has been issued, so appends keep PUBLISH order. */
  private Future<Void> previousIssued = Future.succeededFuture();
  private int pendingAppends;
  private long pendingBytes;
  private boolean pausedReading;
  private final Quotas quotas;
  /** The timer of a quota's wait, reading paused meanwhile; -1 when none. */
  private long quotaTimer = -1;
  private boolean unreleasedChanged;
  private boolean closed;

  /** One PUBACK or PUBREC owed to the client. */
  private static final class Ack {
    final int packetId;
    final MqttQoS qos;
    boolean ready;
    /** Answered with reason code 0x87: the principal may not write there (MQTT 5 only). */
    boolean notAuthorized;

    Ack(int packetId, MqttQoS qos) {
      this.packetId = packetId;
      this.qos = qos;
    }
  }

  MqttIngest(MqttNode node, Context context, MqttEndpoint endpoint, NetSocket socket, MqttAccess access, Consumer<Throwable> fail) {
    this.service = node.service();
    this.topics = node.topics();
    this.mapper = node.config().mapper();
    this.partitioner = node.partitioner();
    this.retained = node.retained();
    this.metrics = node.metrics();
    this.maxInflight = node.config().maxInflight();
    this.context = context;
    this.endpoint = endpoint;
    this.v5 = endpoint.protocolVersion() == MqttVersion.MQTT_5.protocolLevel();
    this.socket = socket;
    this.access = access;
    this.clientId = endpoint.clientIdentifier();
    this.clientIdBytes = clientId.getBytes(StandardCharsets.UTF_8);
    this.fail = fail;
    this.batcher = new PartitionBatcher(service, context);
    this.quotas = node.security().quotas();
  }

  void onPublish(MqttPublishMessage message) {
    if (closed) {
      return;
    }
    metrics.received();
    MqttQoS qos = message.qosLevel();
    int packetId = message.messageId();
    if (qos == MqttQoS.EXACTLY_ONCE && unreleased.containsKey(packetId)) {
      // A resend before PUBREL: the record is (being) written already; answer PUBREC once it is.
      Ack ack = new Ack(packetId, qos);
      acks.add(ack);
      unreleased.get(packetId).onComplete(done -> ready(ack));
      return;
    }
    String topic;
    try {
      topic = topicOf(message);
    } catch (MqttRefusal refused) {
      fail.accept(refused);
      return;
    }
    Ack ack = qos == MqttQoS.AT_MOST_ONCE ? null : new Ack(packetId, qos);
    if (ack != null) {
      acks.add(ack);
    }
    byte[] payload = message.payload().getBytes();
    started(payload.length);
    holdBackFor(quotas.charge(access.principal(), Quotas.Kind.PRODUCE_BYTES, payload.length));
    Future<Void> committed = write(topic, payload, qos, message.isRetain());
    if (qos == MqttQoS.EXACTLY_ONCE) {
      unreleased.put(packetId, committed);
      unreleasedChanged = true;
    }
    committed.onComplete(result -> {
      finished(payload.length);
      if (closed) {
        return;
      }
      if (result.succeeded()) {
        if (ack != null) {
          ready(ack);
        }
        return;
      }
      unreleased.remove(packetId, committed);
      Throwable cause = result.cause();
      if (ack != null && v5 && cause instanceof TopicAuthorizationException) {
        ack.notAuthorized = true;
        ready(ack);
        return;
      }
      if (qos == MqttQoS.AT_MOST_ONCE && !MqttFailures.isClientError(cause)) {
        LOG.warn("mqtt client {}: QoS 0 message to '{}' dropped: {}", clientId, topic, cause.toString());
      } else {
        fail.accept(cause);
      }
    });
  }

  /**
   * The PUBLISH's topic, through its MQTT 5 Topic Alias (§3.3.2.3.4) if it has one: a topic name
   * with an alias sets the alias, an empty one uses it.
   */
  private String topicOf(MqttPublishMessage message) {
    MqttProperties.MqttProperty<?> alias = message.properties() == null ? null
        : message.properties().getProperty(MqttProperties.TOPIC_ALIAS);
    if (alias == null || !(alias.value() instanceof Integer id)) {
      return message.topicName();
    }
    if (id < 1 || id > TOPIC_ALIAS_MAXIMUM) {
      throw new MqttRefusal(MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID, "topic alias " + id + " is not in 1.." + TOPIC_ALIAS_MAXIMUM);
    }
    if (!message.topicName().isEmpty()) {
      topicAliases.put(id, message.topicName());
      return message.topicName();
    }
    String topic = topicAliases.get(id);
    if (topic == null) {
      throw new MqttRefusal(MqttDisconnectReasonCode.PROTOCOL_ERROR, "topic alias " + id + " was never set");
    }
    return topic;
  }

  /**
   * Writes one message: its record, appended as the QoS asks, then, with RETAIN, the topic's
   * retained message. Used for PUBLISHes and for the connection's will.
   */
  Future<Void> write(String mqttTopic, byte[] payload, MqttQoS qos, boolean retain) {
    MqttTopicMapper.Target target;
    try {
      target = mapper.map(mqttTopic, clientId);
    } catch (RuntimeException refused) {
      return Future.failedFuture(refused);
    }
    if (!access.mayWrite(target.logTopic())) {
      return Future.failedFuture(new TopicAuthorizationException(access.principal() + " may not write to topic '" + target.logTopic()
          + "' (MQTT topic '" + mqttTopic + "')"));
    }
    Future<Void> appended = append(target, mqttTopic, qos, retain, payload);
    return retain ? appended.compose(v -> retained.retain(mqttTopic, payload, qos)) : appended;
  }

  /** The QoS 2 packet ids received and not yet released, for the session's snapshot. */
  java.util.Set<Integer> unreleased() {
    unreleasedChanged = false;
    return java.util.Set.copyOf(unreleased.keySet());
  }

  /** Whether the unreleased packet ids changed since the last {@link #unreleased()}. */
  boolean dirty() {
    return unreleasedChanged;
  }

  /** A resumed session's QoS 2 packet ids not yet released: their records are written, a resend only gets PUBREC. */
  void restore(java.util.Set<Integer> packetIds) {
    packetIds.forEach(id -> unreleased.put(id, Future.succeededFuture()));
  }

  /** PUBREL: the client will not resend this packet id; forget it and answer PUBCOMP (§4.3.3). */
  void onPubrel(int packetId) {
    if (closed || !endpoint.isConnected()) {
      return;
    }
    unreleasedChanged |= unreleased.remove(packetId) != null;
    endpoint.publishComplete(packetId);
  }

  void close() {
    closed = true;
  }

  private Future<Void> append(MqttTopicMapper.Target target, String mqttTopic, MqttQoS qos, boolean retain, byte[] payload) {
    List<Header> headers = new ArrayList<>(4);
    headers.add(new Header(MqttNames.TOPIC_HEADER, mqttTopic.getBytes(StandardCharsets.UTF_8)));
    headers.add(new Header(MqttNames.QOS_HEADER, QOS_TEXT[qos.value()]));
    headers.add(new Header(MqttNames.CLIENT_ID_HEADER, clientIdBytes));
    if (retain) {
      // Only on retained messages: subscriptions with Retain As Published pass the flag on.
      headers.add(RETAINED);
    }
    Acks acks = qos == MqttQoS.AT_MOST_ONCE ? Acks.LEADER : Acks.ALL;
    long timestamp = System.currentTimeMillis();
    // A known topic is appended to at once (in PUBLISH order); one being created holds back the
    // publishes after it until it is there, so none overtakes it.
    TopicMetadata known = previousIssued.isComplete() ? service.cachedTopic(target.logTopic()).orElse(null) : null;
    if (known != null) {
      return batch(known, target, acks, timestamp, payload, headers);
    }
    Promise<Void> issued = Promise.promise();
    Future<Void> previous = previousIssued;
    previousIssued = issued.future();
    Future<Void> appended = previous.compose(v -> topics.resolve(target.logTopic(), context)).compose(metadata -> {
      Future<Void> result = batch(metadata, target, acks, timestamp, payload, headers);
      issued.complete();
      return result;
    });
    appended.onFailure(e -> issued.tryComplete());
    return appended;
  }

  private Future<Void> batch(TopicMetadata metadata, MqttTopicMapper.Target target, Acks acks, long timestamp, byte[] payload,
      List<Header> headers) {
    try {
      checkPayload(metadata, payload);
    } catch (MqttRefusal refused) {
      return Future.failedFuture(refused);
    }
    int maxBatchBytes = TopicConfigs.maxRecordBytes(metadata.config());
    if (PartitionBatcher.recordBytes(target.key(), payload, headers) + PartitionBatcher.BATCH_OVERHEAD > maxBatchBytes) {
      return Future.failedFuture(new MqttRefusal(MqttDisconnectReasonCode.PACKET_TOO_LARGE, "a message of " + payload.length
          + " bytes is over topic '" + metadata.name() + "''s max.record.bytes (" + maxBatchBytes + ")"));
    }
    TopicPartition partition = new TopicPartition(target.logTopic(), partitioner.partitionForKey(target.key(), metadata.partitions()));
    return batcher.add(partition, maxBatchBytes, acks, timestamp, target.key(), payload, headers)
        .onSuccess(v -> metrics.recordIn(target.logTopic(), payload.length));
  }

  /** A json topic takes JSON values only, as over HTTP; MQTT topics the node creates are string topics, which take any payload. */
  private static void checkPayload(TopicMetadata metadata, byte[] payload) {
    if (TopicConfigs.valueFormat(metadata.config()) != TopicConfigs.ValueFormat.JSON) {
      return;
    }
    if (JsonValues.isOneValue(payload)) {
      return;
    }
    throw new MqttRefusal(MqttDisconnectReasonCode.PAYLOAD_FORMAT_INVALID, "topic '" + metadata.name()
        + "' has value.format json and the payload is not one JSON value");
  }

  private void ready(Ack ack) {
    ack.ready = true;
    // The endpoint is closed already when the client's DISCONNECT came while appends were under way.
    while (!acks.isEmpty() && acks.peek().ready && !closed && endpoint.isConnected()) {
      Ack head = acks.poll();
      if (head.notAuthorized && head.qos == MqttQoS.AT_LEAST_ONCE) {
        endpoint.publishAcknowledge(head.packetId, MqttPubAckReasonCode.NOT_AUTHORIZED, MqttProperties.NO_PROPERTIES);
      } else if (head.notAuthorized) {
        // A PUBREC with a failure ends the exchange (§4.3.3): no PUBREL follows, the packet id is free again.
        EndpointSocket.write(socket, MqttMessageFactory.newMessage(
            new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 0),
            new MqttPubReplyMessageVariableHeader(head.packetId, MqttPubRecReasonCode.NOT_AUTHORIZED.value(), MqttProperties.NO_PROPERTIES),
            null));
      } else if (head.qos == MqttQoS.AT_LEAST_ONCE) {
        endpoint.publishAcknowledge(head.packetId);
      } else {
        endpoint.publishReceived(head.packetId);
      }
    }
  }

  private void started(int bytes) {
    pendingAppends++;
    pendingBytes += bytes;
    if (!pausedReading && (pendingAppends >= maxInflight || pendingBytes >= MAX_PENDING_BYTES)) {
      pausedReading = true;
      socket.pause();
    }
  }

  private void finished(int bytes) {
    pendingAppends--;
    pendingBytes -= bytes;
    // Half-way down before reading again, so a client at the limit is not paused and resumed per message.
    if (pausedReading && pendingAppends <= maxInflight / 2 && pendingBytes <= MAX_PENDING_BYTES / 2 && !closed) {
      pausedReading = false;
      if (quotaTimer < 0) {
        socket.resume();
      }
    }
  }

  /** Stops reading for a quota's wait, then reads again unless the appends in flight hold it paused. */
  private void holdBackFor(long waitMs) {
    if (waitMs <= 0 || quotaTimer >= 0 || closed) {
      return;
    }
    socket.pause();
    quotaTimer = context.owner().setTimer(waitMs, fired -> {
      quotaTimer = -1;
      holdBackFor(quotas.throttleMs(access.principal(), Quotas.Kind.PRODUCE_BYTES));
      if (quotaTimer < 0 && !pausedReading && !closed) {
        socket.resume();
      }
    });
  }
}
