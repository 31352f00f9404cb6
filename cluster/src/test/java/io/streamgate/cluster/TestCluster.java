package io.streamgate.cluster;

import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.testing.ListenPorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several cluster nodes in one JVM, each a clustered Vert.x with its own Hazelcast member on
 * loopback (any free port), its own metadata voter (all of them voters), its own data dir and its own
 * {@link ClusteredPartitionService}. The
 * first node starts the cluster; the others join the nodes alive at the time. A node can be killed
 * (its Hazelcast member terminated abruptly, as a crash looks to its peers) and restarted with the
 * same id and data dir.
 */
final class TestCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TestCluster.class);
  /** Failure detection (ms): how long a silent peer lives on. Short, so that a failover test stays short. */
  static final long FAILURE_DETECTION_MS = 2000;
  /** How long a follower may lag before it leaves the ISR. */
  static final long REPLICA_LAG_MAX_MS = 3000;
  private static final long START_TIMEOUT_S = 60;
  private static final long STOP_TIMEOUT_S = 20;

  private final Path baseDir;
  /** The metadata quorum: every node of the cluster, each on a loopback port chosen at the start and kept across restarts. */
  private final List<Voter> voters;
  private final List<Node> nodes = new ArrayList<>();
  /** Node {@code node-i}'s rack is {@code racks.get(i - 1)}; null entries, or none: no rack. */
  private final List<String> racks;

  private TestCluster(Path baseDir, List<Voter> voters, List<String> racks) {
    this.baseDir = baseDir;
    this.voters = voters;
    this.racks = racks;
  }

  /** Starts {@code size} nodes, {@code node-1} .. {@code node-<size>}, under {@code baseDir}. */
  static TestCluster start(Path baseDir, int size) {
    return startInRacks(baseDir, java.util.Collections.nCopies(size, null));
  }

  /** Starts a node per rack given, {@code node-i} in {@code racks.get(i - 1)} (null: in none), under {@code baseDir}. */
  static TestCluster startInRacks(Path baseDir, List<String> racks) {
    int size = racks.size();
    List<Voter> voters = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      voters.add(new Voter("node-" + i, "127.0.0.1", ListenPorts.next()));
    }
    TestCluster cluster = new TestCluster(baseDir, List.copyOf(voters), racks);
    try {
      cluster.nodes.add(Node.start("node-1", baseDir.resolve("node-1"), List.of(), cluster.voters, cluster.rack("node-1")));
      // The others join the first; started together, they join it at the same time.
      List<String> join = cluster.joinList();
      List<CompletableFuture<Node>> joining = new ArrayList<>();
      for (int i = 2; i <= size; i++) {
        String id = "node-" + i;
        joining.add(CompletableFuture.supplyAsync(() -> Node.start(id, baseDir.resolve(id), join, cluster.voters, cluster.rack(id))));
      }
      for (CompletableFuture<Node> node : joining) {
        cluster.nodes.add(node.join());
      }
      cluster.nodes.forEach(cluster::awaitServing);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** Every node started, alive or not, in start order. */
  List<Node> nodes() {
    return List.copyOf(nodes);
  }

  List<Node> alive() {
    return nodes.stream().filter(Node::isAlive).toList();
  }

  Node node(String id) {
    return nodes.stream().filter(n -> n.id().equals(id)).reduce((first, last) -> last)
        .orElseThrow(() -> new IllegalArgumentException("no node " + id));
  }

  /** The live nodes other than {@code id}. */
  List<Node> others(String id) {
    return alive().stream().filter(n -> !n.id().equals(id)).toList();
  }

  /** Kills a node: its Hazelcast member dies at once, then its service and Vert.x close. */
  void kill(String id) {
    node(id).kill();
  }

  /**
   * Expels a node from the cluster without stopping it: its Hazelcast member dies, but its service
   * and event bus go on (as a node in a long pause, or cut off from Hazelcast only, would). {@link
   * #kill} finishes it.
   */
  void expel(String id) {
    node(id).expel();
  }

  /** Starts a node again under the same id and data dir, joining the live nodes. */
  Node restart(String id) {
    Node old = node(id);
    if (old.isAlive()) {
      throw new IllegalStateException(id + " is still running");
    }
    Node fresh = Node.start(id, old.dataDir(), joinList(), voters, rack(id));
    nodes.add(fresh);
    awaitServing(fresh);
    return fresh;
  }

  /**
   * Until {@code node} holds its lease and counts every live node of this cluster as alive: a node
   * serves only under its lease, and places replicas only on nodes it has seen renew.
   */
  private void awaitServing(Node node) {
    Set<String> live = alive().stream().map(Node::id).collect(Collectors.toSet());
    org.awaitility.Awaitility.await(node.id() + " serving").atMost(Duration.ofSeconds(START_TIMEOUT_S))
        .until(() -> node.service().holdsLease()
            && node.service().nodes().stream().filter(ClusterNode::alive).map(ClusterNode::id).collect(Collectors.toSet())
                .containsAll(live));
  }

  /** The rack node {@code id} ({@code node-i}) starts in; null for none. */
  String rack(String id) {
    return racks.get(Integer.parseInt(id.substring("node-".length())) - 1);
  }

  private List<String> joinList() {
    return alive().stream().map(n -> "127.0.0.1:" + n.hazelcastPort()).toList();
  }

  /** A partition's state as the committed metadata holds it, as {@code node} has applied it. */
  static Optional<PartitionState> sharedState(Node node, TopicPartition tp) {
    return node.service().metadata().topic(tp.topic())
        .filter(topic -> tp.partition() < topic.partitions().size())
        .map(topic -> topic.partition(tp.partition()));
  }

  @Override
  public void close() {
    // Crash them all: a graceful Hazelcast shutdown migrates partitions and only costs time here.
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (Node node : nodes) {
      if (node.alive) {
        stops.add(CompletableFuture.runAsync(node::kill));
      }
    }
    stops.forEach(stop -> {
      try {
        stop.get(STOP_TIMEOUT_S * 2, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("a node did not stop cleanly", e);
      }
    });
  }

  /** One node: a clustered Vert.x, its Hazelcast member and its partition service. */
  static final class Node {
    private final String id;
    private final Path dataDir;
    private final Vertx vertx;
    private final HazelcastClusterManager clusterManager;
    private final ClusteredPartitionService service;
    private volatile boolean alive = true;
    private volatile boolean expelled;

    private Node(String id, Path dataDir, Vertx vertx, HazelcastClusterManager clusterManager,
        ClusteredPartitionService service) {
      this.id = id;
      this.dataDir = dataDir;
      this.vertx = vertx;
      this.clusterManager = clusterManager;
      this.service = service;
    }

    static Node start(String id, Path dataDir, List<String> join, List<Voter> voters, String rack) {
      long started = System.nanoTime();
      ClusterOptions options = new ClusterOptions("127.0.0.1", 0, join, FAILURE_DETECTION_MS, REPLICA_LAG_MAX_MS, true, 0,
          voters).withRack(rack);
      HazelcastClusterManager clusterManager = new HazelcastClusterManager(HazelcastSetup.config(id, options));
      Vertx vertx = await(Vertx.builder()
          .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
          .withClusterManager(clusterManager)
          .buildClustered(), START_TIMEOUT_S, "start of " + id + "'s clustered Vert.x");
      try {
        ClusteredPartitionService service = await(vertx.executeBlocking(() -> ClusteredPartitionService.open(vertx,
            clusterManager.getHazelcastInstance(), dataDir, id, 2, options, new JsonObject())), START_TIMEOUT_S,
            "opening " + id + "'s service");
        LOG.info("{} started in {} ms (Hazelcast port {}, joined {})", id, (System.nanoTime() - started) / 1_000_000,
            clusterManager.getHazelcastInstance().getCluster().getLocalMember().getAddress().getPort(), join);
        return new Node(id, dataDir, vertx, clusterManager, service);
      } catch (RuntimeException e) {
        terminateQuietly(clusterManager);
        closeQuietly(vertx);
        throw e;
      }
    }

    String id() {
      return id;
    }

    Path dataDir() {
      return dataDir;
    }

    Vertx vertx() {
      return vertx;
    }

    ClusteredPartitionService service() {
      return service;
    }

    HazelcastInstance hazelcast() {
      return clusterManager.getHazelcastInstance();
    }

    int hazelcastPort() {
      return hazelcast().getCluster().getLocalMember().getAddress().getPort();
    }

    /** Started, and neither killed nor expelled. */
    boolean isAlive() {
      return alive && !expelled;
    }

    void expel() {
      expelled = true;
      terminateQuietly(clusterManager);
      try {
        service.metadataQuorum().close();
      } catch (IOException e) {
        LOG.warn("{}: closing the metadata voter failed", id, e);
      }
      LOG.info("{} expelled: its Hazelcast member and metadata voter are gone, its service and event bus still run", id);
    }

    /** As a crash looks to the peers: the Hazelcast member vanishes without leaving; then the rest closes. */
    void kill() {
      if (!alive) {
        return;
      }
      alive = false;
      long started = System.nanoTime();
      if (!expelled) {
        terminateQuietly(clusterManager);
      }
      try {
        service.close();
      } catch (RuntimeException e) {
        LOG.warn("{}: closing the service after the kill failed", id, e);
      }
      closeQuietly(vertx);
      LOG.info("{} killed ({} ms to close)", id, (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public String toString() {
      return id + (alive ? "" : " (dead)");
    }

    private static void terminateQuietly(HazelcastClusterManager clusterManager) {
      try {
        HazelcastInstance hazelcast = clusterManager.getHazelcastInstance();
        if (hazelcast != null) {
          hazelcast.getLifecycleService().terminate();
        }
      } catch (RuntimeException e) {
        LOG.warn("terminating a Hazelcast member failed", e);
      }
    }

    private static void closeQuietly(Vertx vertx) {
      try {
        await(vertx.close(), STOP_TIMEOUT_S, "closing Vert.x");
      } catch (RuntimeException e) {
        LOG.warn("closing Vert.x failed: {}", e.toString());
      }
    }
  }

  static <T> T await(Future<T> future, long seconds, String what) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
      throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(what + " failed", cause);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(what + " took more than " + seconds + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " was interrupted", e);
    }
  }
}
