package io.streamgate.gateway.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.streamgate.gateway.ClientProcesses;
import io.streamgate.gateway.KafkaTools40;
import io.streamgate.gateway.MirrorMakerRuntime;
import io.streamgate.gateway.StreamsApplications;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's Java clients on a three-node cluster of real processes: every node is a broker at its own
 * Kafka address, a client bootstrapped on one node reaches the leaders on the others (each partition's
 * requests go to its leader, which alone takes them), a leader's death (SIGKILL) loses no
 * acknowledged record of a producer that keeps sending and a consumer reading across it reads each
 * once, a consumer group carries on from its commits across its coordinator's death, a topic
 * grown and reconfigured over Kafka is placed on every node and described alike through each,
 * Kafka's own verifiable producer (4.0) loses and duplicates nothing while a leader is killed, a
 * Kafka Streams application processes each input once through an input leader's death, and
 * MirrorMaker 2 copies every record of a topic through a leader's death.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaClusterIT {
  private static final String TOPIC = "kafka-fleet";
  private static final String GROUP_TOPIC = "kafka-fleet-grouped";
  private static final int PARTITIONS = 3;
  private static final int RECORDS = 150;
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

  private static final int VERIFIABLE_RECORDS = 3_000;
  /** Keys of the Streams and MirrorMaker tests' records: 15 records a key each time {@link #RECORDS} are sent. */
  private static final int STREAMS_KEYS = 10;

  private static LocalCluster cluster;
  @TempDir Path work;
  private final ClientProcesses clients = new ClientProcesses();

  @BeforeAll
  static void startCluster() throws IOException, InterruptedException {
    cluster = new LocalCluster("kafka-cluster", 3).withKafka();
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    cluster.awaitSettled(TOPIC, PARTITIONS, SETTLE_TIMEOUT);
  }

  @AfterEach
  void stopClients() {
    clients.stopAll();
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(0)
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aTopicGrownAndReconfiguredOverKafkaIsReplicatedAndTakesWritesInItsNewPartitions() throws Exception {
    String topic = "kafka-fleet-grown";
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try (Admin admin = admin(cluster.node(1))) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
          .all().get(60, TimeUnit.SECONDS);
      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(6))).all().get(60, TimeUnit.SECONDS);
      admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"),
          AlterConfigOp.OpType.SET)))).all().get(60, TimeUnit.SECONDS);
    }
    cluster.awaitSettled(topic, 6, SETTLE_TIMEOUT);
    for (LocalCluster.Node asked : cluster.nodes()) {
      try (Admin admin = admin(asked)) {
        TopicDescription described = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        assertThat(described.partitions()).as("told by %s", asked).hasSize(6)
            .allSatisfy(partition -> assertThat(partition.replicas()).hasSize(3));
        // The admin client asks any broker; each applies the change when its metadata does.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          ConfigEntry retention = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
              .get("retention.ms");
          assertThat(retention.value() + "/" + retention.source()).isEqualTo("3600000/DYNAMIC_TOPIC_CONFIG");
        });
      }
    }
    try (KafkaProducer<byte[], byte[]> producer = producer(cluster.node(2))) {
      assertThat(send(producer, topic, "grown", RECORDS)).hasSize(RECORDS);
    }
    try (Admin admin = admin(cluster.node(0))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < 6; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
      assertThat(ends.values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum())
          .as("every acknowledged record stored once").isEqualTo(RECORDS);
      // Keys hash over six partitions now: the new ones (acks=all, two in sync) took records too.
      assertThat(ends.get(new TopicPartition(topic, 3)).offset() + ends.get(new TopicPartition(topic, 4)).offset()
          + ends.get(new TopicPartition(topic, 5)).offset()).isPositive();
    }
  }

  @Test
  @Order(1)
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void everyNodeIsABrokerAtItsOwnAddressAndAClientBootstrappedOnOneNodeReachesEveryLeader() throws Exception {
    Set<Integer> kafkaPorts = cluster.nodes().stream().map(node -> node.kafkaPort).collect(Collectors.toSet());
    for (LocalCluster.Node asked : cluster.nodes()) {
      try (Admin admin = admin(asked)) {
        assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).as("brokers told by %s", asked)
            .extracting(Node::port).containsExactlyInAnyOrderElementsOf(kafkaPorts);
        TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC);
        for (TopicPartitionInfo partition : topic.partitions()) {
          String leader = cluster.topic(TOPIC).partition(partition.partition()).leader();
          assertThat(partition.leader().port()).as("partition %d's leader", partition.partition())
              .isEqualTo(cluster.node(leader).kafkaPort);
          assertThat(partition.replicas()).hasSize(3);
        }
      }
    }
    Set<String> leaders = new HashSet<>();
    cluster.topic(TOPIC).partitions().forEach(p -> leaders.add(p.leader()));
    assertThat(leaders).as("the partitions' leaders are spread: the producer must reach other nodes than node-0").hasSizeGreaterThan(1);

    List<String> acknowledged = produce(cluster.node(0), "first", RECORDS);
    assertThat(consumeAll(cluster.node(2), acknowledged.size())).containsExactlyInAnyOrderElementsOf(acknowledged);
  }

  @Test
  @Order(2)
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aLeadersDeathLosesNoAcknowledgedRecordOfAProducerThatKeepsSending() throws Exception {
    String victim = cluster.topic(TOPIC).partitions().stream().map(LocalCluster.PartitionView::leader)
        .filter(leader -> !leader.equals("node-0")).findFirst().orElseThrow();
    long storedBefore = storedRecords(cluster.node(0));
    List<String> acknowledged = new ArrayList<>();
    List<String> readAcross = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer(cluster.node(0));
        KafkaConsumer<byte[], byte[]> reader = assignedConsumer(cluster.node(0))) {
      // A consumer that reads across the leader change: with the new leader epoch in its metadata it
      // checks its positions against where its epoch ended (OffsetForLeaderEpoch, KIP-320) and carries on.
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        partitions.add(new TopicPartition(TOPIC, p));
      }
      reader.assign(partitions);
      reader.seekToEnd(partitions);
      partitions.forEach(reader::position);
      acknowledged.addAll(send(producer, "before", RECORDS));
      readUntil(reader, readAcross, acknowledged.size());
      cluster.kill(cluster.node(victim).index);
      acknowledged.addAll(send(producer, "after", RECORDS));
      readUntil(reader, readAcross, acknowledged.size());
    }
    assertThat(readAcross).as("read by one consumer across the leader change: each once").containsExactlyInAnyOrderElementsOf(acknowledged);
    // Idempotent (the client's default): a batch retried to the new leader is stored once.
    List<String> read = consumeAll(cluster.node(0), (int) storedBefore + acknowledged.size());
    assertThat(read.stream().filter(value -> value.startsWith("before-") || value.startsWith("after-")))
        .containsExactlyInAnyOrderElementsOf(acknowledged);
    assertThat(storedRecords(cluster.node(0))).as("records stored in all").isEqualTo(storedBefore + acknowledged.size());
  }

  @Test
  @Order(3)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aConsumerGroupCarriesOnFromItsCommitsAcrossItsCoordinatorsDeath() throws Exception {
    startDeadNodes();
    cluster.createTopic(cluster.node(0), GROUP_TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    cluster.awaitSettled(GROUP_TOPIC, PARTITIONS, SETTLE_TIMEOUT);
    String group = "kafka-fleet-group";
    List<String> read = new ArrayList<>();
    List<String> acknowledged = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer(cluster.nodes().toArray(LocalCluster.Node[]::new));
        KafkaConsumer<String, String> first = groupConsumer(group, "first");
        KafkaConsumer<String, String> second = groupConsumer(group, "second")) {
      List<KafkaConsumer<String, String>> members = List.of(first, second);
      members.forEach(member -> member.subscribe(List.of(GROUP_TOPIC)));
      await().atMost(SETTLE_TIMEOUT).until(() -> {
        pollCommitting(members, read);
        return !first.assignment().isEmpty() && !second.assignment().isEmpty()
            && first.assignment().size() + second.assignment().size() == PARTITIONS;
      });
      acknowledged.addAll(send(producer, GROUP_TOPIC, "group-before", RECORDS));
      await().atMost(SETTLE_TIMEOUT).until(() -> {
        pollCommitting(members, read);
        return read.size() >= acknowledged.size();
      });

      int coordinatorPort;
      try (Admin admin = admin(cluster.node(0))) {
        coordinatorPort = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS)
            .coordinator().port();
      }
      LocalCluster.Node coordinator = cluster.nodes().stream().filter(node -> node.kafkaPort == coordinatorPort).findFirst()
          .orElseThrow();
      cluster.kill(coordinator.index);

      acknowledged.addAll(send(producer, GROUP_TOPIC, "group-after", RECORDS));
      await().atMost(Duration.ofMinutes(2)).until(() -> {
        pollCommitting(members, read);
        return read.size() >= acknowledged.size();
      });
    }
    assertThat(read).as("every acknowledged record read once past the group's commits, across the coordinator's death")
        .containsExactlyInAnyOrderElementsOf(acknowledged);
  }

  @Test
  @Order(4)
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void kafkasVerifiableProducerLosesAndDuplicatesNothingWhileALeaderIsKilled() throws Exception {
    assumeTrue(KafkaTools40.built(), KafkaTools40.NOT_BUILT);
    startDeadNodes();
    String topic = "kafka-fleet-verifiable";
    cluster.createTopic(cluster.node(0), topic, PARTITIONS, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    cluster.awaitSettled(topic, PARTITIONS, SETTLE_TIMEOUT);
    String bootstrap = bootstrap();
    // Kafka's own system-test producer (4.0 clients, idempotent, acks=all), 1,000 a second, and its
    // consumer in a group, both running while the leader of partition 0 is killed.
    List<String> producer = clients.start(work, KafkaTools40.command("VerifiableProducer", "--bootstrap-server", bootstrap,
        "--topic", topic, "--max-messages", String.valueOf(VERIFIABLE_RECORDS), "--throughput", "1000", "--acks", "-1",
        "--producer.config", KafkaTools40.idempotentProducerConfig(work).toString()));
    List<String> consumer = clients.start(work, KafkaTools40.command("VerifiableConsumer", "--bootstrap-server", bootstrap,
        "--topic", topic, "--group-id", "kafka-fleet-verifiable", "--group-protocol", "classic", "--reset-policy", "earliest",
        "--verbose"));
    await().atMost(Duration.ofMinutes(1))
        .until(() -> KafkaTools40.events(producer, "producer_send_success").size() >= VERIFIABLE_RECORDS / 5
            && !KafkaTools40.events(consumer, "record_data").isEmpty());
    cluster.kill(cluster.node(cluster.topic(topic).partition(0).leader()).index);
    await().atMost(Duration.ofMinutes(3)).until(() -> !KafkaTools40.events(producer, "shutdown_complete").isEmpty());
    assertThat(KafkaTools40.events(producer, "producer_send_error")).as("sends that failed").isEmpty();
    List<String> acknowledged = KafkaTools40.events(producer, "producer_send_success").stream()
        .map(event -> event.get("value").asText()).toList();
    assertThat(acknowledged).hasSize(VERIFIABLE_RECORDS);

    // The consumer, reading through the kill, sees every acknowledged record and nothing else; it may
    // see one twice (a rebalance re-reads what was not committed yet), but the topic stores each once.
    await().atMost(Duration.ofMinutes(1)).until(() -> consumedValues(consumer).stream().distinct().count() >= VERIFIABLE_RECORDS);
    List<String> consumed = consumedValues(consumer);
    assertThat(consumed.stream().distinct()).as("records the consumer read (%d reads)", consumed.size())
        .containsExactlyInAnyOrderElementsOf(acknowledged);
    assertThat(storedRecords(cluster.node(0), topic)).as("records stored").isEqualTo(VERIFIABLE_RECORDS);
  }

  @Test
  @Order(5)
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aKafkaStreamsApplicationTransformsAndCountsEveryInputExactlyOnceWhileAnInputLeaderIsKilled() throws Exception {
    startDeadNodes();
    String input = "kafka-fleet-streams-input";
    String upper = "kafka-fleet-streams-upper";
    String counts = "kafka-fleet-streams-counts";
    for (String topic : List.of(input, upper, counts)) {
      cluster.createTopic(cluster.node(0), topic, PARTITIONS, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    }
    for (String topic : List.of(input, upper, counts)) {
      cluster.awaitSettled(topic, PARTITIONS, SETTLE_TIMEOUT);
    }
    String application = "kafka-fleet-streams";
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, String> events = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()));
    events.mapValues(value -> value.toUpperCase(Locale.ROOT)).to(upper, Produced.with(Serdes.String(), Serdes.String()));
    // The count store's changelog is an internal topic Streams creates (CreateTopics, three replicas).
    events.groupByKey(Grouped.with(Serdes.String(), Serdes.String())).count(Materialized.as("counts")).toStream()
        .mapValues(String::valueOf).to(counts, Produced.with(Serdes.String(), Serdes.String()));
    Properties config = StreamsApplications.config(application, bootstrap(), work.resolve("streams"), 3);
    // No record cache: every count is written as it changes, so a key's counts read 1, 2, ... n exactly.
    config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);

    List<String> acknowledged = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (KafkaStreams streams = StreamsApplications.start(builder.build(), config, failure);
        KafkaProducer<byte[], byte[]> producer = producer(cluster.nodes().toArray(LocalCluster.Node[]::new));
        Admin admin = admin(cluster.node(0))) {
      acknowledged.addAll(send(producer, input, "streams-before", RECORDS, STREAMS_KEYS));
      await().atMost(SETTLE_TIMEOUT).failFast("the application failed", () -> failure.get() != null)
          .until(() -> storedRecords(cluster.node(0), upper) > 0);
      // Its group's coordinator stays up: commits keep working, so no task is handed over and re-run.
      int coordinatorPort = admin.describeConsumerGroups(List.of(application)).describedGroups().get(application)
          .get(30, TimeUnit.SECONDS).coordinator().port();
      LocalCluster.Node victim = cluster.topic(input).partitions().stream().map(p -> cluster.node(p.leader()))
          .filter(leader -> leader.kafkaPort != coordinatorPort).findFirst()
          .orElseThrow(() -> new AssertionError("every input partition is led by the group's coordinator"));
      cluster.kill(victim.index);
      acknowledged.addAll(send(producer, input, "streams-after", RECORDS, STREAMS_KEYS));
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
          .failFast("the application failed", () -> failure.get() != null)
          .until(() -> readAll(upper).values().stream().mapToLong(List::size).sum() >= acknowledged.size());
      assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    Map<String, List<String>> inputByKey = valuesByKey(readAll(input));
    assertThat(inputByKey.values().stream().flatMap(List::stream)).as("the input: every acknowledged record once")
        .containsExactlyInAnyOrderElementsOf(acknowledged);
    Map<String, List<String>> expectedUpper = new TreeMap<>();
    Map<String, List<String>> expectedCounts = new TreeMap<>();
    inputByKey.forEach((key, values) -> {
      expectedUpper.put(key, values.stream().map(value -> value.toUpperCase(Locale.ROOT)).toList());
      expectedCounts.put(key, java.util.stream.LongStream.rangeClosed(1, values.size()).mapToObj(String::valueOf).toList());
    });
    assertThat(valuesByKey(readAll(upper))).as("each input transformed once, in its key's order").isEqualTo(expectedUpper);
    assertThat(valuesByKey(readAll(counts))).as("each key's counts, one per input").isEqualTo(expectedCounts);
  }

  @Test
  @Order(6)
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void mirrorMakerCopiesEveryRecordOfAReplicatedTopicWhileALeaderIsKilledMidCopy() throws Exception {
    assumeTrue(MirrorMakerRuntime.built(), MirrorMakerRuntime.NOT_BUILT);
    startDeadNodes();
    String topic = "kafka-fleet-mirrored";
    String mirrored = "source." + topic;
    cluster.createTopic(cluster.node(0), topic, PARTITIONS, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    cluster.awaitSettled(topic, PARTITIONS, SETTLE_TIMEOUT);
    List<String> acknowledged = new ArrayList<>();
    List<String> mirrorMaker = List.of();
    try (KafkaProducer<byte[], byte[]> producer = producer(cluster.nodes().toArray(LocalCluster.Node[]::new))) {
      acknowledged.addAll(send(producer, topic, "mirror-before", RECORDS, STREAMS_KEYS));
      // The cluster under two aliases: MirrorMaker copies the topic into source.<topic> beside it.
      Map<String, String> config = MirrorMakerRuntime.config(topic, bootstrap(), bootstrap(), 3);
      // Else its heartbeats topic would be copied round and round (source.heartbeats,
      // source.source.heartbeats, ...): MirrorMaker sees a cycle only in a topic named after the target.
      config.put("heartbeats.replication.enabled", "false");
      mirrorMaker = MirrorMakerRuntime.start(clients, work, config);
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
          .until(() -> storedRecords(cluster.node(0), mirrored) > 0);
      cluster.kill(cluster.node(cluster.topic(topic).partition(0).leader()).index);
      acknowledged.addAll(send(producer, topic, "mirror-after", RECORDS, STREAMS_KEYS));
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
          .until(() -> readAll(mirrored).values().stream().flatMap(List::stream).map(ConsumerRecord::value).distinct()
              .count() >= acknowledged.size());
    } finally {
      Files.write(Path.of("target", "kafka-cluster-it-mirror-maker.log"), List.copyOf(mirrorMaker));
    }

    Map<Integer, List<ConsumerRecord<String, String>>> source = readAll(topic);
    Map<Integer, List<ConsumerRecord<String, String>>> copies = readAll(mirrored);
    assertThat(source.values().stream().flatMap(List::stream).map(ConsumerRecord::value))
        .as("the source: every acknowledged record once").containsExactlyInAnyOrderElementsOf(acknowledged);
    int duplicates = 0;
    for (int partition = 0; partition < PARTITIONS; partition++) {
      List<String> copied = keysAndValues(copies.get(partition));
      List<String> firstCopies = copied.stream().distinct().toList();
      duplicates += copied.size() - firstCopies.size();
      assertThat(firstCopies).as("partition %d's first copies, in the source's order (MirrorMaker's output: target/"
          + "kafka-cluster-it-mirror-maker.log)", partition).isEqualTo(keysAndValues(source.get(partition)));
    }
    // At least once: a record copied again after a task restart is allowed, and counted here.
    System.out.printf("MirrorMaker copied %d records, %d of them twice or more%n", acknowledged.size(), duplicates);
  }

  private static List<String> consumedValues(List<String> consumer) {
    return KafkaTools40.events(consumer, "record_data").stream().map(event -> event.get("value").asText()).toList();
  }

  private static void startDeadNodes() throws IOException {
    for (LocalCluster.Node node : cluster.nodes()) {
      if (!cluster.liveNodes().contains(node)) {
        cluster.start(node.index);
      }
    }
  }

  /** Every live node's Kafka address, for clients that must find the cluster whichever node is down. */
  private static String bootstrap() {
    return cluster.nodes().stream().map(node -> "127.0.0.1:" + node.kafkaPort).collect(Collectors.joining(","));
  }

  /** Every record of {@code topic}, per partition in offset order, from the beginning to its end offsets of now. */
  private static Map<Integer, List<ConsumerRecord<String, String>>> readAll(String topic) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200");
    Map<Integer, List<ConsumerRecord<String, String>>> records = new TreeMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        partitions.add(new TopicPartition(topic, p));
        records.put(p, new ArrayList<>());
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      await().atMost(Duration.ofMinutes(1)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> records.get(record.partition()).add(record));
        return partitions.stream().allMatch(partition -> consumer.position(partition) >= ends.get(partition));
      });
    }
    return records;
  }

  /** Each key's values, in offset order (a key's records are in one partition). */
  private static Map<String, List<String>> valuesByKey(Map<Integer, List<ConsumerRecord<String, String>>> records) {
    Map<String, List<String>> values = new TreeMap<>();
    records.values().forEach(partition -> partition.forEach(record -> values.computeIfAbsent(record.key(),
        key -> new ArrayList<>()).add(record.value())));
    return values;
  }

  private static List<String> keysAndValues(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(record -> record.key() + "=" + record.value()).toList();
  }

  /** The sum of the partitions' end offsets of the main topic. */
  private static long storedRecords(LocalCluster.Node node) throws Exception {
    return storedRecords(node, TOPIC);
  }

  /** The sum of {@code topic}'s partitions' end offsets: every record it holds (nothing is deleted here). */
  private static long storedRecords(LocalCluster.Node node, String topic) throws Exception {
    try (Admin admin = admin(node)) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < PARTITIONS; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
          .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
    }
  }

  /** Polls each member once and commits; a batch counts as read once its commit succeeded (else it is read again). */
  private static void pollCommitting(List<KafkaConsumer<String, String>> members, List<String> read) {
    for (KafkaConsumer<String, String> member : members) {
      ConsumerRecords<String, String> records = member.poll(Duration.ofMillis(100));
      if (records.isEmpty()) {
        continue;
      }
      try {
        member.commitSync();
        records.forEach(record -> read.add(record.value()));
      } catch (CommitFailedException | RebalanceInProgressException rebalanced) {
        for (TopicPartition partition : records.partitions()) {
          if (member.assignment().contains(partition)) {
            member.seek(partition, records.records(partition).get(0).offset());
          }
        }
      }
    }
  }

  private static KafkaConsumer<String, String> groupConsumer(String group, String clientId) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    properties.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "30000");
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200");
    return new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
  }

  private static Admin admin(LocalCluster.Node node) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.kafkaPort);
    return Admin.create(properties);
  }

  private static KafkaProducer<byte[], byte[]> producer(LocalCluster.Node... bootstrap) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, java.util.Arrays.stream(bootstrap).map(node -> "127.0.0.1:" + node.kafkaPort)
        .collect(Collectors.joining(",")));
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "90000");
    properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    properties.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "200");
    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static List<String> produce(LocalCluster.Node bootstrap, String phase, int count) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      return send(producer, phase, count);
    }
  }

  /** Sends {@code count} keyed records and waits for every acknowledgement; the values acknowledged. */
  private static List<String> send(KafkaProducer<byte[], byte[]> producer, String phase, int count) throws Exception {
    return send(producer, TOPIC, phase, count);
  }

  private static List<String> send(KafkaProducer<byte[], byte[]> producer, String topic, String phase, int count)
      throws Exception {
    return send(producer, topic, phase, count, count);
  }

  /** Sends {@code count} records over {@code keys} keys (record i has key i modulo keys), waiting for every acknowledgement. */
  private static List<String> send(KafkaProducer<byte[], byte[]> producer, String topic, String phase, int count, int keys)
      throws Exception {
    Map<String, Future<RecordMetadata>> sent = new HashMap<>();
    for (int i = 0; i < count; i++) {
      String value = phase + "-" + i;
      sent.put(value, producer.send(new ProducerRecord<>(topic, ("key-" + i % keys).getBytes(UTF_8), value.getBytes(UTF_8))));
    }
    List<String> acknowledged = new ArrayList<>();
    for (Map.Entry<String, Future<RecordMetadata>> ack : sent.entrySet()) {
      ack.getValue().get(120, TimeUnit.SECONDS);
      acknowledged.add(ack.getKey());
    }
    return acknowledged;
  }

  /** Polls until {@code read} holds {@code count} records (or two minutes passed). */
  private static void readUntil(KafkaConsumer<byte[], byte[]> consumer, List<String> read, int count) {
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      consumer.poll(Duration.ofMillis(200)).forEach(record -> read.add(new String(record.value(), UTF_8)));
      return read.size() >= count;
    });
  }

  private static KafkaConsumer<byte[], byte[]> assignedConsumer(LocalCluster.Node node) {
    Properties properties = new Properties();
    properties.put("bootstrap.servers", "127.0.0.1:" + node.kafkaPort);
    properties.put("fetch.max.wait.ms", "200");
    return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Exactly {@code count} records, read from the beginning of every partition through a client bootstrapped on {@code node}. */
  private static List<String> consumeAll(LocalCluster.Node node, int count) {
    List<String> read = read(node, count);
    assertThat(read).hasSize(count);
    return read;
  }

  /** Records from the beginning of every partition, until {@code count} were read (or a minute passed). */
  private static List<String> read(LocalCluster.Node node, int count) {
    Properties properties = new Properties();
    properties.put("bootstrap.servers", "127.0.0.1:" + node.kafkaPort);
    properties.put("fetch.max.wait.ms", "200");
    List<String> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        partitions.add(new TopicPartition(TOPIC, p));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<Integer, Long> nextOffset = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && read.size() < count) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          // In order per partition, no offset skipped or repeated.
          assertThat(record.offset()).isEqualTo(nextOffset.getOrDefault(record.partition(), 0L));
          nextOffset.put(record.partition(), record.offset() + 1);
          read.add(new String(record.value(), UTF_8));
        }
      }
    }
    return read;
  }
}
