package io.streamgate.logstore;

/**
 * Base of every error the log store reports. Unchecked, so that it crosses futures and lambdas
 * untouched; callers map the concrete subclass, never the message text.
 */
public class LogStoreException extends RuntimeException {
  public LogStoreException(String message) {
    super(message);
  }

  public LogStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
