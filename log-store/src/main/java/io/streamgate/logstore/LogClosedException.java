package io.streamgate.logstore;

/** The log or the store was closed; no further appends or reads are served. */
public class LogClosedException extends LogStoreException {
  public LogClosedException(String message) {
    super(message);
  }
}
