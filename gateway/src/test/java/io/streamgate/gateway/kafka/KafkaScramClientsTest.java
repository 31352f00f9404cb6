package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.security.TestCerts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL/SCRAM on the Kafka listener of a node with {@code auth=on} and TLS (SASL_SSL, trusting the
 * test CA of {@code scripts/make-test-certs.sh}), through Kafka's Java client 4.4.0: the Admin API
 * stores credentials, producers and consumers authenticate with SCRAM-SHA-256 and -512 as
 * {@code User:<name>} under their ACLs, a wrong password and a deleted credential are refused, and
 * the credentials are kept over a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KafkaScramClientsTest {
  private static final String BOOTSTRAP_KEY = "kafka-scram-test-bootstrap-key";
  private static final long WAIT_S = 30;
  @TempDir static Path dir;
  private TestCerts certs;
  private Map<String, String> config;
  private StreamgateNode node;

  @BeforeAll
  void start() {
    certs = TestCerts.make(dir.resolve("certs"));
    config = Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP_KEY, "kafka-port", "-1", "group-initial-rebalance-delay-ms", "0",
        "tls-cert", certs.cert("node").toString(), "tls-key", certs.key("node").toString());
    node = TestNodes.start(dir.resolve("node"), config);
  }

  @AfterAll
  void stop() {
    TestNodes.stop(node);
  }

  @Test
  void credentialsMadeWithTheAdminApiLetBothMechanismsProduceAndConsumeUnderTheirAcls() throws Exception {
    String topic = "scram-orders";
    String group = "scram-group";
    try (Admin admin = Admin.create(plain(BOOTSTRAP_KEY))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic("scram-forbidden", 1, (short) 1))).all()
          .get(WAIT_S, TimeUnit.SECONDS);
      admin.alterUserScramCredentials(List.of(
          new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "alice-256"),
          new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "alice-512")))
          .all().get(WAIT_S, TimeUnit.SECONDS);
    }
    allow(ResourceType.TOPIC, topic, AclOperation.WRITE, AclOperation.READ);
    allow(ResourceType.GROUP, group, AclOperation.READ);

    produce(scram("SCRAM-SHA-256", "alice", "alice-256"), topic, "a", "b");
    produce(scram("SCRAM-SHA-512", "alice", "alice-512"), topic, "c");
    assertThat(consume(scram("SCRAM-SHA-512", "alice", "alice-512"), topic, group, 3)).containsExactly("a", "b", "c");
    // The principal is User:alice: her ACLs, no more.
    assertThatThrownBy(() -> produce(scram("SCRAM-SHA-256", "alice", "alice-256"), "scram-forbidden", "x"))
        .hasRootCauseInstanceOf(TopicAuthorizationException.class);
  }

  @Test
  void aWrongPasswordAnUnknownUserAndADeletedCredentialAreRefused() throws Exception {
    upsert("bob", ScramMechanism.SCRAM_SHA_256, "bob-password");
    upsert("bob", ScramMechanism.SCRAM_SHA_512, "bob-password");
    try (Admin bob = Admin.create(scram("SCRAM-SHA-256", "bob", "bob-password"))) {
      assertThat(bob.describeCluster().nodes().get(WAIT_S, TimeUnit.SECONDS)).hasSize(1);
    }
    assertRefused(scram("SCRAM-SHA-256", "bob", "not-bob-password"));
    assertRefused(scram("SCRAM-SHA-512", "nobody", "bob-password"));
    assertRefused(scram("SCRAM-SHA-256", "bootstrap", BOOTSTRAP_KEY));
    try (Admin admin = Admin.create(plain(BOOTSTRAP_KEY))) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_256))).all()
          .get(WAIT_S, TimeUnit.SECONDS);
    }
    assertRefused(scram("SCRAM-SHA-256", "bob", "bob-password"));
    try (Admin bob = Admin.create(scram("SCRAM-SHA-512", "bob", "bob-password"))) {
      assertThat(bob.describeCluster().nodes().get(WAIT_S, TimeUnit.SECONDS)).as("the other mechanism's credential stays")
          .hasSize(1);
    }
  }

  @Test
  void describeAnswersMechanismsAndIterationsAndAlterRefusesWhatKafkaRefuses() throws Exception {
    upsert("carol", ScramMechanism.SCRAM_SHA_512, "carol-password");
    try (Admin admin = Admin.create(plain(BOOTSTRAP_KEY))) {
      UserScramCredentialsDescription carol = admin.describeUserScramCredentials(List.of("carol")).description("carol")
          .get(WAIT_S, TimeUnit.SECONDS);
      assertThat(carol.credentialInfos()).containsExactly(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096));
      assertThat(admin.describeUserScramCredentials().users().get(WAIT_S, TimeUnit.SECONDS)).contains("carol");
      assertThatThrownBy(() -> admin.describeUserScramCredentials(List.of("nobody")).description("nobody")
          .get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(ResourceNotFoundException.class);
      assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("dave",
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4095), "dave-password"))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(UnacceptableCredentialException.class);
      assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("nobody",
          ScramMechanism.SCRAM_SHA_256))).all().get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(ResourceNotFoundException.class);
      assertThat(node.security().accessControl().scramCredentials()).noneMatch(credential -> credential.user().equals("dave"));
    }
    // carol may not ALTER nor DESCRIBE the cluster.
    try (Admin carol = Admin.create(scram("SCRAM-SHA-512", "carol", "carol-password"))) {
      assertThatThrownBy(() -> carol.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("carol",
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "mine"))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ClusterAuthorizationException.class);
      assertThatThrownBy(() -> carol.describeUserScramCredentials().all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ClusterAuthorizationException.class);
    }
  }

  @Test
  void credentialsAreKeptOverARestart() throws Exception {
    upsert("erin", ScramMechanism.SCRAM_SHA_256, "erin-password");
    TestNodes.stop(node);
    node = TestNodes.start(dir.resolve("node"), config);
    try (Admin erin = Admin.create(scram("SCRAM-SHA-256", "erin", "erin-password"))) {
      assertThat(erin.describeCluster().nodes().get(WAIT_S, TimeUnit.SECONDS)).hasSize(1);
    }
    assertRefused(scram("SCRAM-SHA-256", "erin", "not-erin-password"));
  }

  private void upsert(String user, ScramMechanism mechanism, String password) throws Exception {
    try (Admin admin = Admin.create(plain(BOOTSTRAP_KEY))) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(mechanism, 4096),
          password))).all().get(WAIT_S, TimeUnit.SECONDS);
    }
  }

  private void allow(ResourceType type, String name, AclOperation... operations) throws Exception {
    List<AclBinding> acls = new ArrayList<>();
    for (AclOperation operation : operations) {
      acls.add(new AclBinding(type, name, PatternType.LITERAL, "User:alice", AclBinding.ANY_HOST, operation, AclPermission.ALLOW));
    }
    node.security().accessControl().createAcls(acls).get(WAIT_S, TimeUnit.SECONDS);
  }

  private static void assertRefused(Properties client) {
    try (Admin admin = Admin.create(client)) {
      assertThatThrownBy(() -> admin.describeCluster().nodes().get(WAIT_S, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
    }
  }

  private static void produce(Properties client, String topic, String... values) throws Exception {
    client.put(ProducerConfig.ACKS_CONFIG, "all");
    client.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    client.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    client.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    client.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
      for (String value : values) {
        producer.send(new ProducerRecord<>(topic, 0, null, value)).get(WAIT_S, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> consume(Properties client, String topic, String group, int count) {
    client.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    client.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    client.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    client.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    client.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(client, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<String> read = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (read.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> read.add(record.value()));
      }
      consumer.commitSync(Duration.ofSeconds(WAIT_S));
      return read;
    }
  }

  /** SASL_SSL to this node, trusting the test CA. */
  private Properties tls() {
    Properties properties = new Properties();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.kafkaPort());
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
    properties.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
    properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.ca().toString());
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return properties;
  }

  private Properties scram(String mechanism, String user, String password) {
    Properties properties = tls();
    properties.put(SaslConfigs.SASL_MECHANISM, mechanism);
    properties.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user + "\" password=\"" + password + "\";");
    return properties;
  }

  private Properties plain(String password) {
    Properties properties = tls();
    properties.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
    properties.put(SaslConfigs.SASL_JAAS_CONFIG,
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"any\" password=\"" + password + "\";");
    return properties;
  }
}
