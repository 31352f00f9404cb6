package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.http.SseStream;
import io.streamgate.gateway.http.WsStream;
import io.streamgate.gateway.mqtt.Paho;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Racks on three real processes in racks a, b and c, one partition on all three (issue #17 item 4):
 * every node knows every node's rack (REST and Kafka); a Kafka consumer with {@code client.rack}
 * set to a follower's rack, bootstrapped on the leader alone, reads every record once and in order,
 * all of them from that follower (its records-out count, and none on the leader's); an HTTP read
 * with a {@code rack} hint, through any node, is served by the follower in that rack; a WebSocket
 * stream and an MQTT subscriber connected to the follower (readers in its rack), and an SSE stream
 * through the leader with the follower's {@code rack}, get every record once and in order, read from
 * the follower's replica; and a follower that holds an {@code acks=all}
 * record not yet committed (the third replica frozen with SIGSTOP) serves nothing past the high
 * watermark, over HTTP, Kafka, WebSocket, SSE or MQTT, until the record commits.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RackReadsIT {
  private static final String TOPIC = "racked";
  private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
  private static final String TOPIC_LABEL = "topic=\"" + TOPIC + "\"";
  private static final List<String> RACKS = List.of("a", "b", "c");
  private static final int RECORDS = 200;
  /** Records produced for the MQTT subscriber (live: it gets what is written after it subscribed), after the first {@link #RECORDS}. */
  private static final int MQTT_RECORDS = 20;
  /** Where the record held uncommitted goes. */
  private static final long LATE_OFFSET = RECORDS + MQTT_RECORDS;
  /** How long a stream must stay quiet to count as having sent nothing more. */
  private static final Duration QUIET = Duration.ofMillis(500);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static LocalCluster cluster;
  private static Vertx vertx;
  private static WebSocketClient webSockets;
  private static Node leader;
  /** The follower whose rack the readers are in. */
  private static Node follower;
  /** The third replica. */
  private static Node other;

  @BeforeAll
  static void startCluster() throws Exception {
    // A 10 s lease (and the default 10 s replica lag): a frozen replica stays in the ISR for seconds, holding a write uncommitted.
    cluster = new LocalCluster("rack-reads", 3, "--failure-detection-ms", "10000").withKafka().withMqtt()
        .withRacks(RACKS.toArray(String[]::new));
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, 1, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    cluster.awaitSettled(TOPIC, 1, TIMEOUT);
    LocalCluster.PartitionView partition = cluster.topic(TOPIC).partitions().get(0);
    leader = cluster.node(partition.leader());
    List<Node> followers = cluster.nodes().stream().filter(node -> node != leader).toList();
    follower = followers.get(0);
    other = followers.get(1);
    try (KafkaProducer<String, String> producer = producer()) {
      for (int i = 0; i < RECORDS; i++) {
        producer.send(new ProducerRecord<>(TOPIC, 0, null, "r-" + i));
      }
      producer.flush();
    }
    vertx = Vertx.vertx();
    webSockets = vertx.createWebSocketClient();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void everyNodeKnowsEveryNodesRack() throws Exception {
    Map<String, String> expected = cluster.nodes().stream().collect(Collectors.toMap(node -> node.id, node -> rack(node)));
    for (Node node : cluster.nodes()) {
      Map<String, String> shown = new java.util.TreeMap<>();
      cluster.getJson(node, "/v1/cluster").path("nodes").forEach(n -> shown.put(n.path("id").asText(), n.path("rack").asText()));
      assertThat(shown).as("GET /v1/cluster on %s", node.id).isEqualTo(expected);
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaAddress(follower)))) {
      assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
          .extracting(org.apache.kafka.common.Node::rack).containsExactlyInAnyOrderElementsOf(RACKS);
    }
  }

  @Test
  @Order(2)
  void aKafkaConsumerInAFollowersRackReadsEverythingOnceInOrderFromThatFollower() throws Exception {
    double leaderOutBefore = recordsOut(leader);
    double followerOutBefore = recordsOut(follower);
    double followerReadsBefore = followerReads(follower);
    List<String> read = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(rack(follower))) {
      consumer.assign(List.of(PARTITION));
      consumer.seekToBeginning(List.of(PARTITION));
      await("all records").atMost(TIMEOUT).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> read.add(record.offset() + ":" + record.value()));
        return read.size() >= RECORDS;
      });
    }
    assertThat(read).isEqualTo(IntStream.range(0, RECORDS).mapToObj(i -> i + ":r-" + i).toList());
    // The leader only named the follower; every record went out from the follower.
    assertThat(recordsOut(leader) - leaderOutBefore).as("records the leader sent").isZero();
    assertThat(recordsOut(follower) - followerOutBefore).as("records the follower sent").isEqualTo(RECORDS);
    assertThat(followerReads(follower) - followerReadsBefore).as("reads the follower served as follower").isPositive();
  }

  @Test
  @Order(3)
  void anHttpReadWithARackHintIsServedByTheFollowerInThatRackThroughAnyNode() throws Exception {
    List<String> expected = IntStream.range(0, RECORDS).mapToObj(i -> i + ":r-" + i).toList();
    for (Node asked : List.of(leader, other, follower)) {
      double before = followerReads(follower);
      JsonNode page = cluster.getJson(asked, "/v1/topics/" + TOPIC + "/partitions/0/records?offset=0&maxRecords=1000&rack="
          + rack(follower));
      assertThat(values(page)).as("read through %s", asked.id).isEqualTo(expected);
      assertThat(followerReads(follower) - before).as("reads %s served for a read through %s", follower.id, asked.id).isPositive();
    }
    // Without a hint, a node in the leader's rack is served by the leader.
    double before = followerReads(follower);
    assertThat(values(cluster.getJson(leader, "/v1/topics/" + TOPIC + "/partitions/0/records?offset=0&maxRecords=1000")))
        .isEqualTo(expected);
    assertThat(followerReads(follower)).isEqualTo(before);
  }

  /**
   * Streams and MQTT subscriptions are read in the rack of the node the client is connected to: on
   * the follower, its own replica serves them (its follower reads rise; the leader sends nothing). A
   * stream through another node with the follower's {@code rack} is served by the follower too.
   */
  @Test
  @Order(4)
  void streamsAndAnMqttSubscriberOnTheFollowerGetEveryRecordOnceInOrderFromItsReplica() throws Exception {
    List<String> expected = IntStream.range(0, RECORDS).mapToObj(i -> i + ":r-" + i).toList();
    String fromTheStart = "/v1/topics/" + TOPIC + "/stream?offset=earliest";

    Served ws = Served.before();
    try (WsStream stream = WsStream.open(webSockets, follower.httpPort, fromTheStart)) {
      List<String> read = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        read.add(offsetAndValue(stream.nextJson()));
      }
      assertThat(read).as("over WebSocket").isEqualTo(expected);
      assertThat(stream.nextJsonWithin(QUIET)).as("a WebSocket record past the last").isNull();
    }
    ws.assertServedByTheFollower("WebSocket", RECORDS);

    // Through the leader, with the follower's rack: the leader answers the client, the follower's replica serves it.
    double followerReadsBefore = followerReads(follower);
    try (SseRecords stream = new SseRecords(leader, fromTheStart + "&rack=" + rack(follower))) {
      await("every record over SSE").atMost(TIMEOUT).until(() -> stream.received.size() >= RECORDS);
      await("no record more over SSE").during(QUIET).atMost(TIMEOUT).until(() -> stream.received.size() == RECORDS);
      assertThat(stream.received).as("over SSE").isEqualTo(expected);
    }
    assertThat(followerReads(follower) - followerReadsBefore).as("reads the follower served for SSE through the leader")
        .isPositive();

    Served mqtt = Served.before();
    MqttClient subscriber = Paho.v3(follower.mqttPort, "rack-reader");
    try (KafkaProducer<String, String> producer = producer()) {
      List<String> received = new CopyOnWriteArrayList<>();
      subscriber.subscribe(TOPIC, 1, (topic, message) -> received.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
      // The key is the MQTT topic the subscriber's filter matches.
      List<String> sent = IntStream.range(0, MQTT_RECORDS).mapToObj(i -> "m-" + i).toList();
      for (String value : sent) {
        producer.send(new ProducerRecord<>(TOPIC, 0, TOPIC, value));
      }
      producer.flush();
      await("every record over MQTT").atMost(TIMEOUT).until(() -> received.size() >= MQTT_RECORDS);
      await("no message more over MQTT").during(QUIET).atMost(TIMEOUT).until(() -> received.size() == MQTT_RECORDS);
      assertThat(received).as("over MQTT").isEqualTo(sent);
    } finally {
      Paho.closeQuietly(subscriber);
    }
    mqtt.assertServedByTheFollower("MQTT", MQTT_RECORDS);
  }

  @Test
  @Order(5)
  void aFollowerServesNothingPastTheHighWatermarkUntilTheRecordCommits() throws Exception {
    String recordsAtTheEnd = "/v1/topics/" + TOPIC + "/partitions/0/records?offset=" + LATE_OFFSET;
    String streamAtTheEnd = "/v1/topics/" + TOPIC + "/stream?offset=" + LATE_OFFSET;
    String late = LATE_OFFSET + ":late";
    MqttClient subscriber = Paho.v3(follower.mqttPort, "rack-late-reader");
    List<String> overMqtt = new CopyOnWriteArrayList<>();
    subscriber.subscribe(TOPIC, 1, (topic, message) -> overMqtt.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
    try (KafkaProducer<String, String> producer = producer();
        KafkaConsumer<String, String> consumer = consumer(rack(follower));
        WsStream ws = WsStream.open(webSockets, follower.httpPort, streamAtTheEnd);
        SseRecords sse = new SseRecords(follower, streamAtTheEnd)) {
      consumer.assign(List.of(PARTITION));
      consumer.seek(PARTITION, LATE_OFFSET);
      double sizeBefore = cluster.metric(follower, "streamgate_partition_size_bytes", TOPIC_LABEL);
      // The producer learns the leader now: asked of the frozen node, its first metadata request
      // would wait out its 30 s request timeout, and the record would be sent once that node left the ISR.
      producer.partitionsFor(TOPIC);
      cluster.pause(cluster.nodes().indexOf(other));
      Future<RecordMetadata> sent;
      try {
        sent = producer.send(new ProducerRecord<>(TOPIC, 0, TOPIC, "late"));
        // The follower holds the record; the frozen replica does not, so acks=all cannot commit it.
        await("the follower fetched the record").atMost(TIMEOUT)
            .until(() -> cluster.metric(follower, "streamgate_partition_size_bytes", TOPIC_LABEL) > sizeBefore);

        JsonNode onFollower = cluster.getJson(follower, recordsAtTheEnd + "&timeoutMs=0");
        assertThat(onFollower.path("records")).as("records past the high watermark on the follower").isEmpty();
        assertThat(onFollower.path("highWatermark").asLong()).isEqualTo(LATE_OFFSET);
        JsonNode hinted = cluster.getJson(leader, recordsAtTheEnd + "&timeoutMs=0&rack=" + rack(follower));
        assertThat(hinted.path("records")).as("through the leader with the follower's rack").isEmpty();
        List<ConsumerRecord<String, String>> early = new ArrayList<>();
        consumer.poll(Duration.ofSeconds(1)).forEach(early::add);
        assertThat(early).as("what the Kafka consumer got from the follower").isEmpty();
        // The streams and the MQTT subscriber have had the second the consumer's poll took, and more.
        assertThat(ws.nextJsonWithin(QUIET)).as("over WebSocket from the follower").isNull();
        assertThat(sse.received).as("over SSE from the follower").isEmpty();
        assertThat(overMqtt).as("over MQTT from the follower").isEmpty();
        // All of that while the record was not committed (else the checks above proved nothing).
        assertThat(sent.isDone()).as("the acks=all write still waits for the frozen replica").isFalse();
      } finally {
        cluster.resume(cluster.nodes().indexOf(other));
      }

      assertThat(sent.get(60, TimeUnit.SECONDS).offset()).isEqualTo(LATE_OFFSET);
      JsonNode committed = cluster.getJson(follower, recordsAtTheEnd + "&timeoutMs=5000");
      assertThat(values(committed)).isEqualTo(List.of(late));
      List<String> overKafka = new ArrayList<>();
      await("the committed record over Kafka").atMost(TIMEOUT).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> overKafka.add(record.offset() + ":" + record.value()));
        return !overKafka.isEmpty();
      });
      assertThat(overKafka).containsExactly(late);
      assertThat(offsetAndValue(ws.nextJson())).as("over WebSocket, once committed").isEqualTo(late);
      await("the committed record over SSE and MQTT").atMost(TIMEOUT).until(() -> !sse.received.isEmpty() && !overMqtt.isEmpty());
      assertThat(ws.nextJsonWithin(QUIET)).as("a second record over WebSocket").isNull();
      await("no record more over SSE and MQTT").during(QUIET).atMost(TIMEOUT)
          .until(() -> sse.received.size() == 1 && overMqtt.size() == 1);
      assertThat(sse.received).as("over SSE, once committed").containsExactly(late);
      assertThat(overMqtt).as("over MQTT, once committed").containsExactly("late");
    } finally {
      Paho.closeQuietly(subscriber);
    }
  }

  /**
   * What the three nodes had served before a reader ran, to show who served it: the follower's own
   * replica (its follower reads rise and it sent every record once), not the leader (which sent none).
   */
  private record Served(double leaderOut, double followerOut, double followerReadsBefore) {
    static Served before() throws Exception {
      return new Served(recordsOut(leader), recordsOut(follower), followerReads(follower));
    }

    void assertServedByTheFollower(String protocol, int records) throws Exception {
      assertThat(recordsOut(leader) - leaderOut).as("records the leader sent over %s", protocol).isZero();
      assertThat(recordsOut(follower) - followerOut).as("records the follower sent over %s", protocol).isEqualTo(records);
      assertThat(followerReads(follower) - followerReadsBefore).as("reads the follower served from its replica for %s", protocol)
          .isPositive();
    }
  }

  /** An event stream read on a thread of its own, so that the test sees what arrived without waiting on the socket. */
  private static final class SseRecords implements AutoCloseable {
    /** Each record as {@code offset:value}, in the order the events came. */
    final List<String> received = new CopyOnWriteArrayList<>();
    private final SseStream stream;
    private final Thread reader;

    SseRecords(Node node, String uri) throws IOException {
      stream = SseStream.open(node.httpPort, uri);
      reader = new Thread(() -> {
        try {
          while (true) {
            received.add(offsetAndValue(stream.next().json()));
          }
        } catch (IOException closed) {
          // The test closed the stream: nothing more to read.
        }
      }, "sse-" + node.id);
      reader.setDaemon(true);
      reader.start();
    }

    @Override
    public void close() throws IOException {
      stream.close();
    }
  }

  private static String offsetAndValue(JsonNode record) {
    return record.path("offset").asLong() + ":" + record.path("value").asText();
  }

  private static String rack(Node node) {
    return RACKS.get(node.index);
  }

  private static String kafkaAddress(Node node) {
    return "127.0.0.1:" + node.kafkaPort;
  }

  private static double recordsOut(Node node) throws Exception {
    return cluster.metric(node, "streamgate_records_out_total", TOPIC_LABEL);
  }

  private static double followerReads(Node node) throws Exception {
    return cluster.metric(node, "streamgate_follower_reads_total", "");
  }

  private static List<String> values(JsonNode page) {
    List<String> values = new ArrayList<>();
    page.path("records").forEach(record -> values.add(offsetAndValue(record)));
    return values;
  }

  private static KafkaProducer<String, String> producer() {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        cluster.nodes().stream().map(RackReadsIT::kafkaAddress).collect(Collectors.joining(",")));
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
  }

  /** A consumer in {@code rack}, bootstrapped on the leader alone: it reaches the follower only because the leader names it. */
  private static KafkaConsumer<String, String> consumer(String rack) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaAddress(leader));
    properties.put(ConsumerConfig.CLIENT_RACK_CONFIG, rack);
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
  }
}
