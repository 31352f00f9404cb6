package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.streamgate.cluster.Backoff;
import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicSummary;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.gateway.RecordDecoding;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's topic filters and the log topics each reaches. A SUBSCRIBE finds the log topics
 * its filter can reach ({@link MqttTopicMapper#logTopicsFor}; every topic for a filter that leaves
 * it open) and has {@link MqttPartitionReaders} cover their partitions from their end, so anything
 * written after the SUBACK is delivered; while there are subscriptions, topics that appear, go or
 * get partitions are followed. A shared subscription ({@code $share/...}) has no readers: it is an
 * {@link MqttSharedSubscription}, fed by its consumer group. SUBSCRIBE, UNSUBSCRIBE, a session's
 * restore and topic refreshes are handled one after the other, in the order they came.
 *
 * <p>Authorization ({@link MqttAccess}): a filter whose log topics the mapper names is refused
 * (SUBACK 0x87) unless the principal may READ each of them, a shared one also unless it may READ
 * its consumer group. A filter that leaves the log topic open (e.g. {@code #}) is granted but reads
 * only the topics the principal may READ, then and as topics appear; a resumed session likewise.
 *
 * <p>Confined to the connection's event loop.
 */
final class MqttSubscriptions {
  private static final Logger LOG = LoggerFactory.getLogger(MqttSubscriptions.class);
  /** Most topic filters one connection may hold. */
  static final int MAX_SUBSCRIPTIONS = 1000;

  /** One topic filter with its granted QoS, its MQTT 5 options and the log topics it reads. */
  record Subscription(String filter, MqttQoS qos, boolean noLocal, boolean retainAsPublished, int subscriptionId,
      Set<String> logTopics) {
    Subscription withLogTopics(Set<String> names) {
      return new Subscription(filter, qos, noLocal, retainAsPublished, subscriptionId, Set.copyOf(names));
    }
  }

  private final PartitionService service;
  private final GroupService groups;
  private final MqttLogTopics topics;
  private final MqttTopicMapper mapper;
  private final MqttRetained retained;
  private final Context context;
  private final String clientId;
  private final MqttAccess access;
  private final MqttPartitionReaders readers;
  private final RecordDecoding decoding;
  private final int maxInflight;
  private final long maxPacketBytes;
  private final Runnable pump;
  /** Told when the subscriptions changed: the session has something new to save. */
  private final Runnable changed;
  private final RefusalLog refusals = new RefusalLog(LOG);
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
  /** Shared subscriptions by their whole filter ({@code $share/{ShareName}/{filter}}). */
  private final Map<String, MqttSharedSubscription> shares = new LinkedHashMap<>();
  /** Subscriptions acknowledged next whose retained messages are due once the SUBACK is out. */
  private final List<Subscription> awaitingRetained = new ArrayList<>();
  /** The request before the next one: each waits for the one before it. */
  private Future<?> previousRequest = Future.succeededFuture();
  /** Watches topics appearing and growing while there are subscriptions; null without any. */
  private Cancellable topicWatch;
  private boolean topicRefreshQueued;
  private final Backoff topicRefreshRetries;
  private boolean closed;

  /**
   * @param decoding where the answers of shared subscriptions' polls are decoded
   * @param maxInflight the connection's window; a shared subscription takes at most this many messages (and 500) a poll
   * @param maxPacketBytes the client's Maximum Packet Size, for the messages of shared subscriptions
   */
  MqttSubscriptions(MqttNode node, Context context, RecordDecoding decoding, String clientId, MqttAccess access,
      MqttPartitionReaders readers, int maxInflight, long maxPacketBytes, Runnable pump, Runnable changed) {
    this.decoding = decoding;
    this.service = node.service();
    this.groups = node.groups();
    this.topics = node.topics();
    this.mapper = node.config().mapper();
    this.retained = node.retained();
    this.context = context;
    this.clientId = clientId;
    this.access = access;
    this.readers = readers;
    this.maxInflight = maxInflight;
    this.maxPacketBytes = maxPacketBytes;
    this.pump = pump;
    this.changed = changed;
    this.topicRefreshRetries = MqttRetry.on(context);
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

  /**
   * The principal's rights changed: each subscription stops reading the log topics it may no longer
   * READ (audited; the readers stop, with the messages they held), and a shared subscription whose
   * topics or group it may no longer READ ends and leaves the session. After the requests before it.
   */
  void accessChanged() {
    Future<Void> done = previousRequest.transform(v -> {
      if (closed) {
        return Future.succeededFuture();
      }
      subscriptions.replaceAll((filter, subscription) -> {
        Set<String> readable = new HashSet<>(subscription.logTopics());
        readable.removeIf(name -> !access.mayRead(Set.of(name)));
        return readable.size() == subscription.logTopics().size() ? subscription : subscription.withLogTopics(readable);
      });
      stopUnusedReaders();
      boolean sharesEnded = shares.values().removeIf(share -> {
        if (access.mayRead(Set.copyOf(share.logTopics())) && access.mayReadGroup(share.share().group())) {
          return false;
        }
        LOG.info("mqtt client {}: shared subscription to '{}' ended: its principal may no longer read it", clientId,
            share.share().filter());
        share.close();
        return true;
      });
      if (sharesEnded) {
        changed.run();
      }
      return Future.succeededFuture();
    });
    previousRequest = done;
  }

  /**
   * Resumes a stored session's subscriptions, reading on from their saved positions, then runs
   * {@code afterwards} (before any request that comes later).
   */
  Future<Void> restore(MqttSessionState state, Supplier<Future<Void>> afterwards) {
    Future<Void> done = previousRequest.transform(v -> {
      List<Future<Void>> resumed = new ArrayList<>();
      for (MqttSessionState.Subscription s : state.subscriptions()) {
        if (s.filter().startsWith(MqttSharedSubscription.PREFIX)) {
          // A share that cannot be joined now does not keep the session from resuming.
          resumed.add(subscribeShared(s.filter(), MqttQoS.valueOf(s.qos()), s.subscriptionId()).<Void>mapEmpty().recover(e -> {
            LOG.warn("mqtt client {}: shared subscription '{}' not resumed: {}", clientId, s.filter(), e.toString());
            return Future.succeededFuture();
          }));
          continue;
        }
        resumed.add(logTopics(s.filter()).compose(names -> {
          List<Future<Void>> started = new ArrayList<>();
          // The session saved a position for every partition it read: any other is newer than the save.
          names.forEach(name -> started.add(readers.cover(name, state.positions(), true)));
          return Future.all(started).map(all -> {
            subscriptions.put(s.filter(), new Subscription(s.filter(), MqttQoS.valueOf(s.qos()), s.noLocal(), s.retainAsPublished(),
                s.subscriptionId(), Set.copyOf(names)));
            return null;
          });
        }));
      }
      return Future.all(resumed).compose(all -> afterwards.get());
    }).onSuccess(v -> watchTopics());
    previousRequest = done;
    return done;
  }

  /** The subscriptions acknowledged since the last call whose retained messages are due (§3.3.1.3). */
  List<Subscription> takeAwaitingRetained() {
    List<Subscription> due = List.copyOf(awaitingRetained);
    awaitingRetained.clear();
    return due;
  }

  /** The non-shared subscriptions, in the order they were made. */
  Collection<Subscription> all() {
    return subscriptions.values();
  }

  /** The shared subscriptions, in the order they were made. */
  Collection<MqttSharedSubscription> shares() {
    return shares.values();
  }

  /** Every subscription as a session saves it. */
  List<MqttSessionState.Subscription> saved() {
    List<MqttSessionState.Subscription> subs = new ArrayList<>();
    subscriptions.values().forEach(s -> subs.add(new MqttSessionState.Subscription(s.filter(), s.qos().value(), s.noLocal(),
        s.retainAsPublished(), s.subscriptionId())));
    shares.forEach((filter, share) -> subs.add(new MqttSessionState.Subscription(filter, share.qos().value(), false, false,
        share.subscriptionId())));
    return subs;
  }

  void close() {
    closed = true;
    if (topicWatch != null) {
      topicWatch.cancel();
    }
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
        refusals.warn("mqtt client {}: subscription to '{}' refused: {}", clientId, filter.topicName(), failure.toString());
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
      refusals.warn("mqtt client {}: invalid topic filter '{}' refused", clientId, filter);
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
    if (!mayRead(filter)) {
      return Future.succeededFuture(MqttSubAckReasonCode.NOT_AUTHORIZED);
    }
    return logTopics(filter).compose(names -> {
      List<Future<Void>> started = new ArrayList<>();
      for (String name : names) {
        started.add(readers.cover(name, Map.of(), false));
      }
      return Future.all(started).map(all -> {
        Subscription subscription = new Subscription(filter, granted, noLocal, retainAsPublished, subscriptionId, Set.copyOf(names));
        Subscription previous = subscriptions.put(filter, subscription);
        changed.run();
        watchTopics();
        if (wantsRetained(requested, previous != null)) {
          awaitingRetained.add(subscription);
        }
        pump.run();
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
          clientId, sharedFilter);
      return Future.succeededFuture(MqttSubAckReasonCode.TOPIC_FILTER_INVALID);
    }
    MqttSharedSubscription.Share share = parsed.get();
    if (!mayRead(share.filter()) || !access.mayReadGroup(share.group())) {
      return Future.succeededFuture(MqttSubAckReasonCode.NOT_AUTHORIZED);
    }
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
      MqttSharedSubscription subscription = new MqttSharedSubscription(groups, context, decoding, share, granted, subscriptionId, names,
          Math.min(maxInflight, 500),
          (part, record) -> MqttMessages.forShare(part.partition(), record, share.filter(), granted, subscriptionId, maxPacketBytes),
          pump);
      shares.put(sharedFilter, subscription);
      changed.run();
      return subscription.start()
          .onFailure(e -> {
            shares.remove(sharedFilter, subscription);
            subscription.close();
          })
          .map(MqttSubAckReasonCode.qosGranted(granted));
    });
  }

  /** Whether the principal may READ the log topics the mapper names for the filter (audited); a filter that names none is let through. */
  private boolean mayRead(String filter) {
    return mapper.logTopicsFor(filter).map(access::mayRead).orElse(true);
  }

  /**
   * The log topics a filter reads: the mapper's (created if missing and allowed), or every topic
   * there is; of those, the ones the principal may READ.
   */
  private Future<Set<String>> logTopics(String filter) {
    return mapper.logTopicsFor(filter)
        .map(named -> Future.succeededFuture(named))
        .orElseGet(() -> Future.fromCompletionStage(service.listTopics(), context)
            .map(all -> {
              Set<String> names = new HashSet<>();
              all.stream().map(TopicSummary::name).forEach(names::add);
              return names;
            }))
        .map(names -> {
          Set<String> readable = new HashSet<>(names);
          readable.removeIf(name -> !access.allowsRead(name));
          return readable;
        });
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
      LOG.debug("mqtt client {}: topics not refreshed yet: {}", clientId, e.toString());
      topicRefreshRetries.retry(this::queueTopicRefresh);
    }).onSuccess(v -> {
      topicRefreshRetries.reset();
      pump.run();
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
            started.add(readers.cover(name, Map.of(), true));
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
    readers.keepOnly(used);
  }
}
