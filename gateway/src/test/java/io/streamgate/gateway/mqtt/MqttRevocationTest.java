package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.NewApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.SharedNodeTest;
import io.streamgate.gateway.security.AuditLog;
import io.streamgate.gateway.security.JwtTokens;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MQTT connections already open when their client's rights go: a revoked key or an expired token disconnects the client
 * (MQTT 5: DISCONNECT 0x87 Not authorized; 3.1.1: the connection closes), a withdrawn READ stops
 * what the subscription delivers while the connection goes on; another client is not disturbed.
 */
class MqttRevocationTest extends SharedNodeTest {
  private static final String BOOTSTRAP_KEY = "bootstrap-key-for-mqtt-revocation";
  private static final int NOT_AUTHORIZED = 0x87;
  private static final Duration CUT_WITHIN = Duration.ofSeconds(5);

  private static final Vertx SIGNING = Vertx.vertx();
  private static final JwtTokens ISSUER = JwtTokens.rsa(SIGNING, null);

  private final LogCapture audit = new LogCapture();

  MqttRevocationTest() {
    // No clock skew: a token expires at its exp.
    super(Map.of("mqtt-port", "-1", "auth", "on", "auth-bootstrap-key", BOOTSTRAP_KEY, "auth-jwt-public-key", issuerKeyFile(),
        "auth-jwt-issuer", "https://issuer.test", "auth-jwt-audience", "streamgate", "auth-jwt-clock-skew-seconds", "0"));
  }

  private static String issuerKeyFile() {
    try {
      Path file = Files.createTempFile("mqtt-revocation-issuer", ".pem");
      file.toFile().deleteOnExit();
      return Files.writeString(file, ISSUER.publicKeyPem()).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  void stopCapturing() {
    audit.close();
    SIGNING.close();
  }

  /** Every connection a test opened is gone and no longer watched. */
  @AfterEach
  void noConnectionIsWatchedAnyMore() {
    await().atMost(CUT_WITHIN).untilAsserted(() -> assertThat(node.security().watchedSessions()).isZero());
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void revokingAKeyDisconnectsItsSubscriberAndNoOther(int version) throws Exception {
    String topic = unique("feed");
    publish(topic + "/x", "before");
    String alice = unique("alice");
    String bob = unique("bob");
    allowRead(alice, topic);
    allowRead(bob, topic);
    NewApiKey alicesKey = keyFor(alice);
    try (RawMqttClient alices = subscriber(version, alicesKey.secret(), topic);
        RawMqttClient bobs = subscriber(version, keyFor(bob).secret(), topic)) {
      publish(topic + "/x", "one");
      assertThat(nextPayload(alices, version)).isEqualTo("one");
      assertThat(nextPayload(bobs, version)).isEqualTo("one");

      node.security().accessControl().revokeApiKey(alicesKey.key().id()).get(30, TimeUnit.SECONDS);

      if (version == 5) {
        RawMqttClient.Packet disconnect = alices.read();
        assertThat(disconnect.type()).isEqualTo(RawMqttClient.DISCONNECT);
        assertThat(disconnect.body()[0] & 0xff).isEqualTo(NOT_AUTHORIZED);
      }
      assertThat(alices.closedByServer()).isTrue();
      publish(topic + "/x", "two");
      assertThat(nextPayload(bobs, version)).isEqualTo("two");
    }
    assertThat(audit.warningsOf(AuditLog.LOGGER)).anyMatch(line -> line.contains("event=authentication-failed")
        && line.contains("protocol=mqtt") && line.contains("API key " + alicesKey.key().id() + " of User:" + alice + " revoked"));
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void aTokenExpiringDisconnectsItsClient(int version) throws Exception {
    String topic = unique("expiring");
    publish(topic + "/x", "before");
    String erin = unique("erin");
    allowRead(erin, topic);
    // Time enough to see it deliver first on a slow machine; the read below waits up to 10 s.
    String token = ISSUER.sign(JwtTokens.claims(erin).put("exp", JwtTokens.now() + 4));
    try (RawMqttClient erins = subscriber(version, token, topic)) {
      publish(topic + "/x", "one");
      assertThat(nextPayload(erins, version)).isEqualTo("one");
      if (version == 5) {
        RawMqttClient.Packet disconnect = erins.read();
        assertThat(disconnect.type()).isEqualTo(RawMqttClient.DISCONNECT);
        assertThat(disconnect.body()[0] & 0xff).isEqualTo(NOT_AUTHORIZED);
      }
      assertThat(erins.closedByServer()).isTrue();
    }
    assertThat(audit.warningsOf(AuditLog.LOGGER)).anyMatch(line -> line.contains("event=authentication-failed")
        && line.contains("protocol=mqtt") && line.contains("token of User:" + erin + " expired"));
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void withdrawingReadStopsDeliveryAndKeepsTheConnection(int version) throws Exception {
    String topic = unique("withdrawn");
    publish(topic + "/x", "before");
    String carol = unique("carol");
    allowRead(carol, topic);
    try (RawMqttClient carols = subscriber(version, keyFor(carol).secret(), topic)) {
      publish(topic + "/x", "one");
      assertThat(nextPayload(carols, version)).isEqualTo("one");

      node.security().accessControl().deleteAcls(new AclFilter(Optional.of(ResourceType.TOPIC), Optional.of(topic),
          Optional.of(PatternType.LITERAL), Optional.of("User:" + carol), Optional.empty(), Optional.of(AclOperation.READ),
          Optional.empty())).get(30, TimeUnit.SECONDS);
      // The connection saw the change once the denial is audited: its reader of the topic stopped at that moment.
      await().atMost(CUT_WITHIN).until(() -> audit.warningsOf(AuditLog.LOGGER).stream().anyMatch(line -> line.contains("event=denied")
          && line.contains("User:" + carol) && line.contains("protocol=mqtt") && line.contains("TOPIC:\"" + topic + "\"")));

      publish(topic + "/x", "two");
      assertThat(carols.poll(1000)).as("nothing delivered once READ is withdrawn").isNull();
      carols.pingreq();
      assertThat(carols.read().type()).isEqualTo(RawMqttClient.PINGRESP);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void withdrawingReadOnItsGroupEndsASharedSubscription(int version) throws Exception {
    String topic = unique("pooled");
    publish(topic + "/x", "before");
    String dan = unique("dan");
    allowRead(dan, topic);
    String share = unique("pool");
    // The share's group is mqtt-share.{ShareName}.{crc32 of the filter}.
    AclBinding groupRead = new AclBinding(ResourceType.GROUP, "mqtt-share." + share + ".", PatternType.PREFIXED,
        Principal.user(dan).toString(), AclBinding.ANY_HOST, AclOperation.READ, AclPermission.ALLOW);
    node.security().accessControl().createAcls(List.of(groupRead)).get(30, TimeUnit.SECONDS);
    try (RawMqttClient worker = new RawMqttClient(node.mqttPort(), version).credentials("any-user", keyFor(dan).secret())) {
      assertThat(worker.connect(unique("worker"))).isZero();
      worker.subscribe(1, "$share/" + share + "/" + topic + "/#", 1);
      RawMqttClient.Packet suback = worker.read();
      assertThat(suback.body()[suback.body().length - 1] & 0xff).as("granted QoS 1").isEqualTo(1);
      publish(topic + "/x", "one");
      assertThat(nextPayload(worker, version)).isEqualTo("one");

      node.security().accessControl().deleteAcls(new AclFilter(Optional.of(ResourceType.GROUP), Optional.of(groupRead.resourceName()),
          Optional.of(PatternType.PREFIXED), Optional.of(groupRead.principal()), Optional.empty(), Optional.empty(), Optional.empty()))
          .get(30, TimeUnit.SECONDS);
      await().atMost(CUT_WITHIN).until(() -> audit.warningsOf(AuditLog.LOGGER).stream().anyMatch(line -> line.contains("event=denied")
          && line.contains("User:" + dan) && line.contains("protocol=mqtt") && line.contains("GROUP:\"mqtt-share." + share + ".")));

      publish(topic + "/x", "two");
      assertThat(worker.poll(1000)).as("nothing delivered once READ on the group is withdrawn").isNull();
      worker.pingreq();
      assertThat(worker.read().type()).isEqualTo(RawMqttClient.PINGRESP);
    }
  }

  /** Connected, subscribed to {@code topic/#} at QoS 1. */
  private RawMqttClient subscriber(int version, String secret, String topic) throws Exception {
    RawMqttClient client = new RawMqttClient(node.mqttPort(), version).credentials("any-user", secret);
    assertThat(client.connect(unique("client"))).isZero();
    client.subscribe(1, topic + "/#", 1);
    RawMqttClient.Packet suback = client.read();
    assertThat(suback.type()).isEqualTo(RawMqttClient.SUBACK);
    assertThat(suback.body()[suback.body().length - 1] & 0xff).as("granted QoS 1").isEqualTo(1);
    return client;
  }

  /** The next PUBLISH's payload (QoS 1), acknowledged. */
  private static String nextPayload(RawMqttClient client, int version) throws Exception {
    RawMqttClient.Packet publish = client.read();
    assertThat(publish.type()).isEqualTo(RawMqttClient.PUBLISH);
    client.puback(publish.publishPacketId());
    byte[] body = publish.body();
    int start = 2 + ((body[0] & 0xff) << 8 | body[1] & 0xff) + 2;
    if (version == 5) {
      // The properties: their length (a varint; under 128 here), then them.
      start += 1 + body[start];
    }
    return new String(body, start, body.length - start, UTF_8);
  }

  private NewApiKey keyFor(String user) throws Exception {
    return node.security().accessControl().createApiKey(Principal.user(user)).get(30, TimeUnit.SECONDS);
  }

  private void allowRead(String user, String topic) throws Exception {
    node.security().accessControl().createAcls(List.of(new AclBinding(ResourceType.TOPIC, topic, PatternType.LITERAL,
        Principal.user(user).toString(), AclBinding.ANY_HOST, AclOperation.READ, AclPermission.ALLOW))).get(30, TimeUnit.SECONDS);
  }

  /** QoS 1 as the super-user; returns once acknowledged (the record committed). */
  private void publish(String mqttTopic, String payload) throws Exception {
    try (RawMqttClient bootstrap = new RawMqttClient(node.mqttPort(), 5).credentials("any-user", BOOTSTRAP_KEY)) {
      assertThat(bootstrap.connect(unique("bootstrap"))).isZero();
      bootstrap.publish(mqttTopic, payload.getBytes(UTF_8), 1, 1, false);
      assertThat(bootstrap.read().type()).isEqualTo(RawMqttClient.PUBACK);
    }
  }
}
