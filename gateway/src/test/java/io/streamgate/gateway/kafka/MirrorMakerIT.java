package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.ClientProcesses;
import io.streamgate.gateway.MirrorMakerRuntime;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MirrorMaker 2 ({@link MirrorMakerRuntime}) copying a topic from this class's node to a second
 * node, both over the Kafka listener; one replica for every topic it creates (one node each side).
 */
class MirrorMakerIT extends KafkaNodeTest {
  private static final int RECORDS = 300;
  private static final int PARTITIONS = 3;

  @TempDir Path work;
  private final ClientProcesses clients = new ClientProcesses();

  @BeforeAll
  static void runtimeBuilt() {
    assumeTrue(MirrorMakerRuntime.built(), MirrorMakerRuntime.NOT_BUILT);
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
      mirrorMakerOutput = MirrorMakerRuntime.start(clients, work,
          MirrorMakerRuntime.config(topic, bootstrap(), "127.0.0.1:" + target.kafkaPort(), 1));
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

  private static List<String> keysAndValues(JsonNode records) {
    List<String> pairs = new ArrayList<>();
    records.forEach(record -> pairs.add(record.get("key").asText() + "=" + record.get("value").asText()));
    return pairs;
  }
}
