package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.NewApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.SharedNodeTest;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.security.AuditLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.io.EOFException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MQTT with {@code auth=on}: a CONNECT authenticates with its password (any user name), a PUBLISH
 * needs WRITE on its log topic, a SUBSCRIBE READ on the log topics its filter reaches; each for
 * MQTT 3.1.1 (protocol level 4) and 5. What is denied writes nothing and delivers nothing. The log
 * is read through the partition service, not over HTTP, which asks for credentials of its own.
 */
class MqttAuthTest extends SharedNodeTest {
  private static final String BOOTSTRAP_KEY = "bootstrap-key-for-mqtt-tests";
  private static final int BAD_CREDENTIALS_V3 = 4;
  private static final int BAD_CREDENTIALS_V5 = 0x86;
  private static final int NOT_AUTHORIZED_V3 = 5;
  private static final int NOT_AUTHORIZED_V5 = 0x87;

  private final LogCapture audit = new LogCapture();

  MqttAuthTest() {
    super(Map.of("mqtt-port", "-1", "auth", "on", "auth-bootstrap-key", BOOTSTRAP_KEY));
  }

  @AfterAll
  void stopCapturing() {
    audit.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void aConnectWithoutAKnownLiveKeyIsRefused(int version) throws Exception {
    int refused = version == 5 ? BAD_CREDENTIALS_V5 : BAD_CREDENTIALS_V3;
    try (RawMqttClient none = client(version, null)) {
      assertThat(none.connect("no-key-" + version)).isEqualTo(refused);
    }
    try (RawMqttClient bad = client(version, "sgk_nosuchkey_0123456789abcdef")) {
      assertThat(bad.connect("bad-key-" + version)).isEqualTo(refused);
    }
    NewApiKey key = keyFor(unique("carol"));
    try (RawMqttClient live = client(version, key.secret())) {
      assertThat(live.connect("live-key-" + version)).isZero();
    }
    node.security().accessControl().revokeApiKey(key.key().id()).get(30, TimeUnit.SECONDS);
    try (RawMqttClient revoked = client(version, key.secret())) {
      assertThat(revoked.connect("revoked-key-" + version)).isEqualTo(refused);
    }
    try (RawMqttClient bootstrap = client(version, BOOTSTRAP_KEY)) {
      assertThat(bootstrap.connect("bootstrap-" + version)).isZero();
    }
    assertThat(audit.warningsOf(AuditLog.LOGGER))
        .anyMatch(line -> line.contains("event=authentication-failed") && line.contains("protocol=mqtt")
            && line.contains("unknown or revoked API key"));
    assertThat(audit.warningsOf(AuditLog.LOGGER)).noneMatch(line -> line.contains(key.secret()));
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void aPublishTheAclsAllowLandsInTheLog(int version) throws Exception {
    String topic = unique("granted");
    String user = unique("writer");
    allow(user, AclOperation.WRITE, topic, PatternType.LITERAL);
    try (RawMqttClient writer = client(version, keyFor(user).secret())) {
      assertThat(writer.connect("writer-" + version)).isZero();
      writer.publish(topic + "/x", "allowed".getBytes(UTF_8), 1, 1, false);
      RawMqttClient.Packet puback = writer.read();
      assertThat(puback.type()).isEqualTo(RawMqttClient.PUBACK);
      assertThat(reasonCode(puback)).isZero();
    }
    assertThat(values(topic)).containsExactly("allowed");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void anMqtt5PublishTheAclsDenyIsAnsweredNotAuthorizedAndWritesNothing(int qos) throws Exception {
    String topic = unique("guarded");
    publishAsBootstrap(topic + "/x", "before");
    String user = unique("intruder");
    // May write elsewhere, and read this topic: neither lets it write here.
    allow(user, AclOperation.WRITE, "elsewhere", PatternType.PREFIXED);
    allow(user, AclOperation.READ, topic, PatternType.LITERAL);
    try (RawMqttClient intruder = client(5, keyFor(user).secret())) {
      assertThat(intruder.connect("intruder-qos" + qos)).isZero();
      intruder.publish(topic + "/x", "denied".getBytes(UTF_8), qos, 7, false);
      RawMqttClient.Packet answer = intruder.read();
      assertThat(answer.type()).isEqualTo(qos == 1 ? RawMqttClient.PUBACK : RawMqttClient.PUBREC);
      assertThat(answer.packetId()).isEqualTo(7);
      assertThat(reasonCode(answer)).isEqualTo(NOT_AUTHORIZED_V5);
      // The connection goes on, and the packet id is free again.
      intruder.publish(topic + "/x", "denied again".getBytes(UTF_8), qos, 7, false);
      assertThat(reasonCode(intruder.read())).isEqualTo(NOT_AUTHORIZED_V5);
      intruder.pingreq();
      assertThat(intruder.read().type()).isEqualTo(RawMqttClient.PINGRESP);
      // Nor is a retained message kept.
      intruder.publishRetained(topic + "/x", "denied retained".getBytes(UTF_8), 8);
      assertThat(reasonCode(intruder.read())).isEqualTo(NOT_AUTHORIZED_V5);
    }
    assertThat(values(topic)).containsExactly("before");
    assertThat(audit.warningsOf(AuditLog.LOGGER)).anyMatch(line -> line.contains("event=denied") && line.contains("User:" + user)
        && line.contains("protocol=mqtt") && line.contains("operation=WRITE") && line.contains(topic));
    try (RawMqttClient bootstrap = client(5, BOOTSTRAP_KEY)) {
      assertThat(bootstrap.connect(unique("bootstrap"))).isZero();
      bootstrap.subscribe(1, topic + "/#", 1);
      assertThat(bootstrap.read().type()).isEqualTo(RawMqttClient.SUBACK);
      assertThat(bootstrap.poll(1000)).as("no retained message").isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void anMqtt311PublishTheAclsDenyEndsTheConnectionAndWritesNothing(int qos) throws Exception {
    String topic = unique("guarded");
    publishAsBootstrap(topic + "/x", "before");
    String user = unique("intruder");
    allow(user, AclOperation.READ, topic, PatternType.LITERAL);
    try (RawMqttClient intruder = client(4, keyFor(user).secret())) {
      assertThat(intruder.connect("intruder-v3-qos" + qos)).isZero();
      intruder.publish(topic + "/x", "denied".getBytes(UTF_8), qos, 7, false);
      // MQTT 3.1.1 has no negative PUBACK: the connection is closed, with no PUBACK before.
      assertThatThrownBy(intruder::read).isInstanceOfAny(EOFException.class, SocketException.class);
    }
    assertThat(values(topic)).containsExactly("before");
  }

  @Test
  void anMqtt5Qos0PublishTheAclsDenyEndsTheConnectionWithNotAuthorized() throws Exception {
    String topic = unique("guarded");
    publishAsBootstrap(topic + "/x", "before");
    String user = unique("intruder");
    allow(user, AclOperation.READ, topic, PatternType.LITERAL);
    try (RawMqttClient intruder = client(5, keyFor(user).secret())) {
      assertThat(intruder.connect("intruder-v5-qos0")).isZero();
      intruder.publish(topic + "/x", "denied".getBytes(UTF_8), 0, 0, false);
      // No acknowledgement to refuse a QoS 0 message in: DISCONNECT with reason code 0x87.
      RawMqttClient.Packet disconnect = intruder.read();
      assertThat(disconnect.type()).isEqualTo(RawMqttClient.DISCONNECT);
      assertThat(disconnect.body()[0] & 0xff).isEqualTo(NOT_AUTHORIZED_V5);
    }
    assertThat(values(topic)).containsExactly("before");
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void aSubscriptionToATopicTheAclsDoNotLetReadIsRefused(int version) throws Exception {
    String topic = unique("private");
    publishAsBootstrap(topic + "/x", "secret");
    String user = unique("reader");
    allow(user, AclOperation.READ, "public", PatternType.PREFIXED);
    allow(user, AclOperation.WRITE, topic, PatternType.LITERAL);
    try (RawMqttClient reader = client(version, keyFor(user).secret())) {
      assertThat(reader.connect("reader-" + version)).isZero();
      reader.subscribe(1, List.of(topic + "/#", "public-" + version + "/#"), 1);
      RawMqttClient.Packet suback = reader.read();
      assertThat(suback.type()).isEqualTo(RawMqttClient.SUBACK);
      byte[] body = suback.body();
      // Per filter: refused (3.1.1 knows only 0x80), granted QoS 1.
      assertThat(body[body.length - 2] & 0xff).isEqualTo(version == 5 ? NOT_AUTHORIZED_V5 : 0x80);
      assertThat(body[body.length - 1] & 0xff).isEqualTo(1);
      publishAsBootstrap(topic + "/x", "after the refusal");
      assertThat(reader.poll(1000)).isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void aWildcardSubscriberGetsOnlyTheTopicsItMayRead(int version) throws Exception {
    String readable = unique("readable");
    String hidden = unique("hidden");
    publishAsBootstrap(hidden + "/old", "retained secret", true);
    publishAsBootstrap(readable + "/old", "retained news", true);
    String user = unique("watcher");
    allow(user, AclOperation.READ, readable, PatternType.LITERAL);
    List<String> topics = new ArrayList<>();
    try (RawMqttClient watcher = client(version, keyFor(user).secret())) {
      assertThat(watcher.connect("watcher-" + version)).isZero();
      watcher.subscribe(1, "#", 0);
      RawMqttClient.Packet suback = watcher.read();
      assertThat(suback.body()[suback.body().length - 1] & 0xff).isZero();
      // Live messages: the hidden topic's first, then the readable one's.
      publishAsBootstrap(hidden + "/new", "secret");
      publishAsBootstrap(readable + "/new", "news");
      for (RawMqttClient.Packet packet = watcher.read();; packet = watcher.read()) {
        assertThat(packet.type()).isEqualTo(RawMqttClient.PUBLISH);
        topics.add(packet.topic());
        if (packet.topic().equals(readable + "/new")) {
          break;
        }
      }
      // A second secret, then a marker: had the secret been read, it came before the marker.
      publishAsBootstrap(hidden + "/new", "secret 2");
      publishAsBootstrap(readable + "/marker", "marker");
      for (RawMqttClient.Packet packet = watcher.read();; packet = watcher.read()) {
        topics.add(packet.topic());
        if (packet.topic().equals(readable + "/marker")) {
          break;
        }
      }
    }
    assertThat(topics).noneMatch(topic -> topic.startsWith(hidden));
    assertThat(topics).contains(readable + "/new", readable + "/marker");
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void aWillOnATopicThePrincipalMayNotWriteRefusesTheConnect(int version) throws Exception {
    String topic = unique("wills");
    String user = unique("dying");
    allow(user, AclOperation.READ, topic, PatternType.LITERAL);
    RawMqttClient.Will will = new RawMqttClient.Will(topic + "/x", "bye".getBytes(UTF_8), 1, false);
    try (RawMqttClient dying = client(version, keyFor(user).secret())) {
      RawMqttClient.Packet connack = dying.connectack("dying-" + version, 0, true, 0, will);
      assertThat(connack.body()[1] & 0xff).isEqualTo(version == 5 ? NOT_AUTHORIZED_V5 : NOT_AUTHORIZED_V3);
    }
    assertThat(values(topic)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void aSharedSubscriptionNeedsReadOnItsGroupToo(int version) throws Exception {
    String topic = unique("jobs");
    publishAsBootstrap(topic + "/x", "job");
    String user = unique("worker");
    allow(user, AclOperation.READ, topic, PatternType.LITERAL);
    try (RawMqttClient worker = client(version, keyFor(user).secret())) {
      assertThat(worker.connect("worker-" + version)).isZero();
      worker.subscribe(1, "$share/pool/" + topic + "/#", 1);
      RawMqttClient.Packet suback = worker.read();
      assertThat(suback.body()[suback.body().length - 1] & 0xff).isEqualTo(version == 5 ? NOT_AUTHORIZED_V5 : 0x80);
      // The share's group is mqtt-share.{ShareName}.{crc32 of the filter}: a prefix ACL covers the share name.
      node.security().accessControl().createAcls(List.of(new AclBinding(ResourceType.GROUP, "mqtt-share.pool.", PatternType.PREFIXED,
          Principal.user(user).toString(), AclBinding.ANY_HOST, AclOperation.READ, AclPermission.ALLOW))).get(30, TimeUnit.SECONDS);
      worker.subscribe(2, "$share/pool/" + topic + "/#", 1);
      suback = worker.read();
      assertThat(suback.packetId()).isEqualTo(2);
      assertThat(suback.body()[suback.body().length - 1] & 0xff).isEqualTo(1);
    }
  }

  /**
   * A persistent session resumed under other rights (here another principal's, with the same client
   * id) does not resend what it had sent unacknowledged from a topic the new principal may not read.
   */
  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void aResumedSessionResendsNothingThePrincipalMayNotRead(int version) throws Exception {
    String topic = unique("diary");
    String owner = unique("owner");
    allow(owner, AclOperation.READ, topic, PatternType.LITERAL);
    String clientId = "shared-id-" + version;
    try (RawMqttClient first = client(version, keyFor(owner).secret())) {
      assertThat(first.connectack(clientId, 0, false, 3600, null).body()[1]).isZero();
      first.subscribe(1, topic + "/#", 1);
      assertThat(first.read().type()).isEqualTo(RawMqttClient.SUBACK);
      publishAsBootstrap(topic + "/today", "private entry");
      RawMqttClient.Packet delivered = first.read();
      assertThat(delivered.topic()).isEqualTo(topic + "/today");
      // Not acknowledged: the session keeps it to send again.
      first.disconnect();
    }
    String other = unique("other");
    allow(other, AclOperation.READ, "elsewhere", PatternType.PREFIXED);
    try (RawMqttClient second = client(version, keyFor(other).secret())) {
      RawMqttClient.Packet connack = second.connectack(clientId, 0, false, 3600, null);
      assertThat(connack.body()[1]).isZero();
      assertThat(connack.body()[0] & 1).as("session present").isEqualTo(1);
      assertThat(second.poll(2000)).isNull();
    }
    // Its owner still gets it again.
    try (RawMqttClient owners = client(version, keyFor(owner).secret())) {
      assertThat(owners.connectack(clientId, 0, false, 3600, null).body()[1]).isZero();
      RawMqttClient.Packet resent = owners.read();
      assertThat(resent.topic()).isEqualTo(topic + "/today");
      assertThat(resent.dup()).isTrue();
    }
  }

  private RawMqttClient client(int version, String password) throws Exception {
    return new RawMqttClient(node.mqttPort(), version).credentials(password == null ? null : "any-user", password);
  }

  private NewApiKey keyFor(String user) throws Exception {
    return node.security().accessControl().createApiKey(Principal.user(user)).get(30, TimeUnit.SECONDS);
  }

  private void allow(String user, AclOperation operation, String topic, PatternType pattern) throws Exception {
    node.security().accessControl().createAcls(List.of(new AclBinding(ResourceType.TOPIC, topic, pattern,
        Principal.user(user).toString(), AclBinding.ANY_HOST, operation, AclPermission.ALLOW))).get(30, TimeUnit.SECONDS);
  }

  private void publishAsBootstrap(String mqttTopic, String payload) throws Exception {
    publishAsBootstrap(mqttTopic, payload, false);
  }

  /** QoS 1 as the super-user; returns once acknowledged (the record committed). */
  private void publishAsBootstrap(String mqttTopic, String payload, boolean retain) throws Exception {
    try (RawMqttClient bootstrap = client(5, BOOTSTRAP_KEY)) {
      assertThat(bootstrap.connect(unique("bootstrap"))).isZero();
      if (retain) {
        bootstrap.publishRetained(mqttTopic, payload.getBytes(UTF_8), 1);
      } else {
        bootstrap.publish(mqttTopic, payload.getBytes(UTF_8), 1, 1, false);
      }
      RawMqttClient.Packet puback = bootstrap.read();
      assertThat(puback.type()).isEqualTo(RawMqttClient.PUBACK);
      assertThat(reasonCode(puback)).isZero();
    }
  }

  /** A PUBACK's or PUBREC's reason code: 0 when the packet has only its id (MQTT 3.1.1, or success). */
  private static int reasonCode(RawMqttClient.Packet packet) {
    return packet.body().length > 2 ? packet.body()[2] & 0xff : 0;
  }

  private List<String> values(String topic) throws Exception {
    return values(node, topic);
  }

  /** The values of the topic's partition 0 (MQTT-made topics have one unless configured), in order; none if the topic is not there. */
  static List<String> values(StreamgateNode node, String topic) throws Exception {
    List<String> values = new ArrayList<>();
    if (node.service().cachedTopic(topic).isEmpty()) {
      return values;
    }
    ReadResult result = node.service().read(new TopicPartition(topic, 0), 0, 1 << 20).get(30, TimeUnit.SECONDS);
    for (RecordBatch batch : result.batchList()) {
      for (Record record : batch.records()) {
        values.add(new String(record.valueBytes(), UTF_8));
      }
    }
    return values;
  }
}
