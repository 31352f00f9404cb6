package io.streamgate.logstore;

/** A partition with that topic and number exists already. */
public class PartitionAlreadyExistsException extends LogStoreException {
  public PartitionAlreadyExistsException(String message) {
    super(message);
  }
}
