package io.streamgate.bench.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** What the subcommands share: clients, request bodies, histograms. */
final class Load {
  /** Highest latency a histogram tracks: 2 minutes in microseconds; larger values are clamped. */
  static final long HIGHEST_US = TimeUnit.MINUTES.toMicros(2);

  private Load() {}

  static Histogram histogram() {
    return new Histogram(HIGHEST_US, 3);
  }

  static void recordUs(Histogram histogram, long nanos) {
    histogram.recordValue(Math.max(1, Math.min(HIGHEST_US, nanos / 1000)));
  }

  static HttpClientAgent httpClient(Vertx vertx, URI uri, int connections, int pipeline) {
    HttpClientOptions options = new HttpClientOptions()
        .setDefaultHost(uri.getHost())
        .setDefaultPort(Args.port(uri))
        .setKeepAlive(true)
        .setTcpNoDelay(true)
        .setPipelining(pipeline > 1)
        .setPipeliningLimit(Math.max(1, pipeline))
        .setMaxInitialLineLength(64 * 1024);
    return vertx.httpClientBuilder()
        .with(options)
        .with(new PoolOptions().setHttp1MaxSize(Math.max(1, connections)).setMaxWaitQueueSize(-1))
        .build();
  }

  static WebSocketClient webSocketClient(Vertx vertx, int maxConnections) {
    return vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(maxConnections)
        .setTcpNoDelay(true)
        .setMaxFrameSize(1024 * 1024)
        .setMaxMessageSize(16 * 1024 * 1024));
  }

  /**
   * A JSON produce envelope of {@code records} records whose values are JSON strings of exactly
   * {@code recordBytes} bytes (quotes included), so that the stored value is {@code recordBytes}
   * long, as Kafka's {@code --record-size}.
   */
  static Buffer envelope(int records, int recordBytes) {
    String value = jsonString(recordBytes, "");
    StringBuilder body = new StringBuilder(records * (recordBytes + 16) + 16).append("{\"records\":[");
    for (int i = 0; i < records; i++) {
      body.append(i == 0 ? "" : ",").append("{\"value\":").append(value).append('}');
    }
    return Buffer.buffer(body.append("]}").toString());
  }

  /** A JSON string of exactly {@code bytes} bytes (at least the prefix and two quotes): {@code "prefix xxx..."}. */
  static String jsonString(int bytes, String prefix) {
    int pad = Math.max(0, bytes - 2 - prefix.length());
    StringBuilder text = new StringBuilder(bytes).append('"').append(prefix);
    for (int i = 0; i < pad; i++) {
      text.append((char) ('a' + i % 26));
    }
    return text.append('"').toString();
  }

  /** The base URL's path without a trailing slash, for building API paths under it. */
  static String basePath(URI base) {
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
