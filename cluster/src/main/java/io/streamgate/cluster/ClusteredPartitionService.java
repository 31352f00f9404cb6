package io.streamgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.streamgate.cluster.groups.GroupCoordinator;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.LogManagerConfig;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The partition service of a cluster node (a node alone is a cluster of one): any node serves any
 * request. It owns the node's threads, logs and metadata and hands each kind of request to its
 * class: data requests to {@link PartitionRouter}, which sends them to the partition's leader (in
 * this process when this node leads it, else over the clustered event bus to the leader's node,
 * whose {@link LeaderHandlers} answer for it consistently: reads never pass the leader's high
 * watermark); topic administration to {@link TopicAdmin}, compare-and-sets on the shared metadata
 * ({@link ClusterMetadata}) made on this node's metadata thread. The replicas follow the metadata
 * ({@link ReplicaManager}); the oldest node also acts as {@link Controller}.
 *
 * <p>A request that meets a leader in transition fails with a retriable exception
 * ({@link LeaderNotAvailableException}, {@link NotLeaderException}, {@link NotEnoughReplicasException},
 * {@link ReplicationTimeoutException}); a retried write with the same idempotency id (set by the
 * gateway from {@code Idempotency-Key}) is written once.
 */
public final class ClusteredPartitionService implements PartitionService {
  /** A few, so that a partition with a long tail to read does not hold the others' windows. */
  private static final int WINDOW_LOADER_THREADS = 2;

  private final Vertx vertx;
  private final String nodeId;
  private final LogManager logs;
  private final ExecutorService readers;
  private final ExecutorService windowLoaders;
  private final ExecutorService metadataThread;
  private final ClusterMetadata metadata;
  private final ReplicaManager replicas;
  private final Controller controller;
  private final LeaderHandlers leaderHandlers;
  private final PartitionRouter router;
  private final TopicAdmin topics;
  private ClusteredGroupService groups;
  private final long forwardTimeoutMs;
  private final NodeRequests nodeRequests;
  private long controllerTimer = -1;

  private ClusteredPartitionService(Vertx vertx, HazelcastInstance hazelcast, Path dataDir, String nodeId,
      int readerThreads, ClusterOptions options) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.logs = LogManager.open(LogManagerConfig.defaults(dataDir.resolve("log")));
    this.readers = Executors.newFixedThreadPool(readerThreads, daemonThreads("streamgate-log-reader"));
    this.metadataThread = Executors.newSingleThreadExecutor(daemonThreads("streamgate-metadata"));
    this.windowLoaders = Executors.newFixedThreadPool(WINDOW_LOADER_THREADS, daemonThreads("streamgate-idempotency-loader"));
    this.metadata = new ClusterMetadata(hazelcast, nodeId, new MetadataMirror(dataDir.resolve("meta")), metadataThread);
    this.replicas = new ReplicaManager(vertx, logs, metadata, nodeId, options, readers, metadataThread, windowLoaders);
    this.controller = new Controller(metadata, options.autoRebalance());
    this.forwardTimeoutMs = options.replicaLagMaxMs() + options.failureDetectionMs() + 5000;
    this.nodeRequests = new NodeRequests(vertx, metadata);
    this.leaderHandlers = new LeaderHandlers(vertx, nodeId, replicas, readers);
    this.router = new PartitionRouter(vertx, nodeId, metadata, leaderHandlers, nodeRequests, forwardTimeoutMs);
    this.topics = new TopicAdmin(vertx, metadata, metadataThread, router);
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
      metadata.onTopicChange(topics::tellTopicWatchers);
      metadata.allTopics().forEach(replicas::apply);
      metadata.allTopics().forEach(topics::tellTopicWatchers);
      replicas.deleteOrphanLogs();
      metadata.onMembershipChange(controller::reconcile);
      return null;
    }).join();
    replicas.start();
    leaderHandlers.start();
    groups = new ClusteredGroupService(vertx, nodeId, metadata, replicas, this, nodeRequests,
        () -> topics.ensureTopic(GroupCoordinator.TOPIC, ClusteredGroupService::groupsTopic), forwardTimeoutMs);
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

  /**
   * Creates the internal topic {@code name} (it must start with {@code __}) if it does not exist yet:
   * compacted, with {@code partitions} partitions, replicated as {@code __groups} is; completes once
   * its leaders serve it. For state the edge keeps in the log (MQTT sessions, retained messages),
   * which clients can neither create nor write to.
   */
  public CompletableFuture<Void> ensureInternalTopic(String name, int partitions) {
    return topics.ensureInternalTopic(name, partitions);
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
    return topics.createTopic(spec);
  }

  @Override
  public CompletableFuture<List<TopicSummary>> listTopics() {
    return topics.listTopics();
  }

  @Override
  public CompletableFuture<TopicDescription> describeTopic(String name) {
    return topics.describeTopic(name);
  }

  @Override
  public CompletableFuture<TopicDescription> updateTopic(String name, OptionalInt partitions, Map<String, ?> configChanges) {
    return topics.updateTopic(name, partitions, configChanges);
  }

  @Override
  public CompletableFuture<Void> deleteTopic(String name) {
    return topics.deleteTopic(name);
  }

  @Override
  public Optional<TopicMetadata> cachedTopic(String topic) {
    return topics.cachedTopic(topic);
  }

  @Override
  public Cancellable watchTopics(Runnable onChange) {
    return topics.watchTopics(onChange);
  }

  // ---------------------------------------------------------------- records

  @Override
  public CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks) {
    return router.append(partition, batch, acks);
  }

  @Override
  public CompletableFuture<ReadResult> read(TopicPartition partition, long offset, int maxBytes) {
    return router.read(partition, offset, maxBytes);
  }

  @Override
  public CompletableFuture<PartitionOffsets> offsets(TopicPartition partition, OptionalLong timestamp) {
    return router.offsets(partition, timestamp);
  }

  @Override
  public Cancellable watch(TopicPartition partition, long offset, Runnable onData) {
    return router.watch(partition, offset, onData);
  }

  // ---------------------------------------------------------------- metrics

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

  // ---------------------------------------------------------------- helpers

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
    leaderHandlers.close();
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
