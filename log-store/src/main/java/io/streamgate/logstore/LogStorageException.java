package io.streamgate.logstore;

/** An I/O failure on the partition's files. After one, the partition refuses further writes until reopened. */
public class LogStorageException extends LogStoreException {
  public LogStorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
