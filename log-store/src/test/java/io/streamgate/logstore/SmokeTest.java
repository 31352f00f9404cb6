package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @TempDir Path dir;

  @Test
  void appendReadRestart() throws Exception {
    TopicPartition tp = new TopicPartition("t", 0);
    try (LogManager manager = LogManager.open(LogManagerConfig.defaults(dir))) {
      PartitionLog log = manager.create(tp, LogConfig.DEFAULT.with(java.util.Map.of("segment.bytes", 4096)));
      for (int i = 0; i < 200; i++) {
        var b = new RecordBatchBuilder(Compression.NONE);
        b.append(1000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8), List.of());
        b.append(1000 + i, null, ("w" + i).getBytes(StandardCharsets.UTF_8), List.of());
        AppendResult r = log.append(b.build()).get();
        assertThat(r.baseOffset()).isEqualTo(2L * i);
        log.updateHighWatermark(r.lastOffset() + 1);
      }
      assertThat(log.segmentCount()).isGreaterThan(1);
      List<Record> records = log.read(0, 1 << 20).records();
      assertThat(records).hasSizeGreaterThan(10);
      assertThat(log.read(399, 100).records()).extracting(Record::offset).containsExactly(399L);
      assertThat(log.offsetForTimestamp(1150).get().offset()).isEqualTo(300L);
    }
    try (LogManager manager = LogManager.open(LogManagerConfig.defaults(dir))) {
      PartitionLog log = manager.partition(tp);
      assertThat(log.logEndOffset()).isEqualTo(400);
      assertThat(log.highWatermark()).isEqualTo(400);
      long next = 0;
      int count = 0;
      while (next < 400) {
        ReadResult rr = log.read(next, 1000);
        for (Record r : rr.records()) {
          assertThat(r.offset()).isEqualTo(next);
          next++;
          count++;
        }
      }
      assertThat(count).isEqualTo(400);
    }
  }
}
