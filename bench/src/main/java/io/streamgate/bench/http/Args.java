package io.streamgate.bench.http;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** {@code --key value} flags of one subcommand; every flag read must be known, and every flag given must be read. */
final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Set<String> read = new LinkedHashSet<>();

  Args(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new IllegalArgumentException("expected a flag like --duration 10, got '" + arg + "'");
      }
      String key = arg.substring(2);
      int equals = key.indexOf('=');
      if (equals >= 0) {
        values.put(key.substring(0, equals), key.substring(equals + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        values.put(key, args[++i]);
      } else {
        values.put(key, "true");
      }
    }
  }

  String string(String key, String fallback) {
    read.add(key);
    return values.getOrDefault(key, fallback);
  }

  String required(String key) {
    read.add(key);
    String value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException("--" + key + " is required");
    }
    return value;
  }

  int integer(String key, int fallback) {
    return (int) longValue(key, fallback);
  }

  long longValue(String key, long fallback) {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    try {
      return Long.parseLong(text.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " must be a whole number, was '" + text + "'");
    }
  }

  double decimal(String key, double fallback) {
    String text = string(key, null);
    try {
      return text == null ? fallback : Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " must be a number, was '" + text + "'");
    }
  }

  boolean flag(String key) {
    return Boolean.parseBoolean(string(key, "false"));
  }

  URI uri(String key, String fallback) {
    return httpUri(key, fallback == null ? required(key) : string(key, fallback));
  }

  /** {@code text} as an http:// URL, or an error naming flag {@code key}. */
  static URI httpUri(String key, String text) {
    URI uri = URI.create(text);
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("--" + key + " must be an http:// URL, was '" + text + "'");
    }
    return uri;
  }

  /** Fails on any flag that the subcommand did not read: a typo must not silently change a benchmark. */
  void checkAllRead() {
    for (String key : values.keySet()) {
      if (!read.contains(key)) {
        throw new IllegalArgumentException("unknown flag --" + key + "; this subcommand takes: --" + String.join(", --", read));
      }
    }
  }

  static int port(URI uri) {
    return uri.getPort() > 0 ? uri.getPort() : 80;
  }

  /** Path and query of a URL, as an HTTP request target. */
  static String target(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }
}
