package io.streamgate.bench;

import java.util.Locale;

/** Formatting of sizes and rates. MB and GB are decimal (10^6, 10^9 bytes); KiB/MiB/GiB binary. */
final class Units {
  private Units() {}

  static String bytes(long bytes) {
    if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
      return bytes / (1L << 30) + " GiB";
    }
    if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
      return bytes / (1L << 20) + " MiB";
    }
    if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
      return bytes / (1L << 10) + " KiB";
    }
    return bytes + " B";
  }

  /** A record size for scenario names: {@code 100B}, {@code 1KiB}. */
  static String size(int bytes) {
    return bytes % 1024 == 0 ? bytes / 1024 + "KiB" : bytes + "B";
  }

  /** Three significant digits, with thousands separators for large values. */
  static String rate(double value) {
    if (value >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (value >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }

  /** Microseconds from nanoseconds. */
  static String micros(long nanos) {
    double us = nanos / 1000.0;
    return us >= 100 ? String.format(Locale.ROOT, "%,.0f", us) : String.format(Locale.ROOT, "%.1f", us);
  }
}
