package io.streamgate.logstore;

/** A read or truncation at an offset the log does not hold: below the log start or past the end. */
public class OffsetOutOfRangeException extends LogStoreException {
  private final long logStartOffset;
  private final long logEndOffset;

  public OffsetOutOfRangeException(String message, long logStartOffset, long logEndOffset) {
    super(message);
    this.logStartOffset = logStartOffset;
    this.logEndOffset = logEndOffset;
  }

  public long logStartOffset() {
    return logStartOffset;
  }

  public long logEndOffset() {
    return logEndOffset;
  }
}
