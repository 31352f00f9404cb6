package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A WebSocket opening handshake this node does not accept (RFC 6455 §4.2.1) is refused with a
 * problem, never with Vert.x's bare answer: a malformed one is a 400, a well-formed version other
 * than 13 a 426 that names the version served (§4.2.2).
 */
class WebSocketHandshakeTest extends HttpNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "Sec-WebSocket-Key: 9v79sB+I6oyfmkIVayttaA==\r\n";

  @BeforeAll
  void createTopic() {
    api.createTopic("fzb", 1, "{\"value.format\":\"binary\"}");
  }

  /** HttpFuzzTest seed 24464035820384, thread 2, input 6174, byte for byte: Vert.x answered a bare 426. */
  @Test
  void theFuzzersEmptyVersionIsABadRequest() throws Exception {
    RawHttp.Response response = RawHttp.exchange(node.httpPort(), "GET /v1/topics/fzb/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: application/x-ndjson\r\nAccept: text/event-stream\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + KEY + "Sec-WebSocket-Version: \r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n");

    assertProblem(response, 400, "invalid-request");
    assertServesOn();
  }

  static Stream<Arguments> malformedHandshakes() {
    return Stream.of(
        arguments("no version", "Upgrade: websocket\r\nConnection: Upgrade\r\n" + KEY),
        arguments("a version that is not a number",
            "Upgrade: websocket\r\nConnection: Upgrade\r\n" + KEY + "Sec-WebSocket-Version: abc\r\n"),
        arguments("two versions", "Upgrade: websocket\r\nConnection: Upgrade\r\n" + KEY
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 8\r\n"),
        arguments("no key", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"),
        arguments("a key that is not 16 bytes", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\n"
            + "Sec-WebSocket-Version: 13\r\n"),
        arguments("Upgrade in the second Connection field", "Upgrade: websocket\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n"
            + KEY + "Sec-WebSocket-Version: 13\r\n"),
        arguments("websocket in a list of upgrades", "Upgrade: websocket, h2c\r\nConnection: Upgrade\r\n" + KEY
            + "Sec-WebSocket-Version: 13\r\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedHandshakes")
  void aMalformedHandshakeIsABadRequest(String what, String headers) throws Exception {
    RawHttp.Response response = RawHttp.exchange(node.httpPort(),
        "GET /v1/topics/fzb/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n");

    assertProblem(response, 400, "invalid-request");
    assertServesOn();
  }

  @ParameterizedTest
  @CsvSource({"8", "7", "14", "0"})
  void anotherVersionIsUpgradeRequiredNamingThirteen(String version) throws Exception {
    RawHttp.Response response = RawHttp.exchange(node.httpPort(), "GET /v1/topics/fzb/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\n" + KEY + "Sec-WebSocket-Version: " + version + "\r\n\r\n");

    assertProblem(response, 426, "websocket-version-unsupported");
    assertThat(response.headers()).containsEntry("sec-websocket-version", "13");
    assertServesOn();
  }

  /** The fuzzer's request with version 13: a second Upgrade field beside websocket does not stop it. */
  @Test
  void theFuzzersRequestWithVersionThirteenIsUpgraded() throws Exception {
    try (RawHttp http = RawHttp.connect(node.httpPort())) {
      http.write(("GET /v1/topics/fzb/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
          + "Accept: text/event-stream\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + KEY
          + "Sec-WebSocket-Version: 13\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n").getBytes(US_ASCII));

      RawHttp.Response head = http.readHead();
      assertThat(head.status()).isEqualTo(101);
      assertThat(head.headers()).containsEntry("sec-websocket-accept", "G4W/eK1BBTqHT6pOZgY90xXZcqA=");
    }
  }

  private static void assertProblem(RawHttp.Response response, int status, String code) throws Exception {
    assertThat(response.status()).as("status of %s", response.text()).isEqualTo(status);
    assertThat(response.headers().get("content-type")).startsWith("application/problem+json");
    JsonNode problem = JSON.readTree(response.body());
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("code").asText()).isEqualTo(code);
    assertThat(problem.get("type").asText()).isEqualTo("urn:streamgate:problem:" + code);
  }

  private void assertServesOn() {
    assertThat(api.get("/v1/topics/fzb").status()).as("the node serves on").isEqualTo(200);
  }
}
