package io.streamgate.cluster;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this node holds a replica of: opens and deletes their logs as the metadata says,
 * makes each replica leader or follower in the epoch the metadata names, serves followers' fetches
 * of the partitions it leads, and runs one {@link ReplicaFetcher} per leader for the partitions it
 * follows. {@link IsrChanges} makes the ISR changes of the partitions it leads.
 */
final class ReplicaManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaManager.class);
  private static final int FETCH_MAX_BYTES_PER_PARTITION = 1024 * 1024;
  /** The longest a leader holds a fetch, whatever the follower asks. */
  private static final long FETCH_MAX_WAIT_MS = 5000;
  /**
   * How long a read waits for a new leader to serve reads: its followers' next fetches confirm its
   * high watermark within milliseconds, seconds on a starved machine; past it, a retriable 503.
   */
  static final long READ_WAIT_MS = 2000;

  private final Vertx vertx;
  private final LogManager logs;
  private final ClusterMetadata metadata;
  private final NodeLease lease;
  private final String nodeId;
  private final ClusterOptions options;
  private final ExecutorService readers;
  private final IsrChanges isrChanges;
  /** Rebuilds the idempotency windows of the replicas this node opens (reads disk; off the metadata thread). */
  private final Executor windowLoader;
  /** Wall-clock ms: the replicas' lag timers and the leader's timestamp bounds. */
  private final LongSupplier clock = System::currentTimeMillis;
  private final Map<TopicPartition, Replica> replicas = new ConcurrentHashMap<>();
  /** Consumers (long-polls, streams) waiting for the high watermark of a partition this node leads or follows in sync. */
  private final WatchRegistry readWatches = new WatchRegistry();
  private final Map<String, ReplicaFetcher> fetchers = new ConcurrentHashMap<>();
  /** Caps what this node sends, as a leader, to replicas that moves add. */
  private final ReplicationThrottle throttle;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /** Deletions of the copies of replicas moved away from this node, by partition, until they are done. */
  private final Map<TopicPartition, CompletableFuture<Void>> pendingDeletions = new ConcurrentHashMap<>();
  private long isrTimer = -1;
  private volatile boolean closed;

  ReplicaManager(Vertx vertx, LogManager logs, ClusterMetadata metadata, NodeLease lease, IsrChanges isrChanges, String nodeId,
      ClusterOptions options, ExecutorService readers, Executor windowLoader, ReplicationThrottle throttle) {
    this.throttle = throttle;
    this.vertx = vertx;
    this.logs = logs;
    this.metadata = metadata;
    this.lease = lease;
    this.nodeId = nodeId;
    this.options = options;
    this.readers = readers;
    this.isrChanges = isrChanges;
    this.windowLoader = windowLoader;
  }

  void start() {
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.FETCH), this::serveFetch));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.MOVE_LAGS),
        message -> message.reply(Wire.moveLags(addingLags()))));
    isrTimer = vertx.setPeriodic(Math.max(100, options.replicaLagMaxMs() / 4),
        id -> readers.execute(() -> isrChanges.shrinkLagging(replicas.values())));
  }

  Optional<Replica> replica(TopicPartition partition) {
    return Optional.ofNullable(replicas.get(partition));
  }

  /** The replica of a partition this node leads, while this node holds its lease ({@link NodeLease}). */
  Replica leader(TopicPartition partition) {
    Replica replica = replicas.get(partition);
    if (replica == null || !replica.isLeader()) {
      throw new NotLeaderException(nodeId + " does not lead " + partition);
    }
    requireLease();
    return replica;
  }

  /**
   * The replica of a partition this node leads, for reads: as {@link #leader}, and only once its
   * high watermark has reached the start of its epoch ({@link Replica#servesReads}).
   */
  Replica readableLeader(TopicPartition partition) {
    Replica replica = leader(partition);
    if (!replica.servesReads()) {
      throw new LeaderNotAvailableException(nodeId + " has just become the leader of " + partition
          + " and serves reads once its followers have confirmed its high watermark");
    }
    return replica;
  }

  /**
   * As {@link #readableLeader}, but a new leader not yet serving reads is waited for, up to {@link
   * #READ_WAIT_MS}, rather than refused at once ({@link Replica#awaitServesReads}).
   */
  CompletableFuture<Replica> awaitReadableLeader(TopicPartition partition) {
    try {
      Replica replica = leader(partition);
      if (replica.servesReads()) {
        return CompletableFuture.completedFuture(replica);
      }
      return replica.awaitServesReads(READ_WAIT_MS).thenApply(ready -> readableLeader(partition));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The replica of a partition this node follows in sync, for consumers' reads (KIP-392): it
   * follows the leader the metadata names, in the epoch it names, and the ISR there holds this
   * node. No lease is needed: it serves only records below the high watermark its leader sent it,
   * which are committed. Else {@link NotLeaderException} (Kafka's NOT_LEADER_OR_FOLLOWER).
   */
  Replica inSyncFollower(TopicPartition partition) {
    Replica replica = replicas.get(partition);
    PartitionState state = metadata.topic(partition.topic()).filter(topic -> partition.partition() < topic.partitions().size())
        .map(topic -> topic.partition(partition.partition())).orElse(null);
    if (replica == null || state == null || !state.hasLeader() || !state.isr().contains(nodeId)
        || !replica.follows(state.leader(), state.leaderEpoch())) {
      throw new NotLeaderException(nodeId + " holds no in-sync follower replica of " + partition);
    }
    return replica;
  }

  private void requireLease() {
    if (!lease.holds()) {
      throw new LeaseExpiredException(noLease());
    }
  }

  private String noLease() {
    return "node " + nodeId + " holds no lease from a majority of the metadata quorum: its partition leaders take no"
        + " writes and serve no reads";
  }

  CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks) {
    try {
      TopicState topic = metadata.topic(partition.topic())
          .orElseThrow(() -> new TopicNotFoundException("topic '" + partition.topic() + "' does not exist"));
      int minInsync = TopicConfigs.minInsyncReplicas(topic.topic().config());
      Replica leader = leader(partition);
      // Here, on the leader, every protocol's appends pass: one check for HTTP, MQTT and any later listener.
      TopicConfigs.timestampBounds(topic.topic().config()).check(batch, clock.getAsLong());
      // Acknowledged only under the lease: after it ends another node may lead, and the two must
      // never acknowledge at the same time. A retry with the same idempotency id finds the write.
      return leader.appendAsLeader(batch, acks, minInsync, isrWaitMs())
          .thenApply(written -> {
            if (!lease.holds()) {
              throw new NotEnoughReplicasAfterAppendException(noLease() + " (the write is in its log, not acknowledged)");
            }
            return written;
          });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * How long a leader waits for its ISR to confirm something (an {@code acks=all} write, a record
   * deletion): long enough for a follower that does not follow to leave the ISR.
   */
  long isrWaitMs() {
    return options.replicaLagMaxMs() + options.failureDetectionMs();
  }

  /** Waits for the high watermark of a partition this node leads to pass {@code offset}. */
  Cancellable watch(TopicPartition partition, long offset, Runnable onData) {
    Replica replica = leader(partition);
    return readWatches.watch(partition, offset, replica.log()::highWatermark, onData);
  }

  /** As {@link #watch}, on a partition this node follows in sync ({@link #inSyncFollower}): the high watermark it knows. */
  Cancellable watchInSync(TopicPartition partition, long offset, Runnable onData) {
    Replica replica = inSyncFollower(partition);
    return readWatches.watch(partition, offset, replica.log()::highWatermark, onData);
  }

  int watcherCount() {
    return readWatches.size();
  }

  /** Every follower's lag of every partition this node leads, by topic, partition and follower. */
  List<FollowerLag> followerLags() {
    return replicas.values().stream().flatMap(replica -> replica.followerLags().stream())
        .sorted(Comparator.comparing((FollowerLag lag) -> lag.partition().topic())
            .thenComparingInt(lag -> lag.partition().partition()).thenComparing(FollowerLag::follower))
        .toList();
  }

  /** How far the replicas that moves add are behind, for the moving partitions this node leads. In memory only. */
  List<PartitionMoves.Lag> addingLags() {
    return replicas.values().stream().flatMap(replica -> replica.addingLags().stream()).toList();
  }

  // ---------------------------------------------------------------- metadata → replicas (metadata thread)

  /** Brings this node's replicas of {@code topic} in line with its new state. */
  void apply(TopicState topic) {
    if (closed) {
      return;
    }
    if (topic.deleted()) {
      for (TopicPartition tp : List.copyOf(replicas.keySet())) {
        if (tp.topic().equals(topic.name())) {
          remove(tp);
        }
      }
      return;
    }
    LogConfig config = TopicConfigs.logConfig(topic.topic().config());
    for (int p = 0; p < topic.partitions().size(); p++) {
      TopicPartition tp = new TopicPartition(topic.name(), p);
      PartitionState state = topic.partition(p);
      if (!state.replicas().contains(nodeId)) {
        if (replicas.containsKey(tp)) {
          // Moved away (a completed or cancelled move): its copy goes, off this thread.
          LOG.info("{}: no longer a replica here ({}); deleting this node's copy", tp, state.replicas());
          Replica gone = replicas.remove(tp);
          unassignFetcher(tp);
          readWatches.wakeAll(tp);
          CompletableFuture<Void> deletion = CompletableFuture.runAsync(() -> deleteLog(tp, gone), readers);
          pendingDeletions.put(tp, deletion);
          deletion.whenComplete((done, failure) -> pendingDeletions.remove(tp, deletion));
        }
        continue;
      }
      Replica held = replicas.get(tp);
      if (held != null && !held.topicId().equals(topic.id())) {
        // The name was deleted and taken again while this node looked away (a snapshot brought both
        // at once): not one record of the old topic may serve or seed the new one.
        LOG.warn("{}: dropping the replica of topic id {}; the topic is now {}", tp, held.topicId(), topic.id());
        remove(tp);
      }
      Replica replica = replicas.computeIfAbsent(tp, key -> open(key, topic.id(), config));
      if (!replica.log().config().equals(config)) {
        replica.log().updateConfig(config);
      }
      if (nodeId.equals(state.leader())) {
        unassignFetcher(tp);
        boolean newTerm = !replica.isLeader() || replica.epoch() != state.leaderEpoch();
        replica.becomeLeader(state);
        if (newTerm) {
          LOG.info("{}: leader in epoch {}, ISR {}, log end {}", tp, state.leaderEpoch(), state.isr(),
              replica.log().logEndOffset());
        }
      } else {
        boolean wasLeader = replica.isLeader();
        boolean newTerm = wasLeader || replica.epoch() != state.leaderEpoch();
        replica.becomeFollower(state);
        if (wasLeader) {
          // Consumers waiting here must ask the new leader.
          readWatches.wakeAll(tp);
        }
        unassignFetcher(tp);
        if (state.hasLeader()) {
          fetchers.computeIfAbsent(state.leader(), this::fetcher).assign(tp);
        }
        if (newTerm) {
          LOG.info("{}: follower of {} in epoch {}, log end {}", tp, state.leader(), state.leaderEpoch(),
              replica.log().logEndOffset());
        }
      }
    }
  }

  /**
   * Opens this node's replica of {@code tp} in topic incarnation {@code topicId}: the log on disk if
   * it is that incarnation's, else a new empty one. A log of another incarnation (the node slept
   * through a deletion and re-creation under the name) is deleted first; one from before topic ids
   * records none and is taken as this incarnation's, as Kafka takes a log without partition.metadata.
   */
  private Replica open(TopicPartition tp, TopicId topicId, LogConfig config) {
    // Moved back before the copy that moved away was deleted: that deletion first (rare, and short).
    Optional.ofNullable(pendingDeletions.remove(tp)).ifPresent(CompletableFuture::join);
    PartitionLog log = logs.get(tp).filter(existing -> {
      Optional<String> recorded = existing.topicId();
      if (recorded.isPresent() && !recorded.get().equals(topicId.toString())) {
        LOG.warn("{}: deleting the log of topic id {} on disk; the topic is now {}", tp, recorded.get(), topicId);
        logs.delete(tp);
        return false;
      }
      return true;
    }).orElseGet(() -> logs.create(tp, config));
    if (log.topicId().isEmpty()) {
      log.recordTopicId(topicId.toString());
    }
    log.addListener(readWatches::onHighWatermark);
    return new Replica(topicId, tp, log, nodeId, clock, windowLoader);
  }

  private void deleteLog(TopicPartition tp, Replica gone) {
    try {
      if (logs.get(tp).filter(log -> log == gone.log()).isPresent()) {
        logs.delete(tp);
      }
    } catch (RuntimeException e) {
      LOG.warn("{}: the copy of a replica moved away was not deleted: {}", tp, e.toString());
    }
  }

  private void remove(TopicPartition tp) {
    unassignFetcher(tp);
    replicas.remove(tp);
    readWatches.wakeAll(tp);
    logs.delete(tp);
  }

  /** Deletes logs on disk that no topic gives this node: a deletion it slept through, or one interrupted. */
  void deleteOrphanLogs() {
    for (PartitionLog log : logs.partitions()) {
      if (!replicas.containsKey(log.topicPartition())) {
        LOG.warn("deleting {}: no topic gives this node a replica of it", log.topicPartition());
        logs.delete(log.topicPartition());
      }
    }
  }

  private void unassignFetcher(TopicPartition tp) {
    fetchers.values().forEach(fetcher -> fetcher.unassign(tp));
  }

  private ReplicaFetcher fetcher(String leader) {
    return new ReplicaFetcher(vertx, nodeId, leader, replicas::get, () -> closed, options.failureDetectionMs());
  }

  // ---------------------------------------------------------------- leader side of replication

  /**
   * A follower's fetch ({@link Wire.FetchRequest}): answered at once if any partition has data or
   * news (an error, or a high watermark past the one the follower reported: its readers in its rack
   * wait for it), else when one does or at its {@code maxWaitMs}.
   */
  private void serveFetch(Message<JsonObject> message) {
    Wire.FetchRequest request = Wire.fetchRequest(message.body());
    long maxWaitMs = Math.min(request.maxWaitMs(), FETCH_MAX_WAIT_MS);
    // A leader answers from its epoch history only once its own epoch is recorded there (queued on
    // the log's writer when it started leading): wait for that rather than turn the follower away.
    List<CompletableFuture<Void>> epochsRecorded = new ArrayList<>();
    for (Wire.FetchPosition p : request.partitions()) {
      Replica replica = replicas.get(p.partition());
      if (replica != null) {
        epochsRecorded.add(replica.leaderEpochRecorded());
      }
    }
    CompletableFuture.allOf(epochsRecorded.toArray(CompletableFuture[]::new))
        .whenComplete((recorded, failure) -> readers.execute(() -> answerFetch(message, request, maxWaitMs)));
  }

  /** Answers a fetch now if any partition has data or news, else when one does or at {@code maxWaitMs}. */
  private void answerFetch(Message<JsonObject> message, Wire.FetchRequest request, long maxWaitMs) {
    List<Wire.FetchedPartition> answers = fetchAnswers(request);
    if (maxWaitMs == 0 || !nothingNew(request, answers)) {
      message.reply(Wire.fetchResponse(answers));
      return;
    }
    long throttledMs = throttledWaitMs(request);
    if (throttledMs > 0) {
      // Its data is there but held back: answer once the throttle lets some through, not at once.
      vertx.setTimer(Math.min(throttledMs, maxWaitMs),
          id -> readers.execute(() -> message.reply(Wire.fetchResponse(fetchAnswers(request)))));
      return;
    }
    AtomicBoolean answered = new AtomicBoolean();
    // A watch may fire on the writer thread while later ones are still being registered here.
    List<Cancellable> watches = new CopyOnWriteArrayList<>();
    Runnable answer = () -> {
      if (answered.compareAndSet(false, true)) {
        watches.forEach(Cancellable::cancel);
        readers.execute(() -> message.reply(Wire.fetchResponse(fetchAnswers(request))));
      }
    };
    long timer = vertx.setTimer(maxWaitMs, id -> answer.run());
    for (Wire.FetchPosition p : request.partitions()) {
      Replica replica = replicas.get(p.partition());
      if (replica != null) {
        Runnable wake = () -> {
          vertx.cancelTimer(timer);
          answer.run();
        };
        watches.add(replica.watchLogEnd(p.offset(), wake));
        if (p.highWatermark() != Wire.FetchPosition.HIGH_WATERMARK_UNREPORTED) {
          watches.add(replica.watchHighWatermark(p.highWatermark(), wake));
        }
      }
    }
    if (answered.get()) {
      // Answered while registering: the watches added after that are not needed.
      watches.forEach(Cancellable::cancel);
    }
  }

  private List<Wire.FetchedPartition> fetchAnswers(Wire.FetchRequest request) {
    String follower = request.follower();
    List<Wire.FetchedPartition> answers = new ArrayList<>();
    for (Wire.FetchPosition p : request.partitions()) {
      Replica replica = replicas.get(p.partition());
      if (replica == null || !lease.holds()) {
        answers.add(notLeader(p));
        continue;
      }
      if (p.topicId() != null && !p.topicId().equals(replica.topicId())) {
        // The follower's replica is of another incarnation of the topic: no record of this one may seed it.
        answers.add(new Wire.FetchedPartition(p.partition(),
            Replica.FetchAnswer.error(Replica.FetchAnswer.Error.UNKNOWN_TOPIC_ID, -1)));
        continue;
      }
      boolean throttled = replica.isAdding(follower);
      int maxBytes = throttled ? throttle.allowance(FETCH_MAX_BYTES_PER_PARTITION) : FETCH_MAX_BYTES_PER_PARTITION;
      if (maxBytes == 0) {
        answers.add(new Wire.FetchedPartition(p.partition(),
            Replica.FetchAnswer.heldBack(replica.log().highWatermark(), replica.log().logStartOffset())));
        continue;
      }
      try {
        Replica.FetchResult result = replica.serveFetch(follower, p.epoch(), p.offset(), p.lastEpoch(), p.logStartOffset(),
            maxBytes);
        if (throttled) {
          throttle.sent(result.answer().records().remaining());
        }
        if (result.joinsIsr()) {
          isrChanges.addCaughtUp(replica, follower);
        }
        answers.add(new Wire.FetchedPartition(p.partition(), result.answer()));
      } catch (RuntimeException e) {
        LOG.warn("{}: cannot serve {}'s fetch: {}", replica.partition(), follower, e.toString());
        answers.add(notLeader(p));
      }
    }
    return answers;
  }

  /** How long the throttle holds back a partition of this fetch that moves to its follower; 0 if none does. */
  private long throttledWaitMs(Wire.FetchRequest request) {
    boolean adding = request.partitions().stream().map(p -> replicas.get(p.partition()))
        .anyMatch(replica -> replica != null && replica.isAdding(request.follower()));
    return adding ? throttle.waitMs() : 0;
  }

  private static Wire.FetchedPartition notLeader(Wire.FetchPosition asked) {
    return new Wire.FetchedPartition(asked.partition(), Replica.FetchAnswer.error(Replica.FetchAnswer.Error.NOT_LEADER, -1));
  }

  /** Whether no answer has records, an error, or a high watermark past the one its follower reported (answers are in request order). */
  private static boolean nothingNew(Wire.FetchRequest request, List<Wire.FetchedPartition> answers) {
    for (int i = 0; i < answers.size(); i++) {
      Replica.FetchAnswer answer = answers.get(i).answer();
      long known = request.partitions().get(i).highWatermark();
      if (answer.error() != Replica.FetchAnswer.Error.NONE || answer.records().hasRemaining()
          || (known != Wire.FetchPosition.HIGH_WATERMARK_UNREPORTED && answer.highWatermark() > known)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    closed = true;
    if (isrTimer >= 0) {
      vertx.cancelTimer(isrTimer);
    }
    consumers.forEach(MessageConsumer::unregister);
  }
}
