package io.streamgate.gateway.security;

import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.streamgate.cluster.Murmur2Partitioner;
import io.streamgate.gateway.SharedNodeTest;
import io.streamgate.gateway.http.SseStream;
import io.streamgate.gateway.http.WsStream;
import io.streamgate.gateway.kafka.RawKafka;
import io.streamgate.gateway.mqtt.RawMqttClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue #16's one authorization model, checked on every edge of one node with {@code auth=on}:
 * principal × operation × protocol, each cell a test of its own named
 * {@code <principal> <operation> over <protocol> → <outcome>}, then the log read back to show that
 * the denied writes left nothing and the allowed ones everything. The principals' API keys and ACLs
 * are made through the admin API; {@code User:writer} also comes with a JWT, and its row must read
 * as the API key's. Each protocol's own test (HttpAuthTest, StreamAuthTest, MqttAuthTest,
 * KafkaSecurityTest) goes deeper into its edge; this one shows they agree.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityMatrixTest extends SharedNodeTest {
  private static final String BOOTSTRAP = "security-matrix-bootstrap-key";
  private static final String ORDERS = "m-orders";
  private static final int ORDERS_PARTITIONS = 2;
  private static final String SECRET = "m-secret";

  /**
   * The matrix. {@code writer}: WRITE and DESCRIBE on topics {@code m-}, CREATE and DELETE on
   * {@code m-tmp-}; {@code reader}: READ and DESCRIBE on {@code m-}, READ on groups {@code g-}, and a
   * DENY of READ on {@code m-secret}, which wins over its allow; {@code nobody}: no ACL;
   * {@code stranger}: a key the node does not know. A resource ending in {@code *} is a new name per
   * cell. Outcomes:
   *
   * <ul>
   *   <li>{@code allowed}: done (and a write is in the log);
   *   <li>{@code denied}: HTTP 403 {@code forbidden}, WebSocket upgrade and SSE refused 403, MQTT 5
   *       reason code 0x87, MQTT 3.1.1 SUBACK 0x80 or, for a PUBLISH (no negative PUBACK in 3.1.1),
   *       the connection closed, Kafka TOPIC_, GROUP_AUTHORIZATION_FAILED;
   *   <li>{@code hidden}: refused as {@code denied}, except HTTP, WebSocket and SSE answer 404
   *       {@code topic-not-found}: and refused alike for a topic that does not exist (checked too),
   *       so the principal cannot learn the topic exists;
   *   <li>{@code unknown}: authentication fails: HTTP 401, MQTT CONNACK 0x86 (3.1.1: return code 4),
   *       Kafka SASL_AUTHENTICATION_FAILED;
   *   <li>{@code -}: the protocol has no such operation.
   * </ul>
   */
  private static final String MATRIX = """
      principal  operation   resource  HTTP     WebSocket  SSE      MQTT     MQTT-3.1.1  Kafka
      writer     produce     m-orders  allowed  -          -        allowed  allowed     allowed
      writer     read        m-orders  denied   denied     denied   denied   denied      denied
      writer     read        m-secret  denied   denied     denied   denied   denied      denied
      writer     describe    m-orders  allowed  -          -        -        -           allowed
      writer     create      m-tmp-*   allowed  -          -        -        -           allowed
      writer     delete      m-tmp-*   allowed  -          -        -        -           allowed
      writer     read-group  m-orders  denied   denied     denied   -        -           denied
      writer-jwt produce     m-orders  allowed  -          -        allowed  allowed     allowed
      writer-jwt read        m-orders  denied   denied     denied   denied   denied      denied
      writer-jwt read        m-secret  denied   denied     denied   denied   denied      denied
      writer-jwt describe    m-orders  allowed  -          -        -        -           allowed
      writer-jwt create      m-tmp-*   allowed  -          -        -        -           allowed
      writer-jwt delete      m-tmp-*   allowed  -          -        -        -           allowed
      writer-jwt read-group  m-orders  denied   denied     denied   -        -           denied
      reader     produce     m-orders  denied   -          -        denied   denied      denied
      reader     read        m-orders  allowed  allowed    allowed  allowed  allowed     allowed
      reader     read        m-secret  denied   denied     denied   denied   denied      denied
      reader     describe    m-orders  allowed  -          -        -        -           allowed
      reader     create      m-tmp-*   denied   -          -        -        -           denied
      reader     delete      m-tmp-*   denied   -          -        -        -           denied
      reader     read-group  m-orders  allowed  allowed    allowed  -        -           allowed
      nobody     produce     m-orders  hidden   -          -        hidden   hidden      hidden
      nobody     read        m-orders  hidden   hidden     hidden   hidden   hidden      hidden
      nobody     read        m-secret  hidden   hidden     hidden   hidden   hidden      hidden
      nobody     describe    m-orders  hidden   -          -        -        -           hidden
      nobody     create      m-tmp-*   denied   -          -        -        -           denied
      nobody     delete      m-tmp-*   hidden   -          -        -        -           hidden
      nobody     read-group  m-orders  denied   hidden     hidden   -        -           denied
      stranger   produce     m-orders  unknown  -          -        unknown  unknown     unknown
      stranger   read        m-orders  unknown  unknown    unknown  unknown  unknown     unknown
      stranger   describe    m-orders  unknown  -          -        -        -           unknown
      stranger   create      m-tmp-*   unknown  -          -        -        -           unknown
      stranger   delete      m-tmp-*   unknown  -          -        -        -           unknown
      stranger   read-group  m-orders  unknown  unknown    unknown  -        -           unknown
      """;

  private enum Outcome {
    ALLOWED("allowed"),
    DENIED("denied"),
    HIDDEN("denied, as for a missing topic"),
    UNKNOWN("unauthenticated");

    final String label;

    Outcome(String label) {
      this.label = label;
    }

    static Outcome of(String word) {
      return valueOf(word.toUpperCase());
    }
  }

  /** One cell: its principal's secret, the resource it acts on, what must happen; {@code id} names what the cell makes. */
  private record Cell(String secret, String resource, Outcome expected, int id) {
    String clientId() {
      return "matrix-" + id;
    }
  }

  /** An operation over one protocol; {@code topic} is the cell's resource, or a missing topic when a hidden cell checks that too. */
  @FunctionalInterface
  private interface Check {
    void run(Cell cell, String topic, boolean missing) throws Exception;
  }

  private final Vertx clientVertx = Vertx.vertx();
  private final WebSocketClient webSockets = clientVertx.createWebSocketClient();
  private final JwtTokens issuer = JwtTokens.rsa(clientVertx, null);
  private final Map<String, String> secrets = new HashMap<>();
  private final Map<String, Map<String, Check>> checks = new HashMap<>();
  /** What each partition must hold, in order: the seeds, then every allowed write. */
  private final Map<String, List<String>> expectedLog = new LinkedHashMap<>();
  /** The topics the node must have at the end. */
  private final Set<String> expectedTopics = new LinkedHashSet<>(List.of(ORDERS, SECRET));

  @Override
  protected Map<String, String> nodeConfig() {
    Path publicKey = dir.resolve("jwt-public.pem");
    try {
      Files.writeString(publicKey, issuer.publicKeyPem());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP, "auth-jwt-public-key", publicKey.toString(), "mqtt-port", "-1",
        "kafka-port", "-1");
  }

  @BeforeAll
  void principalsAclsAndTopics() {
    for (String user : List.of("writer", "reader", "nobody")) {
      secrets.put(user, http(BOOTSTRAP).contentType("application/json").body("{\"principal\":\"User:" + user + "\"}")
          .post("/v1/api-keys").then().statusCode(201).extract().path("secret"));
    }
    secrets.put("writer-jwt", issuer.sign(JwtTokens.claims("writer")));
    secrets.put("stranger", "sgk_nosuchkey_0123456789abcdef");
    List<String> acls = List.of(
        acl("User:writer", "TOPIC", "PREFIXED", "m-", "WRITE", "ALLOW"),
        acl("User:writer", "TOPIC", "PREFIXED", "m-", "DESCRIBE", "ALLOW"),
        acl("User:writer", "TOPIC", "PREFIXED", "m-tmp-", "CREATE", "ALLOW"),
        acl("User:writer", "TOPIC", "PREFIXED", "m-tmp-", "DELETE", "ALLOW"),
        acl("User:reader", "TOPIC", "PREFIXED", "m-", "READ", "ALLOW"),
        acl("User:reader", "TOPIC", "PREFIXED", "m-", "DESCRIBE", "ALLOW"),
        acl("User:reader", "GROUP", "PREFIXED", "g-", "READ", "ALLOW"),
        acl("User:reader", "TOPIC", "LITERAL", SECRET, "READ", "DENY"));
    http(BOOTSTRAP).contentType("application/json").body("{\"acls\":[" + String.join(",", acls) + "]}").post("/v1/acls").then()
        .statusCode(201);
    for (String topic : expectedTopics) {
      createAsBootstrap(topic, partitions(topic));
      for (int p = 0; p < partitions(topic); p++) {
        expectedLog.put(topic + "/" + p, new ArrayList<>());
        produceAsBootstrap(topic, p, topic + "-seed-" + p);
      }
    }
    checks.put("HTTP", httpChecks());
    checks.put("WebSocket", streamChecks(this::webSocket));
    checks.put("SSE", streamChecks(this::serverSentEvents));
    checks.put("MQTT", mqttChecks(5));
    checks.put("MQTT-3.1.1", mqttChecks(4));
    checks.put("Kafka", kafkaChecks());
  }

  @AfterAll
  void closeClients() throws Exception {
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @TestFactory
  @Order(1)
  Stream<DynamicTest> everyCellOfTheMatrix() {
    List<DynamicTest> tests = new ArrayList<>();
    List<String> protocols = null;
    for (String line : MATRIX.strip().split("\n")) {
      String[] words = line.trim().split("\\s+");
      if (words[0].equals("principal")) {
        protocols = List.of(words).subList(3, words.length);
        continue;
      }
      String principal = words[0];
      String operation = words[1];
      String resource = words[2];
      for (int i = 0; i < protocols.size(); i++) {
        if (words[3 + i].equals("-")) {
          continue;
        }
        String protocol = protocols.get(i);
        Outcome expected = Outcome.of(words[3 + i]);
        Check check = checks.get(protocol).get(operation);
        assertThat(check).as("%s over %s", operation, protocol).isNotNull();
        int id = tests.size();
        String name = displayName(principal) + " " + operation.replace('-', ' ') + " " + resource + " over " + protocol + " → "
            + expected.label;
        tests.add(DynamicTest.dynamicTest(name, () -> {
          Cell cell = new Cell(secrets.get(principal), resource.replace("*", String.valueOf(id)), expected, id);
          try {
            check.run(cell, cell.resource(), false);
            if (expected == Outcome.HIDDEN) {
              check.run(cell, "m-missing-" + id, true);
            }
          } catch (AssertionError e) {
            // Surefire's report names a dynamic test by its index only: the failure says which cell it is.
            throw new AssertionError(name + ": " + e.getMessage(), e);
          }
        }));
      }
    }
    return tests.stream();
  }

  /** After every cell: each partition holds exactly the seeds and the allowed writes, and no refused create or publish made a topic. */
  @Test
  @Order(2)
  void theLogHoldsExactlyWhatTheAllowedWritesPutThere() {
    for (Map.Entry<String, List<String>> partition : expectedLog.entrySet()) {
      String path = "/v1/topics/" + partition.getKey().replace("/", "/partitions/");
      long latest = http(BOOTSTRAP).get(path + "/offsets").then().statusCode(200).extract().jsonPath().getLong("latest");
      List<String> values = http(BOOTSTRAP).get(path + "/records?offset=earliest&maxRecords=1000").then().statusCode(200).extract()
          .jsonPath().getList("records.value", String.class);
      assertThat(values).as(partition.getKey()).containsExactlyElementsOf(partition.getValue());
      assertThat(latest).as("end offset of %s", partition.getKey()).isEqualTo(partition.getValue().size());
    }
    assertThat(http(BOOTSTRAP).get("/v1/topics").then().statusCode(200).extract().jsonPath().getList("name", String.class))
        .containsExactlyInAnyOrderElementsOf(expectedTopics);
  }

  // ------------------------------------------------------------------ HTTP

  private Map<String, Check> httpChecks() {
    return Map.of(
        "produce", (cell, topic, missing) -> {
          int partition = cell.id() % ORDERS_PARTITIONS;
          String value = "http-" + cell.id();
          Response answer = http(cell.secret()).contentType("application/json")
              .body("{\"records\":[{\"partition\":" + partition + ",\"value\":\"" + value + "\"}]}")
              .post("/v1/topics/" + topic + "/records");
          if (httpAnswer(answer, cell.expected(), 200)) {
            wrote(topic, partition, value);
          }
        },
        "read", (cell, topic, missing) -> {
          Response answer = http(cell.secret()).get("/v1/topics/" + topic + "/partitions/0/records?offset=earliest");
          if (httpAnswer(answer, cell.expected(), 200)) {
            assertThat(answer.jsonPath().getString("records[0].value")).isEqualTo(firstValue(topic, 0));
          }
        },
        "describe", (cell, topic, missing) -> {
          Response answer = http(cell.secret()).get("/v1/topics/" + topic);
          if (httpAnswer(answer, cell.expected(), 200)) {
            assertThat(answer.jsonPath().getString("name")).isEqualTo(topic);
          }
          if (cell.expected() != Outcome.UNKNOWN) {
            List<String> listed = http(cell.secret()).get("/v1/topics").then().statusCode(200).extract().jsonPath()
                .getList("name", String.class);
            assertThat(listed.contains(topic)).as("%s listed", topic).isEqualTo(cell.expected() == Outcome.ALLOWED);
          }
        },
        "create", (cell, topic, missing) -> {
          Response answer = http(cell.secret()).contentType("application/json").body("{\"name\":\"" + topic + "\",\"partitions\":1}")
              .post("/v1/topics");
          boolean created = httpAnswer(answer, cell.expected(), 201);
          if (created) {
            expectedTopics.add(topic);
          }
          http(BOOTSTRAP).get("/v1/topics/" + topic).then().statusCode(created ? 200 : 404);
        },
        "delete", (cell, topic, missing) -> {
          if (!missing) {
            createAsBootstrap(topic, 1);
          }
          boolean deleted = httpAnswer(http(cell.secret()).delete("/v1/topics/" + topic), cell.expected(), 204);
          if (!missing && !deleted) {
            expectedTopics.add(topic);
          }
          http(BOOTSTRAP).get("/v1/topics/" + topic).then().statusCode(missing || deleted ? 404 : 200);
        },
        "read-group", (cell, topic, missing) -> {
          Response answer = http(cell.secret()).contentType("application/json").body("{\"topic\":\"" + topic + "\",\"to\":\"earliest\"}")
              .post("/v1/groups/g-" + cell.id() + "/offsets");
          if (httpAnswer(answer, cell.expected(), 200)) {
            assertThat(answer.jsonPath().getString("group")).isEqualTo("g-" + cell.id());
          }
        });
  }

  /** Asserts the answer is {@code success} if allowed, else the refusal expected; answers whether it was allowed. */
  private static boolean httpAnswer(Response answer, Outcome expected, int success) {
    if (expected == Outcome.ALLOWED) {
      assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(success);
      return true;
    }
    int status = refusalStatus(expected);
    answer.then().statusCode(status).contentType("application/problem+json").body("status", equalTo(status))
        .body("code", equalTo(refusalCode(expected)));
    return false;
  }

  private static int refusalStatus(Outcome expected) {
    switch (expected) {
      case DENIED:
        return 403;
      case HIDDEN:
        return 404;
      case UNKNOWN:
        return 401;
      default:
        throw new IllegalArgumentException("not a refusal: " + expected);
    }
  }

  private static String refusalCode(Outcome expected) {
    switch (expected) {
      case DENIED:
        return "forbidden";
      case HIDDEN:
        return "topic-not-found";
      case UNKNOWN:
        return "unauthenticated";
      default:
        throw new IllegalArgumentException("not a refusal: " + expected);
    }
  }

  // ------------------------------------------------------------------ WebSocket and SSE

  /** Opens a stream at {@code uri} as the cell's principal and checks its first record if asked, or the refusal. */
  @FunctionalInterface
  private interface StreamOpen {
    void open(Cell cell, String uri, boolean firstRecord) throws Exception;
  }

  private Map<String, Check> streamChecks(StreamOpen stream) {
    return Map.of(
        "read", (cell, topic, missing) -> stream.open(cell, "/v1/topics/" + topic + "/stream?offset=earliest", true),
        // A group stream starts at the group's offsets: opened is what is asked here.
        "read-group", (cell, topic, missing) -> stream.open(cell, "/v1/topics/" + topic + "/stream?group=g-" + cell.id(), false));
  }

  private void webSocket(Cell cell, String uri, boolean firstRecord) throws Exception {
    if (cell.expected() == Outcome.ALLOWED) {
      try (WsStream ws = WsStream.open(webSockets, node.httpPort(), uri, "Authorization", "Bearer " + cell.secret())) {
        if (firstRecord) {
          assertThat(ws.nextJson().get("value").asText()).isIn(firstValues(uri));
        }
      }
      return;
    }
    Throwable refused = catchThrowable(() -> WsStream.open(webSockets, node.httpPort(), uri, "Authorization", "Bearer " + cell.secret())
        .close());
    assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
    UpgradeRejectedException rejected = (UpgradeRejectedException) refused;
    assertThat(rejected.getStatus()).isEqualTo(refusalStatus(cell.expected()));
    assertThat(new JsonObject(rejected.getBody()).getString("code")).isEqualTo(refusalCode(cell.expected()));
  }

  private void serverSentEvents(Cell cell, String uri, boolean firstRecord) throws Exception {
    if (cell.expected() == Outcome.ALLOWED) {
      try (SseStream sse = SseStream.open(node.httpPort(), uri, "Authorization: Bearer " + cell.secret())) {
        if (firstRecord) {
          assertThat(sse.next().json().get("value").asText()).isIn(firstValues(uri));
        }
      }
      return;
    }
    httpAnswer(http(cell.secret()).accept("text/event-stream").get(uri), cell.expected(), 200);
  }

  /** A stream of a whole topic may start with any of its partitions' first records. */
  private List<String> firstValues(String uri) {
    String topic = uri.split("/")[3];
    List<String> values = new ArrayList<>();
    for (int p = 0; p < partitions(topic); p++) {
      values.add(firstValue(topic, p));
    }
    return values;
  }

  // ------------------------------------------------------------------ MQTT

  private Map<String, Check> mqttChecks(int version) {
    return Map.of(
        "produce", (cell, topic, missing) -> {
          try (RawMqttClient client = mqtt(cell, version)) {
            if (client == null) {
              return;
            }
            String mqttTopic = topic + "/v" + version + "-" + cell.id();
            String value = "mqtt-" + cell.id();
            client.publish(mqttTopic, value.getBytes(UTF_8), 1, 1, false);
            if (cell.expected() == Outcome.ALLOWED) {
              RawMqttClient.Packet puback = client.read();
              assertThat(puback.type()).isEqualTo(RawMqttClient.PUBACK);
              assertThat(reasonCode(puback)).isZero();
              wrote(topic, new Murmur2Partitioner().partitionForKey(mqttTopic.getBytes(UTF_8), partitions(topic)), value);
            } else if (version == 5) {
              RawMqttClient.Packet puback = client.read();
              assertThat(puback.type()).isEqualTo(RawMqttClient.PUBACK);
              assertThat(reasonCode(puback)).isEqualTo(0x87);
            } else {
              // MQTT 3.1.1 has no negative PUBACK: the server closes the connection (MQTT-3.3.5-2).
              assertThat(client.closedByServer()).isTrue();
            }
          }
        },
        "read", (cell, topic, missing) -> {
          try (RawMqttClient client = mqtt(cell, version)) {
            if (client == null) {
              return;
            }
            client.subscribe(1, topic + "/#", 1);
            RawMqttClient.Packet suback = client.read();
            assertThat(suback.type()).isEqualTo(RawMqttClient.SUBACK);
            int granted = suback.body()[suback.body().length - 1] & 0xff;
            if (cell.expected() != Outcome.ALLOWED) {
              assertThat(granted).isEqualTo(version == 5 ? 0x87 : 0x80);
              return;
            }
            assertThat(granted).isEqualTo(1);
            // A subscription gets what is published from now on.
            String live = topic + "/live-" + cell.id();
            publishAsBootstrap(live, "live-" + cell.id());
            assertThat(client.read().topic()).isEqualTo(live);
          }
        });
  }

  /** A connection as the cell's principal; null once a refused CONNECT was checked (an unknown key). */
  private RawMqttClient mqtt(Cell cell, int version) throws IOException {
    RawMqttClient client = new RawMqttClient(node.mqttPort(), version).credentials("any", cell.secret());
    int returnCode = client.connect(cell.clientId() + "-v" + version);
    if (cell.expected() == Outcome.UNKNOWN) {
      client.close();
      assertThat(returnCode).isEqualTo(version == 5 ? 0x86 : 4);
      return null;
    }
    assertThat(returnCode).isZero();
    return client;
  }

  /** QoS 1 as the super-user, acknowledged; the write is expected in the log. */
  private void publishAsBootstrap(String mqttTopic, String value) throws IOException {
    try (RawMqttClient client = new RawMqttClient(node.mqttPort(), 5).credentials("any", BOOTSTRAP)) {
      assertThat(client.connect("matrix-bootstrap")).isZero();
      client.publish(mqttTopic, value.getBytes(UTF_8), 1, 1, false);
      assertThat(reasonCode(client.read())).isZero();
    }
    String topic = mqttTopic.substring(0, mqttTopic.indexOf('/'));
    wrote(topic, new Murmur2Partitioner().partitionForKey(mqttTopic.getBytes(UTF_8), partitions(topic)), value);
  }

  /** A PUBACK's reason code: 0 when it has only the packet id (MQTT 3.1.1, or success). */
  private static int reasonCode(RawMqttClient.Packet packet) {
    return packet.body().length > 2 ? packet.body()[2] & 0xff : 0;
  }

  // ------------------------------------------------------------------ Kafka

  private Map<String, Check> kafkaChecks() {
    return Map.of(
        "produce", (cell, topic, missing) -> {
          try (RawKafka kafka = kafka(cell)) {
            if (kafka == null) {
              return;
            }
            int partition = cell.id() % ORDERS_PARTITIONS;
            String value = "kafka-" + cell.id();
            ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
            topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(partition)
                    .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value.getBytes(UTF_8)))))));
            kafka.send(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(topics), (short) 9, 2);
            short error = kafka.read(ApiKeys.PRODUCE.id, (short) 9, 2, ProduceResponseData.class).responses().iterator().next()
                .partitionResponses().get(0).errorCode();
            assertThat(Errors.forCode(error))
                .isEqualTo(cell.expected() == Outcome.ALLOWED ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED);
            if (cell.expected() == Outcome.ALLOWED) {
              wrote(topic, partition, value);
            }
          }
        },
        "read", (cell, topic, missing) -> {
          try (RawKafka kafka = kafka(cell)) {
            if (kafka == null) {
              return;
            }
            kafka.send(new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20).setSessionId(0)
                .setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)
                        .setCurrentLeaderEpoch(-1).setLogStartOffset(-1))))),
                (short) 12, 2);
            FetchResponseData.PartitionData partition = kafka.read(ApiKeys.FETCH.id, (short) 12, 2, FetchResponseData.class).responses()
                .get(0).partitions().get(0);
            if (cell.expected() != Outcome.ALLOWED) {
              assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED);
              return;
            }
            assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.NONE);
            Record first = ((MemoryRecords) partition.records()).records().iterator().next();
            assertThat(UTF_8.decode(first.value()).toString()).isEqualTo(firstValue(topic, 0));
          }
        },
        "describe", (cell, topic, missing) -> {
          try (RawKafka kafka = kafka(cell)) {
            if (kafka == null) {
              return;
            }
            kafka.send(new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)))
                .setAllowAutoTopicCreation(false), (short) 12, 2);
            MetadataResponseData.MetadataResponseTopic described = kafka.read(ApiKeys.METADATA.id, (short) 12, 2,
                MetadataResponseData.class).topics().find(topic);
            assertThat(Errors.forCode(described.errorCode()))
                .isEqualTo(cell.expected() == Outcome.ALLOWED ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED);
            kafka.send(new MetadataRequestData().setTopics(null), (short) 12, 3);
            assertThat(kafka.read(ApiKeys.METADATA.id, (short) 12, 3, MetadataResponseData.class).topics().find(topic) != null)
                .as("%s listed", topic).isEqualTo(cell.expected() == Outcome.ALLOWED);
          }
        },
        "create", (cell, topic, missing) -> {
          try (RawKafka kafka = kafka(cell)) {
            if (kafka == null) {
              return;
            }
            CreateTopicsRequestData.CreatableTopicCollection topics = new CreateTopicsRequestData.CreatableTopicCollection();
            topics.add(new CreateTopicsRequestData.CreatableTopic().setName(topic).setNumPartitions(1).setReplicationFactor((short) 1));
            kafka.send(new CreateTopicsRequestData().setTopics(topics).setTimeoutMs(30_000), (short) 7, 2);
            short error = kafka.read(ApiKeys.CREATE_TOPICS.id, (short) 7, 2, CreateTopicsResponseData.class).topics().find(topic)
                .errorCode();
            boolean allowed = cell.expected() == Outcome.ALLOWED;
            assertThat(Errors.forCode(error)).isEqualTo(allowed ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED);
            if (allowed) {
              expectedTopics.add(topic);
            }
          }
          http(BOOTSTRAP).get("/v1/topics/" + topic).then().statusCode(cell.expected() == Outcome.ALLOWED ? 200 : 404);
        },
        "delete", (cell, topic, missing) -> {
          if (!missing) {
            createAsBootstrap(topic, 1);
          }
          boolean allowed = cell.expected() == Outcome.ALLOWED;
          try (RawKafka kafka = kafka(cell)) {
            if (kafka != null) {
              kafka.send(new DeleteTopicsRequestData().setTopics(List.of(new DeleteTopicsRequestData.DeleteTopicState().setName(topic)))
                  .setTimeoutMs(30_000), (short) 6, 2);
              short error = kafka.read(ApiKeys.DELETE_TOPICS.id, (short) 6, 2, DeleteTopicsResponseData.class).responses().find(topic)
                  .errorCode();
              assertThat(Errors.forCode(error)).isEqualTo(allowed ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED);
            }
          }
          if (!missing && !allowed) {
            expectedTopics.add(topic);
          }
          http(BOOTSTRAP).get("/v1/topics/" + topic).then().statusCode(missing || allowed ? 404 : 200);
        },
        "read-group", (cell, topic, missing) -> {
          try (RawKafka kafka = kafka(cell)) {
            if (kafka == null) {
              return;
            }
            // Generation -1 and no member: a commit for a group without members (a consumer that assign()s).
            kafka.send(new OffsetCommitRequestData().setGroupId("g-" + cell.id()).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                    new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1))))),
                (short) 8, 2);
            short error = kafka.read(ApiKeys.OFFSET_COMMIT.id, (short) 8, 2, OffsetCommitResponseData.class).topics().get(0)
                .partitions().get(0).errorCode();
            assertThat(Errors.forCode(error))
                .isEqualTo(cell.expected() == Outcome.ALLOWED ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED);
          }
        });
  }

  /** A connection authenticated with SASL/PLAIN as the cell's principal; null once a refused authentication was checked. */
  private RawKafka kafka(Cell cell) throws IOException {
    RawKafka kafka = new RawKafka(node.kafkaPort());
    kafka.send(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1, 0);
    assertThat(kafka.read(ApiKeys.SASL_HANDSHAKE.id, (short) 1, 0, SaslHandshakeResponseData.class).errorCode()).isZero();
    kafka.send(new SaslAuthenticateRequestData().setAuthBytes(("\0any\0" + cell.secret()).getBytes(UTF_8)), (short) 2, 1);
    short error = kafka.read(ApiKeys.SASL_AUTHENTICATE.id, (short) 2, 1, SaslAuthenticateResponseData.class).errorCode();
    if (cell.expected() == Outcome.UNKNOWN) {
      try (kafka) {
        assertThat(Errors.forCode(error)).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        assertThat(kafka.closedByServer()).isTrue();
      }
      return null;
    }
    assertThat(Errors.forCode(error)).isEqualTo(Errors.NONE);
    return kafka;
  }

  // ------------------------------------------------------------------ shared

  private static String displayName(String principal) {
    switch (principal) {
      case "writer-jwt":
        return "User:writer (JWT)";
      case "stranger":
        return "an unknown key";
      default:
        return "User:" + principal;
    }
  }

  private RequestSpecification http(String secret) {
    return given().baseUri("http://127.0.0.1").port(node.httpPort()).header("Authorization", "Bearer " + secret);
  }

  private static String acl(String principal, String type, String pattern, String name, String operation, String permission) {
    return "{\"resourceType\":\"" + type + "\",\"resourceName\":\"" + name + "\",\"patternType\":\"" + pattern + "\",\"principal\":\""
        + principal + "\",\"operation\":\"" + operation + "\",\"permission\":\"" + permission + "\"}";
  }

  private void createAsBootstrap(String topic, int partitions) {
    http(BOOTSTRAP).contentType("application/json")
        .body("{\"name\":\"" + topic + "\",\"partitions\":" + partitions + ",\"config\":{\"value.format\":\"string\"}}").post("/v1/topics")
        .then().statusCode(201);
  }

  private void produceAsBootstrap(String topic, int partition, String value) {
    http(BOOTSTRAP).contentType("application/json").body("{\"records\":[{\"partition\":" + partition + ",\"value\":\"" + value + "\"}]}")
        .post("/v1/topics/" + topic + "/records").then().statusCode(200);
    wrote(topic, partition, value);
  }

  /** An allowed write, acknowledged: the log must hold it. */
  private void wrote(String topic, int partition, String value) {
    expectedLog.get(topic + "/" + partition).add(value);
  }

  private String firstValue(String topic, int partition) {
    return expectedLog.get(topic + "/" + partition).get(0);
  }

  private int partitions(String topic) {
    return topic.equals(ORDERS) ? ORDERS_PARTITIONS : 1;
  }
}
