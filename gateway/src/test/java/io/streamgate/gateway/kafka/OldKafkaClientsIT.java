package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.gateway.ClientProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's 4.0 Java clients, the oldest 4.x (the floor the listener's advertised versions are set
 * by), through the tools Kafka's own system tests drive brokers with, each in a JVM of its own with
 * the 4.0 jars (gateway/kafka-clients-4.0): two {@code VerifiableConsumer}s in one group (classic
 * protocol, a commitSync after every poll), then a {@code VerifiableProducer} (idempotent, the
 * default, acks=all).
 */
class OldKafkaClientsIT extends KafkaNodeTest {
  /** Where the gateway/kafka-clients-4.0 module's {@code package} put the 4.0 tools and clients. */
  private static final Path RUNTIME = Path.of("kafka-clients-4.0", "target", "lib").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RECORDS = 600;
  private static final int PARTITIONS = 3;

  @TempDir Path work;
  private final ClientProcesses clients = new ClientProcesses();

  @BeforeAll
  static void runtimeBuilt() {
    assumeTrue(Files.isDirectory(RUNTIME), "the Kafka 4.0 runtime is not built: mvn -B package -pl gateway/kafka-clients-4.0");
  }

  @AfterEach
  void stopClients() {
    clients.stopAll();
  }

  @Test
  void everyRecordTheProducerHadAcknowledgedIsConsumedOnceByTheGroupInOffsetOrderAndCommitted() throws Exception {
    String topic = unique("verifiable");
    String group = unique("verifiable-group");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":" + PARTITIONS + "}", 201);
    List<List<String>> consumers = List.of(startConsumer(topic, group), startConsumer(topic, group));
    // Both members own partitions before anything is produced: no rebalance while records flow.
    await("both consumers own partitions").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Set<Integer> owned = new HashSet<>();
      int owners = 0;
      for (List<String> consumer : consumers) {
        List<Integer> assigned = latestAssignment(consumer);
        owners += assigned.isEmpty() ? 0 : 1;
        assigned.forEach(partition -> assertThat(owned.add(partition)).as("partition %d owned twice", partition).isTrue());
      }
      assertThat(owners).isEqualTo(2);
      assertThat(owned).hasSize(PARTITIONS);
    });

    String produced = clients.run(work, 120, List.of(java(), "-cp", RUNTIME + "/*", "org.apache.kafka.tools.VerifiableProducer",
        "--bootstrap-server", bootstrap(), "--topic", topic, "--max-messages", String.valueOf(RECORDS), "--acks", "-1"));
    Map<Integer, List<Long>> acknowledged = new HashMap<>();
    Map<String, String> valueAt = new HashMap<>();
    for (JsonNode event : events(List.of(produced.split("\n")), "producer_send_success")) {
      acknowledged.computeIfAbsent(event.get("partition").asInt(), p -> new ArrayList<>()).add(event.get("offset").asLong());
      valueAt.put(event.get("partition").asInt() + "@" + event.get("offset").asLong(), event.get("value").asText());
    }
    assertThat(acknowledged.values().stream().mapToInt(List::size).sum()).isEqualTo(RECORDS);

    await("every acknowledged record consumed").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      int consumed = 0;
      for (List<String> consumer : consumers) {
        consumed += events(consumer, "record_data").size();
      }
      assertThat(consumed).isGreaterThanOrEqualTo(RECORDS);
    });
    Map<String, String> consumedAt = new HashMap<>();
    for (List<String> consumer : consumers) {
      Map<Integer, Long> lastOffset = new HashMap<>();
      for (JsonNode record : events(consumer, "record_data")) {
        int partition = record.get("partition").asInt();
        long offset = record.get("offset").asLong();
        assertThat(offset).as("partition %d in offset order", partition).isGreaterThan(lastOffset.getOrDefault(partition, -1L));
        lastOffset.put(partition, offset);
        assertThat(consumedAt.put(partition + "@" + offset, record.get("value").asText())).as("%d@%d consumed twice", partition, offset)
            .isNull();
      }
    }
    assertThat(consumedAt).isEqualTo(valueAt);

    // Each member's last successful commit of each partition it owns is the partition's end.
    await("the group's commits reach every partition's end").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Map<Integer, Long> committed = new HashMap<>();
      for (List<String> consumer : consumers) {
        for (JsonNode commit : events(consumer, "offsets_committed")) {
          if (commit.get("success").asBoolean()) {
            commit.get("offsets").forEach(o -> committed.merge(o.get("partition").asInt(), o.get("offset").asLong(), Math::max));
          }
        }
      }
      Map<Integer, Long> ends = new HashMap<>();
      acknowledged.forEach((partition, offsets) -> ends.put(partition, new TreeSet<>(offsets).last() + 1));
      assertThat(committed).isEqualTo(ends);
    });
  }

  private List<String> startConsumer(String topic, String group) throws IOException {
    return clients.start(work, List.of(java(), "-cp", RUNTIME + "/*", "org.apache.kafka.tools.VerifiableConsumer",
        "--bootstrap-server", bootstrap(), "--topic", topic, "--group-id", group, "--group-protocol", "classic",
        "--reset-policy", "earliest", "--verbose"));
  }

  /** The partitions of the consumer's latest {@code partitions_assigned} event; none before the first. */
  private static List<Integer> latestAssignment(List<String> output) {
    List<JsonNode> assignments = events(output, "partitions_assigned");
    List<Integer> partitions = new ArrayList<>();
    if (!assignments.isEmpty()) {
      assignments.get(assignments.size() - 1).get("partitions").forEach(p -> partitions.add(p.get("partition").asInt()));
    }
    return partitions;
  }

  /** The tool's JSON events named {@code name}, in the order written (its logs, on the same stream, are skipped). */
  private static List<JsonNode> events(List<String> output, String name) {
    List<JsonNode> events = new ArrayList<>();
    for (String line : List.copyOf(output)) {
      if (line.startsWith("{")) {
        try {
          JsonNode event = JSON.readTree(line);
          if (name.equals(event.path("name").asText())) {
            events.add(event);
          }
        } catch (IOException e) {
          throw new UncheckedIOException("not a tool event: " + line, e);
        }
      }
    }
    return events;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
