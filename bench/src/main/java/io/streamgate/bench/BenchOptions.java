package io.streamgate.bench;

import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Command-line settings of {@link LogStoreBenchmark}. Every option is {@code --name=value}; durations
 * take {@code ms} or {@code s}, sizes {@code KiB}, {@code MiB} or {@code GiB}.
 *
 * @param warmupMs load before the first measured window of a scenario, not reported
 * @param measureMs length of one measured window
 * @param repeats measured windows per scenario; the median window is reported
 * @param maxPhaseBytes a warm-up or window also ends once this many bytes were written or read, so that
 *     fast scenarios stay bounded in disk use and time
 * @param readDataBytes size of the partition that the read scenarios write first and then read
 * @param windowNever appends one appender keeps in flight under flush=never
 * @param windowAlways appends one appender keeps in flight under flush=always
 * @param parentDir where the temporary data directory is created (deleted at the end)
 * @param out the markdown results file, or null
 * @param only run only the scenarios whose name matches this pattern (find, not full match), or null
 * @param strict exit with status 2 when a scenario misses its target
 */
public record BenchOptions(
    long warmupMs,
    long measureMs,
    int repeats,
    long maxPhaseBytes,
    long readDataBytes,
    int windowNever,
    int windowAlways,
    Path parentDir,
    Path out,
    Pattern only,
    boolean strict,
    boolean quick) {

  static final String USAGE = """
      usage: LogStoreBenchmark [--quick] [--out=FILE] [--warmup=3s] [--measure=5s] [--repeats=3]
                               [--max-phase-bytes=1GiB] [--read-data=256MiB] [--window-never=8]
                               [--window-always=1] [--dir=PARENT] [--only=REGEX] [--strict]
        --quick   smoke run: 0.5s warm-up, 1s x 1 window, 256MiB caps, 64MiB read data
        --strict  exit 2 when a target is missed (default: report it, exit 0)
      """;

  public static BenchOptions parse(String... args) {
    long warmup = 3_000;
    long measure = 5_000;
    int repeats = 3;
    long maxPhaseBytes = 1L << 30;
    long readData = 256L << 20;
    int windowNever = 8;
    int windowAlways = 1;
    Path parent = Path.of(System.getProperty("java.io.tmpdir"));
    Path out = null;
    Pattern only = null;
    boolean strict = false;
    boolean quick = false;
    // --quick first, so that explicit options given with it still win.
    for (String arg : args) {
      if (arg.equals("--quick")) {
        quick = true;
        warmup = 500;
        measure = 1_000;
        repeats = 1;
        maxPhaseBytes = 256L << 20;
        readData = 64L << 20;
      }
    }
    for (String arg : args) {
      if (arg.equals("--quick")) {
        continue;
      }
      if (arg.equals("--strict")) {
        strict = true;
        continue;
      }
      if (arg.equals("-h") || arg.equals("--help")) {
        throw new IllegalArgumentException("help");
      }
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("unknown argument '" + arg + "'");
      }
      String name = arg.substring(2, eq);
      String value = arg.substring(eq + 1);
      switch (name) {
        case "out" -> out = Path.of(value);
        case "warmup" -> warmup = parseMillis(value);
        case "measure" -> measure = parseMillis(value);
        case "repeats" -> repeats = positive(name, Integer.parseInt(value));
        case "max-phase-bytes" -> maxPhaseBytes = parseBytes(value);
        case "read-data" -> readData = parseBytes(value);
        case "window-never" -> windowNever = positive(name, Integer.parseInt(value));
        case "window-always" -> windowAlways = positive(name, Integer.parseInt(value));
        case "dir" -> parent = Path.of(value);
        case "only" -> only = Pattern.compile(value);
        default -> throw new IllegalArgumentException("unknown option --" + name);
      }
    }
    if (measure <= 0 || warmup < 0) {
      throw new IllegalArgumentException("--measure must be positive and --warmup not negative");
    }
    return new BenchOptions(warmup, measure, repeats, maxPhaseBytes, readData, windowNever, windowAlways,
        parent, out, only, strict, quick);
  }

  boolean selected(String scenario) {
    return only == null || only.matcher(scenario).find();
  }

  String describe() {
    return String.format(Locale.ROOT,
        "warm-up %d ms, %d window(s) of %d ms (median reported), each phase capped at %s, read data %s, "
            + "append window %d in flight (flush=never) / %d (flush=always) per appender",
        warmupMs, repeats, measureMs, Units.bytes(maxPhaseBytes), Units.bytes(readDataBytes), windowNever, windowAlways);
  }

  static long parseMillis(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith("ms")) {
      return Long.parseLong(t.substring(0, t.length() - 2));
    }
    if (t.endsWith("s")) {
      return Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000);
    }
    return Long.parseLong(t);
  }

  static long parseBytes(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("gib")) {
      unit = 1L << 30;
    } else if (t.endsWith("mib")) {
      unit = 1L << 20;
    } else if (t.endsWith("kib")) {
      unit = 1L << 10;
    }
    String number = unit == 1 ? t : t.substring(0, t.length() - 3);
    long value = Math.round(Double.parseDouble(number) * unit);
    return positive("size", value);
  }

  private static <N extends Number> N positive(String name, N value) {
    if (value.longValue() <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
    return value;
  }
}
