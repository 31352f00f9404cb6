package io.streamgate.gateway.http;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.streamgate.gateway.SharedNodeTest;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CORS with {@code cors-allowed-origins} set (and {@code auth=on}): a browser's preflight from an
 * allowed origin is answered without credentials, with the methods and request headers the API
 * reads; an actual request's answer, a refusal included, names the origin and exposes the headers a
 * page reads; another origin gets no CORS headers (and is served as before, the browser withholding
 * the answer); without the setting, no CORS headers at all.
 */
class CorsTest extends SharedNodeTest {
  private static final String BOOTSTRAP = "bootstrap-key-for-cors-tests";
  private static final String ALLOWED = "https://app.example.com";
  private static final String OTHER = "https://evil.example.net";

  CorsTest() {
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP, "cors-allowed-origins", ALLOWED + ", http://localhost:3000"));
  }

  private RequestSpecification to(StreamgateNode target) {
    return given().baseUri("http://127.0.0.1").port(target.httpPort());
  }

  private Response preflight(StreamgateNode target, String origin) {
    return to(target).header("Origin", origin).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type,idempotency-key").options("/v1/topics/orders/records");
  }

  @Test
  void aPreflightFromAnAllowedOriginIsAnsweredWithoutCredentials() {
    Response answer = preflight(node, ALLOWED);
    answer.then().statusCode(204).header("Access-Control-Allow-Origin", ALLOWED).header("Vary", "Origin");
    assertThat(answer.header("Access-Control-Allow-Methods").split(", ")).contains("GET", "POST", "PATCH", "DELETE");
    assertThat(answer.header("Access-Control-Allow-Headers").split(", "))
        .contains("Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID");
    assertThat(answer.header("Access-Control-Allow-Credentials")).isNull();
    assertThat(answer.header("Access-Control-Max-Age")).isNotNull();
    // The second origin of the list, in another case than configured: origins compare without case.
    preflight(node, "http://LOCALHOST:3000").then().statusCode(204).header("Access-Control-Allow-Origin", "http://LOCALHOST:3000");
  }

  @Test
  void aPreflightFromAnotherOriginGetsNoCorsHeaders() {
    for (String origin : new String[] {OTHER, "https://app.example.com:8443", "http://app.example.com", "null"}) {
      Response answer = preflight(node, origin);
      assertThat(answer.statusCode()).as(origin).isNotEqualTo(204);
      assertThat(answer.header("Access-Control-Allow-Origin")).as(origin).isNull();
      assertThat(answer.header("Access-Control-Allow-Methods")).as(origin).isNull();
    }
  }

  @Test
  void anActualRequestsAnswerNamesTheOriginAndExposesTheHeadersAPageReads() {
    String topic = unique("cors");
    Response created = to(node).header("Origin", ALLOWED).header("Authorization", "Bearer " + BOOTSTRAP).contentType("application/json")
        .body("{\"name\":\"" + topic + "\",\"partitions\":1}").post("/v1/topics");
    created.then().statusCode(201).header("Access-Control-Allow-Origin", ALLOWED).header("Vary", "Origin");
    assertThat(created.header("Access-Control-Expose-Headers").split(", ")).contains("Location", "Retry-After", "WWW-Authenticate");
    assertThat(created.header("Location")).isNotNull();

    // A refusal too, so that the page can tell the user to log in.
    to(node).header("Origin", ALLOWED).get("/v1/topics").then().statusCode(401).contentType("application/problem+json")
        .body("code", equalTo("unauthenticated")).header("Access-Control-Allow-Origin", ALLOWED);

    // Another origin is served as before, without CORS headers: the browser keeps the answer from the page.
    Response other = to(node).header("Origin", OTHER).header("Authorization", "Bearer " + BOOTSTRAP).get("/v1/topics/" + topic);
    other.then().statusCode(200).header("Vary", "Origin");
    assertThat(other.header("Access-Control-Allow-Origin")).isNull();
    assertThat(other.header("Access-Control-Expose-Headers")).isNull();
  }

  @Test
  void withoutTheSettingNoCorsHeadersAreSent() {
    StreamgateNode plain = TestNodes.start(dir.resolve("plain"), Map.of());
    try {
      Response answer = preflight(plain, ALLOWED);
      assertThat(answer.statusCode()).isNotEqualTo(204);
      assertThat(answer.header("Access-Control-Allow-Origin")).isNull();
      Response read = to(plain).header("Origin", ALLOWED).get("/v1/topics");
      read.then().statusCode(200);
      assertThat(read.header("Access-Control-Allow-Origin")).isNull();
      assertThat(read.header("Vary")).isNull();
    } finally {
      TestNodes.stop(plain);
    }
  }
}
