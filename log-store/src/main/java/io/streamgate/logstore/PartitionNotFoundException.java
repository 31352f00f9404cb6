package io.streamgate.logstore;

/** No partition of that topic and number exists in this store. */
public class PartitionNotFoundException extends LogStoreException {
  public PartitionNotFoundException(String message) {
    super(message);
  }
}
