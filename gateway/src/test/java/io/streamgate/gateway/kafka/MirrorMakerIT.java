package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.ClientProcesses;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MirrorMaker 2 (connect-mirror 4.3, dedicated mode as {@code connect-mirror-maker.sh} runs it, in a
 * JVM of its own: see gateway/mirror-maker/pom.xml) copying a topic from this class's node to a
 * second node, both over the Kafka listener. Its Connect worker keeps its internal topics and its
 * group ({@code connect} protocol) on the target.
 */
class MirrorMakerIT extends KafkaNodeTest {
  /** Where the gateway/mirror-maker module's {@code package} put MirrorMaker's jars. */
  private static final Path RUNTIME = Path.of("mirror-maker", "target", "lib").toAbsolutePath();
  private static final int RECORDS = 300;
  private static final int PARTITIONS = 3;

  @TempDir Path work;
  private final ClientProcesses clients = new ClientProcesses();

  @BeforeAll
  static void runtimeBuilt() {
    assumeTrue(Files.isDirectory(RUNTIME), "MirrorMaker's runtime is not built: mvn -B package -pl gateway/mirror-maker");
  }

  /** MirrorMaker's output of the last test, kept for whoever reads a failure. */
  private static final Path LOG = Path.of("target", "mirror-maker-it.log").toAbsolutePath();

  private List<String> mirrorMakerOutput = List.of();

  @AfterEach
  void stopClientsAndKeepTheirOutput() throws IOException {
    clients.stopAll();
    Files.write(LOG, List.copyOf(mirrorMakerOutput));
  }

  @Test
  void mirrorMakerCopiesATopicToAnotherNodeRecordForRecordInPartitionOrder() throws IOException {
    String topic = unique("orders");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":" + PARTITIONS
        + ",\"config\":{\"value.format\":\"string\"}}", 201);
    List<String> records = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      records.add("{\"key\":\"customer-" + (i % 23) + "\",\"value\":\"order-" + i + "\"}");
    }
    http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[" + String.join(",", records) + "]}", 200);

    StreamgateNode target = TestNodes.start(work.resolve("target-node"), Map.of("kafka-port", "-1"));
    try {
      mirrorMakerOutput = startMirrorMaker(topic, "127.0.0.1:" + target.kafkaPort());
      String mirrored = "source." + topic;
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        for (int partition = 0; partition < PARTITIONS; partition++) {
          assertThat(keysAndValues(httpRecords(target, mirrored, partition)))
              .as("partition %d of %s on the target (MirrorMaker's output: %s)", partition, mirrored, LOG)
              .isEqualTo(keysAndValues(httpRecords(topic, partition)));
        }
      });
    } finally {
      clients.stopAll();
      TestNodes.stop(target);
    }
  }

  /** Starts MirrorMaker for the source → target flow of {@code topic}; its output lines as they come. */
  private List<String> startMirrorMaker(String topic, String targetBootstrap) throws IOException {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("clusters", "source, target");
    config.put("source.bootstrap.servers", bootstrap());
    config.put("target.bootstrap.servers", targetBootstrap);
    config.put("source->target.enabled", "true");
    config.put("source->target.topics", topic);
    // One node on each side: every topic MirrorMaker creates has one replica.
    for (String key : List.of("replication.factor", "checkpoints.topic.replication.factor",
        "heartbeats.topic.replication.factor", "offset-syncs.topic.replication.factor",
        "config.storage.replication.factor", "offset.storage.replication.factor", "status.storage.replication.factor")) {
      config.put(key, "1");
    }
    config.put("refresh.topics.interval.seconds", "1");
    config.put("emit.checkpoints.interval.seconds", "1");
    config.put("emit.heartbeats.interval.seconds", "1");
    config.put("offset.flush.interval.ms", "500");
    Path properties = work.resolve("mm2.properties");
    Files.writeString(properties, config.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
        .collect(Collectors.joining("\n")));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return clients.start(work, List.of(java, "-Xmx512m", "-cp", RUNTIME + "/*", "org.apache.kafka.connect.mirror.MirrorMaker",
        properties.toString(), "--clusters", "target"));
  }

  private static List<String> keysAndValues(JsonNode records) {
    List<String> pairs = new ArrayList<>();
    records.forEach(record -> pairs.add(record.get("key").asText() + "=" + record.get("value").asText()));
    return pairs;
  }
}
