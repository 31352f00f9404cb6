package io.streamgate.cluster;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this node holds a replica of: opens and deletes their logs as the metadata says,
 * makes each replica leader or follower in the epoch the metadata names, serves followers' fetches
 * of the partitions it leads, runs one fetcher per leader for the partitions it follows, and asks
 * for ISR changes (a lagging follower out, a caught-up one back in) by compare-and-set on the
 * metadata, guarded by the leader epoch.
 */
final class ReplicaManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaManager.class);
  /** How long a leader holds a follower's fetch when there is nothing new. */
  static final long FETCH_WAIT_MS = 500;
  private static final int FETCH_MAX_BYTES_PER_PARTITION = 1024 * 1024;
  /** A follower's wait before fetching again after a failed or fruitless fetch: the first, and the most after many. */
  private static final long RETRY_FIRST_MS = 200;
  private static final long RETRY_CAP_MS = 2_000;

  private final Vertx vertx;
  private final LogManager logs;
  private final ClusterMetadata metadata;
  private final String nodeId;
  private final ClusterOptions options;
  private final ExecutorService readers;
  private final ExecutorService metadataThread;
  /** Rebuilds the idempotency windows of the replicas this node opens (reads disk; off the metadata thread). */
  private final Executor windowLoader;
  /** Wall-clock ms: the replicas' lag timers and the leader's timestamp bounds. */
  private final LongSupplier clock = System::currentTimeMillis;
  private final Map<TopicPartition, Replica> replicas = new ConcurrentHashMap<>();
  /** Consumers (long-polls, streams) waiting for the high watermark of a partition this node leads. */
  private final WatchRegistry readWatches = new WatchRegistry();
  private final Map<String, Fetcher> fetchers = new ConcurrentHashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long isrTimer = -1;
  private volatile boolean closed;

  ReplicaManager(Vertx vertx, LogManager logs, ClusterMetadata metadata, String nodeId, ClusterOptions options,
      ExecutorService readers, ExecutorService metadataThread, Executor windowLoader) {
    this.vertx = vertx;
    this.logs = logs;
    this.metadata = metadata;
    this.nodeId = nodeId;
    this.options = options;
    this.readers = readers;
    this.metadataThread = metadataThread;
    this.windowLoader = windowLoader;
  }

  void start() {
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.FETCH), this::serveFetch));
    isrTimer = vertx.setPeriodic(Math.max(100, options.replicaLagMaxMs() / 4), id -> readers.execute(this::shrinkLaggingIsrs));
  }

  Optional<Replica> replica(TopicPartition partition) {
    return Optional.ofNullable(replicas.get(partition));
  }

  /** The replica of a partition this node leads. */
  Replica leader(TopicPartition partition) {
    Replica replica = replicas.get(partition);
    if (replica == null || !replica.isLeader()) {
      throw new NotLeaderException(nodeId + " does not lead " + partition);
    }
    return replica;
  }

  CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks) {
    try {
      if (!metadata.hasQuorum()) {
        throw new NotEnoughReplicasException("node " + nodeId + " sees no majority of the cluster and takes no writes");
      }
      TopicState topic = metadata.topic(partition.topic())
          .orElseThrow(() -> new TopicNotFoundException("topic '" + partition.topic() + "' does not exist"));
      int minInsync = TopicConfigs.minInsyncReplicas(topic.topic().config());
      Replica leader = leader(partition);
      // Here, on the leader, every protocol's appends pass: one check for HTTP, MQTT and any later listener.
      TopicConfigs.timestampBounds(topic.topic().config()).check(batch, clock.getAsLong());
      return leader.appendAsLeader(batch, acks, minInsync, options.replicaLagMaxMs() + options.failureDetectionMs());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Waits for the high watermark of a partition this node leads to pass {@code offset}. */
  Cancellable watch(TopicPartition partition, long offset, Runnable onData) {
    Replica replica = leader(partition);
    return readWatches.watch(partition, offset, replica.log()::highWatermark, onData);
  }

  int watcherCount() {
    return readWatches.size();
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
          remove(tp);
        }
        continue;
      }
      Replica replica = replicas.computeIfAbsent(tp, key -> open(key, config));
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
          fetchers.computeIfAbsent(state.leader(), Fetcher::new).assign(tp);
        }
        if (newTerm) {
          LOG.info("{}: follower of {} in epoch {}, log end {}", tp, state.leader(), state.leaderEpoch(),
              replica.log().logEndOffset());
        }
      }
    }
  }

  private Replica open(TopicPartition tp, LogConfig config) {
    PartitionLog log = logs.get(tp).orElseGet(() -> logs.create(tp, config));
    log.addListener(readWatches::onHighWatermark);
    return new Replica(tp, log, nodeId, clock, windowLoader);
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
    fetchers.values().forEach(fetcher -> fetcher.partitions.remove(tp));
  }

  // ---------------------------------------------------------------- ISR changes

  private void shrinkLaggingIsrs() {
    for (Replica replica : replicas.values()) {
      List<String> lagging = replica.laggingFollowers(options.replicaLagMaxMs());
      if (!lagging.isEmpty()) {
        LOG.warn("{}: followers {} have not caught up for {} ms; removing them from the ISR", replica.partition(), lagging,
            options.replicaLagMaxMs());
        changeIsr(replica, state -> state.isr().stream().filter(r -> !lagging.contains(r)).toList());
      }
    }
  }

  private void changeIsr(Replica replica, Function<PartitionState, List<String>> newIsr) {
    int epoch = replica.epoch();
    TopicPartition tp = replica.partition();
    metadataThread.execute(() -> {
      // Whether the last attempt of the compare-and-set wrote the change (it may be tried again).
      boolean[] written = {false};
      try {
        metadata.update(tp.topic(), topic -> {
          written[0] = false;
          if (tp.partition() >= topic.partitions().size()) {
            return topic;
          }
          PartitionState state = topic.partition(tp.partition());
          List<String> isr = newIsr.apply(state);
          // Only the leader of this very epoch may change its ISR.
          if (!nodeId.equals(state.leader()) || state.leaderEpoch() != epoch || isr.equals(state.isr()) || isr.isEmpty()) {
            return topic;
          }
          LOG.info("{}: ISR {} -> {}", tp, state.isr(), isr);
          written[0] = true;
          return topic.withPartition(tp.partition(), s -> s.withIsr(isr));
        });
      } catch (RuntimeException e) {
        written[0] = false;
        LOG.warn("{}: ISR change not made: {}", tp, e.getMessage());
      } finally {
        replica.isrChangeDone(written[0]);
      }
    });
  }

  // ---------------------------------------------------------------- leader side of replication

  /**
   * A follower's fetch: {@code {follower, maxWaitMs, partitions:[{topic, partition, epoch, offset,
   * lastEpoch}]}}. Answered at once if any partition has data or news, else when one does or at
   * {@code maxWaitMs}.
   */
  private void serveFetch(Message<JsonObject> message) {
    JsonObject request = message.body();
    String follower = request.getString("follower");
    JsonArray partitions = request.getJsonArray("partitions");
    long maxWaitMs = Math.min(request.getLong("maxWaitMs", 0L), 5000);
    // A leader answers from its epoch history only once its own epoch is recorded there (queued on
    // the log's writer when it started leading): wait for that rather than turn the follower away.
    List<CompletableFuture<Void>> epochsRecorded = new ArrayList<>();
    for (int i = 0; i < partitions.size(); i++) {
      JsonObject p = partitions.getJsonObject(i);
      Replica replica = replicas.get(new TopicPartition(p.getString("topic"), p.getInteger("partition")));
      if (replica != null) {
        epochsRecorded.add(replica.leaderEpochRecorded());
      }
    }
    CompletableFuture.allOf(epochsRecorded.toArray(CompletableFuture[]::new))
        .whenComplete((recorded, failure) -> readers.execute(() -> answerFetch(message, follower, partitions, maxWaitMs)));
  }

  /** Answers a fetch now if any partition has data or news, else when one does or at {@code maxWaitMs}. */
  private void answerFetch(Message<JsonObject> message, String follower, JsonArray partitions, long maxWaitMs) {
    List<Replica.FetchAnswer> answers = fetchAnswers(follower, partitions);
    if (maxWaitMs == 0 || !allEmpty(answers)) {
      message.reply(encode(partitions, answers));
      return;
    }
    AtomicBoolean answered = new AtomicBoolean();
    // A watch may fire on the writer thread while later ones are still being registered here.
    List<Cancellable> watches = new CopyOnWriteArrayList<>();
    Runnable answer = () -> {
      if (answered.compareAndSet(false, true)) {
        watches.forEach(Cancellable::cancel);
        readers.execute(() -> message.reply(encode(partitions, fetchAnswers(follower, partitions))));
      }
    };
    long timer = vertx.setTimer(maxWaitMs, id -> answer.run());
    for (int i = 0; i < partitions.size(); i++) {
      JsonObject p = partitions.getJsonObject(i);
      Replica replica = replicas.get(new TopicPartition(p.getString("topic"), p.getInteger("partition")));
      if (replica != null) {
        watches.add(replica.watchLogEnd(p.getLong("offset"), () -> {
          vertx.cancelTimer(timer);
          answer.run();
        }));
      }
    }
    if (answered.get()) {
      // Answered while registering: the watches added after that are not needed.
      watches.forEach(Cancellable::cancel);
    }
  }

  private List<Replica.FetchAnswer> fetchAnswers(String follower, JsonArray partitions) {
    List<Replica.FetchAnswer> answers = new ArrayList<>();
    for (int i = 0; i < partitions.size(); i++) {
      JsonObject p = partitions.getJsonObject(i);
      Replica replica = replicas.get(new TopicPartition(p.getString("topic"), p.getInteger("partition")));
      if (replica == null) {
        answers.add(Replica.FetchAnswer.error(Replica.FetchAnswer.Error.NOT_LEADER, -1));
        continue;
      }
      try {
        Replica.FetchResult result = replica.serveFetch(follower, p.getInteger("epoch"), p.getLong("offset"),
            p.getInteger("lastEpoch"), FETCH_MAX_BYTES_PER_PARTITION);
        if (result.joinsIsr()) {
          // Only a member of the cluster: a node the cluster declared gone may still fetch (a long
          // pause, a cut to Hazelcast only), and the controller would take it out again at once.
          changeIsr(replica, state -> {
            if (!metadata.isAlive(follower)) {
              return state.isr();
            }
            LOG.info("{}: follower {} caught up; adding it to the ISR", replica.partition(), follower);
            return state.isrWith(follower);
          });
        }
        answers.add(result.answer());
      } catch (RuntimeException e) {
        LOG.warn("{}: cannot serve {}'s fetch: {}", replica.partition(), follower, e.toString());
        answers.add(Replica.FetchAnswer.error(Replica.FetchAnswer.Error.NOT_LEADER, -1));
      }
    }
    return answers;
  }

  private static boolean allEmpty(List<Replica.FetchAnswer> answers) {
    return answers.stream().allMatch(a -> a.error() == Replica.FetchAnswer.Error.NONE && !a.records().hasRemaining());
  }

  private static Buffer encode(JsonArray partitions, List<Replica.FetchAnswer> answers) {
    Buffer out = Buffer.buffer();
    out.appendInt(answers.size());
    for (int i = 0; i < answers.size(); i++) {
      Replica.FetchAnswer a = answers.get(i);
      JsonObject p = partitions.getJsonObject(i);
      byte[] topic = p.getString("topic").getBytes(StandardCharsets.UTF_8);
      byte[] records = Wire.bytes(a.records());
      out.appendInt(topic.length).appendBytes(topic).appendInt(p.getInteger("partition"))
          .appendByte((byte) a.error().ordinal()).appendLong(a.highWatermark()).appendLong(a.logStartOffset())
          .appendInt(a.divergingEpoch()).appendLong(a.divergingEndOffset())
          .appendInt(records.length).appendBytes(records);
    }
    return out;
  }

  // ---------------------------------------------------------------- follower side of replication

  /** Fetches, in a loop, the partitions this node follows from one leader. */
  private final class Fetcher {
    private final String leader;
    private final Set<TopicPartition> partitions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean();
    private final Backoff backoff = new Backoff(RETRY_FIRST_MS, RETRY_CAP_MS, (delayMs, action) -> vertx.setTimer(delayMs, id -> action.run()));

    Fetcher(String leader) {
      this.leader = leader;
    }

    void assign(TopicPartition tp) {
      partitions.add(tp);
      if (running.compareAndSet(false, true)) {
        fetch();
      }
    }

    private void fetch() {
      JsonArray request = new JsonArray();
      List<Replica> asked = new ArrayList<>();
      List<Integer> askedEpochs = new ArrayList<>();
      for (TopicPartition tp : partitions) {
        Replica replica = replicas.get(tp);
        if (replica == null || replica.isLeader()) {
          continue;
        }
        int epoch = replica.epoch();
        asked.add(replica);
        askedEpochs.add(epoch);
        request.add(new JsonObject().put("topic", tp.topic()).put("partition", tp.partition())
            .put("epoch", epoch).put("offset", replica.log().logEndOffset())
            .put("lastEpoch", replica.log().latestEpoch()));
      }
      if (closed || asked.isEmpty()) {
        running.set(false);
        // An assignment that raced the stop starts the loop again.
        if (!closed && !partitions.isEmpty() && running.compareAndSet(false, true)) {
          // Not a failure: look again soon, not later and later.
          backoff.reset();
          backoff.retry(this::fetch);
        }
        return;
      }
      JsonObject body = new JsonObject().put("follower", nodeId).put("maxWaitMs", FETCH_WAIT_MS).put("partitions", request);
      vertx.eventBus().<Buffer>request(Wire.address(leader, Wire.FETCH), body,
              new DeliveryOptions().setSendTimeout(FETCH_WAIT_MS + options.failureDetectionMs()))
          .onSuccess(reply -> apply(asked, askedEpochs, reply.body()).whenComplete((done, failure) -> {
            if (failure != null) {
              LOG.warn("fetch from {} could not be applied: {}", leader, failure.toString());
              backoff.retry(this::fetch);
            } else if (done) {
              backoff.reset();
              fetch();
            } else {
              backoff.retry(this::fetch);
            }
          }))
          .onFailure(failure -> {
            LOG.debug("fetch from {} failed: {}", leader, failure.toString());
            backoff.retry(this::fetch);
          });
    }

    /** Applies an answer; completes with false when nothing progressed (back off before asking again). */
    private CompletableFuture<Boolean> apply(List<Replica> asked, List<Integer> askedEpochs, Buffer answer) {
      List<CompletableFuture<?>> applied = new ArrayList<>();
      boolean progressed = false;
      int pos = 0;
      int count = answer.getInt(pos);
      pos += 4;
      for (int i = 0; i < count; i++) {
        int topicLength = answer.getInt(pos);
        pos += 4 + topicLength;
        pos += 4;
        Replica.FetchAnswer.Error error = Replica.FetchAnswer.Error.values()[answer.getByte(pos)];
        long hw = answer.getLong(pos + 1);
        long logStart = answer.getLong(pos + 9);
        int divergingEpoch = answer.getInt(pos + 17);
        long divergingEnd = answer.getLong(pos + 21);
        int recordsLength = answer.getInt(pos + 29);
        pos += 33;
        ByteBuffer records = ByteBuffer.wrap(answer.getBytes(pos, pos + recordsLength));
        pos += recordsLength;
        Replica replica = asked.get(i);
        if (!replica.follows(leader, askedEpochs.get(i)) || replicas.get(replica.partition()) != replica) {
          // The replica changed role or epoch, or was removed, while the fetch was out (a leader
          // holds a fetch for a while): the answer is of a term that is over, perhaps from a leader
          // that has been deposed since. Applying it could take in records that leader wrote after
          // its successor took over, or cut a log by a history that no longer counts.
          LOG.debug("{}: dropping a fetch answer from {} for epoch {}; the replica has moved on", replica.partition(), leader,
              askedEpochs.get(i));
          continue;
        }
        switch (error) {
          case NONE -> {
            progressed |= records.hasRemaining();
            applied.add(replica.appendFetched(leader, askedEpochs.get(i), records, hw));
          }
          case DIVERGING -> {
            progressed = true;
            LOG.info("{}: history diverges from leader {} at epoch {}; truncating to {} (log end {})", replica.partition(),
                leader, divergingEpoch, divergingEnd, replica.log().logEndOffset());
            applied.add(replica.truncateToDivergence(leader, askedEpochs.get(i), divergingEpoch, divergingEnd));
          }
          case OUT_OF_RANGE -> {
            long logEnd = replica.log().logEndOffset();
            if (logEnd < logStart) {
              progressed = true;
              LOG.warn("{}: log end {} is below leader {}'s log start {} (retention deleted what this replica lacks); "
                  + "emptying its log to start over at {}", replica.partition(), logEnd, leader, logStart, logStart);
            }
            applied.add(replica.startAtLeaderLogStart(leader, askedEpochs.get(i), logStart));
          }
          case NOT_LEADER -> { }
        }
      }
      boolean anyProgress = progressed;
      return CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new)).thenApply(done -> anyProgress || count > 0
          && applied.size() == count);
    }
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
