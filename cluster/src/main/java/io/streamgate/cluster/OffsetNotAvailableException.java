package io.streamgate.cluster;

/**
 * An in-sync follower asked for an offset outside its log (past its log end, or below its log
 * start): the partition's leader has it, or answers for it. Kafka's OFFSET_NOT_AVAILABLE, on which a
 * consumer that was sent to the follower (KIP-392) goes back to the leader.
 */
public final class OffsetNotAvailableException extends RetriableClusterException {
  public OffsetNotAvailableException(String message) {
    super(message);
  }
}
