package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.format.BatchLayout;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppendValidationTest {
  @TempDir Path dir;

  @Test
  void refusesRecordsWhoseFramingIsBrokenEvenUnderAValidCrc() {
    try (LogManager manager = LogManager.open(LogManagerConfig.defaults(dir))) {
      PartitionLog log = manager.create(new TopicPartition("t", 0), LogConfig.DEFAULT);
      RecordBatch batch = TestBatches.values(1000, "first", "second");
      ByteBuffer bytes = batch.buffer();
      // The first record's length varint: claim more bytes than the batch holds.
      bytes.put(BatchLayout.RECORD_BATCH_OVERHEAD, (byte) 0x7e);
      batch.setLogAppendTime(2000); // recomputes the CRC over the damaged bytes
      assertThat(batch.isValid()).isTrue();

      assertThatThrownBy(() -> log.append(batch).join())
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(CorruptRecordException.class);
      assertThat(log.logEndOffset()).isZero();
      assertThat(log.append(TestBatches.values(1000, "ok")).join().baseOffset()).isZero();
    }
  }

  @Test
  void compactedTopicsRefuseRecordsWithoutKeys() {
    try (LogManager manager = LogManager.open(LogManagerConfig.defaults(dir))) {
      PartitionLog log = manager.create(new TopicPartition("c", 0), LogConfig.DEFAULT.with(Map.of(LogConfig.CLEANUP_POLICY, "compact")));
      assertThatThrownBy(() -> log.append(TestBatches.values(1000, "no key")).join())
          .hasCauseInstanceOf(InvalidRecordException.class);
      assertThat(log.append(TestBatches.keyed(1000, "k", "v")).join().baseOffset()).isZero();
    }
  }
}
