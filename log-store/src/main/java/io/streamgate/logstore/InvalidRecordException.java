package io.streamgate.logstore;

/** A well-formed batch that this log must not accept, e.g. a keyless record on a compacted log or a follower batch that does not continue the log. */
public class InvalidRecordException extends LogStoreException {
  public InvalidRecordException(String message) {
    super(message);
  }
}
