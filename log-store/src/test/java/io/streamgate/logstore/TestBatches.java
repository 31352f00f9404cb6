package io.streamgate.logstore;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds batches of string records and reads them back, for tests. */
public final class TestBatches {
  private TestBatches() {}

  /** One uncompressed batch with the given values, no keys, all stamped {@code timestamp}. */
  public static RecordBatch values(long timestamp, String... values) {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
    for (String value : values) {
      builder.append(timestamp, null, utf8(value), List.of());
    }
    return builder.build();
  }

  /** One uncompressed batch of a single keyed record; a null value is a tombstone. */
  public static RecordBatch keyed(long timestamp, String key, String value) {
    return new RecordBatchBuilder(Compression.NONE)
        .append(timestamp, utf8(key), value == null ? null : utf8(value), List.of())
        .build();
  }

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  public static String string(ByteBuffer buffer) {
    return buffer == null ? null : StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
  }

  /** The batches of {@code slice}, copied out of their file, as a read would have returned them. */
  public static ReadResult copied(LogSlice slice) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WritableByteChannel target = Channels.newChannel(out);
    try {
      for (long sent = 0; sent < slice.sizeInBytes();) {
        sent += slice.transferTo(target, sent, slice.sizeInBytes() - sent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ReadResult(slice.fetchOffset(), ByteBuffer.wrap(out.toByteArray()), slice.highWatermark(),
        slice.logStartOffset(), slice.logEndOffset());
  }

  /** Every record of the log from its start to its high watermark, reading in steps of {@code maxBytes}. */
  public static List<Record> readAll(PartitionLog log, int maxBytes) {
    List<Record> all = new ArrayList<>();
    long next = log.logStartOffset();
    while (next < log.highWatermark()) {
      ReadResult result = log.read(next, maxBytes);
      List<Record> records = result.records(next);
      if (records.isEmpty()) {
        next = Math.max(next + 1, result.nextOffset());
        continue;
      }
      all.addAll(records);
      next = records.get(records.size() - 1).offset() + 1;
    }
    return all;
  }
}
