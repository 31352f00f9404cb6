package io.streamgate.gateway.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.StoredRecord;
import io.streamgate.gateway.mqtt.Paho;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #17, item 1: a rolling restart of three real nodes under load loses and duplicates no
 * acknowledged record, ends no Kafka client with an error, and answers every HTTP request that
 * reaches a node 200: no 503, even when a node's lease lapses for a moment (the node a request
 * reached holds it through the gap; the times file counts the lapses). For the whole roll, spread over every node: an idempotent
 * {@code acks=all} Kafka producer bootstrapped on all three and a consumer group reading everything;
 * HTTP producers with an {@code Idempotency-Key} per request and long-poll readers; a QoS 1 MQTT
 * publisher. HTTP and MQTT clients route as a load balancer does, to nodes whose {@code
 * /health/ready} answers 200, and move to another node when their connection is refused or closed.
 * Each node in turn is stopped with SIGTERM (a graceful stop: it hands its leaderships off first),
 * restarted, and awaited ready and in sync before the next. Hand-off durations, as the nodes log
 * them, and the roll's timings go to {@code target/rolling-restart-times.txt}.
 */
class RollingRestartIT {
  private static final String HTTP_TOPIC = "roll-http";
  private static final String KAFKA_TOPIC = "roll-kafka";
  private static final String MQTT_TOPIC = "roll-mqtt";
  private static final int PARTITIONS = 3;
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);
  private static final Path TIMES = Path.of("target", "rolling-restart-times.txt");
  private static final Pattern HANDED_OFF = Pattern.compile("node (\\S+) handed off its leaderships and ISR places in (\\d+) ms");
  private static final Pattern STEPPED_ASIDE =
      Pattern.compile("node (\\S+) is stopping: handed the metadata log's leadership to (.+) in (\\d+) ms");
  private static final String BECAME_CONTROLLER = "this node is the controller";
  private static final String LEASE_LOST = "lost its lease";

  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws IOException, InterruptedException {
    // The defaults a deployment runs with, not LocalCluster's shorter ones (made for failover tests): a 1 s grace
    // ended hand-offs unfinished on this 2-core machine (announcing StopNode alone took 0.5 s), and a 3 s lease, renewed
    // late while a restarting JVM took the cores, lapsed for a moment and answered 503s.
    cluster = new LocalCluster("rolling-restart", 3, "--shutdown-grace-ms", "10000", "--failure-detection-ms", "5000")
        .withKafka().withMqtt();
    cluster.startAll();
    cluster.createTopic(cluster.node(0), HTTP_TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
    cluster.createTopic(cluster.node(1), KAFKA_TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    cluster.createTopic(cluster.node(2), MQTT_TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2", "value.format", "string"));
    for (String topic : List.of(HTTP_TOPIC, KAFKA_TOPIC, MQTT_TOPIC)) {
      cluster.awaitSettled(topic, PARTITIONS, SETTLE_TIMEOUT);
    }
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // a safety net; every wait inside is bounded below it
  void aRollingRestartUnderLoadLosesAndDuplicatesNothingAndAnswersNo503() throws Exception {
    Readiness readiness = new Readiness(cluster);
    ClusterFailoverIT.Producer httpProducer = new ClusterFailoverIT.Producer(cluster, HTTP_TOPIC, PARTITIONS)
        .routingTo(readiness::ready);
    HttpReaders httpReaders = new HttpReaders(cluster, readiness);
    KafkaLoad kafka = new KafkaLoad(cluster);
    MqttPublisher mqtt = new MqttPublisher(cluster, readiness);
    List<String> timings = new ArrayList<>();
    readiness.start();
    httpProducer.start();
    httpReaders.start();
    kafka.start();
    mqtt.start();
    try {
      await("every client acknowledged before the roll").atMost(Duration.ofSeconds(30)).until(() -> httpProducer.totalAcks() > 0
          && kafka.acknowledged.size() > 0 && mqtt.acknowledged.size() > 0 && httpReaders.read() > 0);
      long rollStarted = System.nanoTime();
      for (Node node : cluster.nodes()) {
        long stopping = System.nanoTime();
        cluster.stop(node.index);
        long stopped = System.nanoTime();
        cluster.start(node.index);
        long ready = System.nanoTime();
        cluster.awaitNoUnderReplicated(SETTLE_TIMEOUT); // the internal __groups too, as scripts/cluster.sh roll waits
        long inSync = System.nanoTime();
        timings.add(String.format(Locale.ROOT, "%s\tSIGTERM to exit %d ms\trestart to ready %d ms\tready to in sync %d ms",
            node.id, millis(stopping, stopped), millis(stopped, ready), millis(ready, inSync)));
      }
      timings.add("# whole roll " + millis(rollStarted, System.nanoTime()) + " ms");
    } finally {
      httpProducer.stop();
      kafka.stopProducing();
      mqtt.stop();
    }

    // Readers catch up with everything acknowledged, then stop.
    List<List<String>> httpAcknowledged = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      httpAcknowledged.add(httpProducer.acks(p).stream().map(ClusterFailoverIT.Ack::value).toList());
    }
    await("the HTTP readers read every acknowledged record").atMost(CATCH_UP_TIMEOUT)
        .until(() -> httpReaders.caughtUpWith(httpAcknowledged));
    httpReaders.stop();
    await("the Kafka group read every acknowledged record").atMost(CATCH_UP_TIMEOUT)
        .until(kafka::readEverything);
    kafka.stopConsuming();
    readiness.stop();

    int leaseLapses = writeTimes(timings, httpProducer, httpReaders, kafka);

    // HTTP: every acknowledged record stored once at its acknowledged offset, read once by the readers; every answer 200
    // (a request the client could not send, or whose connection the stopping node closed, is retried on another node).
    List<String> problems = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      problems.addAll(ClusterFailoverIT.problems("HTTP log", p, cluster.readPartition(cluster.node(0), HTTP_TOPIC, p), httpProducer));
      List<String> read = httpReaders.values(p);
      if (!read.subList(0, Math.min(read.size(), httpAcknowledged.get(p).size())).equals(httpAcknowledged.get(p))) {
        problems.add(String.format("HTTP reader p%d read %d records, not the %d acknowledged in order; first difference: %s", p,
            read.size(), httpAcknowledged.get(p).size(), ClusterFailoverIT.firstDifference(httpAcknowledged.get(p), read)));
      }
    }
    ClusterFailoverIT.assertNoProblems("HTTP records after the roll", problems);
    assertThat(httpProducer.unexpectedAnswers()).as("HTTP produce answers other than 200 or a retriable failure").isEmpty();
    // No 503, lease lapse or not: a node whose lease lapsed for a moment (Ratis 3.3's leadership transfer losing its race,
    // an event loop blocked for seconds on a loaded machine: docs/replication.md, "Rolling restart") refuses, and the
    // node the request reached holds it until the lease is renewed or the leadership moves. Nothing but 200 (or a
    // connection a stopping node closed, which the client retries elsewhere) is accepted.
    assertThat(httpProducer.failureCounts().keySet()).as("HTTP produce failures: %s (%d lease lapses)",
        httpProducer.failureCounts(), leaseLapses).allMatch(RollingRestartIT::isConnectionFailure);
    assertThat(httpReaders.statuses().keySet()).as("HTTP read answers: %s (%d lease lapses)", httpReaders.statuses(), leaseLapses)
        .allMatch(answer -> answer.equals("200") || isConnectionFailure(answer));

    // Kafka: every acknowledged record in the log once, read once by the group; no send failed.
    assertThat(kafka.failures).as("Kafka sends that failed").isEmpty();
    Map<String, Integer> inLog = occurrences(readKafkaTopic());
    assertThat(kafka.acknowledged).as("acknowledged Kafka records missing from the log")
        .allSatisfy(value -> assertThat(inLog).containsKey(value));
    assertThat(inLog).as("Kafka records in the log more than once").allSatisfy((value, count) -> assertThat(count).isEqualTo(1));
    assertThat(occurrences(kafka.consumed)).as("Kafka records the group read (and committed) more than once")
        .allSatisfy((value, count) -> assertThat(count).isEqualTo(1));

    // MQTT: every PUBACKed message stored, and none twice but those the publisher sent again on a new connection: QoS 1
    // without a session is at least once (MQTT 3.1.1, 4.3.2), and the node cannot tell such a message from a new one (it
    // is a new PUBLISH, without the DUP flag, on a new connection). A batch the router asked a new leader for again after a
    // leadership move is written once (its idempotency id).
    List<String> mqttStored = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (StoredRecord record : cluster.readPartition(cluster.node(0), MQTT_TOPIC, p)) {
        mqttStored.add(LocalCluster.JSON.readTree(record.value()).asText());
      }
    }
    Map<String, Integer> mqttTwice = new TreeMap<>(occurrences(mqttStored));
    mqttTwice.values().removeIf(count -> count == 1);
    String mqttLine = String.format(Locale.ROOT, "# MQTT: %d PUBACKed, %d stored; %d republished after a closed connection; %d stored"
        + " twice or more (%d of them republished): %s", mqtt.acknowledged.size(), mqttStored.size(), mqtt.republished.get(),
        mqttTwice.size(), mqttTwice.keySet().stream().filter(mqtt.republishedValues::contains).count(), mqttTwice);
    Files.writeString(TIMES, mqttLine + System.lineSeparator(), UTF_8, java.nio.file.StandardOpenOption.APPEND);
    System.out.println(mqttLine);
    assertThat(mqttStored).as("PUBACKed MQTT messages in the log").containsAll(mqtt.acknowledged);
    assertThat(mqttTwice.keySet()).as("MQTT messages stored more than once that the publisher sent once")
        .allMatch(mqtt.republishedValues::contains);
  }

  /** A request that got no HTTP answer (counted as "ConnectException from node-1" and the like): a stopped node's, not a 503. */
  private static boolean isConnectionFailure(String what) {
    return what.contains(" from node-");
  }

  private static long millis(long fromNanos, long toNanos) {
    return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
  }

  private static Map<String, Integer> occurrences(List<String> values) {
    Map<String, Integer> counts = new HashMap<>();
    values.forEach(value -> counts.merge(value, 1, Integer::sum));
    return counts;
  }

  /** Every record of the Kafka topic, read from the beginning up to the end offsets of now. */
  private static List<String> readKafkaTopic() {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties(null), new StringDeserializer(),
        new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        partitions.add(new TopicPartition(KAFKA_TOPIC, p));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      await("the Kafka topic read to its end").atMost(Duration.ofMinutes(1)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
        return partitions.stream().allMatch(partition -> consumer.position(partition) >= ends.get(partition));
      });
    }
    return values;
  }

  private static String bootstrap() {
    return cluster.nodes().stream().map(node -> "127.0.0.1:" + node.kafkaPort).collect(Collectors.joining(","));
  }

  private static Properties consumerProperties(String group) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200");
    if (group != null) {
      properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
      properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
      properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    }
    return properties;
  }

  /** Writes the roll's timings and what the nodes logged; returns how many times a node's lease lapsed. */
  private static int writeTimes(List<String> timings, ClusterFailoverIT.Producer httpProducer, HttpReaders httpReaders,
      KafkaLoad kafka) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# per node: SIGTERM to exit, restart to ready, ready to every replica in sync");
    lines.addAll(timings);
    lines.add("# hand-offs, as the stopping nodes logged them; the metadata log's leadership, lease lapses");
    int controllerMoves = 0;
    int leaseLapses = 0;
    for (Node node : cluster.nodes()) {
      for (String line : Files.readAllLines(node.logFile, UTF_8)) {
        Matcher handedOff = HANDED_OFF.matcher(line);
        Matcher steppedAside = STEPPED_ASIDE.matcher(line);
        if (handedOff.find()) {
          lines.add(handedOff.group(1) + "\thanded off in " + handedOff.group(2) + " ms");
        } else if (steppedAside.find()) {
          lines.add(steppedAside.group(1) + "\thanded the metadata log to " + steppedAside.group(2) + " in " + steppedAside.group(3)
              + " ms");
        } else if (line.contains(BECAME_CONTROLLER)) {
          controllerMoves++;
        } else if (line.contains(LEASE_LOST)) {
          leaseLapses++;
          lines.add(node.id + "\t" + line);
        }
      }
    }
    lines.add(String.format(Locale.ROOT, "# %d times a node became the controller (the first included); %d lease lapses",
        controllerMoves, leaseLapses));
    lines.add(String.format(Locale.ROOT, "# HTTP: %d records acknowledged, %d read; produce failures %s; read answers %s",
        httpProducer.totalAcks(), httpReaders.read(), httpProducer.failureCounts(), httpReaders.statuses()));
    lines.add(String.format(Locale.ROOT, "# Kafka: %d records acknowledged, %d read by the group", kafka.acknowledged.size(),
        kafka.consumed.size()));
    Files.write(TIMES, lines);
    lines.forEach(System.out::println);
    return leaseLapses;
  }

  /** Which nodes answer {@code GET /health/ready} with 200, asked every 100 ms: what a load balancer routes by. */
  private static final class Readiness {
    private final LocalCluster cluster;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();
    private final Thread poller = new Thread(this::poll, "readiness");
    private volatile boolean stopping;

    Readiness(LocalCluster cluster) {
      this.cluster = cluster;
      cluster.nodes().forEach(node -> ready.add(node.id));
    }

    void start() {
      poller.start();
    }

    void stop() throws InterruptedException {
      stopping = true;
      poller.join();
    }

    boolean ready(Node node) {
      return ready.contains(node.id);
    }

    private void poll() {
      while (!stopping) {
        for (Node node : cluster.nodes()) {
          if (cluster.status(node, "/health/ready") == 200) {
            ready.add(node.id);
          } else {
            ready.remove(node.id);
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // the polling period of a load balancer's health check
      }
    }
  }

  /**
   * One long-poll reader per partition, each starting on a different node, reading from its
   * position on; on a refused or closed connection it moves to the next ready node. Every answer's
   * status is counted.
   */
  private static final class HttpReaders {
    private final LocalCluster cluster;
    private final Readiness readiness;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<List<String>> values = new ArrayList<>();
    /** Answers by status, and problem code when not 200; connection failures by exception. */
    private final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    HttpReaders(LocalCluster cluster, Readiness readiness) {
      this.cluster = cluster;
      this.readiness = readiness;
      for (int p = 0; p < PARTITIONS; p++) {
        values.add(new CopyOnWriteArrayList<>());
        int partition = p;
        threads.add(new Thread(() -> read(partition), "http-reader-p" + p));
      }
    }

    void start() {
      threads.forEach(Thread::start);
    }

    void stop() throws InterruptedException {
      stopping = true;
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(15));
      }
    }

    int read() {
      return values.stream().mapToInt(List::size).sum();
    }

    List<String> values(int partition) {
      return values.get(partition);
    }

    Map<String, Integer> statuses() {
      Map<String, Integer> counts = new TreeMap<>();
      statuses.forEach((status, count) -> counts.put(status, count.get()));
      return counts;
    }

    boolean caughtUpWith(List<List<String>> acknowledged) {
      for (int p = 0; p < PARTITIONS; p++) {
        if (values.get(p).size() < acknowledged.get(p).size()) {
          return false;
        }
      }
      return true;
    }

    private void read(int partition) {
      List<Node> nodes = cluster.nodes();
      int target = partition % nodes.size();
      long offset = 0;
      while (!stopping) {
        Node node = nodes.get(target);
        URI uri = node.uri("/v1/topics/" + HTTP_TOPIC + "/partitions/" + partition + "/records?offset=" + offset
            + "&maxRecords=500&timeoutMs=1000");
        HttpResponse<String> response;
        try {
          response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
        } catch (IOException refusedOrClosed) {
          count(refusedOrClosed.getClass().getSimpleName() + " from " + node.id);
          target = nextReady(nodes, target);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // retry pacing, as a client would back off
          continue;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (response.statusCode() != 200) {
          count(response.statusCode() + " " + problemCode(response.body()));
          target = nextReady(nodes, target);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
          continue;
        }
        count("200");
        try {
          JsonNode page = LocalCluster.JSON.readTree(response.body());
          for (JsonNode record : page.path("records")) {
            values.get(partition).add(LocalCluster.JSON.writeValueAsString(record.path("value")));
          }
          offset = page.path("nextOffset").asLong(offset);
        } catch (IOException unreadable) {
          count("unreadable 200");
        }
      }
    }

    private void count(String answer) {
      statuses.computeIfAbsent(answer, a -> new AtomicInteger()).incrementAndGet();
    }

    private static String problemCode(String body) {
      try {
        return LocalCluster.JSON.readTree(body).path("code").asText();
      } catch (IOException notAProblem) {
        return "(no problem body)";
      }
    }

    private int nextReady(List<Node> nodes, int current) {
      for (int step = 1; step <= nodes.size(); step++) {
        int candidate = (current + step) % nodes.size();
        if (readiness.ready(nodes.get(candidate))) {
          return candidate;
        }
      }
      return (current + 1) % nodes.size();
    }
  }

  /**
   * An idempotent {@code acks=all} producer bootstrapped on all three nodes, sending a keyed record
   * every 10 ms, and a consumer group of one member that counts a batch as read once its commit
   * succeeded (a batch whose commit failed is read again).
   */
  private static final class KafkaLoad {
    final List<String> acknowledged = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final List<String> consumed = new CopyOnWriteArrayList<>();
    private final KafkaProducer<String, String> producer;
    private final Thread sender = new Thread(this::send, "kafka-sender");
    private final Thread reader = new Thread(this::consume, "kafka-group-member");
    private volatile boolean stopSending;
    private volatile boolean stopReading;
    private volatile RuntimeException readerFailure;

    KafkaLoad(LocalCluster cluster) {
      Properties properties = new Properties();
      properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
      properties.put(ProducerConfig.ACKS_CONFIG, "all");
      properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
      properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
      properties.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "100");
      producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
    }

    void start() {
      sender.start();
      reader.start();
    }

    /** Stops sending and waits for every record sent to be acknowledged or to fail. */
    void stopProducing() throws InterruptedException {
      stopSending = true;
      sender.join();
      producer.close(Duration.ofSeconds(120));
    }

    /** Whether the group member has read every acknowledged record; fails if it stopped on an error. */
    boolean readEverything() {
      if (readerFailure != null) {
        throw new AssertionError("the Kafka group member stopped", readerFailure);
      }
      return consumed.containsAll(acknowledged);
    }

    void stopConsuming() throws InterruptedException {
      stopReading = true;
      reader.join();
    }

    private void send() {
      for (int i = 0; !stopSending; i++) {
        String value = "k" + i;
        producer.send(new ProducerRecord<>(KAFKA_TOPIC, "key-" + i % 30, value), (metadata, failure) -> {
          if (failure == null) {
            acknowledged.add(value);
          } else {
            failures.add(value + ": " + failure);
          }
        });
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a modest, steady rate
      }
    }

    private void consume() {
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties("roll-readers"),
          new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of(KAFKA_TOPIC));
        while (!stopReading) {
          ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
          if (records.isEmpty()) {
            continue;
          }
          try {
            consumer.commitSync(Duration.ofSeconds(30));
            records.forEach(record -> consumed.add(record.value()));
          } catch (CommitFailedException | RebalanceInProgressException | org.apache.kafka.common.errors.TimeoutException notCommitted) {
            // Read again from the last commit; a commit that timed out yet landed would show as a record read twice.
            for (TopicPartition partition : records.partitions()) {
              if (consumer.assignment().contains(partition)) {
                List<ConsumerRecord<String, String>> again = records.records(partition);
                consumer.seek(partition, again.get(0).offset());
              }
            }
          }
        }
      } catch (RuntimeException e) {
        readerFailure = e;
      }
    }
  }

  /**
   * A QoS 1 publisher without a session, one message at a time, starting on node 0; when its
   * connection is refused or closed it connects to the next ready node and publishes the message
   * again, as a device would.
   */
  private static final class MqttPublisher {
    private static final Duration GIVE_UP = Duration.ofSeconds(45);
    final List<String> acknowledged = new CopyOnWriteArrayList<>();
    final Set<String> republishedValues = ConcurrentHashMap.newKeySet();
    final AtomicInteger republished = new AtomicInteger();
    private final LocalCluster cluster;
    private final Readiness readiness;
    private final Thread thread = new Thread(this::publish, "mqtt-publisher");
    private volatile boolean stopping;
    private volatile Throwable failure;

    MqttPublisher(LocalCluster cluster, Readiness readiness) {
      this.cluster = cluster;
      this.readiness = readiness;
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stopping = true;
      thread.join(GIVE_UP.toMillis() + 15_000);
      if (failure != null) {
        throw new AssertionError("the MQTT publisher gave up", failure);
      }
    }

    private void publish() {
      List<Node> nodes = cluster.nodes();
      int target = 0;
      MqttClient client = null;
      try {
        for (int i = 0; !stopping; i++) {
          String payload = "m" + i;
          long deadline = System.nanoTime() + GIVE_UP.toNanos();
          for (int attempt = 1;; attempt++) {
            try {
              if (client == null) {
                client = connect(nodes.get(target));
              }
              client.publish(MQTT_TOPIC + "/device-" + i % 10, payload.getBytes(UTF_8), 1, false);
              acknowledged.add(payload);
              break;
            } catch (MqttException refusedOrClosed) {
              if (System.nanoTime() > deadline) {
                throw refusedOrClosed;
              }
              if (attempt == 1) {
                republished.incrementAndGet();
                republishedValues.add(payload);
              }
              Paho.closeQuietly(client);
              client = null;
              target = nextReady(nodes, target);
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // retry pacing, as a device would back off
            }
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // a modest rate
        }
      } catch (MqttException | RuntimeException e) {
        failure = e;
      } finally {
        Paho.closeQuietly(client);
      }
    }

    private int nextReady(List<Node> nodes, int current) {
      for (int step = 1; step <= nodes.size(); step++) {
        int candidate = (current + step) % nodes.size();
        if (readiness.ready(nodes.get(candidate))) {
          return candidate;
        }
      }
      return (current + 1) % nodes.size();
    }

    private static MqttClient connect(Node node) throws MqttException {
      MqttClient client = new MqttClient("tcp://127.0.0.1:" + node.mqttPort, "roll-device", new MemoryPersistence());
      MqttConnectOptions options = new MqttConnectOptions();
      options.setCleanSession(true);
      options.setConnectionTimeout(5);
      try {
        client.connect(options);
      } catch (MqttException refused) {
        client.close();
        throw refused;
      }
      client.setTimeToWait(10_000);
      return client;
    }
  }
}
