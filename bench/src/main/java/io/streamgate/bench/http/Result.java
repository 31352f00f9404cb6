package io.streamgate.bench.http;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The one machine-readable line a subcommand prints on stdout (JSON), and a human line on stderr. */
final class Result {
  private final JsonObject json = new JsonObject();

  Result(String scenario) {
    json.put("scenario", scenario);
  }

  Result put(String key, Object value) {
    if (value instanceof Double d) {
      json.put(key, Math.round(d * 100.0) / 100.0);
    } else {
      json.put(key, value);
    }
    return this;
  }

  /** Latency percentiles of a histogram recorded in microseconds. */
  Result latencies(Histogram us) {
    json.put("latencyCount", us.getTotalCount());
    json.put("p50Us", us.getTotalCount() == 0 ? null : us.getValueAtPercentile(50));
    json.put("p99Us", us.getTotalCount() == 0 ? null : us.getValueAtPercentile(99));
    json.put("p999Us", us.getTotalCount() == 0 ? null : us.getValueAtPercentile(99.9));
    json.put("maxUs", us.getTotalCount() == 0 ? null : us.getMaxValue());
    return this;
  }

  static double perSecond(long count, long nanos) {
    return nanos <= 0 ? 0 : count * 1e9 / nanos;
  }

  void print(String human) {
    System.out.println(json.encode());
    System.out.flush();
    System.err.println(String.format(Locale.ROOT, "[%s] %s", json.getString("scenario"), human));
  }
}
