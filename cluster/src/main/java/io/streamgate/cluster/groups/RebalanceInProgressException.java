package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/**
 * A Kafka-run group is rebalancing: the member must send JoinGroup again before it syncs, heartbeats
 * or commits in a generation. Kafka's REBALANCE_IN_PROGRESS.
 */
public class RebalanceInProgressException extends ClusterException {
  public RebalanceInProgressException(String message) {
    super(message);
  }
}
