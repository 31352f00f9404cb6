package io.streamgate.logstore;

import static io.streamgate.logstore.format.BatchLayout.BASE_OFFSET_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LENGTH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LOG_OVERHEAD;
import static io.streamgate.logstore.format.BatchLayout.MAX_TIMESTAMP_OFFSET;

import java.nio.ByteBuffer;

/**
 * The fields of a batch header that walking a segment needs, read without touching the records.
 *
 * @param position the batch's file position
 * @param sizeInBytes the whole batch, header included
 */
record BatchHeader(int position, long baseOffset, int sizeInBytes, long lastOffset, long maxTimestamp) {

  /** Reads the header at {@code index} in {@code buffer}, which must hold a whole header there. */
  static BatchHeader read(ByteBuffer buffer, int index, int filePosition) {
    long baseOffset = buffer.getLong(index + BASE_OFFSET_OFFSET);
    int size = LOG_OVERHEAD + buffer.getInt(index + LENGTH_OFFSET);
    long lastOffset = baseOffset + buffer.getInt(index + LAST_OFFSET_DELTA_OFFSET);
    long maxTimestamp = buffer.getLong(index + MAX_TIMESTAMP_OFFSET);
    return new BatchHeader(filePosition, baseOffset, size, lastOffset, maxTimestamp);
  }

  long nextOffset() {
    return lastOffset + 1;
  }
}
