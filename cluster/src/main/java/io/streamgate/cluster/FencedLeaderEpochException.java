package io.streamgate.cluster;

/**
 * A Kafka client named a leader epoch older than the one this node knows for the partition: its
 * metadata is stale. It refreshes its metadata and asks again (Kafka's FENCED_LEADER_EPOCH, KIP-320).
 */
public final class FencedLeaderEpochException extends RetriableClusterException {
  public FencedLeaderEpochException(String message) {
    super(message);
  }
}
