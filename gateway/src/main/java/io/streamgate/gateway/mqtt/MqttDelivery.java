package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.streamgate.cluster.Backoff;
import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.TopicSummary;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's subscriptions and the records delivered to it. A SUBSCRIBE finds the log topics
 * its filter can reach ({@link MqttTopicMapper#logTopicsFor}; every topic for a filter that leaves
 * it open), starts a reader per partition at the partition's end, and is acknowledged once those
 * positions are known, so anything written after the SUBACK is delivered. A reader waits on the log
 * (a watch, no polling), reads a chunk, and keeps the records whose MQTT topic (header
 * {@code mqtt.topic}, else the key) matches a filter; they go out at the lower of the subscription's
 * QoS (at most 1) and the QoS they were published with (header {@code mqtt.qos}; records written
 * over HTTP count as QoS 1). Once the SUBACK is out, matching retained messages go first
 * ({@link #sendRetained}).
 *
 * <p>A shared subscription ({@code $share/...}) has no readers of its own: {@link MqttSharedSubscription}
 * is fed by its consumer group's polls, and its messages go out in turn with the partitions'.
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
 * <p>Confined to the connection's event loop.
 */
final class MqttDelivery {
  private static final Logger LOG = LoggerFactory.getLogger(MqttDelivery.class);
  /** Bytes of log read from a partition at a time. */
  static final int CHUNK_BYTES = 64 * 1024;
  /** Most topic filters one connection may hold. */
  static final int MAX_SUBSCRIPTIONS = 1000;
  private static final byte[] NO_PAYLOAD = new byte[0];

  private final PartitionService service;
  private final GroupService groups;
  private final MqttLogTopics topics;
  private final MqttTopicMapper mapper;
  private final MqttRetained retained;
  private final Context context;
  private final MqttEndpoint endpoint;
  private final NetSocket socket;
  private final int maxInflight;
  private final long maxPacketBytes;
  private final MqttMetrics metrics;
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
  /** Shared subscriptions by their whole filter ({@code $share/{ShareName}/{filter}}). */
  private final Map<String, MqttSharedSubscription> shares = new LinkedHashMap<>();
  private final Map<TopicPartition, PartitionReader> readers = new LinkedHashMap<>();
  /** QoS 1 messages sent and not yet acknowledged, by packet id. */
  private final Map<Integer, Outgoing> inflight = new LinkedHashMap<>();
  /** Retained messages due to the client for its latest subscriptions, sent before live records. */
  private final ArrayDeque<Outgoing> retainedDue = new ArrayDeque<>();
  /** Subscriptions acknowledged next whose retained messages are due once the SUBACK is out. */
  private final List<Subscription> awaitingRetained = new ArrayList<>();
  /** SUBSCRIBE and UNSUBSCRIBE are handled one after the other, in the order they came. */
  private Future<?> previousRequest = Future.succeededFuture();
  /** Watches topics appearing and growing while there are subscriptions; null without any. */
  private Cancellable topicWatch;
  private boolean topicRefreshQueued;
  private final Backoff topicRefreshRetries;
  private int lastPacketId;
  /** A resumed session's unacknowledged QoS 1 messages not sent again yet, by packet id. */
  private final Map<Integer, MqttSessionState.Inflight> awaitingResend = new LinkedHashMap<>();
  private final ResendReader resendReader;
  private final RefusalLog refusals = new RefusalLog(LOG);
  /** Whether positions or acknowledgements moved since the last {@link #snapshot}. */
  private boolean dirty;
  private boolean closed;

  /** One topic filter with its granted QoS, its MQTT 5 options and the log topics it reads. */
  record Subscription(String filter, MqttQoS qos, boolean noLocal, boolean retainAsPublished, int subscriptionId,
      Set<String> logTopics) {
    Subscription withLogTopics(Set<String> names) {
      return new Subscription(filter, qos, noLocal, retainAsPublished, subscriptionId, Set.copyOf(names));
    }
  }

  /**
   * A message ready to go to the client: a record of {@code partition} at {@code offset}, or a
   * retained message (no partition); {@code retain} is the RETAIN flag it goes with;
   * {@code subscriptionIds} the MQTT 5 Subscription Identifiers of the subscriptions it matched;
   * {@code share} the shared subscription it came through, if any.
   */
  record Outgoing(String topic, byte[] payload, MqttQoS qos, TopicPartition partition, long offset, boolean retain,
      List<Integer> subscriptionIds, MqttSharedSubscription share) {
    /** A record resent from a stored session, without RETAIN. */
    Outgoing(String topic, byte[] payload, MqttQoS qos, TopicPartition partition, long offset) {
      this(topic, payload, qos, partition, offset, false, List.of(), null);
    }

    boolean isRetained() {
      return partition == null;
    }

    Outgoing sharedBy(MqttSharedSubscription subscription) {
      return new Outgoing(topic, payload, qos, partition, offset, retain, subscriptionIds, subscription);
    }
  }

  private static final class PartitionReader {
    final TopicPartition partition;
    final ArrayDeque<Outgoing> ready = new ArrayDeque<>();
    long position;
    Cancellable watch;
    boolean busy;
    boolean stopped;
    final Backoff retries;

    PartitionReader(TopicPartition partition, long position, Backoff retries) {
      this.partition = partition;
      this.position = position;
      this.retries = retries;
    }
  }

  /**
   * @param maxInflight QoS 1 messages that may await a PUBACK at once
   * @param maxPacketBytes largest packet the client accepts (its MQTT 5 Maximum Packet Size); larger messages are skipped (§3.1.2.11.4)
   */
  MqttDelivery(MqttNode node, Context context, MqttEndpoint endpoint, NetSocket socket, int maxInflight, long maxPacketBytes) {
    this.service = node.service();
    this.groups = node.groups();
    this.topics = node.topics();
    this.mapper = node.config().mapper();
    this.retained = node.retained();
    this.metrics = node.metrics();
    this.context = context;
    this.endpoint = endpoint;
    this.socket = socket;
    this.maxInflight = maxInflight;
    this.maxPacketBytes = maxPacketBytes;
    this.resendReader = new ResendReader(service, context, () -> MqttRetry.on(context), () -> closed);
    this.topicRefreshRetries = MqttRetry.on(context);
  }

  void start() {
    socket.drainHandler(v -> pump());
  }

  /**
   * Subscribes to each filter, with the SUBSCRIBE's MQTT 5 Subscription Identifier (0: none);
   * completes with the SUBACK reason codes, in order, once delivery from now on is set up.
   */
  Future<List<MqttSubAckReasonCode>> subscribe(List<MqttTopicSubscription> requested, int subscriptionId) {
    Future<List<MqttSubAckReasonCode>> done = previousRequest
        .transform(v -> retained.loaded())
        .compose(loaded -> subscribeAll(requested, subscriptionId));
    previousRequest = done;
    return done;
  }

  /**
   * Once the SUBACK is out: queues the retained messages matching the subscriptions just made
   * (§3.3.1.3), at the lower of the subscription's and the message's QoS, unless an MQTT 5 client
   * asked not to get them (Retain Handling 2, or 1 for a subscription it had already).
   */
  void sendRetained() {
    for (Subscription subscription : awaitingRetained) {
      for (MqttRetained.Message message : retained.matching(subscription.filter())) {
        MqttQoS qos = message.qos().value() < subscription.qos().value() ? message.qos() : subscription.qos();
        if (message.payload().length + message.topic().length() * 3L + 10 <= maxPacketBytes) {
          retainedDue.add(new Outgoing(message.topic(), message.payload(), qos, null, -1, true, ids(subscription.subscriptionId()), null));
        }
      }
    }
    awaitingRetained.clear();
    pump();
  }

  Future<Void> unsubscribe(List<String> filters) {
    Future<Void> done = previousRequest.transform(v -> {
      for (String filter : filters) {
        subscriptions.remove(filter);
        MqttSharedSubscription share = shares.remove(filter);
        if (share != null) {
          share.close();
        }
      }
      stopUnusedReaders();
      return Future.succeededFuture();
    });
    previousRequest = done;
    return done;
  }

  /** PUBACK: the client has the message; its slot is free. */
  void onPuback(int packetId) {
    Outgoing acknowledged = inflight.remove(packetId);
    if (acknowledged != null) {
      dirty = true;
      if (acknowledged.share() != null) {
        acknowledged.share().settled();
      }
      pump();
    }
  }

  /** Whether the session's state moved since the last snapshot. */
  boolean dirty() {
    return dirty;
  }

  /** The session as it stands: each partition's position is its first record not yet sent. */
  MqttSessionState snapshot(long now, long expiryMs, Set<Integer> unreleased) {
    List<MqttSessionState.Subscription> subs = new ArrayList<>();
    subscriptions.values().forEach(s -> subs.add(new MqttSessionState.Subscription(s.filter(), s.qos().value(), s.noLocal(),
        s.retainAsPublished(), s.subscriptionId())));
    shares.forEach((filter, share) -> subs.add(new MqttSessionState.Subscription(filter, share.qos().value(), false, false,
        share.subscriptionId())));
    Map<TopicPartition, Long> positions = new HashMap<>();
    readers.values().forEach(r -> positions.put(r.partition, r.ready.isEmpty() ? r.position : r.ready.peek().offset()));
    List<MqttSessionState.Inflight> sent = new ArrayList<>();
    inflight.forEach((id, message) -> {
      // A shared subscription's unacknowledged messages go to the share's other subscribers instead.
      if (!message.isRetained() && message.share() == null) {
        sent.add(new MqttSessionState.Inflight(id, message.partition(), message.offset()));
      }
    });
    // Those of a resumed session not sent again yet stay owed: their positions are already past them.
    sent.addAll(awaitingResend.values());
    dirty = false;
    return new MqttSessionState(now, expiryMs, subs, positions, sent, unreleased);
  }

  /**
   * Resumes a stored session: its subscriptions read on from their saved positions, and its
   * unacknowledged QoS 1 messages are sent again with their packet ids and DUP set (§4.4).
   */
  Future<Void> restore(MqttSessionState state) {
    state.inflight().forEach(entry -> awaitingResend.put(entry.packetId(), entry));
    Future<Void> done = previousRequest.transform(v -> {
      List<Future<Void>> resumed = new ArrayList<>();
      for (MqttSessionState.Subscription s : state.subscriptions()) {
        if (s.filter().startsWith(MqttSharedSubscription.PREFIX)) {
          // A share that cannot be joined now does not keep the session from resuming.
          resumed.add(subscribeShared(s.filter(), MqttQoS.valueOf(s.qos()), s.subscriptionId()).<Void>mapEmpty().recover(e -> {
            LOG.warn("mqtt client {}: shared subscription '{}' not resumed: {}", endpoint.clientIdentifier(), s.filter(), e.toString());
            return Future.succeededFuture();
          }));
          continue;
        }
        resumed.add(logTopics(s.filter()).compose(names -> {
          List<Future<Void>> started = new ArrayList<>();
          // The session saved a position for every partition it read: any other is newer than the save.
          names.forEach(name -> started.add(startReaders(name, state.positions(), true)));
          return Future.all(started).map(all -> {
            subscriptions.put(s.filter(), new Subscription(s.filter(), MqttQoS.valueOf(s.qos()), s.noLocal(), s.retainAsPublished(),
                s.subscriptionId(), Set.copyOf(names)));
            return null;
          });
        }));
      }
      return Future.all(resumed).compose(all -> resend(state.inflight(), 0));
    }).onSuccess(v -> watchTopics());
    previousRequest = done;
    return done.onSuccess(v -> pump());
  }

  /**
   * Sends the stored unacknowledged messages again, in order, each read back from the log
   * ({@link ResendReader}: waits out a missing leader, skips only what the log no longer has).
   */
  private Future<Void> resend(List<MqttSessionState.Inflight> pending, int index) {
    if (index == pending.size() || closed) {
      return Future.succeededFuture();
    }
    MqttSessionState.Inflight entry = pending.get(index);
    return resendReader.recordAt(entry.partition(), entry.offset())
        .map(record -> {
          String topic = record.map(MqttDelivery::mqttTopic).orElse(null);
          if (topic == null) {
            awaitingResend.remove(entry.packetId());
            LOG.info("mqtt client {}: unacknowledged message {} offset {} is no longer in the log (or has no MQTT topic), not sent again",
                endpoint.clientIdentifier(), entry.partition(), entry.offset());
          } else if (!closed && endpoint.isConnected()) {
            awaitingResend.remove(entry.packetId());
            byte[] payload = record.get().value() == null ? NO_PAYLOAD : record.get().valueBytes();
            inflight.put(entry.packetId(), new Outgoing(topic, payload, MqttQoS.AT_LEAST_ONCE, entry.partition(), entry.offset()));
            metrics.sent();
            endpoint.publish(topic, Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, true, false, entry.packetId());
          }
          return (Void) null;
        })
        .compose(v -> resend(pending, index + 1));
  }

  void close() {
    closed = true;
    if (topicWatch != null) {
      topicWatch.cancel();
    }
    readers.values().forEach(this::stop);
    readers.clear();
    shares.values().forEach(MqttSharedSubscription::close);
    shares.clear();
  }

  /**
   * Subscribes to the filters one after the other, in order. A loop, not a chain of futures: most
   * subscriptions complete at once, and a future completed inside the previous one's callback nests
   * a stack frame per filter (a SUBSCRIBE of 1,252 filters overflowed the stack).
   */
  private Future<List<MqttSubAckReasonCode>> subscribeAll(List<MqttTopicSubscription> requested, int subscriptionId) {
    Promise<List<MqttSubAckReasonCode>> done = Promise.promise();
    subscribeFrom(requested, subscriptionId, 0, new ArrayList<>(), done);
    return done.future();
  }

  private void subscribeFrom(List<MqttTopicSubscription> requested, int subscriptionId, int first,
      List<MqttSubAckReasonCode> codes, Promise<List<MqttSubAckReasonCode>> done) {
    for (int index = first; index < requested.size() && !closed; index++) {
      MqttTopicSubscription filter = requested.get(index);
      Future<MqttSubAckReasonCode> code = subscribeOne(filter, subscriptionId).recover(failure -> {
        refusals.warn("mqtt client {}: subscription to '{}' refused: {}", endpoint.clientIdentifier(), filter.topicName(),
            failure.toString());
        return Future.succeededFuture(MqttSubAckReasonCode.UNSPECIFIED_ERROR);
      });
      if (!code.isComplete()) {
        int next = index + 1;
        code.onSuccess(c -> {
          codes.add(c);
          subscribeFrom(requested, subscriptionId, next, codes, done);
        });
        return;
      }
      codes.add(code.result());
    }
    done.complete(codes);
  }

  private Future<MqttSubAckReasonCode> subscribeOne(MqttTopicSubscription requested, int subscriptionId) {
    String filter = requested.topicName();
    if (!MqttTopics.isValidFilter(filter)) {
      refusals.warn("mqtt client {}: invalid topic filter '{}' refused", endpoint.clientIdentifier(), filter);
      return Future.succeededFuture(MqttSubAckReasonCode.TOPIC_FILTER_INVALID);
    }
    if (!subscriptions.containsKey(filter) && !shares.containsKey(filter) && subscriptions.size() + shares.size() >= MAX_SUBSCRIPTIONS) {
      return Future.succeededFuture(MqttSubAckReasonCode.QUOTA_EXCEEDED);
    }
    // Delivery is at most QoS 1: the log already holds each record once, QoS 2's handshake would add nothing.
    MqttQoS granted = requested.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
    boolean noLocal = requested.subscriptionOption() != null && requested.subscriptionOption().isNoLocal();
    boolean retainAsPublished = requested.subscriptionOption() != null && requested.subscriptionOption().isRetainAsPublished();
    if (filter.startsWith(MqttSharedSubscription.PREFIX)) {
      // No Local on a shared subscription is a protocol error (MQTT 5 §3.8.3.1): refused like a bad filter.
      return noLocal ? Future.succeededFuture(MqttSubAckReasonCode.TOPIC_FILTER_INVALID) : subscribeShared(filter, granted, subscriptionId);
    }
    return logTopics(filter).compose(names -> {
      List<Future<Void>> started = new ArrayList<>();
      for (String name : names) {
        started.add(startReaders(name, Map.of(), false));
      }
      return Future.all(started).map(all -> {
        Subscription subscription = new Subscription(filter, granted, noLocal, retainAsPublished, subscriptionId, Set.copyOf(names));
        Subscription previous = subscriptions.put(filter, subscription);
        dirty = true;
        watchTopics();
        if (wantsRetained(requested, previous != null)) {
          awaitingRetained.add(subscription);
        }
        pump();
        return MqttSubAckReasonCode.qosGranted(granted);
      });
    });
  }

  /**
   * A shared subscription: joins the consumer group of its share name and filter, over the log topics
   * the filter reaches now (created if missing and allowed). A SUBSCRIBE of the same shared filter
   * again replaces the membership. No retained messages (§3.8.4: not for shared subscriptions).
   */
  private Future<MqttSubAckReasonCode> subscribeShared(String sharedFilter, MqttQoS granted, int subscriptionId) {
    Optional<MqttSharedSubscription.Share> parsed = MqttSharedSubscription.Share.parse(sharedFilter);
    if (parsed.isEmpty()) {
      refusals.warn("mqtt client {}: shared subscription '{}' refused: the share name must be 1-100 of [a-zA-Z0-9_-]",
          endpoint.clientIdentifier(), sharedFilter);
      return Future.succeededFuture(MqttSubAckReasonCode.TOPIC_FILTER_INVALID);
    }
    MqttSharedSubscription.Share share = parsed.get();
    MqttSharedSubscription previous = shares.remove(sharedFilter);
    if (previous != null) {
      previous.close();
    }
    return logTopics(share.filter()).compose(names -> {
      List<Future<?>> resolved = names.stream().<Future<?>>map(name -> topics.resolve(name, context)).toList();
      return Future.all(resolved).map(all -> List.copyOf(names));
    }).compose(names -> {
      if (names.isEmpty()) {
        return Future.failedFuture(new IllegalStateException("no log topic to read yet"));
      }
      MqttSharedSubscription subscription = new MqttSharedSubscription(groups, context, share, granted, subscriptionId, names,
          Math.min(maxInflight, 500), (part, record) -> sharedMessage(part.partition(), record, share.filter(), granted, subscriptionId),
          this::pump);
      shares.put(sharedFilter, subscription);
      dirty = true;
      return subscription.start()
          .onFailure(e -> {
            shares.remove(sharedFilter, subscription);
            subscription.close();
          })
          .map(MqttSubAckReasonCode.qosGranted(granted));
    });
  }

  /** The log topics a filter reads: the mapper's (created if missing and allowed), or every topic there is. */
  private Future<Set<String>> logTopics(String filter) {
    return mapper.logTopicsFor(filter)
        .map(named -> Future.succeededFuture(named))
        .orElseGet(() -> Future.fromCompletionStage(service.listTopics(), context)
            .map(all -> {
              Set<String> names = new HashSet<>();
              all.stream().map(TopicSummary::name).forEach(names::add);
              return names;
            }));
  }

  private static boolean wantsRetained(MqttTopicSubscription requested, boolean existed) {
    MqttSubscriptionOption options = requested.subscriptionOption();
    if (options == null) {
      return true;
    }
    switch (options.retainHandling()) {
      case DONT_SEND_AT_SUBSCRIBE:
        return false;
      case SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS:
        return !existed;
      default:
        return true;
    }
  }

  /**
   * Readers for every partition of the topic not read yet, each starting at its saved position, or
   * else at the partition's start if it came into being after the subscription, else at its end.
   */
  private Future<Void> startReaders(String topic, Map<TopicPartition, Long> savedPositions, boolean newSinceSubscribing) {
    return topics.resolve(topic, context).compose(metadata -> {
      List<Future<Void>> started = new ArrayList<>();
      for (int p = 0; p < metadata.partitions(); p++) {
        TopicPartition partition = new TopicPartition(topic, p);
        if (readers.containsKey(partition)) {
          continue;
        }
        Long saved = savedPositions.get(partition);
        if (saved != null) {
          readers.put(partition, new PartitionReader(partition, saved, MqttRetry.on(context)));
          continue;
        }
        started.add(Future.fromCompletionStage(service.offsets(partition, OptionalLong.empty()), context).map(offsets -> {
          if (!closed && !readers.containsKey(partition)) {
            readers.put(partition, new PartitionReader(partition, newSinceSubscribing ? offsets.earliest() : offsets.latest(),
                MqttRetry.on(context)));
          }
          return null;
        }));
      }
      return Future.all(started).mapEmpty();
    });
  }

  /** Once there are subscriptions: follow topics that appear, go or get partitions, since a filter may reach them. */
  private void watchTopics() {
    if (topicWatch == null && !closed) {
      topicWatch = service.watchTopics(() -> context.runOnContext(v -> queueTopicRefresh()));
    }
  }

  /** One refresh at a time, after the SUBSCRIBE and UNSUBSCRIBE before it; changes meanwhile join it. */
  private void queueTopicRefresh() {
    if (closed || topicRefreshQueued) {
      return;
    }
    topicRefreshQueued = true;
    Future<Void> done = previousRequest.transform(v -> {
      topicRefreshQueued = false;
      return refreshTopics();
    });
    previousRequest = done;
    // A topic is announced before its partitions have leaders: what could not be read yet is tried again.
    done.onFailure(e -> {
      LOG.debug("mqtt client {}: topics not refreshed yet: {}", endpoint.clientIdentifier(), e.toString());
      topicRefreshRetries.retry(this::queueTopicRefresh);
    }).onSuccess(v -> {
      topicRefreshRetries.reset();
      pump();
    });
  }

  /**
   * Reads the topics and partitions each subscription reaches now: those that appeared since it was
   * made are read from their start (all their records are newer than the subscription), and readers
   * of deleted topics stop.
   */
  private Future<Void> refreshTopics() {
    List<Future<Void>> refreshed = new ArrayList<>();
    for (Subscription subscription : List.copyOf(subscriptions.values())) {
      refreshed.add(logTopics(subscription.filter()).compose(names -> {
        Set<String> live = new HashSet<>();
        List<Future<Void>> started = new ArrayList<>();
        for (String name : names) {
          if (service.cachedTopic(name).isPresent()) {
            live.add(name);
            started.add(startReaders(name, Map.of(), true));
          }
        }
        return Future.all(started).map(all -> {
          subscriptions.computeIfPresent(subscription.filter(), (filter, current) -> current.withLogTopics(live));
          return (Void) null;
        });
      }));
    }
    return Future.all(refreshed).map(all -> {
      stopUnusedReaders();
      return (Void) null;
    });
  }

  private void stopUnusedReaders() {
    Set<String> used = new HashSet<>();
    subscriptions.values().forEach(s -> used.addAll(s.logTopics()));
    readers.values().removeIf(reader -> {
      if (used.contains(reader.partition.topic())) {
        return false;
      }
      stop(reader);
      return true;
    });
  }

  private void stop(PartitionReader reader) {
    reader.stopped = true;
    if (reader.watch != null) {
      reader.watch.cancel();
      reader.watch = null;
    }
  }

  private boolean canSend() {
    // vertx-mqtt closes the endpoint (a DISCONNECT came) before the connection's close reaches MqttConnection.
    return !closed && endpoint.isConnected() && !socket.writeQueueFull() && inflight.size() < maxInflight;
  }

  /** Sends what is ready, a message per partition in turn, while the client keeps up; then reads partitions that have nothing ready. */
  private void pump() {
    while (!retainedDue.isEmpty() && canSend()) {
      send(retainedDue.poll());
    }
    boolean sent = true;
    while (sent && canSend()) {
      sent = false;
      for (PartitionReader reader : readers.values()) {
        if (!canSend()) {
          break;
        }
        Outgoing next = reader.ready.poll();
        if (next != null) {
          send(next);
          sent = true;
        }
      }
      for (MqttSharedSubscription share : shares.values()) {
        if (!canSend()) {
          break;
        }
        Outgoing next = share.ready.poll();
        if (next != null) {
          send(next);
          sent = true;
        }
      }
    }
    if (canSend()) {
      for (PartitionReader reader : readers.values()) {
        if (reader.ready.isEmpty() && !reader.busy) {
          waitForRecords(reader);
        }
      }
    }
  }

  private void waitForRecords(PartitionReader reader) {
    reader.busy = true;
    reader.watch = service.watch(reader.partition, reader.position, () -> context.runOnContext(v -> read(reader)));
  }

  private void read(PartitionReader reader) {
    reader.watch = null;
    if (reader.stopped) {
      return;
    }
    if (!canSend()) {
      // Backpressure began while the watch waited: the drain handler or a PUBACK pumps again.
      reader.busy = false;
      return;
    }
    Future.fromCompletionStage(service.read(reader.partition, reader.position, CHUNK_BYTES), context).onComplete(result -> {
      if (reader.stopped) {
        return;
      }
      if (result.succeeded()) {
        reader.busy = false;
        reader.retries.reset();
        collect(reader, result.result());
        pump();
      } else {
        readFailed(reader, Failures.cause(result.cause()));
      }
    });
  }

  private void readFailed(PartitionReader reader, Throwable failure) {
    if (failure instanceof TopicNotFoundException || failure instanceof PartitionNotFoundException) {
      // The topic was deleted: nothing more will come from it.
      stop(reader);
      readers.remove(reader.partition);
      return;
    }
    if (failure instanceof OffsetOutOfRangeException) {
      // Retention removed records before this subscriber got them: go on from the oldest kept.
      Future.fromCompletionStage(service.offsets(reader.partition, OptionalLong.empty()), context).onComplete(offsets -> {
        if (offsets.succeeded()) {
          reader.position = Math.max(reader.position, offsets.result().earliest());
        }
        retryLater(reader);
      });
      return;
    }
    LOG.debug("mqtt client {}: reading {} failed, retrying: {}", endpoint.clientIdentifier(), reader.partition, failure.toString());
    retryLater(reader);
  }

  private void retryLater(PartitionReader reader) {
    reader.retries.retry(() -> {
      reader.busy = false;
      if (!reader.stopped) {
        pump();
      }
    });
  }

  /** Queues the chunk's records that some subscription wants, and moves the reader past the chunk. */
  private void collect(PartitionReader reader, ReadResult result) {
    for (RecordBatch batch : result.batchList()) {
      for (Record record : batch.records()) {
        if (record.offset() < reader.position) {
          continue;
        }
        reader.position = record.offset() + 1;
        dirty = true;
        Outgoing message = outgoing(reader.partition, record);
        if (message != null) {
          reader.ready.add(message);
        }
      }
      reader.position = Math.max(reader.position, batch.nextOffset());
    }
  }

  /** The message a record makes for this client, or null if no subscription wants it. */
  private Outgoing outgoing(TopicPartition partition, Record record) {
    String topic = mqttTopic(record);
    if (topic == null) {
      return null;
    }
    String logTopic = partition.topic();
    String publisher = header(record, "mqtt.clientId");
    boolean own = endpoint.clientIdentifier().equals(publisher);
    MqttQoS granted = null;
    boolean retainAsPublished = false;
    List<Integer> subscriptionIds = null;  // made only when a subscription has an identifier: this runs per record
    for (Subscription subscription : subscriptions.values()) {
      if ((!own || !subscription.noLocal()) && subscription.logTopics().contains(logTopic)
          && MqttTopics.matches(subscription.filter(), topic)) {
        if (granted == null || subscription.qos().value() > granted.value()) {
          granted = subscription.qos();
        }
        retainAsPublished |= subscription.retainAsPublished();
        if (subscription.subscriptionId() > 0) {
          if (subscriptionIds == null) {
            subscriptionIds = new ArrayList<>(2);
          }
          subscriptionIds.add(subscription.subscriptionId());
        }
      }
    }
    boolean retain = retainAsPublished && header(record, MqttIngest.RETAIN_HEADER.key()) != null;
    return granted == null ? null : message(partition, record, topic, granted, retain,
        subscriptionIds == null ? List.of() : subscriptionIds);
  }

  private static List<Integer> ids(int subscriptionId) {
    return subscriptionId > 0 ? List.of(subscriptionId) : List.of();
  }

  /** The message a record makes for a shared subscription of {@code filter}, or null if it does not match. */
  private Outgoing sharedMessage(TopicPartition partition, Record record, String filter, MqttQoS granted, int subscriptionId) {
    String topic = mqttTopic(record);
    return topic != null && MqttTopics.matches(filter, topic)
        ? message(partition, record, topic, granted, false, ids(subscriptionId)) : null;
  }

  /**
   * The record as a message on {@code topic}, at the lower of {@code granted} and the QoS it was
   * published with, with RETAIN if {@code retain}; null if it would be over the client's maximum
   * packet size (§3.1.2.11.4).
   */
  private Outgoing message(TopicPartition partition, Record record, String topic, MqttQoS granted, boolean retain,
      List<Integer> subscriptionIds) {
    byte[] payload = record.value() == null ? NO_PAYLOAD : record.valueBytes();
    // Fixed header (up to 5) + topic length (2) + topic + packet id (2) + empty properties (1).
    if (payload.length + topic.length() * 3L + 10 > maxPacketBytes) {
      return null;
    }
    String published = header(record, "mqtt.qos");
    MqttQoS qos = "0".equals(published) ? MqttQoS.AT_MOST_ONCE : granted;
    return new Outgoing(topic, payload, qos, partition, record.offset(), retain, subscriptionIds, null);
  }

  /** The MQTT topic a record is published under: its {@code mqtt.topic} header, else its key; null if neither is a topic name. */
  private static String mqttTopic(Record record) {
    String topic = header(record, "mqtt.topic");
    if (topic == null) {
      topic = utf8(record.key());
    }
    return topic != null && MqttTopics.isValidName(topic) ? topic : null;
  }

  private void send(Outgoing message) {
    metrics.sent();
    if (!message.isRetained()) {
      metrics.recordOut(message.partition().topic(), message.payload().length);
    }
    // A retained message goes out with RETAIN set (§3.3.1.3); a live one only through Retain As Published.
    boolean retain = message.retain();
    MqttProperties properties = publishProperties(message);
    if (message.qos() == MqttQoS.AT_MOST_ONCE) {
      endpoint.publish(message.topic(), Buffer.buffer(message.payload()), MqttQoS.AT_MOST_ONCE, false, retain, 0, properties);
      if (message.share() != null) {
        message.share().settled();
      }
      return;
    }
    int packetId = nextPacketId();
    inflight.put(packetId, message);
    endpoint.publish(message.topic(), Buffer.buffer(message.payload()), MqttQoS.AT_LEAST_ONCE, false, retain, packetId, properties);
  }

  /** The PUBLISH's properties: the Subscription Identifiers of the subscriptions it matched (§3.3.2.3.8). */
  private static MqttProperties publishProperties(Outgoing message) {
    if (message.subscriptionIds().isEmpty()) {
      return MqttProperties.NO_PROPERTIES;
    }
    MqttProperties properties = new MqttProperties();
    message.subscriptionIds().forEach(id -> properties.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, id)));
    return properties;
  }

  /** The next packet id (1-65535) not held by an unacknowledged message. */
  private int nextPacketId() {
    do {
      lastPacketId = lastPacketId == 65_535 ? 1 : lastPacketId + 1;
    } while (inflight.containsKey(lastPacketId) || awaitingResend.containsKey(lastPacketId));
    return lastPacketId;
  }

  private static String header(Record record, String key) {
    for (Header header : record.headers()) {
      if (header.key().equals(key) && header.value() != null) {
        return utf8(ByteBuffer.wrap(header.value()));
      }
    }
    return null;
  }

  private static String utf8(ByteBuffer bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.duplicate()).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
