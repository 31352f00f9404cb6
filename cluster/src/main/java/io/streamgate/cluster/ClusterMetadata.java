package io.streamgate.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.streamgate.cluster.metadata.MetadataCommand;
import io.streamgate.cluster.metadata.MetadataListener;
import io.streamgate.cluster.metadata.MetadataQuorum;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.cluster.metadata.MetadataState;
import io.streamgate.cluster.metadata.NodeState;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's metadata as this node has applied it, and who is reachable.
 *
 * <ul>
 *   <li>Topics ({@link TopicState}) are the committed state of the metadata log ({@link
 *       MetadataQuorum}, Raft): every change is one log entry that states the version or epoch it
 *       expects, so no two different "version N" of a topic or "epoch E" of a partition can exist.
 *       {@link #submit} proposes one and completes once this node has applied it too.
 *   <li>The controller is the Raft leader of the metadata log.
 *   <li>Reachable nodes are the Hazelcast members (the event bus runs on Hazelcast); node infos
 *       (addresses for {@code GET /v1/cluster}) are in the Hazelcast map {@value #NODES}. Neither
 *       decides anything about leadership: leases do ({@link NodeLiveness}, {@link NodeLease}).
 * </ul>
 *
 * <p>Changes reach listeners on the single {@code metadata} thread, in log order.
 */
final class ClusterMetadata implements MetadataListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMetadata.class);
  static final String NODES = "streamgate.nodes";
  static final String NODE_ID_ATTRIBUTE = "streamgate.node-id";

  private final MetadataQuorum quorum;
  private final HazelcastInstance hazelcast;
  private final String nodeId;
  private final ExecutorService thread;
  private final IMap<String, String> nodesMap;
  private final Map<String, TopicState> topics = new ConcurrentHashMap<>();
  /** Every topic id this node has learnt, deleted topics' too, with its topic's name: Kafka requests name topics by id. */
  private final Map<TopicId, String> namesById = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> nodes = new ConcurrentHashMap<>();
  private final List<Consumer<TopicState>> topicListeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> membershipListeners = new CopyOnWriteArrayList<>();
  /** Waits for this node to apply a log index; metadata thread. */
  private final PriorityQueue<IndexWait> indexWaits = new PriorityQueue<>();
  /** Waits for a partition's leader to change; metadata thread. */
  private final List<LeaderWait> leaderWaits = new ArrayList<>();
  private volatile long appliedIndex;
  private volatile List<String> reachableNodes = List.of();
  private volatile boolean closed;
  private volatile AppliedRacks appliedRacks = new AppliedRacks(null, Map.of());

  private record IndexWait(long index, CompletableFuture<Void> reached) implements Comparable<IndexWait> {
    @Override
    public int compareTo(IndexWait other) {
      return Long.compare(index, other.index);
    }
  }

  private record LeaderWait(TopicPartition partition, String leader, CompletableFuture<Void> moved) {}

  /** The nodes' racks of one applied state (compared by identity: each applied change is a new state). */
  private record AppliedRacks(MetadataState state, Map<String, String> racks) {}

  ClusterMetadata(MetadataQuorum quorum, HazelcastInstance hazelcast, String nodeId, ExecutorService thread) {
    this.quorum = quorum;
    this.hazelcast = hazelcast;
    this.nodeId = nodeId;
    this.thread = thread;
    this.nodesMap = hazelcast.getMap(NODES);
  }

  /** Listens for node infos and membership and publishes this node's info. Metadata thread. */
  void start(JsonObject nodeInfo) {
    nodesMap.addEntryListener((EntryAddedListener<String, String>) this::onNodeEvent, true);
    nodesMap.addEntryListener((EntryUpdatedListener<String, String>) this::onNodeEvent, true);
    nodesMap.addEntryListener((EntryMergedListener<String, String>) this::onNodeEvent, true);
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        thread.execute(ClusterMetadata.this::refreshMembers);
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        thread.execute(ClusterMetadata.this::refreshMembers);
      }
    });
    // A node info lost with a Hazelcast partition is put back by its node.
    hazelcast.getPartitionService().addPartitionLostListener(event -> thread.execute(() -> {
      JsonObject self = nodes.get(nodeId);
      if (self != null) {
        nodesMap.putIfAbsent(nodeId, self.encode());
      }
    }));
    nodesMap.forEach((id, json) -> nodes.put(id, new JsonObject(json)));
    publishNode(nodeInfo);
    refreshMembers();
  }

  /** Announces (or re-announces, with new addresses) this node to the cluster. Metadata thread. */
  void publishNode(JsonObject nodeInfo) {
    nodesMap.put(nodeId, nodeInfo.encode());
    nodes.put(nodeId, nodeInfo);
  }

  private void onNodeEvent(EntryEvent<String, String> event) {
    if (event.getValue() != null) {
      JsonObject info = new JsonObject(event.getValue());
      thread.execute(() -> {
        nodes.put(event.getKey(), info);
        refreshMembers();
      });
    }
  }

  private void refreshMembers() {
    List<String> reachable = new ArrayList<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      String id = member.getAttribute(NODE_ID_ATTRIBUTE);
      if (id != null) {
        reachable.add(id);
      }
    }
    if (!reachable.equals(reachableNodes)) {
      reachableNodes = List.copyOf(reachable);
      LOG.info("reachable nodes: {}", reachable);
      membershipListeners.forEach(Runnable::run);
    }
  }

  // ---------------------------------------------------------------- the metadata log

  @Override
  public void applied(long index, MetadataCommand command, MetadataReply reply, MetadataState state) {
    execute(() -> learn(index, state));
  }

  @Override
  public void restored(MetadataState state) {
    execute(() -> learn(appliedIndex, state));
  }

  private void execute(Runnable work) {
    if (!closed) {
      thread.execute(work);
    }
  }

  /** Takes every topic that changed; then wakes those waiting for {@code index}. Metadata thread. */
  private void learn(long index, MetadataState state) {
    for (TopicState topic : state.topics().values()) {
      TopicState known = topics.get(topic.name());
      if (known == null || known.version() < topic.version()) {
        learn(topic);
      }
    }
    appliedIndex = Math.max(appliedIndex, index);
    while (!indexWaits.isEmpty() && indexWaits.peek().index() <= appliedIndex) {
      indexWaits.poll().reached().complete(null);
    }
    leaderWaits.removeIf(wait -> {
      if (!leads(wait.partition(), wait.leader())) {
        wait.moved().complete(null);
      }
      return wait.moved().isDone(); // a wait its caller gave up on (timed out) goes too
    });
  }

  private void learn(TopicState state) {
    // A new topic's partitions exist before requests can find the topic; a deleted topic is gone
    // for requests before its partitions are.
    namesById.put(state.id(), state.name());
    if (state.deleted()) {
      topics.put(state.name(), state);
    }
    for (Consumer<TopicState> listener : topicListeners) {
      try {
        listener.accept(state);
      } catch (RuntimeException e) {
        LOG.error("a metadata listener failed on topic {}", state.name(), e);
      }
    }
    topics.put(state.name(), state);
  }

  /**
   * Proposes {@code command} to the metadata log: completes with its reply once committed and
   * applied on this node (so this node's reads see it), or fails retriably when no majority
   * commits it in time.
   */
  CompletableFuture<MetadataReply> submit(MetadataCommand command) {
    return quorum.submit(command).thenCompose(committed -> appliedUpTo(committed.logIndex()).thenApply(done -> committed.reply()));
  }

  /**
   * The metadata log index this node has taken: every topic listener (this node's replicas) has run
   * on the changes up to it. Moves after the state machine's applied index, on the metadata thread.
   */
  long appliedIndex() {
    return appliedIndex;
  }

  /** Completes once this node has applied the metadata log up to {@code index}. */
  CompletableFuture<Void> appliedUpTo(long index) {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    execute(() -> {
      if (appliedIndex >= index) {
        reached.complete(null);
      } else {
        indexWaits.add(new IndexWait(index, reached));
      }
    });
    return reached;
  }

  /**
   * Completes once this node's metadata names another leader of {@code partition} than {@code
   * leader} (or the partition is gone): a leader that refused a request as no longer leading applied
   * the change before this node did. Never completes otherwise; the caller bounds the wait.
   */
  CompletableFuture<Void> leaderOtherThan(TopicPartition partition, String leader) {
    CompletableFuture<Void> moved = new CompletableFuture<>();
    execute(() -> {
      if (!leads(partition, leader)) {
        moved.complete(null);
      } else {
        leaderWaits.add(new LeaderWait(partition, leader, moved));
      }
    });
    return moved;
  }

  private boolean leads(TopicPartition partition, String leader) {
    return topic(partition.topic()).filter(topic -> partition.partition() < topic.partitions().size())
        .map(topic -> leader.equals(topic.partition(partition.partition()).leader())).orElse(false);
  }

  // ---------------------------------------------------------------- reads, from memory, any thread

  String nodeId() {
    return nodeId;
  }

  Optional<TopicState> topic(String name) {
    TopicState state = topics.get(name);
    return state == null || state.deleted() ? Optional.empty() : Optional.of(state);
  }

  /** The live topic with this id; empty for an unknown id and for a deleted topic's, even if its name lives again. */
  Optional<TopicState> topic(TopicId id) {
    return Optional.ofNullable(namesById.get(id)).flatMap(this::topic).filter(topic -> topic.id().equals(id));
  }

  List<TopicState> liveTopics() {
    return topics.values().stream().filter(t -> !t.deleted()).sorted((a, b) -> a.name().compareTo(b.name())).toList();
  }

  List<TopicState> allTopics() {
    return List.copyOf(topics.values());
  }

  /** The nodes this node's event bus reaches (the Hazelcast members): where requests can go. */
  List<String> reachableNodes() {
    return reachableNodes;
  }

  boolean isReachable(String node) {
    return reachableNodes.contains(node);
  }

  /**
   * The nodes of the cluster: the metadata voters in the Raft configuration (every node is one),
   * sorted, without a node removed for good whose removal from the configuration is still under way.
   */
  List<String> clusterNodes() {
    return quorum.voters().stream().map(Voter::id).filter(id -> !isRemoved(id)).sorted().toList();
  }

  /** Whether the metadata log removed {@code node} from the cluster for good. */
  boolean isRemoved(String node) {
    return quorum.state().node(node).map(NodeState::removed).orElse(false);
  }

  /** Whether {@code node} is a metadata voter in the Raft configuration. */
  boolean isVoter(String node) {
    return quorum.voters().stream().anyMatch(voter -> voter.id().equals(node));
  }

  /** Every node the metadata log registered or that published an info, but those removed for good. */
  Set<String> knownNodes() {
    Set<String> known = new TreeSet<>(quorum.state().nodes().keySet());
    known.addAll(nodes.keySet());
    known.removeIf(this::isRemoved);
    return known;
  }

  /**
   * Each registered node's rack, as its last registration in the metadata log gave it (this node's
   * applied copy); a node in no rack is left out. A pure view: what placement and read-replica
   * choice take as nodes → racks. Built once per applied state and kept with it: every consumer
   * read asks for it, and the state changes a few times a second at most (lease renewals).
   */
  Map<String, String> racks() {
    MetadataState state = quorum.state();
    AppliedRacks known = appliedRacks;
    if (known.state() != state) {
      // Two threads may build it at once for a new state: the same map, and either may stay.
      known = new AppliedRacks(state, Collections.unmodifiableMap(state.racks()));
      appliedRacks = known;
    }
    return known.racks();
  }

  Optional<JsonObject> nodeInfo(String node) {
    return Optional.ofNullable(nodes.get(node));
  }

  /** The controller: the metadata log's Raft leader as this node knows it, or null while none. */
  String controller() {
    return quorum.leaderId().orElse(null);
  }

  boolean isController() {
    return quorum.isLeader();
  }

  void onTopicChange(Consumer<TopicState> listener) {
    topicListeners.add(listener);
  }

  /** Hears every change of the reachable nodes. */
  void onMembershipChange(Runnable listener) {
    membershipListeners.add(listener);
  }

  @Override
  public void close() {
    closed = true;
    topicListeners.clear();
    membershipListeners.clear();
  }
}
