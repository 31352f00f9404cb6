package io.streamgate.cluster;

import java.util.List;

/**
 * How a node finds and watches its peers.
 *
 * @param host the address Hazelcast and the event bus bind to and announce to peers
 * @param port Hazelcast's port (0: any free port, as tests use)
 * @param join members to join, {@code host:port}; empty: this node starts a cluster of its own
 * @param failureDetectionMs how long a peer may stay silent before it is declared dead (rounded up to seconds)
 * @param replicaLagMaxMs how long a follower may stay behind the leader's log end before it leaves the ISR
 * @param autoRebalance whether the controller moves leadership back to a partition's preferred replica on its own
 */
public record ClusterOptions(String host, int port, List<String> join, long failureDetectionMs, long replicaLagMaxMs,
    boolean autoRebalance) {
  public ClusterOptions {
    join = List.copyOf(join);
  }
}
