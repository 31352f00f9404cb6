package io.streamgate.logstore;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * Whole record batches of a partition left where they are stored, in one segment file, to be sent
 * from there ({@code sendfile}) instead of being copied into memory; with the partition's offsets at
 * the time of the read. The zero-copy counterpart of {@link ReadResult}, for Kafka's Fetch.
 *
 * <p>The bytes are read when they are {@link #transferTo transferred}. A segment deleted in between
 * (retention, compaction, a truncation that replaced every segment) fails the transfer with an
 * {@link IOException}; bytes below the high watermark are never rewritten in place otherwise.
 */
public final class LogSlice {
  private final Segment segment;
  private final int position;
  private final int sizeInBytes;
  private final long fetchOffset;
  private final long nextOffset;
  private final long recordCount;
  private final long highWatermark;
  private final long logStartOffset;
  private final long logEndOffset;

  LogSlice(Segment segment, int position, int sizeInBytes, long fetchOffset, long nextOffset, long recordCount,
      long highWatermark, long logStartOffset, long logEndOffset) {
    this.segment = segment;
    this.position = position;
    this.sizeInBytes = sizeInBytes;
    this.fetchOffset = fetchOffset;
    this.nextOffset = nextOffset;
    this.recordCount = recordCount;
    this.highWatermark = highWatermark;
    this.logStartOffset = logStartOffset;
    this.logEndOffset = logEndOffset;
  }

  static LogSlice empty(long fetchOffset, long highWatermark, long logStartOffset, long logEndOffset) {
    return new LogSlice(null, 0, 0, fetchOffset, fetchOffset, 0, highWatermark, logStartOffset, logEndOffset);
  }

  /** The batches' length: whole batches, at least one when the read found any. */
  public int sizeInBytes() {
    return sizeInBytes;
  }

  public boolean isEmpty() {
    return sizeInBytes == 0;
  }

  /** The offset that was asked for (the first batch may start before it). */
  public long fetchOffset() {
    return fetchOffset;
  }

  /** The offset to ask for next: one past the last batch, or the fetch offset when empty. */
  public long nextOffset() {
    return nextOffset;
  }

  /** The records at or after the fetch offset, by the batch headers. */
  public long recordCount() {
    return recordCount;
  }

  public long highWatermark() {
    return highWatermark;
  }

  public long logStartOffset() {
    return logStartOffset;
  }

  public long logEndOffset() {
    return logEndOffset;
  }

  /**
   * Writes up to {@code count} of the slice's bytes, from {@code from} within the slice, to {@code
   * target} (by the kernel where it can: {@link java.nio.channels.FileChannel#transferTo}); returns
   * how many were written, possibly fewer (a non-blocking target that is full).
   *
   * @throws IOException also when the segment was deleted or cut short since the read
   */
  public long transferTo(WritableByteChannel target, long from, long count) throws IOException {
    if (from < 0 || count < 0 || from + count > sizeInBytes) {
      throw new IndexOutOfBoundsException("bytes [" + from + ", " + (from + count) + ") of a slice of " + sizeInBytes);
    }
    if (count == 0) {
      return 0;
    }
    return segment.transferTo(target, position + from, count);
  }

  @Override
  public String toString() {
    return "LogSlice(" + segment + " @" + position + "+" + sizeInBytes + ", offsets [" + fetchOffset + ", " + nextOffset + "))";
  }
}
