package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.Api.assertProblem;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that are slow on purpose (a head or a body trickled in, or stalled), clients that close
 * their side right after a request, and requests whose framing is broken (the {@code Host} header,
 * chunked bodies): each gets a clear answer or a closed connection in bounded time, no memory is held
 * for them past the node's budget, and nothing is logged above WARN.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowAndBrokenClientsTest extends HttpNodeTest {
  private static final long HEADER_TIMEOUT_MS = 1000;
  private static final long BODY_TIMEOUT_MS = 2000;
  private static final int MAX_BODY = 1024 * 1024;
  /** Three bodies of the largest size. */
  private static final long BUDGET = 3L * MAX_BODY;

  /** This test's topic: a name of its own on the class's node. */
  String t;
  LogCapture log;
  ScheduledExecutorService pacer;

  SlowAndBrokenClientsTest() {
    super(Map.of("http-header-timeout-ms", String.valueOf(HEADER_TIMEOUT_MS),
        "http-body-timeout-ms", String.valueOf(BODY_TIMEOUT_MS), "max-body-bytes", String.valueOf(MAX_BODY),
        "max-buffered-body-bytes", String.valueOf(BUDGET)));
  }

  @BeforeEach
  void start() {
    log = new LogCapture();
    t = unique("t");
    api.createTopic(t, 1);
    pacer = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void stop() {
    pacer.shutdownNow();
    log.close();
  }

  /** Waits for the server to end the connection: true when it did within {@code within}. */
  private static boolean closedByServer(RawHttp http, Duration within) throws IOException {
    http.socket.setSoTimeout((int) within.toMillis());
    try {
      while (http.in.read() >= 0) {
        // An answer before the close is allowed; what matters is the close.
      }
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  @Test
  void aHeadTrickledInByteByByteIsCutOffAtTheHeaderTimeout() throws Exception {
    try (RawHttp http = RawHttp.connect(api.port)) {
      http.write("GET /v1/topics HTTP/1.1\r\n");
      // One more byte of a header every 100 ms: never idle, never done. Bounded: 200 bytes, 20 s.
      byte[] header = ("X-Slow: " + "a".repeat(200)).getBytes(UTF_8);
      long started = System.nanoTime();
      var trickle = pacer.scheduleAtFixedRate(new Runnable() {
        int next;

        @Override
        public void run() {
          try {
            if (next < header.length) {
              http.out.write(header[next++]);
              http.out.flush();
            }
          } catch (IOException closed) {
            throw new IllegalStateException(closed);
          }
        }
      }, 0, 100, TimeUnit.MILLISECONDS);
      assertThat(closedByServer(http, Duration.ofSeconds(10))).as("closed while the head was still trickling in").isTrue();
      trickle.cancel(false);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(HEADER_TIMEOUT_MS + 4000));
    }
    // An idle connection (nothing sent, or nothing after an answered request) is closed as well.
    try (RawHttp idle = RawHttp.connect(api.port)) {
      assertThat(closedByServer(idle, Duration.ofSeconds(10))).as("idle connection closed").isTrue();
    }
    try (RawHttp keepAlive = RawHttp.connect(api.port)) {
      keepAlive.write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(keepAlive.readResponse().status()).isEqualTo(200);
      assertThat(closedByServer(keepAlive, Duration.ofSeconds(10))).as("idle keep-alive connection closed").isTrue();
    }
    log.assertNoErrorsOrStackTraces();
  }

  /** A request stream that is used steadily is not cut by the header timeout. */
  @Test
  void aBusyKeepAliveConnectionAndALongPollOutliveTheTimeouts() throws Exception {
    try (RawHttp http = RawHttp.connect(api.port)) {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * HEADER_TIMEOUT_MS);
      int answered = 0;
      while (System.nanoTime() < until) {
        http.write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(http.readResponse().status()).isEqualTo(200);
        answered++;
      }
      assertThat(answered).isPositive();
      // A long-poll waiting longer than both timeouts gets its (empty) answer.
      http.write("GET /v1/topics/" + t + "/partitions/0/records?offset=0&timeoutMs=" + (BODY_TIMEOUT_MS + HEADER_TIMEOUT_MS + 500)
          + " HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response poll = http.readResponse();
      assertThat(poll.status()).isEqualTo(200);
      assertThat(Api.parse(poll.text()).get("records")).isEmpty();
    }
  }

  @Test
  void aStalledBodyGetsA408AndTheConnectionCloses() throws Exception {
    try (RawHttp http = RawHttp.connect(api.port)) {
      http.write("POST /v1/topics/" + t + "/records HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + MAX_BODY
          + "\r\n\r\n" + "x".repeat(MAX_BODY / 2));
      http.socket.setSoTimeout((int) (BODY_TIMEOUT_MS + 8000));
      RawHttp.Response response = http.readResponse();
      assertProblem(response.asApiResponse(), 408, "request-timeout");
      assertThat(response.headers().get("connection")).isEqualTo("close");
      assertThat(closedByServer(http, Duration.ofSeconds(5))).isTrue();
    }
    assertThat(api.fetch(t, 0, "offset=0").json().get("records")).isEmpty();
    assertThat(log.warnings("127.0.0.1")).as("a WARN naming the client").isNotEmpty();
    log.assertNoErrorsOrStackTraces();
  }

  /**
   * Three stalled uploads of the largest size fill the node's body budget: a fourth body is refused
   * at once with a 503 (requests without a body are still served), and once the stalled ones time
   * out their bytes are free again.
   */
  @Test
  void bodiesPastTheNodeBudgetAreRefusedWithA503UntilTheStalledOnesTimeOut() throws Exception {
    List<RawHttp> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        RawHttp http = RawHttp.connect(api.port);
        stalled.add(http);
        http.write("POST /v1/topics/" + t + "/records HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + MAX_BODY
            + "\r\n\r\n" + "x".repeat(MAX_BODY - 1));
      }
      // The third upload has been taken in when its bytes are all read: wait for the budget to fill.
      await().atMost(Duration.ofSeconds(5))
          .until(() -> api.post("/v1/topics/" + t + "/records", "text/plain", "\"small\"").status() == 503);
      Api.Response refused = api.post("/v1/topics/" + t + "/records", "text/plain", "\"small\"");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.contentType()).startsWith("application/problem+json");
      assertThat(refused.json().get("code").asText()).isEqualTo("overloaded");
      assertThat(refused.json().get("status").asInt()).isEqualTo(503);
      assertThat(refused.headers().firstValue("retry-after")).isPresent();
      assertThat(api.get("/v1/topics").status()).as("a request without a body is served").isEqualTo(200);
      for (RawHttp http : stalled) {
        http.socket.setSoTimeout((int) (BODY_TIMEOUT_MS + 8000));
        assertProblem(http.readResponse().asApiResponse(), 408, "request-timeout");
      }
    } finally {
      for (RawHttp http : stalled) {
        http.close();
      }
    }
    // Released: a large body is taken again (the topic's max.record.bytes, 1 MiB, bounds the record), and only it was written.
    String big = "\"" + "y".repeat(MAX_BODY / 2) + "\"";
    await().atMost(Duration.ofSeconds(5)).until(() -> api.post("/v1/topics/" + t + "/records", "text/plain", big).status() == 200);
    JsonNode records = api.fetch(t, 0, "offset=0").json().get("records");
    assertThat(records).hasSize(1);
    assertThat(records.get(0).get("value").asText()).hasSize(MAX_BODY / 2);
    log.assertNoErrorsOrStackTraces();
  }

  /** A client that sends a request and at once closes its sending side still gets every answer. */
  @Test
  void aRequestFollowedByAHalfCloseIsAnswered() throws Exception {
    int tries = 100;
    for (int i = 0; i < tries; i++) {
      try (RawHttp http = RawHttp.connect(api.port)) {
        String body = "{\"records\":[{\"value\":" + i + "}]}";
        http.write("POST /v1/topics/" + t + "/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length() + "\r\n\r\n" + body);
        http.socket.shutdownOutput();
        RawHttp.Response response;
        try {
          response = http.readResponse();
        } catch (IOException e) {
          throw new AssertionError("try " + i + ": no answer after the half-close", e);
        }
        assertThat(response.status()).as("try %d", i).isEqualTo(200);
        assertThat(Api.parse(response.text()).get("offsets").get(0).get("offset").asLong()).isEqualTo(i);
        assertThat(closedByServer(http, Duration.ofSeconds(5))).as("closed after the answer").isTrue();
      }
    }
    JsonNode records = api.fetch(t, 0, "offset=0&maxRecords=1000").json().get("records");
    assertThat(records).hasSize(tries);
    for (int i = 0; i < tries; i++) {
      assertThat(records.get(i).get("value").asInt()).isEqualTo(i);
    }
  }

  /** An SSE stream whose client stops sending ends: the node does not keep serving a client that left. */
  @Test
  void anSseStreamWhoseClientHalfClosesEnds() throws Exception {
    try (RawHttp sse = RawHttp.connect(api.port)) {
      sse.write("GET /v1/topics/" + t + "/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
      RawHttp.Response head = sse.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.headers().get("content-type")).startsWith("text/event-stream");
      sse.socket.shutdownOutput();
      assertThat(closedByServer(sse, Duration.ofSeconds(5))).as("SSE stream closed").isTrue();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> api.get("/metrics").text().contains("streamgate_streams_open 0.0"));
  }

  /** Found by HttpFuzzTest (seed 3449466238819): a form field past Vert.x's form limits was a 500. */
  @Test
  void formBodiesPastTheFormLimitsAreA400() {
    for (String form : List.of("a=" + "[".repeat(20_000), "[".repeat(20_000), "x=1&".repeat(5_000))) {
      assertProblem(api.post("/v1/topics/" + t + "/records", "application/x-www-form-urlencoded", form), 400, "invalid-request");
      assertProblem(api.post("/v1/topics", "application/x-www-form-urlencoded", form), 400, "invalid-request");
    }
    assertThat(api.fetch(t, 0, "offset=0").json().get("records")).isEmpty();
    log.assertNoErrorsOrStackTraces();
  }

  @Test
  void aMissingOrMalformedHostIsA400() throws Exception {
    for (String host : List.of("", "Host: x:99999\r\n", "Host: [::1\r\n", "Host: a b\r\n", "Host: x\r\nHost: y\r\n",
        "Host: x:-1\r\n", "Host: :80\r\n")) {
      RawHttp.Response response = RawHttp.exchange(api.port, "GET /v1/topics HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n");
      assertProblem(response.asApiResponse(), 400, "invalid-request");
    }
    assertThat(log.warnings("Host")).isNotEmpty();
    log.assertNoErrorsOrStackTraces();
  }

  @Test
  void malformedChunkedBodiesAreAnsweredAndNothingIsWritten() throws Exception {
    String head = "POST /v1/topics/" + t + "/records HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    Map<String, Integer> bodies = Map.of(
        "FFFFFFFFFFFFFFFF\r\nabc\r\n", 400,
        "3;" + "e".repeat(4096) + "\r\nabc\r\n0\r\n\r\n", 400,
        "3\r\n\"a\"\r\n0\r\nX-Trailer: " + "t".repeat(16 * 1024) + "\r\n\r\n", 431,
        "1\r\n1\r\nzz\r\n", 400,
        "-5\r\nabc\r\n", 400);
    for (Map.Entry<String, Integer> body : bodies.entrySet()) {
      try (RawHttp http = RawHttp.connect(api.port)) {
        http.socket.setSoTimeout(10_000);
        http.write(head + body.getKey());
        RawHttp.Response response;
        try {
          response = http.readResponse();
        } catch (IOException e) {
          throw new AssertionError(
              "no answer to a chunked body of " + body.getKey().substring(0, Math.min(20, body.getKey().length())).replace("\r\n", "|"), e);
        }
        assertProblem(response.asApiResponse(), body.getValue(), body.getValue() == 431 ? "headers-too-large" : "invalid-request");
        assertThat(response.headers().get("connection")).isEqualTo("close");
        assertThat(closedByServer(http, Duration.ofSeconds(5))).isTrue();
      }
    }
    assertThat(api.fetch(t, 0, "offset=0").json().get("records")).isEmpty();
    assertThat(api.post("/v1/topics/" + t + "/records", "text/plain", "\"fine\"").status()).isEqualTo(200);
    log.assertNoErrorsOrStackTraces();
  }
}
