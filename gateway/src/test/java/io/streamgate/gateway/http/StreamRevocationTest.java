package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.HttpAuthTest.BOOTSTRAP;
import static io.streamgate.gateway.http.HttpAuthTest.allow;
import static io.streamgate.gateway.http.HttpAuthTest.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.RestAssured;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.NewApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.security.JwtTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams already open when their client's rights go: a revoked key, an expired token, a withdrawn
 * READ on the topic or the group end the stream within a bounded wait (WebSocket close 1008 after an
 * error frame; SSE an error event, then the end), and only that client's stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class StreamRevocationTest {
  /** The watch looks every 250 ms; a cut within 5 s leaves room for a slow, shared machine. */
  private static final Duration CUT_WITHIN = Duration.ofSeconds(5);

  @TempDir static Path dir;
  private StreamgateNode node;
  private Vertx clientVertx;
  private WebSocketClient webSockets;
  private JwtTokens issuer;
  private AccessControl access;
  private int names;

  @BeforeAll
  void setUp() throws Exception {
    clientVertx = Vertx.vertx();
    webSockets = clientVertx.createWebSocketClient();
    issuer = JwtTokens.rsa(clientVertx, null);
    Path key = Files.writeString(dir.resolve("issuer.pem"), issuer.publicKeyPem());
    // No clock skew: a token expires at its exp.
    node = TestNodes.start(dir.resolve("node"), Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP, "auth-jwt-public-key",
        key.toString(), "auth-jwt-issuer", "https://issuer.test", "auth-jwt-audience", "streamgate", "auth-jwt-clock-skew-seconds", "0"));
    access = node.security().accessControl();
    RestAssured.baseURI = "http://127.0.0.1";
    RestAssured.port = node.httpPort();
  }

  @AfterAll
  void tearDown() throws Exception {
    TestNodes.stop(node);
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Every stream a test opened has ended: none is still watched (no leak). */
  @AfterEach
  void noStreamIsWatchedAnyMore() {
    await().atMost(CUT_WITHIN).untilAsserted(() -> assertThat(node.security().watchedSessions()).isZero());
  }

  /** A topic of one partition holding {@code a}, which each of {@code readers} may READ. */
  private String topic(String... readers) throws Exception {
    String topic = "t-" + ++names;
    as(BOOTSTRAP).contentType("application/json").body("{\"name\":\"" + topic + "\",\"partitions\":1}").post("/v1/topics").then()
        .statusCode(201);
    for (String reader : readers) {
      access.createAcls(List.of(allow("User:" + reader, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ))).get();
    }
    produce(topic, "a");
    return topic;
  }

  private static void produce(String topic, String value) {
    as(BOOTSTRAP).contentType("application/json").body("{\"records\":[{\"value\":\"" + value + "\"}]}")
        .post("/v1/topics/" + topic + "/records").then().statusCode(200);
  }

  private NewApiKey key(String user) throws Exception {
    return access.createApiKey(Principal.user(user)).get();
  }

  private void withdrawRead(String user, ResourceType type, String name) throws Exception {
    assertThat(access.deleteAcls(new AclFilter(Optional.of(type), Optional.of(name), Optional.of(PatternType.LITERAL),
        Optional.of("User:" + user), Optional.empty(), Optional.of(AclOperation.READ), Optional.empty())).get()).hasSize(1);
  }

  private WsStream webSocket(String topic, String query, String secret) throws Exception {
    return WsStream.open(webSockets, node.httpPort(), "/v1/topics/" + topic + "/stream?offset=earliest" + query, "Authorization",
        "Bearer " + secret);
  }

  /** The stream's last frame is the problem, then it closes with 1008 and the problem's code as the reason. */
  private static void assertCut(WsStream ws, int status, String code) throws Exception {
    assertThat(ws.closed.get(CUT_WITHIN.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo((short) 1008);
    assertThat(ws.ws.closeReason()).isEqualTo(code);
    JsonNode error = Api.parse(ws.messages.stream().reduce((first, second) -> second).orElseThrow()).get("error");
    assertThat(error.get("status").asInt()).isEqualTo(status);
    assertThat(error.get("code").asText()).isEqualTo(code);
  }

  /** The next event is an {@code error} carrying the problem, and the stream then ends. */
  private static void assertCut(SseStream sse, int status, String code) throws Exception {
    SseStream.Event error = sse.next();
    assertThat(error.event()).isEqualTo("error");
    assertThat(error.json().get("status").asInt()).isEqualTo(status);
    assertThat(error.json().get("code").asText()).isEqualTo(code);
    assertThatThrownBy(sse::next).isInstanceOf(EOFException.class);
  }

  @Test
  void revokingAKeyEndsItsWebSocketStreamAndNoOtherStream() throws Exception {
    String topic = topic("alice", "bob");
    NewApiKey alice = key("alice");
    NewApiKey bob = key("bob");
    try (WsStream alices = webSocket(topic, "", alice.secret()); WsStream bobs = webSocket(topic, "", bob.secret())) {
      assertThat(alices.nextJson().get("value").asText()).isEqualTo("a");
      assertThat(bobs.nextJson().get("value").asText()).isEqualTo("a");

      access.revokeApiKey(alice.key().id()).get();

      assertCut(alices, 401, "unauthenticated");
      produce(topic, "b");
      assertThat(bobs.nextJson().get("value").asText()).isEqualTo("b");
      assertThat(bobs.ws.isClosed()).isFalse();
    }
  }

  @Test
  void withdrawingReadEndsAnSseStreamWithA403AndAuditsIt() throws Exception {
    String topic = topic("carol");
    NewApiKey carol = key("carol");
    try (LogCapture log = new LogCapture();
        SseStream sse = SseStream.open(node.httpPort(), "/v1/topics/" + topic + "/stream?offset=earliest",
            "Authorization: Bearer " + carol.secret())) {
      assertThat(sse.next().json().get("value").asText()).isEqualTo("a");

      withdrawRead("carol", ResourceType.TOPIC, topic);

      assertCut(sse, 403, "forbidden");
      assertThat(log.warnings("event=denied principal=\"User:carol\" protocol=sse")).hasSize(1);
    }
  }

  @Test
  void revokingTheKeyATicketWasIssuedWithEndsItsStream() throws Exception {
    String topic = topic("dave");
    NewApiKey dave = key("dave");
    String ticket = as(dave.secret()).post("/v1/auth/tickets").then().statusCode(201).extract().path("ticket");
    try (SseStream sse = SseStream.open(node.httpPort(), "/v1/topics/" + topic + "/stream?offset=earliest&ticket=" + ticket)) {
      assertThat(sse.next().json().get("value").asText()).isEqualTo("a");

      access.revokeApiKey(dave.key().id()).get();

      assertCut(sse, 401, "unauthenticated");
    }
  }

  @Test
  void aTokenExpiringMidStreamEndsIt() throws Exception {
    String topic = topic("erin");
    // Time enough to open the stream on a slow machine; the cut is awaited 5 s after the first record.
    String token = issuer.sign(JwtTokens.claims("erin").put("exp", JwtTokens.now() + 4));
    try (WsStream ws = webSocket(topic, "", token)) {
      assertThat(ws.nextJson().get("value").asText()).isEqualTo("a");
      assertCut(ws, 401, "unauthenticated");
    }
  }

  @Test
  void withdrawingReadOnItsGroupEndsAGroupStream() throws Exception {
    String topic = topic("frank");
    access.createAcls(List.of(allow("User:frank", ResourceType.GROUP, "frank-group", PatternType.LITERAL, AclOperation.READ))).get();
    NewApiKey frank = key("frank");
    try (WsStream ws = webSocket(topic, "&group=frank-group", frank.secret())) {
      assertThat(ws.nextJson().get("event").asText()).isEqualTo("assignment");
      assertThat(ws.nextJson().get("value").asText()).isEqualTo("a");

      withdrawRead("frank", ResourceType.GROUP, "frank-group");

      assertCut(ws, 403, "forbidden");
    }
  }
}
