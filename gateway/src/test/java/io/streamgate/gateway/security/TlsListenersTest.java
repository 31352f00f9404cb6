package io.streamgate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * One node with TLS on every listener (HTTP, MQTT over TCP and WebSocket, Kafka) and client
 * certificates required, its certificates made by {@code scripts/make-test-certs.sh}; each protocol's
 * real client over TLS: what is written is read back. A client without a certificate, or trusting
 * another CA, is refused; replaced certificate files are presented by every listener at its next
 * handshake.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsListenersTest {
  @TempDir static Path dir;
  private TestCerts ours;
  private TestCerts others;
  private Path nodeCert;
  private Path nodeKey;
  private StreamgateNode node;

  @BeforeAll
  void start() throws IOException {
    ours = TestCerts.make(dir.resolve("ours"));
    others = TestCerts.make(dir.resolve("others"));
    // The node's own copies, which the reload test replaces.
    Files.createDirectories(dir.resolve("node-tls"));
    nodeCert = Files.copy(ours.cert("node"), dir.resolve("node-tls/node.pem"));
    nodeKey = Files.copy(ours.key("node"), dir.resolve("node-tls/node.key"));
    Map<String, String> config = new HashMap<>(Map.of("tls-cert", nodeCert.toString(), "tls-key", nodeKey.toString(), "tls-ca",
        ours.ca().toString(), "tls-client-auth", "required", "tls-reload-interval-ms", "100"));
    // The event bus with TLS too: a node of one uses it for nothing, but must start with it.
    config.putAll(Map.of("mqtt-port", "-1", "mqtt-ws-port", "-1", "kafka-port", "-1", "cluster-tls", "true"));
    node = TestNodes.start(dir.resolve("node"), config);
  }

  @AfterAll
  void stop() {
    TestNodes.stop(node);
  }

  @Test
  void httpsServesTheApiAndWhatIsWrittenReadsBack() throws Exception {
    HttpClient client = https(ours.as("alice"));
    assertThat(send(client, "POST", "/v1/topics", "{\"name\":\"https-topic\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}")
        .statusCode()).isEqualTo(201);
    assertThat(send(client, "POST", "/v1/topics/https-topic/records", "{\"records\":[{\"value\":\"a\"},{\"value\":\"b\"}]}")
        .statusCode()).isEqualTo(200);

    HttpResponse<String> read = send(client, "GET", "/v1/topics/https-topic/partitions/0/records?offset=earliest", null);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).contains("\"value\":\"a\"").contains("\"value\":\"b\"");
    assertThat(read.body().indexOf("\"value\":\"a\"")).isLessThan(read.body().indexOf("\"value\":\"b\""));
  }

  @Test
  void aClientWithoutACertificateIsRefused() {
    assertThatThrownBy(() -> send(https(ours.trustingCa()), "GET", "/v1/topics", null)).isInstanceOf(IOException.class);
  }

  @Test
  void aClientTrustingAnotherCaRefusesTheNode() {
    assertThatThrownBy(() -> send(https(others.as("alice")), "GET", "/v1/topics", null)).isInstanceOf(IOException.class);
  }

  @Test
  void refusedHandshakesOnEveryListenerAreNotLoggedAsErrors() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    root.addAppender(log);
    try {
      for (int port : List.of(node.httpPort(), node.mqttPort(), node.mqttWebSocketPort(), node.kafkaPort())) {
        // Refused: the connection fails, rather than waiting out the read timeout.
        assertThatThrownBy(() -> firstByte(port, ours.trustingCa())).as("no certificate, port %d", port).isInstanceOf(IOException.class)
            .isNotInstanceOf(SocketTimeoutException.class);
        assertThatThrownBy(() -> firstByte(port, others.as("alice"))).as("another CA, port %d", port).isInstanceOf(IOException.class)
            .isNotInstanceOf(SocketTimeoutException.class);
      }
    } finally {
      root.detachAppender(log);
    }
    assertThat(log.list).filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.ERROR) || event.getThrowableProxy() != null)
        .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
  }

  /** Handshakes with the listener on {@code port}, then waits for a byte it will never send unprompted. */
  private static void firstByte(int port, SSLContext context) throws IOException {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      socket.getInputStream().read();
    }
  }

  @Test
  void plainTextToATlsListenerGetsNoAnswer() {
    HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/topics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
  }

  @Test
  void mqttOverTlsAndOverSecureWebSocketDeliversWhatIsPublished() throws Exception {
    for (String uri : List.of("ssl://127.0.0.1:" + node.mqttPort(), "wss://127.0.0.1:" + node.mqttWebSocketPort() + "/mqtt")) {
      MqttClient subscriber = mqtt(uri, "tls-sub");
      MqttClient publisher = mqtt(uri, "tls-pub");
      try {
        List<String> received = new CopyOnWriteArrayList<>();
        subscriber.subscribe("tls/test", 1, (topic, message) -> received.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
        for (int i = 0; i < 5; i++) {
          publisher.publish("tls/test", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        await().atMost(Duration.ofSeconds(20))
            .untilAsserted(() -> assertThat(received).as(uri).containsExactly("m0", "m1", "m2", "m3", "m4"));
      } finally {
        close(subscriber);
        close(publisher);
      }
    }
  }

  @Test
  void mqttWithoutAClientCertificateIsRefused() {
    MqttConnectOptions options = mqttOptions(ours.trustingCa());
    assertThatThrownBy(() -> new MqttClient("ssl://127.0.0.1:" + node.mqttPort(), "no-cert", new MemoryPersistence()).connect(options))
        .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
  }

  /** A Fetch over TLS cannot send its records from the segment files (zero-copy): they go through the encryption. */
  @Test
  void kafkaClientsOverTlsReadBackEveryRecordInOrder() throws Exception {
    send(https(ours.as("alice")), "POST", "/v1/topics",
        "{\"name\":\"kafka-tls\",\"partitions\":3,\"config\":{\"value.format\":\"string\"}}");
    Map<Integer, List<String>> sent = new HashMap<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka(), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 300; i++) {
        int partition = i % 3;
        producer.send(new ProducerRecord<>("kafka-tls", partition, "k" + i, "value-" + i)).get(30, TimeUnit.SECONDS);
        sent.computeIfAbsent(partition, p -> new ArrayList<>()).add("value-" + i);
      }
    }
    Properties consumerConfig = kafka();
    consumerConfig.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "2048"); // many Fetches, each with slices of three partitions
    Map<Integer, List<String>> received = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = IntStream.range(0, 3).mapToObj(p -> new TopicPartition("kafka-tls", p)).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (received.values().stream().mapToInt(List::size).sum() < 300 && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          received.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record.value());
        }
      }
    }
    assertThat(received).isEqualTo(sent);
  }

  @Test
  void replacedCertificateFilesArePresentedByEveryListener() throws Exception {
    List<Integer> ports = List.of(node.httpPort(), node.mqttPort(), node.mqttWebSocketPort(), node.kafkaPort());
    try {
      replace(nodeKey, others.key("node"));
      replace(nodeCert, others.cert("node"));
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ports)
          .allSatisfy(port -> assertThat(TestCerts.presentedBy(port)).as("port %d", port).isEqualTo(others.certificate("node"))));
    } finally {
      replace(nodeKey, ours.key("node"));
      replace(nodeCert, ours.cert("node"));
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ports)
          .allSatisfy(port -> assertThat(TestCerts.presentedBy(port)).isEqualTo(ours.certificate("node"))));
    }
  }

  private static HttpClient https(SSLContext context) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context).connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private HttpResponse<String> send(HttpClient client, String method, String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + node.httpPort() + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private MqttConnectOptions mqttOptions(SSLContext context) {
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setConnectionTimeout(10);
    options.setSocketFactory(context.getSocketFactory());
    return options;
  }

  private MqttClient mqtt(String uri, String clientId) throws Exception {
    MqttClient client = new MqttClient(uri, clientId, new MemoryPersistence());
    client.connect(mqttOptions(ours.as("alice")));
    client.setTimeToWait(10_000);
    return client;
  }

  private static void close(MqttClient client) throws Exception {
    if (client.isConnected()) {
      client.disconnect(2000);
    }
    client.close();
  }

  /** A Kafka client's settings for this node: SSL, trusting our CA (PEM), presenting alice's certificate (PKCS#12). */
  private Properties kafka() {
    Properties properties = new Properties();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.kafkaPort());
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
    properties.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
    properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, ours.ca().toString());
    properties.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
    properties.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, ours.keystore("alice").toString());
    properties.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCerts.PASSWORD);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    return properties;
  }

  private static void replace(Path target, Path with) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.copy(with, temp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
