package io.streamgate.logstore;

/** The store's write queue holds its maximum of pending bytes; the caller should retry later. */
public class WriteQueueFullException extends LogStoreException {
  public WriteQueueFullException(String message) {
    super(message);
  }
}
