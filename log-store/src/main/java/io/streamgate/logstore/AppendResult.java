package io.streamgate.logstore;

/**
 * What an append wrote: the offsets it was given, the batch's largest timestamp and its size on disk.
 * A {@code duplicate} wrote nothing: the batch repeated one the same idempotent producer had written
 * (a client's retry), and the offsets and timestamp are that earlier batch's.
 *
 * @param baseOffset offset of the first record
 * @param lastOffset offset of the last record
 * @param maxTimestamp the batch's largest record timestamp
 * @param sizeInBytes bytes the batch occupies in the segment; 0 for a duplicate
 * @param duplicate whether the batch was a retry of one already in the log, and nothing was written
 */
public record AppendResult(long baseOffset, long lastOffset, long maxTimestamp, int sizeInBytes, boolean duplicate) {
  /** A batch that was written. */
  public AppendResult(long baseOffset, long lastOffset, long maxTimestamp, int sizeInBytes) {
    this(baseOffset, lastOffset, maxTimestamp, sizeInBytes, false);
  }

  public long recordCount() {
    return lastOffset - baseOffset + 1;
  }
}
