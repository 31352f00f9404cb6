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
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's shared metadata and membership, as this node sees them.
 *
 * <ul>
 *   <li>Topics ({@link TopicState}) live in the Hazelcast map {@value #TOPICS}, whose entries have
 *       synchronous backups on the other members; every change is a compare-and-set on the whole
 *       topic, so concurrent changes (an election, an ISR change) never overwrite each other.
 *   <li>Every change this node hears of is copied to its data dir ({@link MetadataMirror}); when
 *       the whole cluster restarts cold, each node merges its copy back, the higher version of a
 *       topic winning.
 *   <li>The nodes that ever joined are in {@value #NODES}; a node counts as alive when it is a
 *       Hazelcast member and has merged its copy. The controller is the oldest member.
 *   <li>Quorum: this node's side of the cluster may change metadata, and its leaders take writes,
 *       only while it sees a strict majority of the nodes that ever joined. The minority side of a
 *       split therefore stands still.
 * </ul>
 *
 * <p>Hazelcast calls block, so every one runs on the single {@code metadata} thread; so do
 * listeners' callbacks, in the order Hazelcast delivered the events.
 */
final class ClusterMetadata implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMetadata.class);
  static final String TOPICS = "streamgate.topics";
  static final String NODES = "streamgate.nodes";
  static final String NODE_ID_ATTRIBUTE = "streamgate.node-id";

  private final HazelcastInstance hazelcast;
  private final String nodeId;
  private final MetadataMirror mirror;
  private final ExecutorService thread;
  private final IMap<String, String> topicsMap;
  private final IMap<String, String> nodesMap;
  private final Map<String, TopicState> topics = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> nodes = new ConcurrentHashMap<>();
  private final Set<String> everJoined = ConcurrentHashMap.newKeySet();
  private final List<Consumer<TopicState>> topicListeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> membershipListeners = new CopyOnWriteArrayList<>();
  private volatile List<String> aliveNodes = List.of();
  private volatile String controller;

  ClusterMetadata(HazelcastInstance hazelcast, String nodeId, MetadataMirror mirror, ExecutorService thread) {
    this.hazelcast = hazelcast;
    this.nodeId = nodeId;
    this.mirror = mirror;
    this.thread = thread;
    this.topicsMap = hazelcast.getMap(TOPICS);
    this.nodesMap = hazelcast.getMap(NODES);
  }

  /**
   * Joins the shared metadata: listens for changes, loads what the cluster has, merges this node's
   * copy into it, and registers this node. Runs on the metadata thread; returns once done.
   */
  void start(JsonObject nodeInfo) {
    topicsMap.addEntryListener((EntryAddedListener<String, String>) this::onTopicEvent, true);
    topicsMap.addEntryListener((EntryUpdatedListener<String, String>) this::onTopicEvent, true);
    topicsMap.addEntryListener((EntryMergedListener<String, String>) this::onTopicEvent, true);
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
    // Hazelcast loses a map partition when its owner dies before the backups exist (just after
    // members joined, while partitions migrate). Every node holds all the metadata: each puts its
    // copy back, the higher version winning, as on a cold start.
    hazelcast.getPartitionService().addPartitionLostListener(event -> thread.execute(this::restoreLostEntries));
    for (Map.Entry<String, String> entry : topicsMap.entrySet()) {
      learn(TopicState.fromJson(entry.getValue()));
    }
    for (TopicState local : mirror.topics().values()) {
      mergeLocalCopy(local);
    }
    everJoined.addAll(mirror.nodes());
    nodesMap.forEach((id, json) -> nodes.put(id, new JsonObject(json)));
    everJoined.addAll(nodes.keySet());
    publishNode(nodeInfo);
    refreshMembers();
  }

  /** Puts this node's copy of a topic into the shared map unless the map has it at the same or a newer version. */
  private void mergeLocalCopy(TopicState local) {
    while (true) {
      String current = topicsMap.get(local.name());
      if (current == null) {
        if (topicsMap.putIfAbsent(local.name(), local.toJson()) == null) {
          learn(local);
          return;
        }
        continue;
      }
      TopicState shared = TopicState.fromJson(current);
      if (shared.version() >= local.version()) {
        learn(shared);
        return;
      }
      if (topicsMap.replace(local.name(), current, local.toJson())) {
        LOG.info("restored topic {} at version {} from this node's copy (the cluster had version {})", local.name(),
            local.version(), shared.version());
        learn(local);
        return;
      }
    }
  }

  private void restoreLostEntries() {
    LOG.warn("Hazelcast lost a partition of the shared metadata; putting this node's copy back");
    for (TopicState topic : List.copyOf(topics.values())) {
      mergeLocalCopy(topic);
    }
    JsonObject self = nodes.get(nodeId);
    if (self != null) {
      nodesMap.putIfAbsent(nodeId, self.encode());
    }
  }

  /** Announces (or re-announces, with new addresses) this node to the cluster. Metadata thread. */
  void publishNode(JsonObject nodeInfo) {
    nodesMap.put(nodeId, nodeInfo.encode());
    nodes.put(nodeId, nodeInfo);
    everJoined.add(nodeId);
    mirror.writeNodes(everJoined);
  }

  private void onTopicEvent(EntryEvent<String, String> event) {
    if (event.getValue() != null) {
      TopicState state = TopicState.fromJson(event.getValue());
      thread.execute(() -> learn(state));
    }
  }

  private void onNodeEvent(EntryEvent<String, String> event) {
    if (event.getValue() != null) {
      JsonObject info = new JsonObject(event.getValue());
      thread.execute(() -> {
        nodes.put(event.getKey(), info);
        if (everJoined.add(event.getKey())) {
          mirror.writeNodes(everJoined);
        }
        refreshMembers();
      });
    }
  }

  /** Takes a topic's state if it is newer than what this node knows, keeps a copy on disk, tells listeners. Metadata thread. */
  private void learn(TopicState state) {
    TopicState known = topics.get(state.name());
    if (known != null && known.version() >= state.version()) {
      return;
    }
    mirror.write(state);
    // A new topic's partitions exist before requests can find the topic; a deleted topic is gone
    // for requests before its partitions are.
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

  private void refreshMembers() {
    List<String> alive = new ArrayList<>();
    String oldest = null;
    for (Member member : hazelcast.getCluster().getMembers()) {
      String id = member.getAttribute(NODE_ID_ATTRIBUTE);
      if (oldest == null) {
        oldest = id;
      }
      if (id != null && nodes.containsKey(id)) {
        alive.add(id);
      }
    }
    boolean changed = !alive.equals(aliveNodes) || !java.util.Objects.equals(oldest, controller);
    aliveNodes = List.copyOf(alive);
    controller = oldest;
    if (changed) {
      LOG.info("cluster members: {} (controller {}, {} of {} nodes that ever joined{})", alive, oldest, alive.size(),
          everJoined.size(), hasQuorum() ? "" : ", NO QUORUM: this side takes no writes");
      membershipListeners.forEach(Runnable::run);
    }
  }

  // ---------------------------------------------------------------- reads, from memory, any thread

  Optional<TopicState> topic(String name) {
    TopicState state = topics.get(name);
    return state == null || state.deleted() ? Optional.empty() : Optional.of(state);
  }

  List<TopicState> liveTopics() {
    return topics.values().stream().filter(t -> !t.deleted()).sorted((a, b) -> a.name().compareTo(b.name())).toList();
  }

  List<TopicState> allTopics() {
    return List.copyOf(topics.values());
  }

  List<String> aliveNodes() {
    return aliveNodes;
  }

  boolean isAlive(String node) {
    return aliveNodes.contains(node);
  }

  Set<String> everJoined() {
    return new TreeSet<>(everJoined);
  }

  Optional<JsonObject> nodeInfo(String node) {
    return Optional.ofNullable(nodes.get(node));
  }

  String controller() {
    return controller;
  }

  boolean isController() {
    return nodeId.equals(controller);
  }

  /** Whether this side of the cluster sees a strict majority of the nodes that ever joined. */
  boolean hasQuorum() {
    return aliveNodes.size() * 2 > everJoined.size();
  }

  void onTopicChange(Consumer<TopicState> listener) {
    topicListeners.add(listener);
  }

  void onMembershipChange(Runnable listener) {
    membershipListeners.add(listener);
  }

  // ---------------------------------------------------------------- writes, metadata thread

  /**
   * Creates a topic, or recreates one over its tombstone. False if a live topic of that name exists
   * (this node then knows it too).
   */
  boolean create(TopicState fresh) {
    requireQuorum();
    while (true) {
      String current = topicsMap.get(fresh.name());
      if (current == null) {
        if (topicsMap.putIfAbsent(fresh.name(), fresh.toJson()) == null) {
          learn(fresh);
          return true;
        }
        continue;
      }
      TopicState existing = TopicState.fromJson(current);
      if (!existing.deleted()) {
        learn(existing);
        return false;
      }
      TopicState recreated = new TopicState(fresh.topic(), fresh.partitions(), existing.version() + 1, false);
      if (topicsMap.replace(fresh.name(), current, recreated.toJson())) {
        learn(recreated);
        return true;
      }
    }
  }

  /**
   * Applies {@code change} to a topic's current shared state with compare-and-set, retrying on
   * conflict. The change returns its input unchanged to do nothing, or throws. Empty if the topic
   * is gone.
   */
  Optional<TopicState> update(String name, UnaryOperator<TopicState> change) {
    requireQuorum();
    while (true) {
      String current = topicsMap.get(name);
      if (current == null) {
        return Optional.empty();
      }
      TopicState state = TopicState.fromJson(current);
      if (state.deleted()) {
        learn(state);
        return Optional.empty();
      }
      TopicState changed = change.apply(state);
      if (changed == state) {
        learn(state);
        return Optional.of(state);
      }
      if (topicsMap.replace(name, current, changed.toJson())) {
        learn(changed);
        return Optional.of(changed);
      }
    }
  }

  private void requireQuorum() {
    if (!hasQuorum()) {
      throw new NotEnoughReplicasException("this node sees " + aliveNodes.size() + " of the " + everJoined.size()
          + " cluster nodes, not a majority: the cluster metadata cannot change on this side");
    }
  }

  @Override
  public void close() {
    topicListeners.clear();
    membershipListeners.clear();
  }
}
