package io.streamgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.streamgate.cluster.groups.GroupCoordinator;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.LogManagerConfig;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The partition service of a cluster node (a node alone is a cluster of one): any node serves any
 * request. Writes, reads, offsets and watches go to the partition's leader, in this process when
 * this node leads it, else over the clustered event bus to the leader's node, which answers for it
 * consistently (reads never pass the leader's high watermark). Topic administration is a
 * compare-and-set on the shared metadata ({@link ClusterMetadata}), made on this node's metadata
 * thread; the replicas follow the metadata ({@link ReplicaManager}); the oldest node also acts as
 * {@link Controller}.
 *
 * <p>A request that meets a leader in transition fails with a retriable exception
 * ({@link LeaderNotAvailableException}, {@link NotLeaderException}, {@link NotEnoughReplicasException},
 * {@link ReplicationTimeoutException}); a retried write with the same idempotency id (set by the
 * gateway from {@code Idempotency-Key}) is written once.
 */
public final class ClusteredPartitionService implements PartitionService {
  /** The most partitions a topic may have; past it a request is refused rather than filling the disk with directories. */
  public static final int MAX_PARTITIONS = 1000;
  /** The most replicas an internal topic ({@code __groups}, ...) gets. */
  static final int MAX_INTERNAL_REPLICATION = 3;
  /** How long a remote watch waits at the leader before it answers "nothing yet" (the caller then simply watches again). */
  private static final long REMOTE_WATCH_MS = 20_000;
  /** A watch that cannot be placed (no leader, leadership moving, the leader unreachable) wakes its caller after about this long to look again. */
  private static final long WATCH_RETRY_MS = 200;
  /** A few, so that a partition with a long tail to read does not hold the others' windows. */
  private static final int WINDOW_LOADER_THREADS = 2;
  /** How long a topic change may take to reach every partition's leader before the request answers anyway. */
  private static final long SERVED_WAIT_MS = 10_000;

  private final Vertx vertx;
  private final String nodeId;
  private final ClusterOptions options;
  private final LogManager logs;
  private final ExecutorService readers;
  private final ExecutorService windowLoaders;
  private final ExecutorService metadataThread;
  private final ClusterMetadata metadata;
  private final ReplicaManager replicas;
  private final Controller controller;
  private ClusteredGroupService groups;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Runnable> topicWatchers = new CopyOnWriteArrayList<>();
  /** Partition counts of the live topics, as last told to {@link #topicWatchers}; on the metadata thread. */
  private final Map<String, Integer> watchedTopicShapes = new HashMap<>();
  private final long forwardTimeoutMs;
  private final NodeRequests nodeRequests;
  private long controllerTimer = -1;

  private ClusteredPartitionService(Vertx vertx, HazelcastInstance hazelcast, Path dataDir, String nodeId,
      int readerThreads, ClusterOptions options) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.options = options;
    this.logs = LogManager.open(LogManagerConfig.defaults(dataDir.resolve("log")));
    this.readers = Executors.newFixedThreadPool(readerThreads, daemonThreads("streamgate-log-reader"));
    this.metadataThread = Executors.newSingleThreadExecutor(daemonThreads("streamgate-metadata"));
    this.windowLoaders = Executors.newFixedThreadPool(WINDOW_LOADER_THREADS, daemonThreads("streamgate-idempotency-loader"));
    this.metadata = new ClusterMetadata(hazelcast, nodeId, new MetadataMirror(dataDir.resolve("meta")), metadataThread);
    this.replicas = new ReplicaManager(vertx, logs, metadata, nodeId, options, readers, metadataThread, windowLoaders);
    this.controller = new Controller(metadata, options.autoRebalance());
    this.forwardTimeoutMs = options.replicaLagMaxMs() + options.failureDetectionMs() + 5000;
    this.nodeRequests = new NodeRequests(vertx, metadata);
  }

  /**
   * Opens this node's logs, joins the cluster's metadata (merging this node's copy into it), takes
   * up its replicas and starts serving other nodes. Blocks: call it from a worker thread.
   *
   * @param vertx a clustered Vert.x whose cluster manager runs on {@code hazelcast}
   * @param nodeInfo what {@code GET /v1/cluster} shows of this node ({@code httpAddress}, ...)
   */
  public static ClusteredPartitionService open(Vertx vertx, HazelcastInstance hazelcast, Path dataDir, String nodeId,
      int readerThreads, ClusterOptions options, JsonObject nodeInfo) {
    ClusteredPartitionService service = new ClusteredPartitionService(vertx, hazelcast, dataDir, nodeId, readerThreads, options);
    try {
      service.start(nodeInfo.copy().put("id", nodeId));
      return service;
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
  }

  private void start(JsonObject nodeInfo) {
    onMetadata(() -> {
      metadata.start(nodeInfo);
      controller.resignAfterRestart(nodeId);
      // Only now take up replicas, as the metadata says after resigning.
      metadata.onTopicChange(replicas::apply);
      metadata.onTopicChange(this::tellTopicWatchers);
      metadata.allTopics().forEach(replicas::apply);
      metadata.allTopics().forEach(this::tellTopicWatchers);
      replicas.deleteOrphanLogs();
      metadata.onMembershipChange(controller::reconcile);
      return null;
    }).join();
    replicas.start();
    consumers.add(vertx.eventBus().<Buffer>consumer(Wire.address(nodeId, Wire.APPEND), this::serveAppend));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.READ), this::serveRead));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.OFFSETS), this::serveOffsets));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Wire.address(nodeId, Wire.WATCH), this::serveWatch));
    groups = new ClusteredGroupService(vertx, nodeId, metadata, replicas, this, nodeRequests, this::ensureGroupsTopic,
        forwardTimeoutMs);
    controllerTimer = vertx.setPeriodic(1000, id -> metadataThread.execute(controller::reconcile));
    metadataThread.execute(controller::reconcile);
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  // ---------------------------------------------------------------- cluster

  /** Consumer groups, coordinated by the leaders of {@code __groups}' partitions. */
  public GroupService groups() {
    return groups;
  }

  /** Creates the internal {@code __groups} topic if it does not exist yet; completes once its leaders serve it. */
  private CompletableFuture<Void> ensureGroupsTopic() {
    return ensureTopic(GroupCoordinator.TOPIC, ClusteredGroupService::groupsTopic);
  }

  /**
   * Creates the internal topic {@code name} (it must start with {@code __}) if it does not exist yet:
   * compacted, with {@code partitions} partitions, replicated as {@code __groups} is; completes once
   * its leaders serve it. For state the edge keeps in the log (MQTT sessions, retained messages),
   * which clients can neither create nor write to.
   */
  public CompletableFuture<Void> ensureInternalTopic(String name, int partitions) {
    if (!TopicNames.isInternal(name)) {
      return CompletableFuture.failedFuture(new InvalidTopicNameException("'" + name + "' is not an internal topic name"));
    }
    validatePartitions(partitions);
    return ensureTopic(name, alive -> compactedInternalTopic(name, partitions, alive));
  }

  private CompletableFuture<Void> ensureTopic(String name, java.util.function.Function<List<String>, TopicState> definition) {
    if (metadata.topic(name).isPresent()) {
      return CompletableFuture.completedFuture(null);
    }
    return onMetadata(() -> {
      if (metadata.topic(name).isEmpty()) {
        metadata.create(definition.apply(metadata.aliveNodes()));
      }
      return name;
    }).thenCompose(this::whenServed).thenApply(served -> null);
  }

  /**
   * An internal compacted topic as a cluster of {@code aliveNodes} starts it: up to
   * {@link #MAX_INTERNAL_REPLICATION} replicas, {@code min.insync.replicas} 2 when there are two.
   */
  static TopicState compactedInternalTopic(String name, int partitions, List<String> aliveNodes) {
    int replicationFactor = Math.min(MAX_INTERNAL_REPLICATION, aliveNodes.size());
    Map<String, String> config = TopicConfigs.merge(TopicConfigs.defaults(), Map.of(
        io.streamgate.logstore.LogConfig.CLEANUP_POLICY, "compact",
        TopicConfigs.MIN_INSYNC_REPLICAS, String.valueOf(Math.min(2, replicationFactor)),
        io.streamgate.logstore.LogConfig.SEGMENT_BYTES, String.valueOf(64 * 1024 * 1024)));
    TopicMetadata topic = new TopicMetadata(name, partitions, replicationFactor, config);
    return new TopicState(topic, place(name, 0, partitions, replicationFactor, aliveNodes.stream().sorted().toList()), 0, false);
  }

  @Override
  public List<ClusterNode> nodes() {
    List<ClusterNode> nodes = new ArrayList<>();
    for (String id : metadata.everJoined()) {
      JsonObject info = metadata.nodeInfo(id).orElse(new JsonObject());
      nodes.add(new ClusterNode(id, info.getString("httpAddress"), info.getString("mqttAddress"),
          id.equals(metadata.controller()), metadata.isAlive(id)));
    }
    return nodes;
  }

  /** Tells the cluster where this node serves HTTP and MQTT (once its listeners are up). */
  public CompletableFuture<Void> announce(JsonObject addresses) {
    return onMetadata(() -> {
      JsonObject info = metadata.nodeInfo(nodeId).orElse(new JsonObject()).copy().mergeIn(addresses);
      metadata.publishNode(info);
      return null;
    });
  }

  @Override
  public CompletableFuture<Integer> rebalance() {
    return onMetadata(controller::rebalance);
  }

  /**
   * Tells {@code listener} now, and after every membership change, whether this node's side of the
   * cluster has a majority (and so takes writes).
   */
  public void onQuorum(Consumer<Boolean> listener) {
    metadata.onMembershipChange(() -> listener.accept(metadata.hasQuorum()));
    listener.accept(metadata.hasQuorum());
  }

  // ---------------------------------------------------------------- topics

  @Override
  public CompletableFuture<TopicDescription> createTopic(TopicSpec spec) {
    return onMetadata(() -> {
      TopicNames.requireValid(spec.name());
      if (TopicNames.isInternal(spec.name())) {
        throw new InvalidTopicNameException("topic names starting with '__' are internal");
      }
      validatePartitions(spec.partitions());
      List<String> alive = metadata.aliveNodes().stream().sorted().toList();
      if (spec.replicationFactor() < 1 || spec.replicationFactor() > alive.size()) {
        throw new InvalidReplicationFactorException("replication factor " + spec.replicationFactor()
            + (spec.replicationFactor() < 1 ? " must be at least 1" : " is more than the " + alive.size()
            + " live node" + (alive.size() == 1 ? "" : "s") + " of this cluster"));
      }
      Map<String, String> config = TopicConfigs.merge(TopicConfigs.defaults(), spec.config());
      TopicMetadata topic = new TopicMetadata(spec.name(), spec.partitions(), spec.replicationFactor(), config);
      List<PartitionState> partitions = place(spec.name(), 0, spec.partitions(), spec.replicationFactor(), alive);
      if (!metadata.create(new TopicState(topic, partitions, 0, false))) {
        throw new TopicExistsException("topic '" + spec.name() + "' exists already");
      }
      return spec.name();
    }).thenCompose(this::whenServed);
  }

  /**
   * Replicas for partitions {@code from} up to {@code to}, spread over the live nodes: partition p's
   * replicas are consecutive nodes from a start that moves by one per partition (so preferred
   * leaders spread too), the start itself chosen by the topic's name.
   */
  static List<PartitionState> place(String topic, int from, int to, int replicationFactor, List<String> nodes) {
    CRC32 crc = new CRC32();
    crc.update(topic.getBytes(StandardCharsets.UTF_8));
    int start = (int) (crc.getValue() % nodes.size());
    List<PartitionState> placed = new ArrayList<>();
    for (int p = from; p < to; p++) {
      List<String> replicas = new ArrayList<>();
      for (int r = 0; r < replicationFactor; r++) {
        replicas.add(nodes.get((start + p + r) % nodes.size()));
      }
      placed.add(new PartitionState(replicas.get(0), 0, replicas, replicas));
    }
    return placed;
  }

  /** Completes with the topic's description once every partition's leader serves it (or after a bounded wait). */
  private CompletableFuture<TopicDescription> whenServed(String topic) {
    long deadline = System.currentTimeMillis() + SERVED_WAIT_MS;
    CompletableFuture<TopicDescription> served = new CompletableFuture<>();
    checkServed(topic, deadline, served);
    return served;
  }

  private void checkServed(String topic, long deadline, CompletableFuture<TopicDescription> served) {
    describeTopic(topic).whenComplete((description, failure) -> {
      Throwable cause = Failures.cause(failure);
      if (failure == null && description.partitions().stream().allMatch(p -> p.leader() != null) || cause != null
          && !(cause instanceof RetriableClusterException) || System.currentTimeMillis() > deadline) {
        if (failure == null) {
          served.complete(description);
        } else {
          served.completeExceptionally(cause);
        }
        return;
      }
      vertx.setTimer(50, id -> checkServed(topic, deadline, served));
    });
  }

  @Override
  public CompletableFuture<List<TopicSummary>> listTopics() {
    return CompletableFuture.completedFuture(metadata.liveTopics().stream()
        .filter(t -> !TopicNames.isInternal(t.name()))
        .map(t -> new TopicSummary(t.name(), t.topic().partitions(), t.topic().replicationFactor())).toList());
  }

  /** Describes a topic, with each partition's offsets as its leader reports them; fails retriably while a leader is unreachable. */
  @Override
  public CompletableFuture<TopicDescription> describeTopic(String name) {
    TopicState topic;
    try {
      topic = topicOrThrow(name);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<CompletableFuture<PartitionDescription>> partitions = new ArrayList<>();
    for (int p = 0; p < topic.partitions().size(); p++) {
      PartitionState state = topic.partition(p);
      int partition = p;
      partitions.add(offsets(new TopicPartition(name, p), OptionalLong.empty()).thenApply(offsets ->
          new PartitionDescription(partition, state.leader(), state.replicas(), state.isr(), offsets.earliest(), offsets.latest())));
    }
    return CompletableFuture.allOf(partitions.toArray(CompletableFuture[]::new)).thenApply(done ->
        new TopicDescription(name, topic.topic().replicationFactor(), topic.topic().config(),
            partitions.stream().map(CompletableFuture::join).toList()));
  }

  @Override
  public CompletableFuture<TopicDescription> updateTopic(String name, OptionalInt partitions, Map<String, ?> configChanges) {
    return onMetadata(() -> {
      TopicNames.refuseInternal(name, "change");
      TopicState current = topicOrThrow(name);
      int count = partitions.orElse(current.topic().partitions());
      if (count < current.topic().partitions()) {
        throw new InvalidPartitionsException("topic '" + name + "' has " + current.topic().partitions()
            + " partitions; partitions can be added, never removed");
      }
      validatePartitions(count);
      Map<String, String> config = TopicConfigs.merge(current.topic().config(), configChanges);
      List<String> alive = metadata.aliveNodes().stream().sorted().toList();
      int replicationFactor = current.topic().replicationFactor();
      if (count > current.topic().partitions() && replicationFactor > alive.size()) {
        throw new InvalidReplicationFactorException("cannot place new partitions with replication factor " + replicationFactor
            + " on the " + alive.size() + " live nodes");
      }
      metadata.update(name, topic -> {
        List<PartitionState> states = new ArrayList<>(topic.partitions());
        states.addAll(place(name, states.size(), count, replicationFactor, alive));
        return topic.next(new TopicMetadata(name, count, replicationFactor, config), states);
      }).orElseThrow(() -> new TopicNotFoundException("topic '" + name + "' does not exist"));
      return name;
    }).thenCompose(this::whenServed);
  }

  @Override
  public CompletableFuture<Void> deleteTopic(String name) {
    return onMetadata(() -> {
      TopicNames.refuseInternal(name, "delete");
      topicOrThrow(name);
      metadata.update(name, TopicState::tombstone)
          .orElseThrow(() -> new TopicNotFoundException("topic '" + name + "' does not exist"));
      return null;
    });
  }

  @Override
  public Optional<TopicMetadata> cachedTopic(String topic) {
    return metadata.topic(topic).map(TopicState::topic);
  }

  // ---------------------------------------------------------------- records

  @Override
  public CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks) {
    return route(partition, () -> replicas.append(partition, batch, acks), leader -> {
      DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(forwardTimeoutMs)
          .addHeader("topic", partition.topic()).addHeader("partition", Integer.toString(partition.partition()))
          .addHeader("acks", acks.wireName());
      return request(leader, Wire.APPEND, Buffer.buffer(Wire.bytes(batch.buffer())), delivery)
          .thenApply(reply -> Wire.appendResult((JsonObject) reply));
    });
  }

  private void serveAppend(Message<Buffer> message) {
    TopicPartition partition = new TopicPartition(message.headers().get("topic"), Integer.parseInt(message.headers().get("partition")));
    RecordBatch batch = RecordBatch.wrap(ByteBuffer.wrap(message.body().getBytes()));
    reply(message, replicas.append(partition, batch, Acks.parse(message.headers().get("acks"))).thenApply(Wire::appendResult));
  }

  @Override
  public CompletableFuture<ReadResult> read(TopicPartition partition, long offset, int maxBytes) {
    return route(partition, () -> readLocally(partition, offset, maxBytes), leader ->
        request(leader, Wire.READ, new JsonObject().put("topic", partition.topic()).put("partition", partition.partition())
            .put("offset", offset).put("maxBytes", maxBytes), new DeliveryOptions().setSendTimeout(forwardTimeoutMs))
            .thenApply(reply -> Wire.readResult((Buffer) reply)));
  }

  private CompletableFuture<ReadResult> readLocally(TopicPartition partition, long offset, int maxBytes) {
    return CompletableFuture.supplyAsync(() -> replicas.leader(partition).log().read(offset, maxBytes), readers);
  }

  private void serveRead(Message<JsonObject> message) {
    JsonObject request = message.body();
    reply(message, readLocally(partition(request), request.getLong("offset"), request.getInteger("maxBytes"))
        .thenApply(Wire::readResult));
  }

  @Override
  public CompletableFuture<PartitionOffsets> offsets(TopicPartition partition, OptionalLong timestamp) {
    return route(partition, () -> offsetsLocally(partition, timestamp), leader -> {
      JsonObject request = new JsonObject().put("topic", partition.topic()).put("partition", partition.partition());
      timestamp.ifPresent(ts -> request.put("timestamp", ts));
      return request(leader, Wire.OFFSETS, request, new DeliveryOptions().setSendTimeout(forwardTimeoutMs))
          .thenApply(reply -> {
            JsonObject json = (JsonObject) reply;
            // A node that predates "logEnd" (a rolling upgrade) leaves it out: its high watermark is the best bound known.
            return new PartitionOffsets(json.getLong("earliest"), json.getLong("latest"),
                json.getLong("logEnd", json.getLong("latest")), json.containsKey("offset") ? Optional.of(new io.streamgate.logstore.TimestampOffset(json.getLong("timestamp"),
                    json.getLong("offset"))) : Optional.empty());
          });
    });
  }

  private CompletableFuture<PartitionOffsets> offsetsLocally(TopicPartition partition, OptionalLong timestamp) {
    return CompletableFuture.supplyAsync(() -> {
      PartitionLog log = replicas.leader(partition).log();
      return new PartitionOffsets(log.logStartOffset(), log.highWatermark(), log.logEndOffset(),
          timestamp.isPresent() ? log.offsetForTimestamp(timestamp.getAsLong()) : Optional.empty());
    }, readers);
  }

  private void serveOffsets(Message<JsonObject> message) {
    JsonObject request = message.body();
    OptionalLong timestamp = request.containsKey("timestamp") ? OptionalLong.of(request.getLong("timestamp")) : OptionalLong.empty();
    reply(message, offsetsLocally(partition(request), timestamp).thenApply(offsets -> {
      JsonObject json = new JsonObject().put("earliest", offsets.earliest()).put("latest", offsets.latest())
          .put("logEnd", offsets.logEnd());
      offsets.forTimestamp().ifPresent(found -> json.put("timestamp", found.timestamp()).put("offset", found.offset()));
      return json;
    }));
  }

  /** Tells the topic watchers when a topic appears, goes, or gets more partitions (not for leader and ISR moves). Metadata thread. */
  private void tellTopicWatchers(TopicState changed) {
    Integer partitions = changed.deleted() ? null : changed.topic().partitions();
    Integer before = partitions == null ? watchedTopicShapes.remove(changed.name()) : watchedTopicShapes.put(changed.name(), partitions);
    if (!Objects.equals(before, partitions)) {
      // Queued behind the change itself: the metadata takes the new state after telling its listeners,
      // and a watcher that looks must find it.
      metadataThread.execute(() -> topicWatchers.forEach(Runnable::run));
    }
  }

  @Override
  public Cancellable watchTopics(Runnable onChange) {
    Runnable watcher = onChange::run;  // a watcher of its own, so cancelling removes this registration only
    topicWatchers.add(watcher);
    return () -> topicWatchers.remove(watcher);
  }

  @Override
  public Cancellable watch(TopicPartition partition, long offset, Runnable onData) {
    AtomicBoolean cancelled = new AtomicBoolean();
    Runnable once = () -> {
      if (cancelled.compareAndSet(false, true)) {
        onData.run();
      }
    };
    PartitionState state;
    try {
      state = partitionState(partition);
    } catch (RuntimeException gone) {
      once.run();
      return () -> { };
    }
    if (nodeId.equals(state.leader())) {
      try {
        Cancellable local = replicas.watch(partition, offset, once);
        return () -> {
          cancelled.set(true);
          local.cancel();
        };
      } catch (NotLeaderException moved) {
        // Leadership is moving: look again shortly.
      }
    }
    if (!state.hasLeader() || nodeId.equals(state.leader())) {
      watchRetry().retry(once);
      return () -> cancelled.set(true);
    }
    JsonObject request = new JsonObject().put("topic", partition.topic()).put("partition", partition.partition())
        .put("offset", offset).put("timeoutMs", REMOTE_WATCH_MS);
    request(state.leader(), Wire.WATCH, request, new DeliveryOptions().setSendTimeout(REMOTE_WATCH_MS + forwardTimeoutMs))
        .whenComplete((reply, failure) -> {
          if (failure == null) {
            once.run();
          } else {
            watchRetry().retry(once);
          }
        });
    return () -> cancelled.set(true);
  }

  /**
   * A watch is one-shot (its caller reads, then watches again), so each retry is a first one: only
   * its jitter, not growth, applies, and it spreads the watches a failover wakes together.
   */
  private Backoff watchRetry() {
    return new Backoff(WATCH_RETRY_MS, WATCH_RETRY_MS, (delayMs, action) -> vertx.setTimer(delayMs, id -> action.run()));
  }

  private void serveWatch(Message<JsonObject> message) {
    JsonObject request = message.body();
    AtomicBoolean answered = new AtomicBoolean();
    Runnable answer = () -> {
      if (answered.compareAndSet(false, true)) {
        message.reply(new JsonObject());
      }
    };
    try {
      Cancellable watch = replicas.watch(partition(request), request.getLong("offset"), answer);
      vertx.setTimer(Math.min(request.getLong("timeoutMs"), REMOTE_WATCH_MS), id -> {
        watch.cancel();
        answer.run();
      });
    } catch (RuntimeException e) {
      ReplyException failure = Wire.failure(e);
      message.fail(failure.failureCode(), failure.getMessage());
    }
  }

  /** Waiting long-polls and streams on partitions this node leads, for metrics. */
  public int watcherCount() {
    return replicas.watcherCount();
  }

  /** Partitions this node leads. */
  public int partitionsLed() {
    return (int) ledPartitions().count();
  }

  /** Partitions this node leads whose ISR lacks one of their replicas (Kafka's UnderReplicatedPartitions). */
  public int underReplicatedPartitions() {
    return (int) ledPartitions().filter(p -> p.isr().size() < p.replicas().size()).count();
  }

  private Stream<PartitionState> ledPartitions() {
    return metadata.liveTopics().stream().flatMap(t -> t.partitions().stream()).filter(p -> nodeId.equals(p.leader()));
  }

  /** The size of every partition replica this node holds, by topic and partition; for metrics. */
  public List<ReplicaSize> replicaSizes() {
    return logs.partitions().stream()
        .sorted(Comparator.comparing((PartitionLog log) -> log.topicPartition().topic())
            .thenComparingInt(log -> log.topicPartition().partition()))
        .map(log -> new ReplicaSize(log.topicPartition(), log.sizeInBytes()))
        .toList();
  }

  /** This node's log store, for tests that set up or inspect a log directly; the edges use the methods above. */
  public LogManager logManager() {
    return logs;
  }

  // ---------------------------------------------------------------- routing

  /**
   * Runs {@code local} if this node leads the partition, else {@code remote} against its leader. If
   * the leader it asked says it does not lead (this node's metadata was behind), and the metadata
   * now names another leader, asks that one: the refusal wrote nothing.
   */
  private <T> CompletableFuture<T> route(TopicPartition partition, Supplier<CompletableFuture<T>> local,
      Function<String, CompletableFuture<T>> remote) {
    return route(partition, local, remote, true);
  }

  private <T> CompletableFuture<T> route(TopicPartition partition, Supplier<CompletableFuture<T>> local,
      Function<String, CompletableFuture<T>> remote, boolean mayRetry) {
    String leader;
    CompletableFuture<T> attempt;
    try {
      PartitionState state = partitionState(partition);
      if (!state.hasLeader()) {
        throw new LeaderNotAvailableException(partition + " has no leader: no in-sync replica of " + state.isr() + " is alive");
      }
      leader = state.leader();
      attempt = nodeId.equals(leader) ? local.get() : remote.apply(leader);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!mayRetry) {
      return attempt;
    }
    return attempt.exceptionallyCompose(failure -> {
      Throwable cause = Failures.cause(failure);
      boolean movedOn = cause instanceof NotLeaderException && metadata.topic(partition.topic())
          .filter(t -> partition.partition() < t.partitions().size())
          .map(t -> t.partition(partition.partition()).leader())
          .filter(current -> current != null && !current.equals(leader)).isPresent();
      return movedOn ? route(partition, local, remote, false) : CompletableFuture.failedFuture(cause);
    });
  }

  private CompletableFuture<Object> request(String node, String operation, Object body, DeliveryOptions delivery) {
    return nodeRequests.request(node, operation, body, delivery);
  }

  private static <T> void reply(Message<?> message, CompletableFuture<T> result) {
    result.whenComplete((value, failure) -> {
      if (failure == null) {
        message.reply(value);
      } else {
        ReplyException encoded = Wire.failure(failure);
        message.fail(encoded.failureCode(), encoded.getMessage());
      }
    });
  }

  private static TopicPartition partition(JsonObject request) {
    return new TopicPartition(request.getString("topic"), request.getInteger("partition"));
  }

  // ---------------------------------------------------------------- helpers

  private TopicState topicOrThrow(String name) {
    return metadata.topic(name).orElseThrow(() -> new TopicNotFoundException("topic '" + name + "' does not exist"));
  }

  private PartitionState partitionState(TopicPartition partition) {
    TopicState topic = topicOrThrow(partition.topic());
    if (partition.partition() < 0 || partition.partition() >= topic.partitions().size()) {
      throw new PartitionNotFoundException("topic '" + partition.topic() + "' has no partition " + partition.partition()
          + " (it has " + topic.partitions().size() + ")");
    }
    return topic.partition(partition.partition());
  }

  private static void validatePartitions(int partitions) {
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new InvalidPartitionsException("partitions must be between 1 and " + MAX_PARTITIONS + ", was " + partitions);
    }
  }


  private <T> CompletableFuture<T> onMetadata(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, metadataThread);
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public void close() {
    if (controllerTimer >= 0) {
      vertx.cancelTimer(controllerTimer);
    }
    consumers.forEach(MessageConsumer::unregister);
    if (groups != null) {
      groups.close();
    }
    replicas.close();
    metadata.close();
    metadataThread.shutdown();
    readers.shutdown();
    windowLoaders.shutdown();
    try {
      metadataThread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    logs.close();
  }
}
