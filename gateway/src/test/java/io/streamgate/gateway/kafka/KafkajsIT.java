package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.gateway.ClientProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kafkajs, the Node.js Kafka client, against a node's Kafka listener. It speaks older, non-flexible
 * versions than the Java client (Produce 7, Fetch 11, Metadata 6, JoinGroup 5, SyncGroup 3,
 * OffsetCommit 5, OffsetFetch 4, CreateTopics 3, ListOffsets 3, InitProducerId 1). The program is
 * {@code src/test/kafkajs/client.mjs}, its version pinned by the package-lock there; what it does is
 * described there. Skipped when Node.js and npm are not installed ({@code .ci/run} installs them).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class KafkajsIT extends KafkaNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path CLIENT_SOURCES = Path.of("src/test/kafkajs");
  private static final Path CLIENT_DIR = Path.of("target/kafkajs");
  private static final int RECORDS = 2_000;
  private static final int PARTITIONS = 3;

  private static final boolean NODE_INSTALLED = ClientProcesses.onPath("node") && ClientProcesses.onPath("npm");

  private final ClientProcesses clients = new ClientProcesses();

  @BeforeAll
  static void installClient() throws Exception {
    if (!NODE_INSTALLED) {
      return;
    }
    Files.createDirectories(CLIENT_DIR);
    for (String file : List.of("package.json", "package-lock.json", "client.mjs")) {
      Files.copy(CLIENT_SOURCES.resolve(file), CLIENT_DIR.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    ClientProcesses installer = new ClientProcesses();
    try {
      installer.run(CLIENT_DIR, 150, List.of("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"));
    } finally {
      installer.stopAll();
    }
  }

  /** Per test, not in {@code @BeforeAll}: a class-level assumption is reported as no test run, without its reason. */
  @BeforeEach
  void nodeInstalled() {
    Assumptions.assumeTrue(NODE_INSTALLED, "Node.js and npm are not installed (Debian packages nodejs and npm; .ci/run installs them)");
  }

  @AfterEach
  void stopClients() {
    clients.stopAll();
  }

  @Test
  void aKafkajsIdempotentProducerAndConsumerGroupMoveEveryRecordOnceInOrder() throws Exception {
    String topic = "kafkajs-orders";
    String group = "kafkajs-group";
    String task = JSON.writeValueAsString(Map.of("brokers", List.of(bootstrap()), "topic", topic, "records", RECORDS,
        "groupId", group, "rereadGroupId", "kafkajs-reread", "timeoutMs", 150_000));

    String output = clients.run(CLIENT_DIR, 180, List.of("node", "client.mjs", task));

    String resultLine = output.lines().filter(line -> line.startsWith("RESULT ")).findFirst()
        .orElseThrow(() -> new AssertionError("no RESULT line from kafkajs: " + output));
    JsonNode result = JSON.readTree(resultLine.substring("RESULT ".length()));

    assertThat(result.path("created").asBoolean()).as("admin.createTopics created the topic").isTrue();
    for (JsonNode sent : result.path("sent")) {
      assertThat(sent.path("errorCode").asInt()).as("send answer %s", sent).isZero();
    }

    // Over HTTP: every record once, keys and values as sent, in the order sent within each partition.
    List<List<JsonNode>> stored = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (int partition = 0; partition < PARTITIONS; partition++) {
      List<JsonNode> records = new ArrayList<>();
      httpRecords(topic, partition).forEach(records::add);
      int previous = -1;
      for (int i = 0; i < records.size(); i++) {
        JsonNode record = records.get(i);
        assertThat(record.path("offset").asLong()).isEqualTo(i);
        int index = Integer.parseInt(record.path("key").asText().substring(1));
        assertThat(record.path("value").asText()).isEqualTo("v" + index);
        assertThat(index).as("partition %d keeps the order sent", partition).isGreaterThan(previous);
        previous = index;
        assertThat(keys.add(record.path("key").asText())).as("%s stored once", record).isTrue();
      }
      stored.add(records);
    }
    assertThat(keys).as("every record sent is stored").hasSize(RECORDS);

    // The group of two read each record exactly once, both members taking part.
    Set<String> consumed = new HashSet<>();
    Set<String> members = new HashSet<>();
    for (JsonNode record : result.path("consumed")) {
      String at = record.path("partition").asInt() + "@" + record.path("offset").asLong();
      assertThat(consumed.add(at)).as("%s consumed once", at).isTrue();
      JsonNode stored0 = stored.get(record.path("partition").asInt()).get(record.path("offset").asInt());
      assertThat(record.path("key").asText()).isEqualTo(stored0.path("key").asText());
      assertThat(record.path("value").asText()).isEqualTo(stored0.path("value").asText());
      members.add(record.path("consumer").asText());
    }
    assertThat(consumed).hasSize(RECORDS);
    assertThat(members).containsExactlyInAnyOrder("eachMessage", "eachBatch");

    // admin.fetchOffsets: the group committed each partition's end offset.
    for (int partition = 0; partition < PARTITIONS; partition++) {
      assertThat(offsetOf(result.path("committed"), partition, "offset")).as("committed offset of partition %d", partition)
          .isEqualTo(stored.get(partition).size());
      assertThat(offsetOf(result.path("ends"), partition, "high")).as("end offset of partition %d", partition)
          .isEqualTo(stored.get(partition).size());
    }

    // A consumer from the beginning re-reads each partition in order, as HTTP reads it.
    for (int partition = 0; partition < PARTITIONS; partition++) {
      List<String> reread = new ArrayList<>();
      for (JsonNode record : result.path("reread")) {
        if (record.path("partition").asInt() == partition) {
          reread.add(record.path("offset").asLong() + " " + record.path("key").asText() + " " + record.path("value").asText());
        }
      }
      List<String> expected = stored.get(partition).stream()
          .map(r -> r.path("offset").asLong() + " " + r.path("key").asText() + " " + r.path("value").asText()).toList();
      assertThat(reread).as("partition %d re-read from the beginning", partition).containsExactlyElementsOf(expected);
    }

    // admin.resetOffsets (earliest) commits -2, kept and answered as Kafka does; kafkajs reads it as no commit.
    for (int partition = 0; partition < PARTITIONS; partition++) {
      assertThat(offsetOf(result.path("afterReset"), partition, "offset")).as("partition %d after resetOffsets", partition)
          .isEqualTo(-2);
    }
  }

  private static long offsetOf(JsonNode partitions, int partition, String field) {
    for (JsonNode entry : partitions) {
      if (entry.path("partition").asInt() == partition) {
        return entry.path(field).asLong();
      }
    }
    throw new AssertionError("partition " + partition + " not in " + partitions);
  }
}
