package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.ClientProcesses;
import io.streamgate.gateway.KafkaTools40;
import java.io.IOException;
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
  private static final int RECORDS = 600;
  private static final int PARTITIONS = 3;

  @TempDir Path work;
  private final ClientProcesses clients = new ClientProcesses();

  @BeforeAll
  static void runtimeBuilt() {
    assumeTrue(KafkaTools40.built(), KafkaTools40.NOT_BUILT);
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

    String produced = clients.run(work, 120, KafkaTools40.command("VerifiableProducer", "--bootstrap-server", bootstrap(),
        "--topic", topic, "--max-messages", String.valueOf(RECORDS), "--acks", "-1", "--producer.config",
        KafkaTools40.idempotentProducerConfig(work).toString()));
    Map<Integer, List<Long>> acknowledged = new HashMap<>();
    Map<String, String> valueAt = new HashMap<>();
    for (JsonNode event : KafkaTools40.events(List.of(produced.split("\n")), "producer_send_success")) {
      acknowledged.computeIfAbsent(event.get("partition").asInt(), p -> new ArrayList<>()).add(event.get("offset").asLong());
      valueAt.put(event.get("partition").asInt() + "@" + event.get("offset").asLong(), event.get("value").asText());
    }
    assertThat(acknowledged.values().stream().mapToInt(List::size).sum()).isEqualTo(RECORDS);

    await("every acknowledged record consumed").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      int consumed = 0;
      for (List<String> consumer : consumers) {
        consumed += KafkaTools40.events(consumer, "record_data").size();
      }
      assertThat(consumed).isGreaterThanOrEqualTo(RECORDS);
    });
    Map<String, String> consumedAt = new HashMap<>();
    for (List<String> consumer : consumers) {
      Map<Integer, Long> lastOffset = new HashMap<>();
      for (JsonNode record : KafkaTools40.events(consumer, "record_data")) {
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
        for (JsonNode commit : KafkaTools40.events(consumer, "offsets_committed")) {
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
    return clients.start(work, KafkaTools40.command("VerifiableConsumer", "--bootstrap-server", bootstrap(), "--topic", topic,
        "--group-id", group, "--group-protocol", "classic", "--reset-policy", "earliest", "--verbose"));
  }

  /** The partitions of the consumer's latest {@code partitions_assigned} event; none before the first. */
  private static List<Integer> latestAssignment(List<String> output) {
    List<JsonNode> assignments = KafkaTools40.events(output, "partitions_assigned");
    List<Integer> partitions = new ArrayList<>();
    if (!assignments.isEmpty()) {
      assignments.get(assignments.size() - 1).get("partitions").forEach(p -> partitions.add(p.get("partition").asInt()));
    }
    return partitions;
  }

}
