package io.streamgate.cluster;

/**
 * A Kafka client named a leader epoch newer than the one this node knows for the partition: this
 * node's metadata is behind. The client asks again later (Kafka's UNKNOWN_LEADER_EPOCH, KIP-320).
 */
public final class UnknownLeaderEpochException extends RetriableClusterException {
  public UnknownLeaderEpochException(String message) {
    super(message);
  }
}
