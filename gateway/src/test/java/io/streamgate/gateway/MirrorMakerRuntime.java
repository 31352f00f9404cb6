package io.streamgate.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * MirrorMaker 2 (connect-mirror 4.3, dedicated mode as {@code connect-mirror-maker.sh} runs it), in a
 * JVM of its own from the jars the gateway/mirror-maker module's {@code package} copies (see its
 * pom.xml and docs/testing.md): one {@code source -> target} flow of one topic, its Connect worker
 * keeping its internal topics and its group ({@code connect} protocol) on the target.
 */
public final class MirrorMakerRuntime {
  private static final Path LIB = Path.of("mirror-maker", "target", "lib").toAbsolutePath();

  /** Why a test that needs it is skipped where it is not built. */
  public static final String NOT_BUILT = "MirrorMaker's runtime is not built: mvn -B package -pl gateway/mirror-maker";

  private MirrorMakerRuntime() {}

  public static boolean built() {
    return Files.isDirectory(LIB);
  }

  /**
   * MirrorMaker's settings for copying {@code topic} from {@code sourceBootstrap} to {@code
   * targetBootstrap} (to {@code source.<topic>} there; both may be one cluster): its defaults but for
   * every topic it creates having {@code replicationFactor} replicas and one-second intervals.
   */
  public static Map<String, String> config(String topic, String sourceBootstrap, String targetBootstrap, int replicationFactor) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("clusters", "source, target");
    config.put("source.bootstrap.servers", sourceBootstrap);
    config.put("target.bootstrap.servers", targetBootstrap);
    config.put("source->target.enabled", "true");
    config.put("source->target.topics", topic);
    for (String key : List.of("replication.factor", "checkpoints.topic.replication.factor",
        "heartbeats.topic.replication.factor", "offset-syncs.topic.replication.factor",
        "config.storage.replication.factor", "offset.storage.replication.factor", "status.storage.replication.factor")) {
      config.put(key, String.valueOf(replicationFactor));
    }
    config.put("refresh.topics.interval.seconds", "1");
    config.put("emit.checkpoints.interval.seconds", "1");
    config.put("emit.heartbeats.interval.seconds", "1");
    config.put("offset.flush.interval.ms", "500");
    return config;
  }

  /** Starts MirrorMaker with {@code config} (written to {@code work}); its output lines as they come. */
  public static List<String> start(ClientProcesses clients, Path work, Map<String, String> config) throws IOException {
    Path properties = work.resolve("mm2.properties");
    Files.writeString(properties, config.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
        .collect(Collectors.joining("\n")));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return clients.start(work, List.of(java, "-Xmx512m", "-cp", LIB + "/*", "org.apache.kafka.connect.mirror.MirrorMaker",
        properties.toString(), "--clusters", "target"));
  }
}
