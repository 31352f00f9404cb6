package io.streamgate.logstore;

import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole record batches read from a partition, with the partition's offsets at the time of the read.
 * The first batch may start before the requested offset (batches are never split); {@link
 * #records(long)} skips what lies before it.
 *
 * @param fetchOffset the offset that was asked for
 * @param batches the batches' bytes, exactly as stored, possibly empty
 * @param highWatermark the high watermark when the read was made
 * @param logStartOffset the first offset the log holds
 * @param logEndOffset the next offset the log will assign
 */
public record ReadResult(long fetchOffset, ByteBuffer batches, long highWatermark, long logStartOffset, long logEndOffset) {

  public boolean isEmpty() {
    return !batches.hasRemaining();
  }

  /** The batches as views over {@link #batches()}. */
  public List<RecordBatch> batchList() {
    List<RecordBatch> list = new ArrayList<>();
    RecordBatch.iterate(batches.duplicate()).forEach(list::add);
    return list;
  }

  /** The records at or after {@code fromOffset}, decoded. */
  public List<Record> records(long fromOffset) {
    List<Record> records = new ArrayList<>();
    for (RecordBatch batch : RecordBatch.iterate(batches.duplicate())) {
      for (Record record : batch.records()) {
        if (record.offset() >= fromOffset) {
          records.add(record);
        }
      }
    }
    return records;
  }

  /** The records at or after the fetch offset. */
  public List<Record> records() {
    return records(fetchOffset);
  }

  /** The offset to ask for next: one past the last batch returned, or the fetch offset when empty. */
  public long nextOffset() {
    long next = fetchOffset;
    for (RecordBatch batch : RecordBatch.iterate(batches.duplicate())) {
      next = Math.max(next, batch.nextOffset());
    }
    return next;
  }
}
