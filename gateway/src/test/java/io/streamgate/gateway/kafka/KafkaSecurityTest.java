package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.cluster.security.ScramMechanism;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The Kafka listener of a node with {@code auth=on}, through Kafka's Java client 4.4.0 over
 * SASL_PLAINTEXT: who may connect (PLAIN and OAUTHBEARER with an API key, the bootstrap key), what
 * each principal may do by its ACLs, and Kafka's ACL calls managing the same ACLs.
 */
class KafkaSecurityTest extends KafkaNodeTest {
  private static final String BOOTSTRAP_KEY = "kafka-security-test-bootstrap-key";
  private static final long WAIT_S = 30;

  KafkaSecurityTest() {
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP_KEY));
  }

  @Test
  void aPrincipalProducesAndConsumesWhatItsAclsAllow() throws Exception {
    String topic = createTopic("alice-orders");
    String group = unique("alice-group");
    String alice = keyOf("alice");
    allow("User:alice", ResourceType.TOPIC, topic, AclOperation.WRITE, AclOperation.READ);
    allow("User:alice", ResourceType.GROUP, group, AclOperation.READ);

    try (KafkaProducer<String, String> producer = producer(alice)) {
      for (int i = 0; i < 3; i++) {
        producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i)).get(WAIT_S, TimeUnit.SECONDS);
      }
    }
    try (KafkaConsumer<String, String> consumer = consumer(alice, group)) {
      consumer.subscribe(List.of(topic));
      List<String> read = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (read.size() < 3 && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> read.add(record.value()));
      }
      assertThat(read).containsExactly("v0", "v1", "v2");
      consumer.commitSync(Duration.ofSeconds(WAIT_S));
    }
    assertThat(values(topic)).containsExactly("v0", "v1", "v2");
  }

  @Test
  void aPrincipalWithoutWriteIsRefusedAndNothingIsWritten() throws Exception {
    String topic = createTopic("read-only");
    String bob = keyOf("bob");
    allow("User:bob", ResourceType.TOPIC, topic, AclOperation.READ);
    Properties properties = producerProperties(bob);
    // Not idempotent: InitProducerId would be refused first (no IDEMPOTENT_WRITE, no WRITE anywhere).
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer())) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, 0, "k", "refused")).get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    try (KafkaProducer<String, String> producer = producer(bob)) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, 0, "k", "refused")).get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ClusterAuthorizationException.class);
    }
    assertThat(values(topic)).isEmpty();
  }

  @Test
  void aConsumerWithoutGroupReadIsRefused() throws Exception {
    String topic = createTopic("no-group");
    String group = unique("not-carol-s");
    String carol = keyOf("carol");
    allow("User:carol", ResourceType.TOPIC, topic, AclOperation.READ);
    try (KafkaConsumer<String, String> consumer = consumer(carol, group)) {
      consumer.subscribe(List.of(topic));
      assertThatThrownBy(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200));
        }
      }).isInstanceOf(GroupAuthorizationException.class);
    }
  }

  @Test
  void theGroupConfigAndRecordCallsAreRefusedWhatTheAclsDoNotAllowAndChangeNothing() throws Exception {
    String topic = createTopic("ivan-s");
    String group = unique("ivan-group");
    try (KafkaProducer<String, String> producer = producer(BOOTSTRAP_KEY)) {
      for (int i = 0; i < 3; i++) {
        producer.send(new ProducerRecord<>(topic, 0, "k", "v" + i)).get(WAIT_S, TimeUnit.SECONDS);
      }
    }
    try (KafkaConsumer<String, String> consumer = consumer(BOOTSTRAP_KEY, group)) {
      consumer.subscribe(List.of(topic));
      int read = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (read < 3 && System.nanoTime() < deadline) {
        read += consumer.poll(Duration.ofMillis(200)).count();
      }
      consumer.commitSync(Duration.ofSeconds(WAIT_S));
    }
    String ivan = keyOf("ivan");
    allow("User:ivan", ResourceType.TOPIC, topic, AclOperation.DESCRIBE);
    TopicPartition partition = new TopicPartition(topic, 0);
    try (Admin admin = admin(ivan)) {
      assertThat(admin.listGroups().all().get(WAIT_S, TimeUnit.SECONDS)).extracting(GroupListing::groupId).doesNotContain(group);
      assertThatThrownBy(() -> admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(GroupAuthorizationException.class);
      allow("User:ivan", ResourceType.GROUP, group, AclOperation.DESCRIBE);
      assertThat(admin.listGroups().all().get(WAIT_S, TimeUnit.SECONDS)).extracting(GroupListing::groupId).contains(group);
      assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(WAIT_S, TimeUnit.SECONDS).get(partition)
          .offset()).isEqualTo(3);
      assertThatThrownBy(() -> admin.deleteConsumerGroupOffsets(group, Set.of(partition)).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(GroupAuthorizationException.class);
      assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of(group)).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(GroupAuthorizationException.class);

      ConfigResource ofTopic = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      assertThatThrownBy(() -> admin.describeConfigs(List.of(ofTopic)).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
      assertThatThrownBy(() -> admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, ""))).all()
          .get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(ClusterAuthorizationException.class);
      assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(ofTopic, List.of(new AlterConfigOp(
          new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET)))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
      assertThatThrownBy(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
      assertThatThrownBy(() -> admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(2))).all()
          .get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    // DESCRIBE lets it find the offsets; only READ lets it fetch.
    Properties properties = sasl(ivan);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      assertThatThrownBy(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200));
        }
      }).isInstanceOf(TopicAuthorizationException.class);
    }
    assertThat(values(topic)).containsExactly("v0", "v1", "v2");
    try (Admin admin = admin(BOOTSTRAP_KEY)) {
      assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(WAIT_S, TimeUnit.SECONDS).get(topic).partitions()).hasSize(1);
      assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(WAIT_S, TimeUnit.SECONDS))
          .containsKey(partition);
      assertThat(admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic))).all()
          .get(WAIT_S, TimeUnit.SECONDS).values().iterator().next().get("retention.ms").value()).isNotEqualTo("1000");
    }
  }

  @Test
  void metadataShowsOnlyTheTopicsThePrincipalMayDescribe() throws Exception {
    String seen = createTopic("dave-seen");
    String hidden = createTopic("dave-hidden");
    String dave = keyOf("dave");
    allow("User:dave", ResourceType.TOPIC, seen, AclOperation.DESCRIBE);
    try (Admin admin = admin(dave)) {
      Set<String> names = admin.listTopics().names().get(WAIT_S, TimeUnit.SECONDS);
      assertThat(names).contains(seen).doesNotContain(hidden);
      assertThat(admin.describeTopics(List.of(seen)).allTopicNames().get(WAIT_S, TimeUnit.SECONDS)).containsKey(seen);
      // The same answer for a topic that exists and for one that does not: nothing is learnt.
      for (String topic : List.of(hidden, unique("missing"))) {
        assertThatThrownBy(() -> admin.describeTopics(List.of(topic)).allTopicNames().get(WAIT_S, TimeUnit.SECONDS))
            .hasCauseInstanceOf(TopicAuthorizationException.class);
      }
      assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(unique("dave-new"), 1, (short) 1))).all()
          .get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
      assertThatThrownBy(() -> admin.deleteTopics(List.of(seen)).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    try (Admin admin = admin(BOOTSTRAP_KEY)) {
      assertThat(admin.listTopics().names().get(WAIT_S, TimeUnit.SECONDS)).contains(seen, hidden);
    }
  }

  @Test
  void aWrongOrRevokedKeyFailsAuthentication() throws Exception {
    try (Admin admin = admin("sgk_nosuchkey_0000000000000000")) {
      assertThatThrownBy(() -> admin.listTopics().names().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(SaslAuthenticationException.class);
    }
    var key = node.security().accessControl().createApiKey(Principal.user("erin")).get(WAIT_S, TimeUnit.SECONDS);
    try (Admin admin = admin(key.secret())) {
      admin.listTopics().names().get(WAIT_S, TimeUnit.SECONDS);
    }
    node.security().accessControl().revokeApiKey(key.key().id()).get(WAIT_S, TimeUnit.SECONDS);
    try (Admin admin = admin(key.secret())) {
      assertThatThrownBy(() -> admin.listTopics().names().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  void aRequestBeforeAuthenticationClosesTheConnection() throws IOException {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"), (short) 3, 1);
      ApiVersionsResponseData versions = kafka.read(ApiKeys.API_VERSIONS.id, (short) 3, 1, ApiVersionsResponseData.class);
      assertThat(versions.apiKeys().find(ApiKeys.SASL_HANDSHAKE.id)).isNotNull();
      assertThat(versions.apiKeys().find(ApiKeys.SASL_AUTHENTICATE.id)).isNotNull();
      kafka.send(new MetadataRequestData().setTopics(null), (short) 12, 2);
      assertThat(kafka.closedByServer()).isTrue();
    }
  }

  @Test
  void aSaslHandshakeV0IsFollowedByTheBareToken() throws Exception {
    String key = keyOf("henry");
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 0, 1);
      SaslHandshakeResponseData handshake = kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 0, 1, SaslHandshakeResponseData.class);
      assertThat(handshake.errorCode()).isZero();
      assertThat(handshake.mechanisms()).containsExactly("PLAIN", "OAUTHBEARER", "SCRAM-SHA-256", "SCRAM-SHA-512");
      kafka.sendRaw(bareToken("\0henry\0" + key));
      assertThat(kafka.readFrame().remaining()).as("the bare, empty answer").isZero();
      kafka.send(new MetadataRequestData().setTopics(null), (short) 12, 2);
      assertThat(kafka.read(ApiKeys.METADATA.id, (short) 12, 2, MetadataResponseData.class).brokers()).hasSize(1);
    }
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 0, 1);
      kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 0, 1, SaslHandshakeResponseData.class);
      kafka.sendRaw(bareToken("\0henry\0sgk_nosuchkey_0000000000000000"));
      assertThat(kafka.closedByServer()).as("Kafka's v0 rule: a failure is a close").isTrue();
    }
  }

  @Test
  void aScramExchangeAfterAHandshakeV0TakesBareTokensBothWays() throws Exception {
    ScramMechanism sha512 = ScramMechanism.SCRAM_SHA_512;
    byte[] salt = "raw-salt".getBytes(StandardCharsets.UTF_8);
    byte[] salted = sha512.saltedPassword("ivy-password", salt, 4096);
    node.security().accessControl().alterScramCredentials(List.of(sha512.credential("ivy", salt, 4096, salted)), List.of())
        .get(WAIT_S, TimeUnit.SECONDS);
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-512"), (short) 0, 1);
      assertThat(kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 0, 1, SaslHandshakeResponseData.class).errorCode()).isZero();
      String clientFirstBare = "n=ivy,r=client-nonce";
      kafka.sendRaw(bareToken("n,," + clientFirstBare));
      String serverFirst = StandardCharsets.UTF_8.decode(kafka.readFrame()).toString();
      assertThat(serverFirst).startsWith("r=client-nonce").endsWith(",s=" + Base64.getEncoder().encodeToString(salt) + ",i=4096");
      String withoutProof = "c=biws,r=" + serverFirst.substring(2, serverFirst.indexOf(','));
      byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
      byte[] clientKey = sha512.hmac(salted, "Client Key".getBytes(StandardCharsets.UTF_8));
      byte[] proof = sha512.hmac(sha512.hash(clientKey), authMessage);
      for (int i = 0; i < proof.length; i++) {
        proof[i] ^= clientKey[i];
      }
      kafka.sendRaw(bareToken(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)));
      byte[] serverKey = sha512.hmac(salted, "Server Key".getBytes(StandardCharsets.UTF_8));
      assertThat(StandardCharsets.UTF_8.decode(kafka.readFrame()).toString())
          .isEqualTo("v=" + Base64.getEncoder().encodeToString(sha512.hmac(serverKey, authMessage)));
      kafka.send(new MetadataRequestData().setTopics(null), (short) 12, 2);
      assertThat(kafka.read(ApiKeys.METADATA.id, (short) 12, 2, MetadataResponseData.class).brokers()).hasSize(1);
    }
  }

  @Test
  void anUnofferedMechanismOrASecondV0HandshakeIsAnsweredAndClosed() throws Exception {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new SaslHandshakeRequestData().setMechanism("GSSAPI"), (short) 1, 1);
      SaslHandshakeResponseData refused = kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 1, 1, SaslHandshakeResponseData.class);
      assertThat(refused.errorCode()).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
      assertThat(refused.mechanisms()).containsExactly("PLAIN", "OAUTHBEARER", "SCRAM-SHA-256", "SCRAM-SHA-512");
      assertThat(kafka.closedByServer()).isTrue();
    }
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1, 1);
      kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 1, 1, SaslHandshakeResponseData.class);
      kafka.send(new SaslAuthenticateRequestData().setAuthBytes(("\0x\0" + BOOTSTRAP_KEY).getBytes(StandardCharsets.UTF_8)), (short) 2, 2);
      assertThat(kafka.read(ApiKeys.SASL_AUTHENTICATE.id, (short) 2, 2, SaslAuthenticateResponseData.class).errorCode()).isZero();
      // A second handshake is a re-authentication (KIP-368), which takes a v1 handshake; a v0 one is refused.
      kafka.send(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 0, 3);
      SaslHandshakeResponseData again = kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 0, 3, SaslHandshakeResponseData.class);
      assertThat(again.errorCode()).isEqualTo(Errors.ILLEGAL_SASL_STATE.code());
      assertThat(kafka.closedByServer()).isTrue();
    }
  }

  @Test
  void aMalformedSaslMessageFailsAuthenticationAndAWellFormedBearerMessageSucceeds() throws Exception {
    String key = keyOf("judy");
    Map<String, String> malformed = Map.of("PLAIN", "only-a-password-" + key, "OAUTHBEARER", "n,,\u0001auth=" + key + "\u0001\u0001");
    for (Map.Entry<String, String> message : malformed.entrySet()) {
      try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
        kafka.send(new SaslHandshakeRequestData().setMechanism(message.getKey()), (short) 1, 1);
        kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 1, 1, SaslHandshakeResponseData.class);
        kafka.send(new SaslAuthenticateRequestData().setAuthBytes(message.getValue().getBytes(StandardCharsets.UTF_8)), (short) 2, 2);
        SaslAuthenticateResponseData answer = kafka.read(ApiKeys.SASL_AUTHENTICATE.id, (short) 2, 2, SaslAuthenticateResponseData.class);
        assertThat(answer.errorCode()).as(message.getKey()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
        assertThat(answer.errorMessage()).contains("malformed " + message.getKey()).doesNotContain(key);
        assertThat(kafka.closedByServer()).isTrue();
      }
    }
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new SaslHandshakeRequestData().setMechanism("OAUTHBEARER"), (short) 1, 1);
      kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 1, 1, SaslHandshakeResponseData.class);
      byte[] message = ("n,a=judy,\u0001host=localhost\u0001auth=Bearer " + key + "\u0001\u0001").getBytes(StandardCharsets.UTF_8);
      kafka.send(new SaslAuthenticateRequestData().setAuthBytes(message), (short) 2, 2);
      assertThat(kafka.read(ApiKeys.SASL_AUTHENTICATE.id, (short) 2, 2, SaslAuthenticateResponseData.class).errorCode()).isZero();
      kafka.send(new MetadataRequestData().setTopics(null), (short) 12, 3);
      assertThat(kafka.read(ApiKeys.METADATA.id, (short) 12, 3, MetadataResponseData.class).brokers()).hasSize(1);
    }
  }

  private static byte[] bareToken(String token) {
    byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes).array();
  }

  @Test
  void aLargeFrameIsRefusedBeforeAuthenticationAndServedAfterIt() throws Exception {
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.sendRaw(ByteBuffer.allocate(4).putInt(KafkaConnection.UNAUTHENTICATED_MAX_FRAME_BYTES + 1).array());
      assertThat(kafka.closedByServer()).isTrue();
    }
    String topic = createTopic("large");
    String large = "x".repeat(KafkaConnection.UNAUTHENTICATED_MAX_FRAME_BYTES + 1);
    try (KafkaProducer<String, String> producer = producer(BOOTSTRAP_KEY)) {
      producer.send(new ProducerRecord<>(topic, 0, "k", large)).get(WAIT_S, TimeUnit.SECONDS);
    }
    assertThat(values(topic)).containsExactly(large);
  }

  @Test
  void oauthBearerCarriesAnApiKeyAsItsToken() throws Exception {
    String topic = createTopic("oauth");
    String frank = keyOf("frank");
    allow("User:frank", ResourceType.TOPIC, topic, AclOperation.DESCRIBE);
    try (Admin admin = Admin.create(oauth(frank))) {
      assertThat(admin.listTopics().names().get(WAIT_S, TimeUnit.SECONDS)).contains(topic);
    }
    try (Admin admin = Admin.create(oauth("sgk_nosuchkey_0000000000000000"))) {
      assertThatThrownBy(() -> admin.listTopics().names().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  void theAdminClientsAclCallsManageTheAclsInForce() throws Exception {
    String topic = createTopic("grace");
    String grace = keyOf("grace");
    var binding = new org.apache.kafka.common.acl.AclBinding(
        new ResourcePattern(org.apache.kafka.common.resource.ResourceType.TOPIC, topic,
            org.apache.kafka.common.resource.PatternType.LITERAL),
        new AccessControlEntry("User:grace", "*", org.apache.kafka.common.acl.AclOperation.DESCRIBE,
            org.apache.kafka.common.acl.AclPermissionType.ALLOW));
    AclBindingFilter graces = new AclBindingFilter(ResourcePatternFilter.ANY,
        new AccessControlEntryFilter("User:grace", null, org.apache.kafka.common.acl.AclOperation.ANY,
            org.apache.kafka.common.acl.AclPermissionType.ANY));
    try (Admin admin = admin(BOOTSTRAP_KEY); Admin asGrace = admin(grace)) {
      assertThatThrownBy(() -> asGrace.describeTopics(List.of(topic)).allTopicNames().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
      admin.createAcls(List.of(binding)).all().get(WAIT_S, TimeUnit.SECONDS);
      assertThat(admin.describeAcls(graces).values().get(WAIT_S, TimeUnit.SECONDS)).containsExactly(binding);
      assertThat(asGrace.describeTopics(List.of(topic)).allTopicNames().get(WAIT_S, TimeUnit.SECONDS)).containsKey(topic);
      // Only who may alter the cluster manages ACLs.
      assertThatThrownBy(() -> asGrace.createAcls(List.of(binding)).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ClusterAuthorizationException.class);
      assertThatThrownBy(() -> asGrace.describeAcls(graces).values().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ClusterAuthorizationException.class);
      // A resource type Streamgate does not have is refused, per ACL.
      var transactional = new org.apache.kafka.common.acl.AclBinding(
          new ResourcePattern(org.apache.kafka.common.resource.ResourceType.TRANSACTIONAL_ID, "tx",
              org.apache.kafka.common.resource.PatternType.LITERAL),
          binding.entry());
      assertThatThrownBy(() -> admin.createAcls(List.of(transactional)).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InvalidRequestException.class).hasMessageContaining("TRANSACTIONAL_ID");

      Collection<org.apache.kafka.common.acl.AclBinding> deleted = admin.deleteAcls(List.of(graces)).all()
          .get(WAIT_S, TimeUnit.SECONDS);
      assertThat(deleted).containsExactly(binding);
      assertThat(admin.describeAcls(graces).values().get(WAIT_S, TimeUnit.SECONDS)).isEmpty();
      assertThatThrownBy(() -> asGrace.describeTopics(List.of(topic)).allTopicNames().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
  }

  /** A new one-partition topic named after {@code base}, made by the bootstrap key's holder. */
  private String createTopic(String base) throws Exception {
    String topic = unique(base);
    try (Admin admin = admin(BOOTSTRAP_KEY)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT_S, TimeUnit.SECONDS);
    }
    return topic;
  }

  private String keyOf(String user) throws Exception {
    return node.security().accessControl().createApiKey(Principal.user(user)).get(WAIT_S, TimeUnit.SECONDS).secret();
  }

  private void allow(String principal, ResourceType type, String name, AclOperation... operations) throws Exception {
    List<AclBinding> acls = new ArrayList<>();
    for (AclOperation operation : operations) {
      acls.add(new AclBinding(type, name, PatternType.LITERAL, principal, AclBinding.ANY_HOST, operation, AclPermission.ALLOW));
    }
    node.security().accessControl().createAcls(acls).get(WAIT_S, TimeUnit.SECONDS);
  }

  /** Every value of partition 0 of {@code topic}, read by the bootstrap key's holder. */
  private List<String> values(String topic) {
    Properties properties = sasl(BOOTSTRAP_KEY);
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(WAIT_S)).get(partition);
      List<ConsumerRecord<String, String>> read = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (consumer.position(partition, Duration.ofSeconds(WAIT_S)) < end && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(read::add);
      }
      return read.stream().map(ConsumerRecord::value).collect(Collectors.toList());
    }
  }

  /** A client's settings for SASL/PLAIN with {@code password} (an API key or the bootstrap key); the user name is not used. */
  private Properties sasl(String password) {
    Properties properties = new Properties();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    properties.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
    properties.put(SaslConfigs.SASL_JAAS_CONFIG,
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"any\" password=\"" + password + "\";");
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return properties;
  }

  private Properties oauth(String token) {
    Properties properties = new Properties();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    properties.put(SaslConfigs.SASL_MECHANISM, "OAUTHBEARER");
    properties.put(SaslConfigs.SASL_JAAS_CONFIG,
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required token=\"" + token + "\";");
    properties.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS, FixedToken.class.getName());
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return properties;
  }

  private Admin admin(String password) {
    return Admin.create(sasl(password));
  }

  private Properties producerProperties(String password) {
    Properties properties = sasl(password);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    return properties;
  }

  private KafkaProducer<String, String> producer(String password) {
    return new KafkaProducer<>(producerProperties(password), new StringSerializer(), new StringSerializer());
  }

  private KafkaConsumer<String, String> consumer(String password, String group) {
    Properties properties = sasl(password);
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    return new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
  }

  /**
   * The OAUTHBEARER client's token: the {@code token} option of its JAAS line as it is (an API key
   * here, until the node verifies JWTs), not an unsecured JWT made by Kafka's default handler.
   */
  public static final class FixedToken extends OAuthBearerLogin {
    @Override
    Token next(Map<String, ?> options) {
      long now = System.currentTimeMillis();
      return new Token((String) options.get("token"), "any", now, now + TimeUnit.HOURS.toMillis(1));
    }
  }
}
