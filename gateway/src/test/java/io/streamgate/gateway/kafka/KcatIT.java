package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.gateway.ClientProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kcat (librdkafka, Debian's package) against a node's Kafka listener, as a user would try it: the
 * cluster's metadata, records produced by kcat (compressed, keyed) read back over HTTP, and records
 * produced over HTTP consumed by kcat, each in order, none lost or added. Skipped where kcat is not
 * installed ({@code .ci/run} installs it).
 */
class KcatIT extends KafkaNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RECORDS = 200;

  @TempDir Path dir;
  private final ClientProcesses clients = new ClientProcesses();

  @BeforeAll
  static void kcatInstalled() {
    assumeTrue(ClientProcesses.onPath("kcat"), "kcat is not installed");
  }

  @AfterEach
  void stopClients() {
    clients.stopAll();
  }

  @Test
  void metadataListsTheNodeAsABrokerAndTheTopicWithItsPartitions() throws Exception {
    http("POST", "/v1/topics", "{\"name\":\"kcat-meta\",\"partitions\":3}", 201);

    JsonNode metadata = JSON.readTree(clients.run(dir, 30, List.of("kcat", "-b", bootstrap(), "-L", "-J")));

    assertThat(metadata.path("brokers")).hasSize(1);
    assertThat(metadata.path("brokers").get(0).path("name").asText()).as("the address the node advertises").isEqualTo(bootstrap());
    JsonNode topic = null;
    for (JsonNode t : metadata.path("topics")) {
      if (t.path("topic").asText().equals("kcat-meta")) {
        topic = t;
      }
    }
    assertThat(topic).as("kcat-meta in %s", metadata).isNotNull();
    assertThat(topic.path("partitions")).hasSize(3);
    for (JsonNode partition : topic.path("partitions")) {
      assertThat(partition.path("leader").asInt()).isEqualTo(metadata.path("brokers").get(0).path("id").asInt());
    }
  }

  @Test
  void recordsProducedByKcatInEveryCompressionAreReadOverHttpInOrder() throws Exception {
    for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
      String topic = "kcat-in-" + codec;
      http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}", 201);
      List<String> lines = IntStream.range(0, RECORDS).mapToObj(i -> "k" + i + ":" + codec + "-value-" + i).toList();
      Path input = dir.resolve(topic + ".txt");
      Files.write(input, lines, StandardCharsets.UTF_8);

      clients.run(dir, 60, List.of("kcat", "-b", bootstrap(), "-P", "-t", topic, "-p", "0", "-K", ":", "-z", codec,
          "-X", "acks=all", "-l", input.toString()));

      JsonNode records = httpRecords(topic, 0);
      assertThat(records).as("%s: records read over HTTP", codec).hasSize(RECORDS);
      for (int i = 0; i < RECORDS; i++) {
        assertThat(records.get(i).path("offset").asLong()).isEqualTo(i);
        assertThat(records.get(i).path("key").asText()).isEqualTo("k" + i);
        assertThat(records.get(i).path("value").asText()).isEqualTo(codec + "-value-" + i);
      }
    }
  }

  @Test
  void recordsProducedOverHttpAreConsumedByKcatInOrder() throws Exception {
    String topic = "kcat-out";
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}", 201);
    List<String> expected = new ArrayList<>();
    StringBuilder body = new StringBuilder("{\"records\":[");
    for (int i = 0; i < RECORDS; i++) {
      body.append(i == 0 ? "" : ",").append("{\"key\":\"k").append(i).append("\",\"value\":\"v").append(i).append("\"}");
      expected.add(i + " k" + i + " v" + i);
    }
    http("POST", "/v1/topics/" + topic + "/records", body.append("]}").toString(), 200);

    String output = clients.run(dir, 60, List.of("kcat", "-b", bootstrap(), "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e",
        "-q", "-f", "%o %k %s\\n"));

    assertThat(output.lines().toList()).containsExactlyElementsOf(expected);
  }
}
