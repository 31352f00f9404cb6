package io.streamgate.gateway.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code auth=on} and client certificates requested, a client that presents a verified
 * certificate and no other credentials acts as {@code User:<CN>} on every edge: alice's certificate
 * is allowed what an ACL for User:alice allows, bob's (who may only describe) is denied and writes
 * nothing; credentials a client does present win over its certificate; without either, refused.
 * Certificates made by {@code scripts/make-test-certs.sh}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientCertificatePrincipalsTest {
  private static final String BOOTSTRAP_KEY = "bootstrap-key-for-certificate-tests";
  @TempDir static Path dir;
  private TestCerts certs;
  private StreamgateNode node;

  @BeforeAll
  void start() throws Exception {
    certs = TestCerts.make(dir.resolve("certs"));
    node = TestNodes.start(dir.resolve("node"), Map.of("tls-cert", certs.cert("node").toString(), "tls-key",
        certs.key("node").toString(), "tls-ca", certs.ca().toString(), "tls-client-auth", "request", "auth", "on",
        "auth-bootstrap-key", BOOTSTRAP_KEY, "mqtt-port", "-1", "kafka-port", "-1"));
    for (String topic : List.of("cert-http", "cert-mqtt", "cert-kafka", "cert-sasl")) {
      assertThat(send(certs.trustingCa(), "POST", "/v1/topics", "{\"name\":\"" + topic
          + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}", BOOTSTRAP_KEY).statusCode()).isEqualTo(201);
    }
    allow("alice", AclOperation.WRITE);
    allow("alice", AclOperation.READ);
    // bob may learn the topics exist (so a refusal is a 403, not a 404), nothing more.
    allow("bob", AclOperation.DESCRIBE);
  }

  @AfterAll
  void stop() {
    TestNodes.stop(node);
  }

  @Test
  void httpsActsAsTheCertificatesPrincipalWhenNoAuthorizationIsSent() throws Exception {
    String records = "{\"records\":[{\"value\":\"a\"},{\"value\":\"b\"}]}";
    assertThat(send(certs.as("alice"), "POST", "/v1/topics/cert-http/records", records, null).statusCode()).isEqualTo(200);
    HttpResponse<String> read = send(certs.as("alice"), "GET", "/v1/topics/cert-http/partitions/0/records?offset=earliest", null, null);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(values("cert-http")).containsExactly("a", "b");

    HttpResponse<String> denied = send(certs.as("bob"), "POST", "/v1/topics/cert-http/records", "{\"records\":[{\"value\":\"c\"}]}", null);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body()).contains("forbidden");
    assertThat(values("cert-http")).containsExactly("a", "b");

    // No certificate and no credentials: refused as before.
    assertThat(send(certs.trustingCa(), "GET", "/v1/topics/cert-http", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void anAuthorizationHeaderWinsOverTheCertificate() throws Exception {
    // alice's certificate would be allowed; the bad key it is sent with is not.
    assertThat(send(certs.as("alice"), "GET", "/v1/topics/cert-http", null, "sgk_nosuchkey_0123456789abcdef").statusCode())
        .isEqualTo(401);
    // ... and the bootstrap key acts as the super-user, which alice is not.
    assertThat(send(certs.as("alice"), "GET", "/v1/acls", null, null).statusCode()).isEqualTo(403);
    assertThat(send(certs.as("alice"), "GET", "/v1/acls", null, BOOTSTRAP_KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void anSseStreamOpensAsTheCertificatesPrincipal() throws Exception {
    HttpResponse<InputStream> open = stream(certs.as("alice"));
    try (InputStream body = open.body()) {
      assertThat(open.statusCode()).isEqualTo(200);
    }
    HttpResponse<InputStream> refused = stream(certs.as("bob"));
    try (InputStream body = refused.body()) {
      assertThat(refused.statusCode()).isEqualTo(403);
    }
  }

  @Test
  void aWebSocketStreamOpensAsTheCertificatesPrincipal() throws Exception {
    URI uri = URI.create("wss://127.0.0.1:" + node.httpPort() + "/v1/topics/cert-http/stream?offset=earliest");
    WebSocket.Listener ignore = new WebSocket.Listener() {};
    WebSocket open = https(certs.as("alice")).newWebSocketBuilder().buildAsync(uri, ignore).get(30, TimeUnit.SECONDS);
    open.abort();
    assertThatThrownBy(() -> https(certs.as("bob")).newWebSocketBuilder().buildAsync(uri, ignore).get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(WebSocketHandshakeException.class)
        .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(403));
  }

  @Test
  void mqttWithoutAPasswordActsAsTheCertificatesPrincipal() throws Exception {
    MqttClient alice = mqtt(certs.as("alice"), "alice-cert", null);
    try {
      alice.publish("cert-mqtt/x", "m1".getBytes(UTF_8), 1, false);
      alice.publish("cert-mqtt/x", "m2".getBytes(UTF_8), 1, false);
    } finally {
      close(alice);
    }
    assertThat(values("cert-mqtt")).containsExactly("m1", "m2");

    // MQTT 3.1.1 has no negative PUBACK: a denied QoS 1 PUBLISH ends the connection, and writes nothing.
    MqttClient bob = mqtt(certs.as("bob"), "bob-cert", null);
    try {
      assertThatThrownBy(() -> bob.publish("cert-mqtt/x", "denied".getBytes(UTF_8), 1, false)).isInstanceOf(MqttException.class);
    } finally {
      bob.close(true);
    }
    assertThat(values("cert-mqtt")).containsExactly("m1", "m2");

    // Without a certificate or a password: refused (return code 4). A password, when sent, wins.
    assertThatThrownBy(() -> mqtt(certs.trustingCa(), "no-cert", null)).isInstanceOf(MqttException.class)
        .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
    assertThatThrownBy(() -> mqtt(certs.as("alice"), "alice-bad-password", "sgk_nosuchkey_0123456789abcdef"))
        .isInstanceOf(MqttException.class)
        .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
    assertThat(values("cert-mqtt")).containsExactly("m1", "m2");
  }

  @Test
  void kafkaOverSslWithoutSaslActsAsTheCertificatesPrincipal() throws Exception {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka("alice"), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 3; i++) {
        producer.send(new ProducerRecord<>("cert-kafka", 0, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
      }
    }
    List<String> read = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kafka("alice"), new StringDeserializer(), new StringDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> partitions = List.of(new org.apache.kafka.common.TopicPartition("cert-kafka", 0));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (read.size() < 3 && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          read.add(record.value());
        }
      }
    }
    assertThat(read).containsExactly("v0", "v1", "v2");

    try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka("bob"), new StringSerializer(), new StringSerializer())) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>("cert-kafka", 0, "k", "denied")).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    assertThat(values("cert-kafka")).containsExactly("v0", "v1", "v2");
  }

  @Test
  void kafkaSaslOverSslWinsOverTheCertificate() throws Exception {
    // bob's certificate may not write; SASL with the bootstrap key on the same connection may.
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(sasl("bob", BOOTSTRAP_KEY), new StringSerializer(),
        new StringSerializer())) {
      producer.send(new ProducerRecord<>("cert-sasl", 0, "k", "as-bootstrap")).get(30, TimeUnit.SECONDS);
    }
    // alice's certificate may write; a bad key sent over SASL is refused, not made up for by the certificate.
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(sasl("alice", "sgk_nosuchkey_0123456789abcdef"),
        new StringSerializer(), new StringSerializer())) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>("cert-sasl", 0, "k", "refused")).get(30, TimeUnit.SECONDS))
          .hasStackTraceContaining("Authentication failed");
    }
    assertThat(values("cert-sasl")).containsExactly("as-bootstrap");
  }

  /** SASL_SSL with PLAIN and {@code secret} as the password, presenting {@code user}'s certificate too. */
  private Properties sasl(String user, String secret) {
    Properties properties = kafka(user);
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
    properties.put("sasl.mechanism", "PLAIN");
    properties.put("sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"any\" password=\"" + secret + "\";");
    return properties;
  }

  private void allow(String user, AclOperation operation) throws Exception {
    node.security().accessControl().createAcls(List.of(new AclBinding(ResourceType.TOPIC, "cert-", PatternType.PREFIXED,
        Principal.user(user).toString(), AclBinding.ANY_HOST, operation, AclPermission.ALLOW))).get(30, TimeUnit.SECONDS);
  }

  private HttpResponse<String> send(SSLContext tls, String method, String path, String body, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return https(tls).send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** An SSE stream of cert-http, answered once its status and headers arrive. */
  private HttpResponse<InputStream> stream(SSLContext tls) throws Exception {
    return https(tls).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + node.httpPort()
        + "/v1/topics/cert-http/stream?offset=earliest")).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30))
        .build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private static HttpClient https(SSLContext tls) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private MqttClient mqtt(SSLContext tls, String clientId, String password) throws MqttException {
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setConnectionTimeout(10);
    options.setSocketFactory(tls.getSocketFactory());
    if (password != null) {
      options.setUserName("any-user");
      options.setPassword(password.toCharArray());
    }
    MqttClient client = new MqttClient("ssl://127.0.0.1:" + node.mqttPort(), clientId, new MemoryPersistence());
    client.setTimeToWait(10_000);
    try {
      client.connect(options);
    } catch (MqttException refused) {
      client.close(true);
      throw refused;
    }
    return client;
  }

  private static void close(MqttClient client) throws MqttException {
    if (client.isConnected()) {
      client.disconnect(2000);
    }
    client.close();
  }

  /** SSL with a keystore and no SASL, as Kafka's SSL listener with client authentication is used. */
  private Properties kafka(String user) {
    Properties properties = new Properties();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.kafkaPort());
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
    properties.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
    properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.ca().toString());
    properties.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
    properties.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, certs.keystore(user).toString());
    properties.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCerts.PASSWORD);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    properties.put(ProducerConfig.RETRIES_CONFIG, "0");
    properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
    properties.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    return properties;
  }

  /** The values of the topic's partition 0, in order, read from the log itself. */
  private List<String> values(String topic) throws Exception {
    List<String> values = new ArrayList<>();
    ReadResult result = node.service().read(new TopicPartition(topic, 0), 0, 1 << 20).get(30, TimeUnit.SECONDS);
    for (RecordBatch batch : result.batchList()) {
      for (Record record : batch.records()) {
        values.add(new String(record.valueBytes(), UTF_8));
      }
    }
    return values;
  }
}
