package io.streamgate.gateway;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts nodes for tests: loopback, an ephemeral HTTP port, one HTTP instance, a temp data dir, no
 * MQTT or Kafka listener unless asked for ({@code mqtt-port -1}, {@code kafka-port -1}: loopback, an
 * ephemeral port, one instance).
 */
public final class TestNodes {
  private TestNodes() {}

  public static StreamgateNode start(Path dataDir) {
    return start(dataDir, Map.of());
  }

  public static StreamgateNode start(Path dataDir, Map<String, String> overrides) {
    Map<String, String> values = new HashMap<>(Map.of(
        "data-dir", dataDir.toString(), "node-id", "node-0", "http-host", "127.0.0.1", "http-port", "0", "http-instances", "1",
        "cluster-port", "0", "shutdown-grace-ms", "200", "mqtt-host", "127.0.0.1", "mqtt-port", "0", "mqtt-instances", "1"));
    // Never Kafka's 9092 in a test: off unless asked for (kafka-port -1).
    values.putAll(Map.of("kafka-host", "127.0.0.1", "kafka-port", "0", "kafka-instances", "1"));
    values.putAll(overrides);
    try {
      return StreamgateNode.start(ConfigLoader.fromMap(values)).toCompletionStage().toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node did not start", e);
    }
  }

  public static void stop(StreamgateNode node) {
    if (node != null) {
      try {
        node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("node did not stop", e);
      }
    }
  }
}
