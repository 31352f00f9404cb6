package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
  @TempDir Path dir;

  @Test
  void roundsThatSyncManyPartitionsAtOnceFsyncEachOfThem() {
    int partitions = 12; // more than the writer's sync helper threads
    int appendsEach = 30;
    try (LogManager manager = LogManager.open(LogManagerConfig.defaults(dir))) {
      List<PartitionLog> durable = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        durable.add(manager.create(new TopicPartition("durable", p), LogConfig.DEFAULT.with(Map.of(LogConfig.FLUSH_POLICY, "always"))));
      }
      PartitionLog lazy = manager.create(new TopicPartition("lazy", 0), LogConfig.DEFAULT.with(Map.of(LogConfig.FLUSH_POLICY, "never")));

      List<List<CompletableFuture<AppendResult>>> results = new ArrayList<>();
      List<CompletableFuture<AppendResult>> lazyResults = new ArrayList<>();
      durable.forEach(log -> results.add(new ArrayList<>()));
      for (int i = 0; i < appendsEach; i++) {
        for (int p = 0; p < partitions; p++) {
          results.get(p).add(durable.get(p).append(TestBatches.values(1000 + i, "a" + i, "b" + i)));
        }
        lazyResults.add(lazy.append(TestBatches.values(1000 + i, "c" + i)));
      }

      for (int p = 0; p < partitions; p++) {
        PartitionLog log = durable.get(p);
        List<CompletableFuture<AppendResult>> appends = results.get(p);
        for (int i = 0; i < appendsEach; i++) {
          AppendResult result = appends.get(i).join();
          assertThat(result.baseOffset()).isEqualTo(2L * i);
          // Acknowledged under flush=always: fsynced at least up to this batch.
          assertThat(log.recoveryPoint()).isGreaterThanOrEqualTo(result.lastOffset() + 1);
        }
        assertThat(log.logEndOffset()).isEqualTo(2L * appendsEach);
        assertThat(log.recoveryPoint()).isEqualTo(2L * appendsEach);
      }
      lazyResults.forEach(CompletableFuture::join);
      assertThat(lazy.logEndOffset()).isEqualTo(appendsEach);
      assertThat(lazy.recoveryPoint()).isZero(); // flush=never shares the rounds but is not fsynced
    }
  }
}
