package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.errors.StreamgateError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka's Java clients (4.4.0) in consumer groups on a node: {@code subscribe()} groups with the
 * range and cooperative-sticky assignors through joins, a member's close and a member that stops
 * polling; the admin client's group calls; {@code assign()} consumers that commit. Every record
 * counts as read once its batch's commitSync succeeded: a batch whose commit failed in a rebalance
 * is read again (by the partition's next owner, from the committed offset) and counted then.
 */
class KafkaGroupsTest extends KafkaNodeTest {
  private static final int PARTITIONS = 6;
  private static final int RECORDS = 300;
  private static final Duration WITHIN = Duration.ofSeconds(60);

  @ParameterizedTest
  @ValueSource(strings = {"range", "cooperative-sticky"})
  void aSubscribedGroupSplitsThePartitionsAndReadsEveryRecordOnceThroughCloseCrashAndRestart(String assignor) throws Exception {
    String topic = unique("groups-" + assignor);
    String group = unique("group-" + assignor);
    createTopic(topic, PARTITIONS);
    List<String> read = new ArrayList<>();
    try (KafkaProducer<String, String> producer = producer()) {
      KafkaConsumer<String, String> first = consumer(group, assignor, "first");
      KafkaConsumer<String, String> second = consumer(group, assignor, "second");
      KafkaConsumer<String, String> third = consumer(group, assignor, "third");
      List<KafkaConsumer<String, String>> members = new ArrayList<>(List.of(first, second, third));
      try {
        members.forEach(member -> member.subscribe(List.of(topic)));
        // With no initial rebalance delay the first to join may own everything for a generation or two.
        await().atMost(WITHIN).until(() -> {
          pollAll(members, read);
          return ownedOnceEach(members, topic) && members.stream().noneMatch(member -> member.assignment().isEmpty());
        });

        send(producer, topic, 0, RECORDS);
        readUntil(members, read, RECORDS);
        assertThat(read).as("every record once").containsExactlyInAnyOrderElementsOf(values(0, RECORDS));

        third.close();
        members.remove(third);
        send(producer, topic, RECORDS, 2 * RECORDS);
        readUntil(members, read, 2 * RECORDS);
        await().atMost(WITHIN).until(() -> {
          pollAll(members, read);
          return ownedOnceEach(members, topic);
        });
        assertThat(read).as("after a member's close").containsExactlyInAnyOrderElementsOf(values(0, 2 * RECORDS));

        // The second stops polling, as a crashed consumer: past max.poll.interval.ms it is out of the group.
        members.remove(second);
        send(producer, topic, 2 * RECORDS, 3 * RECORDS);
        await().atMost(WITHIN).until(() -> {
          pollAll(members, read);
          return first.assignment().size() == PARTITIONS;
        });
        readUntil(members, read, 3 * RECORDS);
        assertThat(read).as("after a member stopped polling").containsExactlyInAnyOrderElementsOf(values(0, 3 * RECORDS));
      } finally {
        first.close();
        second.close();
      }

      send(producer, topic, 3 * RECORDS, 4 * RECORDS);
    }
    try (KafkaConsumer<String, String> later = consumer(group, assignor, "later")) {
      later.subscribe(List.of(topic));
      List<String> resumed = new ArrayList<>();
      readUntil(List.of(later), resumed, RECORDS);
      assertThat(resumed).as("a new member starts where the group committed")
          .containsExactlyInAnyOrderElementsOf(values(3 * RECORDS, 4 * RECORDS));
    }
  }

  @Test
  void theAdminClientListsDescribesAndDeletesAGroupThatRestAlsoShows() throws Exception {
    String topic = unique("groups-admin");
    String group = unique("group-admin");
    createTopic(topic, 3);
    try (KafkaProducer<String, String> producer = producer()) {
      send(producer, topic, 0, 30);
    }
    try (Admin admin = admin()) {
      KafkaConsumer<String, String> member = consumer(group, "range", "admin-member");
      try {
        member.subscribe(List.of(topic));
        List<String> read = new ArrayList<>();
        readUntil(List.of(member), read, 30);

        Set<String> listed = admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get(30, TimeUnit.SECONDS).stream()
            .map(GroupListing::groupId).collect(Collectors.toSet());
        assertThat(listed).contains(group);
        ConsumerGroupDescription described = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
            .get(30, TimeUnit.SECONDS);
        assertThat(described.groupState()).isEqualTo(GroupState.STABLE);
        assertThat(described.partitionAssignor()).isEqualTo("range");
        assertThat(described.members()).hasSize(1);
        MemberDescription described1 = described.members().iterator().next();
        assertThat(described1.clientId()).isEqualTo("admin-member");
        assertThat(described1.host()).isEqualTo("/127.0.0.1");
        assertThat(described1.assignment().topicPartitions()).containsExactlyInAnyOrderElementsOf(partitions(topic, 3));
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
        assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(30);

        JsonNode rest = http("GET", "/v1/groups/" + group, null, 200);
        assertThat(rest.get("members")).hasSize(1);
        long restCommitted = 0;
        for (JsonNode partition : rest.get("offsets")) {
          restCommitted += partition.get("committed").asLong();
        }
        assertThat(restCommitted).isEqualTo(30);
        JsonNode refused = http("POST", "/v1/groups/" + group + "/members", "{\"topics\":[\"" + topic + "\"]}", 409);
        assertThat(refused.get("type").asText()).isEqualTo(StreamgateError.TYPE_BASE + "group-protocol-conflict");

        assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupNotEmptyException.class);
      } finally {
        member.close();
      }
      // Empty now, it is still a consumer group, as Kafka lists it (not a "simple" one with no protocol type).
      GroupListing empty = admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
          .filter(listing -> listing.groupId().equals(group)).findFirst().orElseThrow();
      assertThat(empty.protocol()).isEqualTo("consumer");
      assertThat(empty.groupState()).contains(GroupState.EMPTY);
      assertThat(empty.isSimpleConsumerGroup()).isFalse();
      admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
      assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)).isEmpty();
      http("GET", "/v1/groups/" + group, null, 404);
    }
  }

  @Test
  void anAssigningConsumerCommitsAndTheNextResumesFromItsCommit() throws Exception {
    String topic = unique("groups-assign");
    String group = unique("group-assign");
    createTopic(topic, 2);
    try (KafkaProducer<String, String> producer = producer()) {
      send(producer, topic, 0, RECORDS);
    }
    List<TopicPartition> partitions = partitions(topic, 2);
    List<String> firstRead = new ArrayList<>();
    try (KafkaConsumer<String, String> first = consumer(group, "range", "assign-first")) {
      first.assign(partitions);
      await().atMost(WITHIN).until(() -> {
        first.poll(Duration.ofMillis(100)).forEach(record -> firstRead.add(record.value()));
        return firstRead.size() >= RECORDS / 3;
      });
      first.commitSync();
    }
    List<String> secondRead = new ArrayList<>();
    try (KafkaConsumer<String, String> second = consumer(group, "range", "assign-second")) {
      second.assign(partitions);
      Map<TopicPartition, OffsetAndMetadata> committed = second.committed(new HashSet<>(partitions), Duration.ofSeconds(30));
      assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(firstRead.size());
      await().atMost(WITHIN).until(() -> {
        second.poll(Duration.ofMillis(100)).forEach(record -> secondRead.add(record.value()));
        return firstRead.size() + secondRead.size() >= RECORDS;
      });
    }
    List<String> all = new ArrayList<>(firstRead);
    all.addAll(secondRead);
    assertThat(all).as("the second resumed where the first committed").containsExactlyInAnyOrderElementsOf(values(0, RECORDS));
  }

  /** Polls each member once, committing what it read; counts a batch only once its commit succeeded. */
  private static void pollAll(List<KafkaConsumer<String, String>> members, List<String> read) {
    for (KafkaConsumer<String, String> member : members) {
      ConsumerRecords<String, String> records = member.poll(Duration.ofMillis(100));
      if (records.isEmpty()) {
        continue;
      }
      try {
        member.commitSync();
        for (ConsumerRecord<String, String> record : records) {
          read.add(record.value());
        }
      } catch (CommitFailedException | RebalanceInProgressException rebalanced) {
        // Not committed, so not read: a partition that moved is read again by its next owner from the
        // committed offset; one the member keeps (cooperative rebalancing) it reads again itself.
        for (TopicPartition partition : records.partitions()) {
          if (member.assignment().contains(partition)) {
            member.seek(partition, records.records(partition).get(0).offset());
          }
        }
      }
    }
  }

  private static void readUntil(List<KafkaConsumer<String, String>> members, List<String> read, int count) {
    await().atMost(WITHIN).until(() -> {
      pollAll(members, read);
      return read.size() >= count;
    });
  }

  /** Whether every partition of the topic is owned by exactly one member. */
  private static boolean ownedOnceEach(List<KafkaConsumer<String, String>> members, String topic) {
    List<TopicPartition> owned = new ArrayList<>();
    members.forEach(member -> owned.addAll(member.assignment()));
    return owned.size() == PARTITIONS && new HashSet<>(owned).equals(new HashSet<>(partitions(topic, PARTITIONS)));
  }

  private static List<TopicPartition> partitions(String topic, int count) {
    return IntStream.range(0, count).mapToObj(partition -> new TopicPartition(topic, partition)).toList();
  }

  private static List<String> values(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "value-" + i).toList();
  }

  private static void send(KafkaProducer<String, String> producer, String topic, int from, int to) throws Exception {
    List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
    for (int i = from; i < to; i++) {
      acks.add(producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)));
    }
    for (java.util.concurrent.Future<?> ack : acks) {
      ack.get(30, TimeUnit.SECONDS);
    }
  }

  private void createTopic(String topic, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  private KafkaProducer<String, String> producer() {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
  }

  /** A consumer of the classic protocol with small timings: a member that stops polling is out after 4 s. */
  private KafkaConsumer<String, String> consumer(String group, String assignor, String clientId) {
    Map<String, Object> properties = new HashMap<>();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    properties.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor.equals("range")
        ? "org.apache.kafka.clients.consumer.RangeAssignor" : "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    properties.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "4000");
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    return new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
  }
}
