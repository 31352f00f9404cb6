package io.streamgate.logstore;

import static io.streamgate.logstore.TestBatches.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our segment files are Kafka's: Kafka's {@code FileRecords} and {@code kafka-dump-log} read what
 * log-store wrote, and log-store stores and serves batches that Kafka's builder made.
 */
class KafkaSegmentCompatibilityTest {
  private static final TopicPartition TP = new TopicPartition("compat", 0);
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  /** One record as both sides should see it. */
  private record Expected(long offset, long timestamp, String key, String value, List<Header> headers) {}

  @Test
  void kafkaReadsOurSegmentFiles() throws IOException {
    List<Expected> written = writeMixedLog();
    List<Expected> readByKafka = new ArrayList<>();
    int batchCount = 0;
    for (Path segment : segmentFiles(".log")) {
      try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
        for (FileChannelRecordBatch batch : records.batches()) {
          batch.ensureValid();
          batchCount++;
          for (org.apache.kafka.common.record.internal.Record record : batch) {
            readByKafka.add(new Expected(record.offset(), record.timestamp(), text(record.key()), text(record.value()),
                Arrays.stream(record.headers()).map(h -> new Header(h.key(), h.value())).toList()));
          }
        }
      }
    }
    assertThat(batchCount).isGreaterThan(20);
    assertThat(readByKafka).containsExactlyElementsOf(written);
  }

  @Test
  void kafkaDumpLogFindsNoInvalidBatchOrIndexEntry() throws Exception {
    List<Expected> written = writeMixedLog();
    List<Path> logs = segmentFiles(".log");
    assertThat(logs).hasSizeGreaterThan(1);
    List<String> files = new ArrayList<>();
    logs.forEach(p -> files.add(p.toString()));
    segmentFiles(".index").forEach(p -> files.add(p.toString()));
    segmentFiles(".timeindex").forEach(p -> files.add(p.toString()));

    String output = runDumpLogSegments("--deep-iteration", "--verify-index-only", "--files", String.join(",", files));
    assertThat(output.toLowerCase()).doesNotContain("mismatch", "invalid", "corrupt", "exception", "error");

    String deep = runDumpLogSegments("--deep-iteration", "--files", String.join(",", logs.stream().map(Path::toString).toList()));
    assertThat(deep.toLowerCase()).doesNotContain("invalid", "corrupt", "exception", "error");
    long recordLines = deep.lines().filter(line -> line.contains("| offset: ")).count();
    assertThat(recordLines).isEqualTo(written.size());
    assertThat(deep).contains("isvalid: true").doesNotContain("isvalid: false");
  }

  @Test
  void kafkaBuiltBatchesAreStoredAndServed() throws IOException {
    try (LogManager store = LogManager.open(LogManagerConfig.defaults(dir))) {
      PartitionLog log = store.create(TP, LogConfig.DEFAULT);
      List<Expected> expected = new ArrayList<>();
      long offset = 0;
      for (org.apache.kafka.common.compress.Compression compression : kafkaCompressions()) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, compression, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < 10; i++) {
          long timestamp = T0 + offset;
          String key = i % 3 == 0 ? null : "key-" + offset;
          String value = i % 4 == 0 ? null : "value-" + offset + "-" + compression;
          var header = new org.apache.kafka.common.header.internals.RecordHeader("h" + i, utf8("hv" + offset));
          builder.append(timestamp, key == null ? null : utf8(key), value == null ? null : utf8(value),
              new org.apache.kafka.common.header.Header[] {header});
          expected.add(new Expected(offset, timestamp, key, value, List.of(new Header("h" + i, utf8("hv" + offset)))));
          offset++;
        }
        ByteBuffer bytes = builder.build().buffer();
        AppendResult result = log.append(RecordBatch.wrap(bytes)).join();
        assertThat(result.recordCount()).isEqualTo(10);
        log.updateHighWatermark(result.lastOffset() + 1);
      }
      List<Expected> served = TestBatches.readAll(log, 1024).stream().map(KafkaSegmentCompatibilityTest::expected).toList();
      assertThat(served).containsExactlyElementsOf(expected);
    }
  }

  /** Batches of every compression, with keys, null keys, tombstones and headers, over several segments. */
  private List<Expected> writeMixedLog() {
    List<Expected> written = new ArrayList<>();
    try (LogManager store = LogManager.open(LogManagerConfig.defaults(dir))) {
      PartitionLog log = store.create(TP, LogConfig.DEFAULT.with(Map.of(LogConfig.SEGMENT_BYTES, 4096,
          LogConfig.INDEX_INTERVAL_BYTES, 256)));
      long offset = 0;
      Compression[] compressions = Compression.values();
      for (int batchNumber = 0; batchNumber < 60; batchNumber++) {
        RecordBatchBuilder builder = new RecordBatchBuilder(compressions[batchNumber % compressions.length]);
        int count = 1 + batchNumber % 7;
        for (int i = 0; i < count; i++) {
          long timestamp = T0 + batchNumber * 1000L + i;
          String key = i % 3 == 2 ? null : "key-" + (offset % 17);
          String value = i % 5 == 4 ? null : "value-" + offset + "-" + "x".repeat(batchNumber * 7 % 300);
          List<Header> headers = i % 2 == 0 ? List.of(new Header("trace", utf8("t-" + offset)), new Header("empty", null)) : List.of();
          builder.append(timestamp, key == null ? null : utf8(key), value == null ? null : utf8(value), headers);
          written.add(new Expected(offset, timestamp, key, value, headers));
          offset++;
        }
        AppendResult result = log.append(builder.build()).join();
        log.updateHighWatermark(result.lastOffset() + 1);
      }
      List<Expected> readBack = TestBatches.readAll(log, 4096).stream().map(KafkaSegmentCompatibilityTest::expected).toList();
      assertThat(readBack).containsExactlyElementsOf(written);
    }
    return written;
  }

  private static List<org.apache.kafka.common.compress.Compression> kafkaCompressions() {
    return List.of(org.apache.kafka.common.compress.Compression.NONE,
        org.apache.kafka.common.compress.Compression.gzip().build(),
        org.apache.kafka.common.compress.Compression.snappy().build(),
        org.apache.kafka.common.compress.Compression.lz4().build(),
        org.apache.kafka.common.compress.Compression.zstd().build());
  }

  private static Expected expected(Record record) {
    return new Expected(record.offset(), record.timestamp(), TestBatches.string(record.key()),
        TestBatches.string(record.value()), record.headers());
  }

  private static String text(ByteBuffer buffer) {
    return buffer == null ? null : StandardCharsets.UTF_8.decode(buffer).toString();
  }

  private List<Path> segmentFiles(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(TP.directoryName()))) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  /** Runs Kafka's DumpLogSegments (kafka-dump-log) in a child JVM and returns what it printed. */
  private static String runDumpLogSegments(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        "org.apache.kafka.tools.DumpLogSegments"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as("kafka-dump-log exit code; output:%n%s", output).isZero();
      return output;
    } finally {
      process.destroyForcibly();
    }
  }
}
