package io.streamgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.streamgate.cluster.groups.ClassicGroupSettings;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.GroupCoordinator;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.metadata.MetadataCommand.AllocateProducerIds;
import io.streamgate.cluster.metadata.MetadataQuorum;
import io.streamgate.cluster.metadata.MetadataQuorumConfig;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.cluster.metadata.NodeState;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.EpochEndOffset;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.LogManagerConfig;
import io.streamgate.logstore.LogSlice;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(ClusteredPartitionService.class);
  /** Leases are timed on a clock that never jumps. */
  private static final LongSupplier MONOTONIC_MS = () -> System.nanoTime() / 1_000_000;

  private final ExecutorService metadataThread;
  /** Raft membership changes block on the quorum's answer: never on the metadata thread. */
  private final ExecutorService membershipThread;
  private final NodeRemoval nodeRemoval;
  private final MetadataQuorum quorum;
  private final ClusterMetadata metadata;
  private final NodeLiveness liveness;
  private final NodeLease lease;
  private final ReplicaManager replicas;
  private final Controller controller;
  private final LeaderHandlers leaderHandlers;
  private final PartitionRouter router;
  private final TopicAdmin topics;
  private final PartitionMoves moves;
  private final ControlledShutdown shutdown;
  private final MovePlans plans;
  private final ProducerIdBlocks producerIds;
  private final MetadataAccessControl accessControl;
  private ClusteredGroupService groups;
  private final long forwardTimeoutMs;
  private final ClassicGroupSettings classicGroupSettings;
  private final NodeRequests nodeRequests;
  private final long leaseMs;
  private long controllerTimer = -1;
  private volatile boolean closed;

  private ClusteredPartitionService(Vertx vertx, HazelcastInstance hazelcast, Path dataDir, String nodeId,
      int readerThreads, ClusterOptions options) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.logs = LogManager.open(LogManagerConfig.defaults(dataDir.resolve("log"))
        .withProducerState(options.producerIdExpirationMs(), options.maxProducersPerPartition()));
    this.readers = Executors.newFixedThreadPool(readerThreads, daemonThreads("streamgate-log-reader"));
    this.metadataThread = Executors.newSingleThreadExecutor(daemonThreads("streamgate-metadata"));
    this.membershipThread = Executors.newSingleThreadExecutor(daemonThreads("streamgate-membership"));
    this.windowLoaders = Executors.newFixedThreadPool(WINDOW_LOADER_THREADS, daemonThreads("streamgate-idempotency-loader"));
    this.leaseMs = options.failureDetectionMs();
    MetadataQuorumConfig quorumConfig = quorumConfig(nodeId, dataDir, options);
    this.quorum = new MetadataQuorum(quorumConfig);
    this.metadata = new ClusterMetadata(quorum, hazelcast, nodeId, metadataThread);
    this.liveness = new NodeLiveness(leaseMs, MONOTONIC_MS);
    this.lease = new NodeLease(vertx, quorum, metadata::appliedIndex, nodeId, quorumConfig.self().address(), options.rack(), leaseMs,
        MONOTONIC_MS);
    IsrChanges isrChanges = new IsrChanges(metadata, liveness, nodeId, options.replicaLagMaxMs());
    ReplicationThrottle throttle = new ReplicationThrottle(() -> quorum.state().replicationThrottle(), MONOTONIC_MS);
    this.replicas = new ReplicaManager(vertx, logs, metadata, lease, isrChanges, nodeId, options, readers, windowLoaders,
        throttle);
    this.controller = new Controller(metadata, liveness, options.autoRebalance());
    this.shutdown = new ControlledShutdown(vertx, nodeId, quorum, lease, metadata, liveness, controller, metadataThread, leaseMs,
        MONOTONIC_MS);
    this.forwardTimeoutMs = options.replicaLagMaxMs() + options.failureDetectionMs() + 5000;
    this.classicGroupSettings = options.classicGroups();
    this.nodeRequests = new NodeRequests(vertx, metadata);
    this.moves = new PartitionMoves(metadata, quorum::state, metadataThread, nodeRequests, replicas::addingLags);
    this.plans = new MovePlans(metadata, quorum::state, metadataThread, moves);
    this.leaderHandlers = new LeaderHandlers(vertx, nodeId, replicas, readers);
    // Within two leases a lapsed lease is renewed, or the node is deposed (a lease and a quarter
    // unheard) and its partitions have new leaders that serve.
    this.router = new PartitionRouter(vertx, nodeId, metadata, leaderHandlers, nodeRequests, forwardTimeoutMs, 2 * leaseMs);
    this.topics = new TopicAdmin(vertx, metadata, liveness, lease, metadataThread, router);
    this.producerIds = new ProducerIdBlocks(count -> metadata.submit(new AllocateProducerIds(count)).thenApply(reply -> {
      if (reply instanceof MetadataReply.Accepted accepted) {
        return accepted.value();
      }
      throw new ClusterException("no producer ids allocated: " + reply);
    }));
    this.accessControl = new MetadataAccessControl(metadata, quorum::state);
    this.nodeRemoval = new NodeRemoval(nodeId, metadata, liveness, quorum, metadataThread, membershipThread);
  }

  /**
   * Refuses a data dir whose metadata an earlier version kept (one JSON file per topic in {@code
   * meta/topics}) and that has no metadata log yet: started on it, this node would know no topic and
   * delete every partition log as an orphan.
   */
  private static void refuseMetadataOfEarlierVersions(Path dataDir) {
    Path earlier = dataDir.resolve("meta").resolve("topics");
    if (Files.isDirectory(earlier) && !Files.exists(dataDir.resolve("meta").resolve("raft"))) {
      throw new ClusterException("the data dir " + dataDir + " holds metadata of a Streamgate before the metadata log"
          + " (" + earlier + "): it cannot be taken over; start on a new data dir (docs/replication.md, upgrading)");
    }
  }

  /**
   * This node's part in the metadata quorum: a voter of the configured list; a node joining the
   * running voters it names (it is not among them) on {@code host:metadataPort}; or, with no voters
   * configured, this node alone (a single-node cluster) on {@code metadataPort}, any free one if 0.
   */
  private static MetadataQuorumConfig quorumConfig(String nodeId, Path dataDir, ClusterOptions options) {
    Duration lease = Duration.ofMillis(options.failureDetectionMs());
    List<Voter> voters = options.metadataVoters();
    if (voters.isEmpty()) {
      int port = options.metadataPort() != 0 ? options.metadataPort() : freePort(options.host());
      return MetadataQuorumConfig.forLease(nodeId, dataDir, List.of(new Voter(nodeId, options.host(), port)), lease);
    }
    if (voters.stream().noneMatch(voter -> voter.id().equals(nodeId))) {
      return MetadataQuorumConfig.joining(new Voter(nodeId, options.host(), options.metadataPort()), dataDir, voters, lease);
    }
    return MetadataQuorumConfig.forLease(nodeId, dataDir, voters, lease);
  }

  /** A port free now on {@code host}; only a lone voter takes one so, since no peer needs to know it in advance. */
  private static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port for the metadata voter on " + host, e);
    }
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
    refuseMetadataOfEarlierVersions(dataDir);
    ClusteredPartitionService service = new ClusteredPartitionService(vertx, hazelcast, dataDir, nodeId, readerThreads, options);
    try {
      service.start(nodeInfo.copy().put("id", nodeId));
      return service;
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
  }

  /**
   * Starts the metadata voter (replaying its log), the services other nodes call, and then, in the
   * background, joins: registers in the metadata log, resigns what its last run led, takes up its
   * replicas and starts renewing its lease. Until it holds the lease, its leaders serve nothing.
   */
  private void start(JsonObject nodeInfo) {
    // Before the voter starts, so that they hear the state its snapshot restores.
    quorum.addListener(metadata);
    quorum.addListener(liveness);
    try {
      quorum.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the metadata voter of node " + nodeId, e);
    }
    liveness.replayedUpTo(quorum.lastIndexAtStart());
    if (quorum.state().node(nodeId).map(NodeState::removed).orElse(false)) {
      throw new NodeRemovedException("node " + nodeId + " was removed from the cluster for good: it does not start on its"
          + " old data; start it with a new node-id and an empty data dir");
    }
    onMetadata(() -> {
      metadata.start(nodeInfo);
      return null;
    }).join();
    replicas.start();
    leaderHandlers.start();
    groups = new ClusteredGroupService(vertx, nodeId, metadata, replicas, this, nodeRequests,
        () -> topics.ensureTopic(GroupCoordinator.TOPIC, ClusteredGroupService::groupsTopic), forwardTimeoutMs,
        classicGroupSettings);
    controllerTimer = vertx.setPeriodic(Math.max(50, leaseMs / 10), id -> metadataThread.execute(controller::reconcile));
    lease.register().thenCompose(metadata::appliedUpTo).thenRun(this::resignThenServe).exceptionally(failure -> {
      LOG.error("node {} does not serve: {}", nodeId, Failures.cause(failure).getMessage());
      return null;
    });
    if (quorum.voters().size() == 1) {
      // Alone, it needs no one: it serves within milliseconds, and returns serving, as a node did
      // before the metadata log. A node of a cluster serves once a majority of the voters runs.
      awaitLease(Duration.ofMillis(Math.max(10 * leaseMs, 30_000)));
    }
  }

  private void awaitLease(Duration atMost) {
    CompletableFuture<Void> held = new CompletableFuture<>();
    lease.onChange(holds -> {
      if (holds) {
        held.complete(null);
      }
    });
    try {
      held.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("node {} does not hold its lease {} ms after it started; it serves once it does", nodeId, atMost.toMillis());
    }
  }

  /** Gives up what the last run held, retrying until a majority commits; then takes up replicas and renews the lease. */
  private void resignThenServe() {
    if (closed) {
      return;
    }
    onMetadata(() -> controller.resign(nodeId)).thenCompose(changes -> changes).whenComplete((done, failure) -> {
      if (failure != null) {
        LOG.warn("node {} could not resign its previous leaderships yet: {}", nodeId, Failures.cause(failure).getMessage());
        vertx.setTimer(Math.max(100, leaseMs / 4), id -> resignThenServe());
        return;
      }
      onMetadata(() -> {
        // Only now take up replicas, as the metadata says after resigning.
        metadata.onTopicChange(replicas::apply);
        metadata.onTopicChange(topics::tellTopicWatchers);
        metadata.allTopics().forEach(replicas::apply);
        metadata.allTopics().forEach(topics::tellTopicWatchers);
        replicas.deleteOrphanLogs();
        return null;
      }).thenRun(lease::startRenewing);
    });
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
   * The same groups for Kafka's classic protocol: served by this node for the groups it coordinates
   * (a Kafka client finds the coordinator first), {@link ClassicGroups#coordinatorNode} for any group.
   */
  public ClassicGroups classicGroups() {
    return groups.classic();
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
    String controllerId = metadata.controller();
    Map<String, String> racks = metadata.racks();
    Map<String, Integer> replicas = new HashMap<>();
    Map<String, Integer> leaders = new HashMap<>();
    for (TopicState topic : metadata.liveTopics()) {
      for (PartitionState partition : topic.partitions()) {
        partition.replicas().forEach(replica -> replicas.merge(replica, 1, Integer::sum));
        if (partition.hasLeader()) {
          leaders.merge(partition.leader(), 1, Integer::sum);
        }
      }
    }
    for (String id : metadata.knownNodes()) {
      JsonObject info = metadata.nodeInfo(id).orElse(new JsonObject());
      nodes.add(new ClusterNode(id, info.getString("httpAddress"), info.getString("mqttAddress"), info.getString("kafkaAddress"),
          id.equals(controllerId),
          liveness.isAlive(id), racks.get(id), liveness.isStopping(id), replicas.getOrDefault(id, 0), leaders.getOrDefault(id, 0)));
    }
    return nodes;
  }

  /** Tells the cluster where this node serves HTTP, MQTT and Kafka (once its listeners are up). */
  public CompletableFuture<Void> announce(JsonObject addresses) {
    return onMetadata(() -> {
      JsonObject info = metadata.nodeInfo(nodeId).orElse(new JsonObject()).copy().mergeIn(addresses);
      metadata.publishNode(info);
      return null;
    });
  }

  /** Moving partitions to other nodes: start, cancel, progress, throttle. */
  public PartitionMoves moves() {
    return moves;
  }

  /** Spreading replicas evenly over the nodes, draining a node: plans that {@link #moves()} carries out. */
  public MovePlans plans() {
    return plans;
  }

  /** See {@link NodeRemoval}. */
  @Override
  public CompletableFuture<Integer> removeNode(String id, boolean forget) {
    return nodeRemoval.remove(id, forget);
  }

  @Override
  public CompletableFuture<Integer> rebalance() {
    return onMetadata(controller::rebalance).thenCompose(moves -> moves);
  }

  /**
   * Tells {@code listener} now, and whenever it changes, whether this node holds its lease (a
   * majority of the metadata quorum renewed it): only then do its partition leaders take writes and
   * serve reads.
   */
  public void onLease(Consumer<Boolean> listener) {
    lease.onChange(listener);
  }

  // ---------------------------------------------------------------- topics

  @Override
  public CompletableFuture<TopicDescription> createTopic(TopicSpec spec) {
    return topics.createTopic(spec);
  }

  @Override
  public CompletableFuture<TopicMetadata> validateTopic(TopicSpec spec) {
    return topics.validateTopic(spec);
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
  public CompletableFuture<TopicMetadata> validateTopicUpdate(String name, OptionalInt partitions, Map<String, ?> configChanges) {
    return topics.validateTopicUpdate(name, partitions, configChanges);
  }

  @Override
  public CompletableFuture<Void> deleteTopic(String name) {
    return topics.deleteTopic(name);
  }

  @Override
  public CompletableFuture<Void> deleteTopic(String name, TopicId id) {
    return topics.deleteTopic(name, id);
  }

  @Override
  public Optional<TopicMetadata> cachedTopic(String topic) {
    return topics.cachedTopic(topic);
  }

  @Override
  public Optional<List<PartitionState>> cachedPartitions(String topic) {
    return metadata.topic(topic).map(TopicState::partitions);
  }

  @Override
  public Optional<TopicId> cachedTopicId(String topic) {
    return metadata.topic(topic).map(TopicState::id);
  }

  @Override
  public Optional<String> cachedTopicName(TopicId id) {
    return metadata.topic(id).map(TopicState::name);
  }

  @Override
  public Cancellable watchTopics(Runnable onChange) {
    return topics.watchTopics(onChange);
  }

  /** The cluster's ACLs and API keys, kept in the metadata log. */
  public AccessControl accessControl() {
    return accessControl;
  }

  // ---------------------------------------------------------------- records

  @Override
  public CompletableFuture<Long> newProducerId() {
    return producerIds.next();
  }

  @Override
  public CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks) {
    return router.append(partition, batch, acks);
  }

  @Override
  public CompletableFuture<ReadResult> read(TopicPartition partition, long offset, int maxBytes, String rack) {
    return router.read(partition, offset, maxBytes, rack);
  }

  @Override
  public CompletableFuture<PartitionOffsets> offsets(TopicPartition partition, OptionalLong timestamp) {
    return router.offsets(partition, timestamp);
  }

  @Override
  public CompletableFuture<AppendResult> appendHere(TopicPartition partition, RecordBatch batch, Acks acks) {
    return router.appendHere(partition, batch, acks);
  }

  @Override
  public CompletableFuture<LogSlice> sliceHere(TopicPartition partition, int currentLeaderEpoch, long offset, int maxBytes) {
    return router.sliceHere(partition, currentLeaderEpoch, offset, maxBytes);
  }

  @Override
  public CompletableFuture<PartitionOffsets> offsetsHere(TopicPartition partition, int currentLeaderEpoch, OptionalLong timestamp) {
    return router.offsetsHere(partition, currentLeaderEpoch, timestamp);
  }

  @Override
  public CompletableFuture<LogSlice> sliceInSync(TopicPartition partition, int currentLeaderEpoch, long offset, int maxBytes) {
    return router.sliceInSync(partition, currentLeaderEpoch, offset, maxBytes);
  }

  @Override
  public CompletableFuture<PartitionOffsets> offsetsInSync(TopicPartition partition, int currentLeaderEpoch) {
    return router.offsetsInSync(partition, currentLeaderEpoch);
  }

  @Override
  public Optional<String> preferredReadReplica(TopicPartition partition, String clientRack, long offset) {
    return router.preferredReadReplica(partition, clientRack, offset);
  }

  @Override
  public CompletableFuture<Optional<EpochEndOffset>> endOffsetForEpochHere(TopicPartition partition, int currentLeaderEpoch,
      int leaderEpoch) {
    return router.endOffsetForEpochHere(partition, currentLeaderEpoch, leaderEpoch);
  }

  @Override
  public CompletableFuture<Long> deleteRecords(TopicPartition partition, long beforeOffset) {
    return router.deleteRecords(partition, beforeOffset);
  }

  @Override
  public CompletableFuture<Long> deleteRecordsHere(TopicPartition partition, long beforeOffset) {
    return router.deleteRecordsHere(partition, beforeOffset);
  }

  @Override
  public Cancellable watch(TopicPartition partition, long offset, String rack, Runnable onData) {
    return router.watch(partition, offset, rack, onData);
  }

  // ---------------------------------------------------------------- metrics

  /** Waiting long-polls and streams on partitions this node leads, for metrics. */
  public int watcherCount() {
    return replicas.watcherCount();
  }

  /** Reads this node served from partitions it follows in sync (reads from a follower in the reader's rack), for metrics. */
  public long followerReads() {
    return leaderHandlers.followerReads();
  }

  /** Data requests this node held while their partition was between leaders and that a leader then answered. */
  public long requestsHeldThenAnswered() {
    return router.heldThenAnswered();
  }

  /** Data requests this node held while their partition was between leaders and then refused all the same. */
  public long requestsHeldThenRefused() {
    return router.heldThenRefused();
  }

  /** Partitions this node leads. */
  public int partitionsLed() {
    return (int) ledPartitions().count();
  }

  /**
   * Partitions this node leads whose ISR lacks one of their replicas (Kafka's UnderReplicatedPartitions),
   * or is smaller than the topic's replication factor (a node forgotten for good took its replica).
   */
  public int underReplicatedPartitions() {
    return (int) metadata.liveTopics().stream()
        .mapToLong(t -> t.partitions().stream().filter(p -> nodeId.equals(p.leader()))
            .filter(p -> p.isr().size() < Math.max(p.replicas().size(), t.topic().replicationFactor())).count())
        .sum();
  }

  /** The metadata voters of the Raft configuration: the nodes a majority is counted among. */
  public int metadataVoters() {
    return metadata.clusterNodes().size();
  }

  /**
   * Partitions without a leader, in the whole cluster as this node's copy of the metadata has it
   * (every node reports the same count, a moment apart).
   */
  public int offlinePartitions() {
    return (int) metadata.liveTopics().stream().flatMap(t -> t.partitions().stream()).filter(p -> !p.hasLeader()).count();
  }

  /** How far each follower of each partition this node leads is behind its log end. */
  public List<FollowerLag> followerLags() {
    return replicas.followerLags();
  }

  /** Whether this node acts as the cluster's controller. */
  public boolean controllerActive() {
    return controller.active();
  }

  /** How many times this node became or stopped being the controller since it started. */
  public long controllerChanges() {
    return controller.changes();
  }

  /** The partition lags of the consumer groups this node coordinates, by group. */
  public CompletableFuture<Map<String, List<GroupService.PartitionLag>>> groupLags() {
    return groups.coordinatedLags();
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

  /**
   * A graceful stop's first step (Kafka's controlled shutdown): see {@link ControlledShutdown#handOff}.
   * Never fails; never blocks the caller.
   */
  public CompletableFuture<Void> handOff(long graceMs) {
    return shutdown.handOff(graceMs);
  }

  /** A graceful stop's last step, once requests in flight are over: see {@link ControlledShutdown#resign}. */
  public CompletableFuture<Void> resign() {
    return shutdown.resign();
  }

  /** Whether this node holds its lease now (its leaders serve), for tests. */
  boolean holdsLease() {
    return lease.holds();
  }

  /** Whether this node's replica of {@code partition} acts as its leader, for tests. */
  boolean replicaIsLeader(TopicPartition partition) {
    return replicas.replica(partition).map(Replica::isLeader).orElse(false);
  }

  /** The metadata as this node has applied it, for tests. */
  ClusterMetadata metadata() {
    return metadata;
  }

  /** This node's metadata voter, for tests that cut a node off it. */
  MetadataQuorum metadataQuorum() {
    return quorum;
  }

  /** Where this node keeps its replicas' logs (what Kafka's DescribeLogDirs names as the log dir). */
  public Path logDir() {
    return logs.dataDir();
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
    closed = true;
    lease.close();
    if (controllerTimer >= 0) {
      vertx.cancelTimer(controllerTimer);
    }
    leaderHandlers.close();
    if (groups != null) {
      groups.close();
    }
    replicas.close();
    metadata.close();
    try {
      quorum.close();
    } catch (IOException e) {
      LOG.warn("node {}: the metadata voter did not close cleanly", nodeId, e);
    }
    metadataThread.shutdown();
    membershipThread.shutdown();
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
