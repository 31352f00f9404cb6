package io.streamgate.logstore;

/**
 * An idempotent producer's batch in an older epoch than the one this partition last saw from that
 * producer id (Kafka's {@code INVALID_PRODUCER_EPOCH}): a newer instance of the producer took over.
 * Nothing was written.
 */
public class InvalidProducerEpochException extends LogStoreException {
  public InvalidProducerEpochException(String message) {
    super(message);
  }
}
