package io.streamgate.gateway.http;

import static io.restassured.RestAssured.given;
import static io.streamgate.gateway.http.HttpAuthTest.BOOTSTRAP;
import static io.streamgate.gateway.http.HttpAuthTest.allow;
import static io.streamgate.gateway.http.HttpAuthTest.as;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.RestAssured;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.SharedNodeTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WebSocket and SSE streams with {@code auth=on}: credentials in the {@code Authorization} header, or
 * a single-use ticket from {@code POST /v1/auth/tickets} in {@code ?ticket=} (what a browser can do);
 * a used ticket, an API key in the URL, or none is a 401 before anything is streamed.
 */
class StreamAuthTest extends SharedNodeTest {
  private Vertx clientVertx;
  private WebSocketClient webSockets;
  private String reader;
  private String nobody;
  private String topic;
  private String stream;

  StreamAuthTest() {
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP));
  }

  @BeforeAll
  void setUp() throws Exception {
    RestAssured.baseURI = "http://127.0.0.1";
    RestAssured.port = node.httpPort();
    clientVertx = Vertx.vertx();
    webSockets = clientVertx.createWebSocketClient();
    var access = node.security().accessControl();
    reader = access.createApiKey(Principal.user("reader")).get().secret();
    nobody = access.createApiKey(Principal.user("nobody")).get().secret();
    topic = unique("feed");
    access.createAcls(List.of(allow("User:reader", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ))).get();
    as(BOOTSTRAP).contentType("application/json").body("{\"name\":\"" + topic + "\",\"partitions\":1}").post("/v1/topics").then()
        .statusCode(201);
    as(BOOTSTRAP).contentType("application/json").body("{\"records\":[{\"value\":\"a\"},{\"value\":\"b\"},{\"value\":\"c\"}]}")
        .post("/v1/topics/" + topic + "/records").then().statusCode(200);
    stream = "/v1/topics/" + topic + "/stream?offset=earliest";
  }

  @AfterAll
  void tearDown() throws Exception {
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private String ticket(String secret) {
    return as(secret).post("/v1/auth/tickets").then().statusCode(201).body("expiresInMs", equalTo(30000)).extract().path("ticket");
  }

  private static List<String> values(SseStream sse) throws Exception {
    return sse.next(3).stream().map(event -> event.json().get("value").asText()).toList();
  }

  @Test
  void sseTakesTheHeaderOrATicketOnce() throws Exception {
    try (SseStream sse = SseStream.open(node.httpPort(), stream, "Authorization: Bearer " + reader)) {
      assertThat(values(sse)).containsExactly("a", "b", "c");
    }
    String ticket = ticket(reader);
    try (SseStream sse = SseStream.open(node.httpPort(), stream + "&ticket=" + ticket)) {
      assertThat(values(sse)).containsExactly("a", "b", "c");
    }
    // Used once: gone.
    given().accept("text/event-stream").get(stream + "&ticket=" + ticket).then().statusCode(401)
        .header("WWW-Authenticate", "Bearer").body("code", equalTo("unauthenticated"));
    given().accept("text/event-stream").get(stream).then().statusCode(401);
    // An API key is never taken from a URL.
    given().accept("text/event-stream").get(stream + "&ticket=" + reader).then().statusCode(401);
    given().accept("text/event-stream").get(stream + "&ticket=" + BOOTSTRAP).then().statusCode(401);
  }

  @Test
  void aTicketIsItsPrincipalsAndOnlyForStreams() {
    given().accept("text/event-stream").get(stream + "&ticket=" + ticket(nobody)).then().statusCode(404)
        .body("code", equalTo("topic-not-found"));
    given().post("/v1/auth/tickets").then().statusCode(401);
    // A group stream needs READ on the group too.
    as(reader).accept("text/event-stream").get("/v1/topics/" + topic + "/stream?group=strangers").then().statusCode(403)
        .body("code", equalTo("forbidden"));
    given().get("/v1/topics/" + topic + "?ticket=" + ticket(reader)).then().statusCode(401);
  }

  @Test
  void webSocketTakesTheHeaderOrATicketOnce() throws Exception {
    try (WsStream ws = WsStream.open(webSockets, node.httpPort(), stream, "Authorization", "Bearer " + reader)) {
      assertThat(ws.next(3).stream().map(r -> r.get("value").asText())).containsExactly("a", "b", "c");
    }
    String ticket = ticket(reader);
    try (WsStream ws = WsStream.open(webSockets, node.httpPort(), stream + "&ticket=" + ticket)) {
      assertThat(ws.next(3).stream().map(r -> r.get("value").asText())).containsExactly("a", "b", "c");
    }
    for (String uri : List.of(stream + "&ticket=" + ticket, stream)) {
      Throwable refused = catchThrowable(() -> WsStream.open(webSockets, node.httpPort(), uri).close());
      assertThat(refused).as(uri).isInstanceOf(UpgradeRejectedException.class);
      UpgradeRejectedException rejected = (UpgradeRejectedException) refused;
      assertThat(rejected.getStatus()).as(uri).isEqualTo(401);
      assertThat(Api.parse(rejected.getBody().toString(UTF_8)).get("code").asText()).isEqualTo("unauthenticated");
    }
  }
}
