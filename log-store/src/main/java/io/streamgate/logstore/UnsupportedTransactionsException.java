package io.streamgate.logstore;

/**
 * A transactional or control batch: Streamgate does not implement Kafka's transactions, so the
 * log refuses the batch rather than store markers it could not honour. Nothing was written.
 */
public class UnsupportedTransactionsException extends LogStoreException {
  public UnsupportedTransactionsException(String message) {
    super(message);
  }
}
