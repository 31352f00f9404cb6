package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterPartitionReassignmentsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.tools.reassign.ReassignPartitionsCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own {@code kafka-reassign-partitions} (kafka-tools 4.4.0, in this JVM) moving a partition
 * of a three-process cluster while an idempotent {@code acks=all} producer writes to it: --execute
 * with --throttle, then --verify until it reports the move complete (which clears the throttle).
 * Afterwards every acknowledged record is read back once, in order; the partition is on the target
 * brokers in the target order, the leader among them; and the broker it left holds no copy. Then the
 * tool raises the replication factor to 3 (back onto the broker it left), and the three replicas hold
 * the same records, byte for byte as the log store reads them from disk.
 */
class KafkaReassignIT {
  private static final String TOPIC = "moved";
  private static final int PRELOAD = 2000;
  private static final String FILLER = "x".repeat(1000);
  private static final long THROTTLE = 1_000_000;

  @TempDir Path work;
  private LocalCluster cluster;

  @AfterEach
  void stop() throws IOException {
    Exit.resetExitProcedure();
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a safety net; every wait inside is bounded below it
  void kafkasReassignmentToolMovesAPartitionWhileAProducerWritesAndNothingIsLostOrDuplicated() throws Exception {
    cluster = new LocalCluster("kafka-reassign", 3).withKafka();
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, 1, 2, Map.of("min.insync.replicas", "2", "value.format", "string"));
    cluster.awaitInSync(TOPIC, 1, Duration.ofSeconds(60));
    String bootstrap = cluster.nodes().stream().map(node -> "127.0.0.1:" + node.kafkaPort).collect(Collectors.joining(","));

    TopicPartitionInfo before;
    List<Integer> brokers;
    Map<Integer, LocalCluster.Node> byBroker = new HashMap<>();
    try (Admin admin = admin(bootstrap)) {
      before = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC).partitions().get(0);
      java.util.Collection<Node> described = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
      brokers = described.stream().map(Node::id).toList();
      for (Node broker : described) {
        byBroker.put(broker.id(), cluster.nodes().stream().filter(n -> n.kafkaPort == broker.port()).findFirst().orElseThrow());
      }
    }
    List<Integer> replicas = before.replicas().stream().map(Node::id).toList();
    int leaving = before.leader().id();
    int staying = replicas.stream().filter(id -> id != leaving).findFirst().orElseThrow();
    int joining = brokers.stream().filter(id -> !replicas.contains(id)).findFirst().orElseThrow();
    // The leader leaves: leadership moves into the target before the move completes.
    List<Integer> target = List.of(joining, staying);

    List<String> acknowledged = new CopyOnWriteArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    CompletableFuture<Void> writer;
    try (KafkaProducer<String, String> producer = producer(bootstrap)) {
      for (int i = 0; i < PRELOAD; i++) {
        String value = "pre-" + i + "-" + FILLER;
        producer.send(new ProducerRecord<>(TOPIC, 0, null, value)).get(30, TimeUnit.SECONDS);
        acknowledged.add(value);
      }
      writer = CompletableFuture.runAsync(() -> {
        for (int i = 0; writing.get() && failures.isEmpty(); i++) {
          String value = "w-" + i;
          try {
            producer.send(new ProducerRecord<>(TOPIC, 0, null, value)).get(30, TimeUnit.SECONDS);
            acknowledged.add(value);
          } catch (Exception e) {
            failures.add(e);
          }
        }
      });

      Path plan = work.resolve("reassignment.json");
      Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"" + TOPIC + "\",\"partition\":0,\"replicas\":"
          + target + "}]}");
      String executed = tool("--bootstrap-server", bootstrap, "--reassignment-json-file", plan.toString(), "--execute",
          "--throttle", Long.toString(THROTTLE));
      assertThat(executed).contains("Successfully started partition reassignment for " + TOPIC + "-0");
      assertThat(cluster.getJsonFromAnyNodeRetrying("/v1/cluster/replication-throttle").path("bytesPerSecond").asLong())
          .as("the tool's --throttle, as the cluster keeps it").isEqualTo(THROTTLE);
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> tool("--bootstrap-server",
          bootstrap, "--reassignment-json-file", plan.toString(), "--verify")
          .contains("Reassignment of partition " + TOPIC + "-0 is completed."));
      int atCompletion = acknowledged.size();
      await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= atCompletion + 50 || !failures.isEmpty());
      writing.set(false);
      writer.get(60, TimeUnit.SECONDS);
    }
    assertThat(failures).as("writes that failed during the move").isEmpty();
    assertThat(cluster.getJsonFromAnyNodeRetrying("/v1/cluster/replication-throttle").path("bytesPerSecond").asLong())
        .as("--verify lifted the throttle once the move completed").isZero();

    try (Admin admin = admin(bootstrap)) {
      TopicPartitionInfo after = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC)
          .partitions().get(0);
      assertThat(after.replicas().stream().map(Node::id).toList()).isEqualTo(target);
      assertThat(after.leader().id()).isIn(target);
      assertThat(admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS)).isEmpty();
    }
    assertThat(readAll(bootstrap)).as("every acknowledged record, once, in order").isEqualTo(acknowledged);

    LocalCluster.Node leftNode = byBroker.get(leaving);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(heldBy(leftNode)).as("%s's copy", leftNode).isFalse());

    // The replication factor raised from 2 to 3 as Kafka operators do it: a longer replica list, back onto the broker it left.
    List<Integer> grown = List.of(joining, staying, leaving);
    Path growPlan = work.resolve("replication-factor.json");
    Files.writeString(growPlan, "{\"version\":1,\"partitions\":[{\"topic\":\"" + TOPIC + "\",\"partition\":0,\"replicas\":"
        + grown + "}]}");
    tool("--bootstrap-server", bootstrap, "--reassignment-json-file", growPlan.toString(), "--execute");
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).until(() -> tool("--bootstrap-server",
        bootstrap, "--reassignment-json-file", growPlan.toString(), "--verify")
        .contains("Reassignment of partition " + TOPIC + "-0 is completed."));
    try (Admin admin = admin(bootstrap)) {
      TopicPartitionInfo after = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC)
          .partitions().get(0);
      assertThat(after.replicas().stream().map(Node::id).toList()).isEqualTo(grown);
      assertThat(after.isr()).hasSize(3);
      // KIP-860: a client that forbids a change of replication factor is refused one, and nothing moves.
      TopicPartition tp = new TopicPartition(TOPIC, 0);
      assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(
          List.of(joining)))), new AlterPartitionReassignmentsOptions().allowReplicationFactorChange(false)).all()
          .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidReplicationFactorException.class);
      assertThat(admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS)).isEmpty();
    }
    cluster.stopAll();
    List<LocalCluster.DiskRecord> onJoining = cluster.readFromDisk(byBroker.get(joining), TOPIC, 1).get(0);
    List<LocalCluster.DiskRecord> onStaying = cluster.readFromDisk(byBroker.get(staying), TOPIC, 1).get(0);
    assertThat(onJoining).as("the new replica's records, as stored").isEqualTo(onStaying);
    assertThat(onJoining.stream().map(LocalCluster.DiskRecord::valueText).toList()).containsSubsequence(acknowledged);
    assertThat(cluster.readFromDisk(leftNode, TOPIC, 1).get(0)).as("the third replica's, copied again").isEqualTo(onStaying);
  }

  /** Runs the tool with {@code args}; its output. A run that fails (the tool would exit 1) fails the test. */
  private static String tool(String... args) {
    Exit.setExitProcedure((code, message) -> {
      throw new AssertionError("kafka-reassign-partitions exited " + code + ": " + message);
    });
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(output, true, StandardCharsets.UTF_8));
    try {
      ReassignPartitionsCommand.main(args);
    } catch (AssertionError failed) {
      throw new AssertionError(failed.getMessage() + "\n" + output.toString(StandardCharsets.UTF_8), failed);
    } finally {
      System.setOut(original);
    }
    String text = output.toString(StandardCharsets.UTF_8);
    original.println(text);
    return text;
  }

  /** Whether {@code node} holds a replica of the topic, as {@code GET /v1/cluster/stats} reports its replicas. */
  private boolean heldBy(LocalCluster.Node node) {
    for (var reported : cluster.getJsonFromAnyNodeRetrying("/v1/cluster/stats").path("nodes")) {
      if (reported.path("id").asText().equals(node.id)) {
        for (var partition : reported.path("partitions")) {
          if (partition.path("topic").asText().equals(TOPIC)) {
            return true;
          }
        }
        return false;
      }
    }
    throw new AssertionError(node + " is not in the cluster's stats");
  }

  private List<String> readAll(String bootstrap) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(TOPIC, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
      await().atMost(Duration.ofMinutes(1)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
        return consumer.position(tp) >= end;
      });
    }
    return values;
  }

  private static Admin admin(String bootstrap) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(properties);
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    return new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
  }
}
