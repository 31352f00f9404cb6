package io.streamgate.gateway.kafka;

import io.streamgate.cluster.ClusterNode;
import io.streamgate.cluster.Murmur2Partitioner;
import io.streamgate.cluster.PartitionService;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster's nodes as Kafka brokers: an int id per node, and each live node's Kafka address as
 * it announced it. Kafka names brokers by int, Streamgate nodes by string, so a node id that is a
 * decimal number below {@link #HASHED_BASE} is used as it is ({@code --node-id 2} is broker 2),
 * any other id is {@link #HASHED_BASE} plus its murmur2 hash modulo the rest of the positive ints:
 * the same on every node and across restarts, since it depends on the id alone (docs/kafka.md).
 * Thread-safe.
 */
final class KafkaBrokers {
  static final int HASHED_BASE = 1_000_000;
  /** Kafka's cluster id; Streamgate has no cluster id yet, so every cluster answers this. */
  static final String CLUSTER_ID = "streamgate";
  /** Kafka's "no such node" (a partition without a leader, a cluster without a controller). */
  static final int NO_NODE = -1;

  /** A live node that serves Kafka; {@code rack} null for none (Kafka's broker.rack). */
  record Broker(int id, String host, int port, String rack) {}

  /** Kafka's murmur2, positive, modulo a bound: exactly what its partitioner computes. */
  private static final Murmur2Partitioner HASH = new Murmur2Partitioner();

  private final PartitionService service;

  KafkaBrokers(PartitionService service) {
    this.service = service;
  }

  /** The broker id of a node id (see the class comment); {@link #NO_NODE} for null. */
  static int brokerId(String nodeId) {
    if (nodeId == null) {
      return NO_NODE;
    }
    if (nodeId.matches("\\d{1,6}") && Integer.parseInt(nodeId) < HASHED_BASE) {
      return Integer.parseInt(nodeId);
    }
    return HASHED_BASE + HASH.partitionForKey(nodeId.getBytes(StandardCharsets.UTF_8), Integer.MAX_VALUE - HASHED_BASE);
  }

  /** The id of the node with broker id {@code brokerId}, among every node the cluster knows; empty for none. */
  Optional<String> nodeId(int brokerId) {
    return service.nodes().stream().map(ClusterNode::id).filter(id -> brokerId(id) == brokerId).findFirst();
  }

  /** The cluster as clients see it now; take one per request. */
  View view() {
    List<ClusterNode> nodes = service.nodes();
    List<Broker> live = new ArrayList<>();
    Set<String> alive = new HashSet<>();
    int controller = NO_NODE;
    for (ClusterNode node : nodes) {
      if (node.alive()) {
        alive.add(node.id());
        if (node.kafkaAddress() != null) {
          int colon = node.kafkaAddress().lastIndexOf(':');
          live.add(new Broker(brokerId(node.id()), node.kafkaAddress().substring(0, colon),
              Integer.parseInt(node.kafkaAddress().substring(colon + 1)), node.rack()));
        }
      }
      if (node.controller()) {
        controller = brokerId(node.id());
      }
    }
    return new View(live, alive, controller);
  }

  /**
   * @param live every live node that announced a Kafka address
   * @param aliveNodes the ids of the live nodes (a replica elsewhere is offline)
   * @param controllerId the broker id of the cluster's controller, or {@link #NO_NODE}
   */
  record View(List<Broker> live, Set<String> aliveNodes, int controllerId) {}
}
