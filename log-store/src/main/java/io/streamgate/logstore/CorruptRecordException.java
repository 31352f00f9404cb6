package io.streamgate.logstore;

/** Bytes that do not form a valid record batch: bad length, magic, CRC or record framing. */
public class CorruptRecordException extends LogStoreException {
  public CorruptRecordException(String message) {
    super(message);
  }

  public CorruptRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
