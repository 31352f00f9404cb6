package io.streamgate.bench;

import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.ByteBuffer;

/**
 * One thread reading a {@link ReadFixture}'s partition sequentially with {@code PartitionLog.read}
 * and 1 MiB maxBytes, starting over at the log start when it reaches the end. Records are counted
 * from the batch headers, or, when {@code decode}, by decoding every record and touching its value.
 */
final class LogReadLoad extends Load {
  static final int MAX_BYTES = 1 << 20;

  private final PartitionLog log;
  private final boolean decode;
  private Thread thread;
  /** Keeps the decoding from being optimized away. */
  @SuppressWarnings("unused") private volatile long sink;

  LogReadLoad(ReadFixture fixture, boolean decode) {
    this.log = fixture.log();
    this.decode = decode;
  }

  @Override
  void start() {
    running = true;
    thread = new Thread(this::readLoop, "reader");
    thread.setDaemon(true);
    thread.start();
  }

  private void readLoop() {
    long start = log.logStartOffset();
    long end = log.highWatermark();
    long offset = start;
    long valueBytes = 0;
    try {
      while (running) {
        long begin = System.nanoTime();
        ReadResult result = log.read(offset, MAX_BYTES);
        ByteBuffer batches = result.batches();
        long records = 0;
        long next = offset;
        for (RecordBatch batch : RecordBatch.iterate(batches)) {
          if (decode) {
            for (Record record : batch.records()) {
              valueBytes += record.value().remaining();
              records++;
            }
          } else {
            records += batch.recordCount();
          }
          next = batch.nextOffset();
        }
        if (records == 0) {
          throw new IllegalStateException("read at " + offset + " returned no batch; log ends at " + end);
        }
        completed(records, batches.remaining(), begin);
        offset = next >= end ? start : next;
      }
    } catch (RuntimeException e) {
      failed(e);
    }
    sink = valueBytes;
  }

  @Override
  void stop() throws InterruptedException {
    running = false;
    thread.join();
  }

  @Override
  public void close() {
    // The fixture owns the data.
  }
}
