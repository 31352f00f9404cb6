package io.streamgate.cluster;

import io.streamgate.cluster.groups.ClassicGroupSettings;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.logstore.LogManagerConfig;
import java.util.List;

/**
 * How a node finds and watches its peers.
 *
 * @param host the address Hazelcast and the event bus bind to and announce to peers
 * @param port Hazelcast's port (0: any free port, as tests use)
 * @param join members to join, {@code host:port}; empty: this node starts a cluster of its own
 * @param failureDetectionMs a node's lease: how long its leaders serve after their last renewal, and how long a silent
 *     peer lives on (Hazelcast rounds it up to seconds)
 * @param replicaLagMaxMs how long a follower may stay behind the leader's log end before it leaves the ISR
 * @param autoRebalance whether the controller moves leadership back to a partition's preferred replica on its own
 * @param metadataPort where this node's metadata voter listens when it is the only voter (0: any free port)
 * @param metadataVoters the metadata quorum, the same list on every node ({@code id@host:port}); empty: this node alone
 * @param producerIdExpirationMs how long a partition remembers an idle idempotent Kafka producer (Kafka's {@code
 *     producer.id.expiration.ms})
 * @param maxProducersPerPartition idempotent Kafka producers a partition remembers at most; the least recently
 *     written goes first
 * @param classicGroups the group coordinator's settings for Kafka's classic groups
 * @param rack this node's rack (fault domain): replicas spread across racks, consumers read from their own; null for none
 */
public record ClusterOptions(String host, int port, List<String> join, long failureDetectionMs, long replicaLagMaxMs,
    boolean autoRebalance, int metadataPort, List<Voter> metadataVoters, long producerIdExpirationMs,
    int maxProducersPerPartition, ClassicGroupSettings classicGroups, String rack) {
  public ClusterOptions {
    join = List.copyOf(join);
    metadataVoters = List.copyOf(metadataVoters);
  }

  /** Options with the log store's defaults for the producer state and the coordinator's for classic groups. */
  public ClusterOptions(String host, int port, List<String> join, long failureDetectionMs, long replicaLagMaxMs,
      boolean autoRebalance, int metadataPort, List<Voter> metadataVoters) {
    this(host, port, join, failureDetectionMs, replicaLagMaxMs, autoRebalance, metadataPort, metadataVoters,
        LogManagerConfig.DEFAULT_PRODUCER_ID_EXPIRATION_MS, LogManagerConfig.DEFAULT_MAX_PRODUCERS_PER_PARTITION,
        ClassicGroupSettings.DEFAULTS, null);
  }

  /** These options for a node in {@code rack} (null: none). */
  public ClusterOptions withRack(String rack) {
    return new ClusterOptions(host, port, join, failureDetectionMs, replicaLagMaxMs, autoRebalance, metadataPort, metadataVoters,
        producerIdExpirationMs, maxProducersPerPartition, classicGroups, rack);
  }
}
