package io.streamgate.logstore;

/**
 * What an append wrote: the offsets it was given, the batch's largest timestamp and its size on disk.
 *
 * @param baseOffset offset of the first record
 * @param lastOffset offset of the last record
 * @param maxTimestamp the batch's largest record timestamp
 * @param sizeInBytes bytes the batch occupies in the segment
 */
public record AppendResult(long baseOffset, long lastOffset, long maxTimestamp, int sizeInBytes) {
  public long recordCount() {
    return lastOffset - baseOffset + 1;
  }
}
