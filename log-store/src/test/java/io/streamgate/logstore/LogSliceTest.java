package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.format.RecordBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A slice names, in the file, exactly the batches a read copies, and sends them as stored. */
class LogSliceTest {
  private static final TopicPartition TP = new TopicPartition("slices", 0);
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;
  private LogManager manager;
  private PartitionLog log;

  @BeforeEach
  void open() {
    manager = LogManager.open(TestStores.config(dir, new ManualClock(T0)));
    log = manager.create(TP, TestStores.logConfig(Map.of(LogConfig.SEGMENT_BYTES, 4096)));
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** Batches of 1 to 8 records of random sizes over several segments; the last few not committed. */
  private void fill(int batches) {
    Random random = new Random(42);
    for (int b = 0; b < batches; b++) {
      String[] values = new String[1 + random.nextInt(8)];
      for (int i = 0; i < values.length; i++) {
        values[i] = "v".repeat(1 + random.nextInt(120)) + b + "." + i;
      }
      log.append(TestBatches.values(T0 + b, values)).join();
    }
  }

  @Test
  void everyOffsetAndSizeSlicesTheBytesAReadCopies() {
    fill(60);
    long committed = log.logEndOffset() - 5;
    log.updateHighWatermark(committed);
    for (long offset = 0; offset <= committed; offset++) {
      for (int maxBytes : new int[] {1, 100, 700, 2000, 1 << 20}) {
        ReadResult read = log.read(offset, maxBytes);
        LogSlice slice = log.slice(offset, maxBytes);
        String at = "offset " + offset + ", maxBytes " + maxBytes;
        assertThat(bytesOf(slice)).as(at).isEqualTo(bytesOf(read.batches()));
        assertThat(slice.nextOffset()).as(at).isEqualTo(read.nextOffset());
        assertThat(slice.recordCount()).as(at).isEqualTo(read.records(offset).size());
        assertThat(slice.highWatermark()).as(at).isEqualTo(committed);
        assertThat(slice.logEndOffset()).as(at).isEqualTo(committed + 5);
      }
    }
  }

  @Test
  void aSliceAtTheHighWatermarkIsEmptyAndOneOutsideTheLogIsOutOfRange() {
    fill(10);
    log.updateHighWatermark(log.logEndOffset() - 1);
    LogSlice atHighWatermark = log.slice(log.highWatermark(), 1 << 20);
    assertThat(atHighWatermark.isEmpty()).isTrue();
    assertThat(atHighWatermark.nextOffset()).isEqualTo(log.highWatermark());
    assertThatThrownBy(() -> log.slice(log.logEndOffset() + 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
  }

  @Test
  void aSliceSentInPiecesArrivesWhole() throws IOException {
    fill(20);
    log.updateHighWatermark(log.logEndOffset());
    LogSlice slice = log.slice(0, 1 << 20);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WritableByteChannel target = Channels.newChannel(out);
    for (long from = 0; from < slice.sizeInBytes(); from += 7) {
      slice.transferTo(target, from, Math.min(7, slice.sizeInBytes() - from));
    }
    assertThat(out.toByteArray()).isEqualTo(bytesOf(log.read(0, 1 << 20).batches()));
    assertThatThrownBy(() -> slice.transferTo(target, 1, slice.sizeInBytes())).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void aSliceWhoseBatchesWereTruncatedAwayFailsRatherThanSendingShortOrHanging() {
    fill(20);
    long end = log.logEndOffset();
    log.updateHighWatermark(end);
    long last = end - 1;
    LogSlice slice = log.slice(last, 1 << 20);
    assertThat(slice.isEmpty()).isFalse();
    RecordBatch lastBatch = RecordBatch.wrap(ByteBuffer.wrap(bytesOf(log.read(last, 1).batches())));
    log.truncateTo(lastBatch.baseOffset()).join();
    assertThatThrownBy(() -> slice.transferTo(Channels.newChannel(new ByteArrayOutputStream()), 0, slice.sizeInBytes()))
        .isInstanceOf(IOException.class).hasMessageContaining("cut to");
  }

  private static byte[] bytesOf(LogSlice slice) {
    return bytesOf(TestBatches.copied(slice).batches());
  }

  private static byte[] bytesOf(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
