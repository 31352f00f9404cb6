package io.streamgate.logstore;

/** A record or batch larger than the log's configured maximum; nothing of it was written. */
public class RecordTooLargeException extends LogStoreException {
  public RecordTooLargeException(String message) {
    super(message);
  }
}
