package io.streamgate.bench;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The log-store benchmark: append and read throughput of {@code streamgate-log-store} next to plain
 * {@link java.nio.channels.FileChannel} references measured in the same run, with the issue's
 * targets checked. See {@code docs/benchmarks.md}; run it with {@code scripts/bench-log-store.sh}.
 *
 * <p>Exit status: 0 when every selected scenario ran (targets missed are reported in the table), 1
 * when a scenario failed, 2 when {@code --strict} and a target was missed, 64 for bad arguments.
 */
public final class LogStoreBenchmark {
  static final int[] RECORD_SIZES = {100, 1024};
  static final int[] BATCH_RECORDS = {1, 100};
  /** (appenders, partitions) */
  static final int[][] CONCURRENCY = {{1, 1}, {8, 1}, {8, 8}};
  static final String[] FLUSH_POLICIES = {"always", "never"};
  static final int READ_BATCH_RECORDS = 100;

  static final double NEVER_TARGET_RATIO = 0.80;
  static final double ALWAYS_TARGET_RATIO = 5.0;
  static final double READ_TARGET_MB_PER_SEC = 1000;

  private final BenchOptions options;
  private final Path root;
  private final Map<String, Row> rows = new LinkedHashMap<>();
  private final Map<String, byte[]> templates = new LinkedHashMap<>();
  private int dirCounter;

  /** A pass/fail criterion: a minimum ratio to the reference, or a minimum MB/s. */
  record Target(String label, double minRatio, double minMegabytesPerSec) {
    static Target ratio(double min) {
      return new Target("≥ " + trim(min) + "× ref", min, 0);
    }

    static Target megabytesPerSec(double min) {
      return new Target("≥ " + trim(min / 1000) + " GB/s", 0, min);
    }

    boolean met(double ratio, double megabytesPerSec) {
      return (minRatio <= 0 || ratio >= minRatio) && megabytesPerSec >= minMegabytesPerSec;
    }

    private static String trim(double value) {
      return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
  }

  /** One line of the table; {@code result} is null when the scenario failed ({@code error} says why). */
  record Row(String name, Measurement.Result result, String reference, Target target, String error) {}

  /** A way to create a scenario's load in its own directory. */
  @FunctionalInterface
  interface LoadFactory {
    Load create(Path dir) throws Exception;
  }

  LogStoreBenchmark(BenchOptions options, Path root) {
    this.options = options;
    this.root = root;
  }

  public static void main(String[] args) {
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!"help".equals(e.getMessage())) {
        System.err.println("error: " + e.getMessage());
      }
      System.err.print(BenchOptions.USAGE);
      System.exit("help".equals(e.getMessage()) ? 0 : 64);
      return;
    }
    int status;
    try {
      status = run(options);
    } catch (Exception e) {
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  static int run(BenchOptions options) throws IOException {
    Files.createDirectories(options.parentDir());
    Path root = Files.createTempDirectory(options.parentDir(), "streamgate-bench-");
    LogStoreBenchmark bench = new LogStoreBenchmark(options, root);
    Thread cleanup = new Thread(() -> TempDirs.deleteRecursively(root), "bench-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    long started = System.nanoTime();
    try {
      progress("data in %s; %s", root, options.describe());
      bench.runAll();
    } finally {
      TempDirs.deleteRecursively(root);
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
    String report = bench.report((System.nanoTime() - started) / 1e9);
    System.out.print(report);
    if (options.out() != null) {
      Path parent = options.out().toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(options.out(), report);
      progress("results written to %s", options.out());
    }
    if (bench.rows.values().stream().anyMatch(row -> row.error() != null)) {
      return 1;
    }
    return options.strict() && bench.missedTargets() > 0 ? 2 : 0;
  }

  /**
   * flush=always first: its fsync-bound figures are the most sensitive to the device's state, and
   * the flush=never scenarios leave gigabytes of dirty pages and deleted files (discards) behind.
   * Each group starts with its references, so that they run close in time to what they are compared with.
   */
  void runAll() {
    for (String flush : FLUSH_POLICIES) {
      boolean always = flush.equals("always");
      for (int size : RECORD_SIZES) {
        for (int count : BATCH_RECORDS) {
          byte[] batch = template(size, count);
          run(rawWriteName(size, count, always), null, null, dir -> new RawWriteLoad(dir, batch, count, always));
        }
      }
      int window = always ? options.windowAlways() : options.windowNever();
      for (int size : RECORD_SIZES) {
        for (int count : BATCH_RECORDS) {
          for (int[] concurrency : CONCURRENCY) {
            int appenders = concurrency[0];
            int partitions = concurrency[1];
            byte[] batch = template(size, count);
            run(appendName(size, count, flush, appenders, partitions, window), rawWriteName(size, count, always),
                appendTarget(size, count, always, appenders),
                dir -> new AppendLoad(dir, batch, appenders, partitions, flush, window));
          }
        }
      }
    }
    for (int size : RECORD_SIZES) {
      runReads(size);
    }
  }

  /** The targets, for the scenarios they name. */
  static Target appendTarget(int size, int count, boolean always, int appenders) {
    if (!always && size == 1024 && count == 100 && appenders == 1) {
      return Target.ratio(NEVER_TARGET_RATIO);
    }
    if (always && count == 1 && appenders == 8) {
      return Target.ratio(ALWAYS_TARGET_RATIO);
    }
    return null;
  }

  private void runReads(int size) {
    byte[] batch = template(size, READ_BATCH_RECORDS);
    String shape = Units.size(size) + "×" + READ_BATCH_RECORDS;
    String raw = "raw read " + shape + " segment, 1 MiB chunks";
    String headers = "read " + shape + ", 1 MiB maxBytes, records from headers";
    String decode = "read " + shape + ", 1 MiB maxBytes, decode records";
    if (!options.selected(raw) && !options.selected(headers) && !options.selected(decode)) {
      return;
    }
    String fixtureName = "read fixture " + shape;
    progress("preparing %s: %s of %s batches", fixtureName, Units.bytes(options.readDataBytes()), shape);
    ReadFixture fixture;
    try {
      fixture = new ReadFixture(newDir(), batch, READ_BATCH_RECORDS, options.readDataBytes());
    } catch (Exception e) {
      e.printStackTrace();
      rows.put(fixtureName, new Row(fixtureName, null, null, null, e.toString()));
      return;
    }
    try {
      run(raw, null, null, dir -> new RawReadLoad(fixture, batch.length));
      run(headers, raw, Target.megabytesPerSec(READ_TARGET_MB_PER_SEC), dir -> new LogReadLoad(fixture, false));
      run(decode, raw, null, dir -> new LogReadLoad(fixture, true));
    } finally {
      fixture.close();
    }
  }

  private void run(String name, String reference, Target target, LoadFactory factory) {
    if (!options.selected(name)) {
      return;
    }
    progress("running %s", name);
    Path dir = newDir();
    try (Load load = factory.create(dir)) {
      Measurement.Result result = Measurement.run(load, options);
      rows.put(name, new Row(name, result, reference, target, null));
      Measurement.Window median = result.median();
      progress("  %s records/s, %s MB/s, p50 %s µs, p99 %s µs, spread %.0f%%", Units.rate(median.recordsPerSec()),
          Units.rate(median.bytesPerSec() / 1e6), Units.micros(result.p50Nanos()), Units.micros(result.p99Nanos()),
          result.spreadPercent());
    } catch (Exception e) {
      progress("  FAILED: %s", e);
      e.printStackTrace();
      rows.put(name, new Row(name, null, reference, target, e.toString()));
    } finally {
      TempDirs.deleteRecursively(dir);
    }
  }

  static String rawWriteName(int size, int count, boolean force) {
    return "raw write " + Units.size(size) + "×" + count + (force ? ", force per batch" : ", no force");
  }

  static String appendName(int size, int count, String flush, int appenders, int partitions, int window) {
    return "append " + Units.size(size) + "×" + count + ", flush=" + flush + ", " + appenders + " appender"
        + (appenders == 1 ? "" : "s") + " → " + partitions + " partition" + (partitions == 1 ? "" : "s")
        + ", window " + window;
  }

  /**
   * The bytes of one uncompressed batch of {@code count} records with {@code size}-byte values, no
   * keys and no headers; built once, copied per append.
   */
  byte[] template(int size, int count) {
    return templates.computeIfAbsent(size + "x" + count, key -> {
      Random random = new Random(size * 31L + count);
      RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
      long now = System.currentTimeMillis();
      for (int i = 0; i < count; i++) {
        byte[] value = new byte[size];
        random.nextBytes(value);
        builder.append(now, null, value, List.of());
      }
      ByteBuffer buffer = builder.build().buffer();
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    });
  }

  private Path newDir() {
    return root.resolve(String.format(Locale.ROOT, "s%02d", dirCounter++));
  }

  private int missedTargets() {
    int missed = 0;
    for (Row row : rows.values()) {
      if (row.target() != null && "MISS".equals(verdict(row))) {
        missed++;
      }
    }
    return missed;
  }

  private double ratio(Row row) {
    if (row.result() == null || row.reference() == null) {
      return Double.NaN;
    }
    Row reference = rows.get(row.reference());
    if (reference == null || reference.result() == null || reference.result().median().bytesPerSec() == 0) {
      return Double.NaN;
    }
    return row.result().median().bytesPerSec() / reference.result().median().bytesPerSec();
  }

  private String verdict(Row row) {
    if (row.result() == null) {
      return "ERROR";
    }
    if (row.target() == null) {
      return "";
    }
    double ratio = ratio(row);
    if (row.target().minRatio() > 0 && Double.isNaN(ratio)) {
      return "n/a (reference not run)";
    }
    return row.target().met(ratio, row.result().median().bytesPerSec() / 1e6) ? "PASS" : "MISS";
  }

  String report(double elapsedSeconds) {
    StringBuilder out = new StringBuilder();
    out.append("## Log-store benchmark results\n\n");
    out.append("- run: ").append(Instant.now()).append(options.quick() ? " (--quick smoke run)" : "")
        .append(String.format(Locale.ROOT, ", %.0f s in all%n", elapsedSeconds));
    out.append("- settings: ").append(options.describe()).append('\n');
    out.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
        .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, max heap ")
        .append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB; ").append(System.getProperty("os.name")).append(' ')
        .append(System.getProperty("os.version")).append('\n');
    out.append("- MB/s counts batch bytes as stored (10^6 bytes/s); latencies are per operation (one append ")
        .append("from call to future completion, one write+force, one read call), median over windows of each ")
        .append("percentile; spread is (max - min) / median of the windows' MB/s\n\n");
    out.append("| scenario | records/s | MB/s | p50 µs | p99 µs | spread | reference | ratio | target | result |\n");
    out.append("|---|---:|---:|---:|---:|---:|---|---:|---|---|\n");
    for (Row row : rows.values()) {
      out.append("| ").append(row.name()).append(" | ");
      if (row.result() == null) {
        out.append("— | — | — | — | — | ");
      } else {
        Measurement.Result result = row.result();
        out.append(Units.rate(result.median().recordsPerSec())).append(" | ")
            .append(Units.rate(result.median().bytesPerSec() / 1e6)).append(" | ")
            .append(Units.micros(result.p50Nanos())).append(" | ")
            .append(Units.micros(result.p99Nanos())).append(" | ")
            .append(result.windows().size() > 1 ? String.format(Locale.ROOT, "%.0f%%", result.spreadPercent()) : "—")
            .append(" | ");
      }
      double ratio = ratio(row);
      out.append(row.reference() == null ? "" : row.reference()).append(" | ")
          .append(Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio)).append(" | ")
          .append(row.target() == null ? "" : row.target().label()).append(" | ")
          .append(verdict(row)).append(" |\n");
    }
    out.append('\n');
    List<String> targetLines = new ArrayList<>();
    for (Row row : rows.values()) {
      if (row.target() != null) {
        targetLines.add("- " + verdict(row) + ": " + row.name() + " (" + row.target().label() + ")");
      }
      if (row.error() != null) {
        targetLines.add("- ERROR: " + row.name() + ": " + row.error());
      }
    }
    if (!targetLines.isEmpty()) {
      out.append("Targets:\n\n");
      targetLines.forEach(line -> out.append(line).append('\n'));
      out.append('\n');
    }
    return out.toString();
  }

  static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[bench] " + format + "%n", args);
  }
}
