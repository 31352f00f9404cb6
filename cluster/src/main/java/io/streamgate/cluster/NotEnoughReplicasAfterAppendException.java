package io.streamgate.cluster;

/**
 * A write the leader appended to its log but may not acknowledge: its lease ran out while the write
 * waited for its replicas. The records may still be committed, so only a retry that the leader can
 * recognise (a batch with an idempotency id) is sure not to store them twice (Kafka's {@code
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND}).
 */
public final class NotEnoughReplicasAfterAppendException extends NotEnoughReplicasException {
  public NotEnoughReplicasAfterAppendException(String message) {
    super(message);
  }
}
