package io.streamgate.logstore;

/**
 * An idempotent producer's batch whose first sequence does not continue the producer's last batch in
 * this partition (Kafka's {@code OUT_OF_ORDER_SEQUENCE_NUMBER}): a batch was lost in between, or the
 * client sent out of order. Nothing was written.
 */
public class OutOfOrderSequenceException extends LogStoreException {
  public OutOfOrderSequenceException(String message) {
    super(message);
  }
}
