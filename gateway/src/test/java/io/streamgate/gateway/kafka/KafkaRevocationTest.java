package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.NewApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.security.JwtTokens;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kafka connections already open when their client's rights go: a revoked API key closes the
 * connection; a withdrawn ACL refuses the connection's next request; a token's session ends at its
 * expiry unless the client re-authenticates (KIP-368: SaslAuthenticate answers the session lifetime,
 * a new SaslHandshake and SaslAuthenticate on the connection renew it, as the same principal only).
 */
class KafkaRevocationTest extends KafkaNodeTest {
  private static final String BOOTSTRAP_KEY = "bootstrap-key-for-kafka-revocation";
  private static final Duration CUT_WITHIN = Duration.ofSeconds(10);
  private static final long WAIT_S = 30;
  private static final Vertx SIGNING = Vertx.vertx();
  /** The token issuer; static, as the Java client's login callback handler is made by the client. */
  private static final JwtTokens ISSUER = JwtTokens.rsa(SIGNING, null);
  /** How long a token that {@link ShortLivedTokens} makes lives. */
  private static final long SHORT_TOKEN_S = 6;

  KafkaRevocationTest() {
    // No clock skew: a token expires at its exp.
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP_KEY, "auth-jwt-public-key", issuerKeyFile(), "auth-jwt-issuer",
        "https://issuer.test", "auth-jwt-audience", "streamgate", "auth-jwt-clock-skew-seconds", "0"));
  }

  private static String issuerKeyFile() {
    try {
      Path file = Files.createTempFile("kafka-revocation-issuer", ".pem");
      file.toFile().deleteOnExit();
      return Files.writeString(file, ISSUER.publicKeyPem()).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every connection a test opened is gone and no longer watched. */
  @AfterEach
  void noConnectionIsWatchedAnyMore() {
    await().atMost(CUT_WITHIN).untilAsserted(() -> assertThat(node.security().watchedSessions()).isZero());
  }

  @AfterAll
  static void closeSigning() {
    SIGNING.close();
  }

  @Test
  void revokingTheKeyOfAnOpenConsumerCutsItAndNoOtherConsumer() throws Exception {
    String topic = createTopic("revoked");
    NewApiKey alice = key("alice");
    NewApiKey bob = key("bob");
    allowRead("alice", topic);
    allowRead("bob", topic);
    produce(topic, "one");
    KafkaConsumer<String, String> alices = consumer(alice.secret(), topic);
    try (KafkaConsumer<String, String> bobs = consumer(bob.secret(), topic)) {
      assertThat(pollUntilValue(alices)).isEqualTo("one");
      assertThat(pollUntilValue(bobs)).isEqualTo("one");

      node.security().accessControl().revokeApiKey(alice.key().id()).get(WAIT_S, TimeUnit.SECONDS);

      // The connection is closed; the client connects again and is refused.
      await().atMost(CUT_WITHIN).untilAsserted(() -> assertThatThrownBy(() -> alices.poll(Duration.ofMillis(200)))
          .isInstanceOf(AuthenticationException.class));
      produce(topic, "two");
      assertThat(pollUntilValue(bobs)).isEqualTo("two");
    } finally {
      // Its close throws the refusal it met again: the client's way, nothing left open.
      catchThrowable(alices::close);
    }
  }

  @Test
  void revokingAKeyClosesTheConnectionItAuthenticated() throws Exception {
    NewApiKey carol = key("carol");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      authenticate(kafka, "PLAIN", ("\0any\0" + carol.secret()).getBytes(StandardCharsets.UTF_8), 1);
      metadata(kafka, 3);
      node.security().accessControl().revokeApiKey(carol.key().id()).get(WAIT_S, TimeUnit.SECONDS);
      long start = System.nanoTime();
      assertThat(kafka.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CUT_WITHIN);
    }
  }

  @Test
  void withdrawingReadRefusesTheNextFetchOnTheSameConnection() throws Exception {
    String topic = createTopic("withdrawn");
    NewApiKey dave = key("dave");
    allowRead("dave", topic);
    produce(topic, "one");
    try (KafkaConsumer<String, String> consumer = consumer(dave.secret(), topic)) {
      assertThat(pollUntilValue(consumer)).isEqualTo("one");
      node.security().accessControl().deleteAcls(new AclFilter(Optional.of(ResourceType.TOPIC), Optional.of(topic),
          Optional.of(PatternType.LITERAL), Optional.of("User:dave"), Optional.empty(), Optional.of(AclOperation.READ),
          Optional.empty())).get(WAIT_S, TimeUnit.SECONDS);
      await().atMost(CUT_WITHIN).untilAsserted(() -> assertThatThrownBy(() -> consumer.poll(Duration.ofMillis(200)))
          .isInstanceOf(TopicAuthorizationException.class));
    }
  }

  @Test
  void aTokenSessionIsRenewedByReauthenticatingAsTheSamePrincipal() throws Exception {
    long firstExpirySeconds = JwtTokens.now() + 5;
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      SaslAuthenticateResponseData first = authenticate(kafka, "OAUTHBEARER",
          bearer(ISSUER.sign(JwtTokens.claims("erin").put("exp", firstExpirySeconds))), 1);
      assertThat(first.sessionLifetimeMs()).isPositive().isLessThanOrEqualTo(5000);

      SaslAuthenticateResponseData renewed = authenticate(kafka, "OAUTHBEARER", bearer(ISSUER.sign(JwtTokens.claims("erin"))), 3);
      assertThat(renewed.sessionLifetimeMs()).isGreaterThan(TimeUnit.MINUTES.toMillis(59));

      await().atMost(CUT_WITHIN).until(() -> JwtTokens.now() > firstExpirySeconds);
      metadata(kafka, 5);
    }
  }

  @Test
  void reauthenticatingAsAnotherPrincipalFailsAndCloses() throws Exception {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      authenticate(kafka, "OAUTHBEARER", bearer(ISSUER.sign(JwtTokens.claims("frank"))), 1);
      kafka.send(new SaslHandshakeRequestData().setMechanism("OAUTHBEARER"), (short) 1, 3);
      assertThat(kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 1, 3, SaslHandshakeResponseData.class).errorCode()).isZero();
      kafka.send(new SaslAuthenticateRequestData().setAuthBytes(bearer(ISSUER.sign(JwtTokens.claims("grace")))), (short) 2, 4);
      SaslAuthenticateResponseData refused = kafka.read(ApiKeys.SASL_AUTHENTICATE.id, (short) 2, 4, SaslAuthenticateResponseData.class);
      assertThat(refused.errorCode()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
      assertThat(refused.errorMessage()).contains("Cannot change principals");
      assertThat(kafka.closedByServer()).isTrue();
    }
  }

  @Test
  void reauthenticatingWithAnotherMechanismIsRefusedAndCloses() throws Exception {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      authenticate(kafka, "OAUTHBEARER", bearer(ISSUER.sign(JwtTokens.claims("ivy"))), 1);
      kafka.send(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1, 3);
      assertThat(kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 1, 3, SaslHandshakeResponseData.class).errorCode())
          .isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
      assertThat(kafka.closedByServer()).isTrue();
    }
  }

  @Test
  void aRequestAfterTheSessionExpiredClosesTheConnection() throws Exception {
    long expirySeconds = JwtTokens.now() + 4;
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      authenticate(kafka, "OAUTHBEARER", bearer(ISSUER.sign(JwtTokens.claims("heidi").put("exp", expirySeconds))), 1);
      metadata(kafka, 3);
      await().atMost(CUT_WITHIN).until(() -> JwtTokens.now() > expirySeconds);
      kafka.send(new MetadataRequestData().setTopics(null), (short) 12, 4);
      assertThat(kafka.closedByServer()).isTrue();
    }
  }

  /** The Java client re-authenticates on its own before each token's session ends, and goes on producing. */
  @Test
  void theJavaClientReauthenticatesWithAFreshTokenAndGoesOn() throws Exception {
    String topic = createTopic("renewed");
    allow("ivan", ResourceType.TOPIC, topic, AclOperation.WRITE);
    Properties properties = new Properties();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    properties.put(SaslConfigs.SASL_MECHANISM, "OAUTHBEARER");
    properties.put(SaslConfigs.SASL_JAAS_CONFIG,
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required principal=\"ivan\";");
    properties.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS, ShortLivedTokens.class.getName());
    // Fetch a new token halfway through the old one's life (the defaults wait at least a minute).
    properties.put(SaslConfigs.SASL_LOGIN_REFRESH_WINDOW_FACTOR, "0.5");
    properties.put(SaslConfigs.SASL_LOGIN_REFRESH_MIN_PERIOD_SECONDS, "0");
    properties.put(SaslConfigs.SASL_LOGIN_REFRESH_BUFFER_SECONDS, "0");
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer())) {
      int[] sent = {0};
      await().atMost(Duration.ofSeconds(4 * SHORT_TOKEN_S)).pollInterval(Duration.ofMillis(200)).until(() -> {
        producer.send(new ProducerRecord<>(topic, 0, null, "v" + sent[0]++)).get(WAIT_S, TimeUnit.SECONDS);
        return metric(producer.metrics(), "successful-reauthentication-total") >= 2;
      });
      assertThat(metric(producer.metrics(), "failed-reauthentication-total")).isZero();
    }
  }

  private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
    return metrics.entrySet().stream().filter(entry -> entry.getKey().name().equals(name))
        .mapToDouble(entry -> ((Number) entry.getValue().metricValue()).doubleValue()).sum();
  }

  /** A SaslHandshake (v1) and SaslAuthenticate (v2) with {@code message}, answered without error; their correlation ids from {@code first}. */
  private static SaslAuthenticateResponseData authenticate(RawKafka kafka, String mechanism, byte[] message, int first) throws IOException {
    kafka.send(new SaslHandshakeRequestData().setMechanism(mechanism), (short) 1, first);
    assertThat(kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 1, first, SaslHandshakeResponseData.class).errorCode()).isZero();
    kafka.send(new SaslAuthenticateRequestData().setAuthBytes(message), (short) 2, first + 1);
    SaslAuthenticateResponseData answer = kafka.read(ApiKeys.SASL_AUTHENTICATE.id, (short) 2, first + 1,
        SaslAuthenticateResponseData.class);
    assertThat(answer.errorCode()).as(answer.errorMessage()).isZero();
    return answer;
  }

  private static void metadata(RawKafka kafka, int correlationId) throws IOException {
    kafka.send(new MetadataRequestData().setTopics(null), (short) 12, correlationId);
    assertThat(kafka.read(ApiKeys.METADATA.id, (short) 12, correlationId, MetadataResponseData.class).brokers()).hasSize(1);
  }

  /** OAUTHBEARER's client message (RFC 7628 §3.1). */
  private static byte[] bearer(String token) {
    return ("n,,\u0001auth=Bearer " + token + "\u0001\u0001").getBytes(StandardCharsets.UTF_8);
  }

  private NewApiKey key(String user) throws Exception {
    return node.security().accessControl().createApiKey(Principal.user(user)).get(WAIT_S, TimeUnit.SECONDS);
  }

  private void allowRead(String user, String topic) throws Exception {
    allow(user, ResourceType.TOPIC, topic, AclOperation.READ);
  }

  private void allow(String user, ResourceType type, String name, AclOperation operation) throws Exception {
    node.security().accessControl().createAcls(List.of(new AclBinding(type, name, PatternType.LITERAL, "User:" + user,
        AclBinding.ANY_HOST, operation, AclPermission.ALLOW))).get(WAIT_S, TimeUnit.SECONDS);
  }

  private Properties plain(String password) {
    Properties properties = new Properties();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    properties.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
    properties.put(SaslConfigs.SASL_JAAS_CONFIG,
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"any\" password=\"" + password + "\";");
    return properties;
  }

  private String createTopic(String base) throws Exception {
    String topic = unique(base);
    try (Admin admin = Admin.create(plain(BOOTSTRAP_KEY))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT_S, TimeUnit.SECONDS);
    }
    return topic;
  }

  private void produce(String topic, String value) throws Exception {
    Properties properties = plain(BOOTSTRAP_KEY);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, 0, null, value)).get(WAIT_S, TimeUnit.SECONDS);
    }
  }

  /** A consumer of partition 0 of {@code topic} from its start, without a group. */
  private KafkaConsumer<String, String> consumer(String password, String topic) {
    Properties properties = plain(password);
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
    TopicPartition partition = new TopicPartition(topic, 0);
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    return consumer;
  }

  /** The next record's value. */
  private static String pollUntilValue(KafkaConsumer<String, String> consumer) {
    List<String> values = new ArrayList<>();
    await().atMost(Duration.ofSeconds(WAIT_S)).until(() -> {
      consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
      return !values.isEmpty();
    });
    return values.get(0);
  }

  /** A login callback handler that makes a new token for the JAAS line's {@code principal} at each call, good for {@value #SHORT_TOKEN_S} s. */
  public static final class ShortLivedTokens extends OAuthBearerLogin {
    @Override
    Token next(Map<String, ?> options) {
      String principal = (String) options.get("principal");
      long nowSeconds = JwtTokens.now();
      long expirySeconds = nowSeconds + SHORT_TOKEN_S;
      return new Token(ISSUER.sign(JwtTokens.claims(principal).put("exp", expirySeconds)), principal, nowSeconds * 1000,
          expirySeconds * 1000);
    }
  }
}
