package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.Api.assertProblem;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.http.Api.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed, oversize and malicious requests: every one is a 4xx problem whose {@code status} is
 * the HTTP status, and afterwards the records written before are still there byte for byte, the
 * offsets have not moved, and the node keeps serving.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileInputTest {
  private static final int MAX_BODY = 1024 * 1024;

  @TempDir Path dir;
  StreamgateNode node;
  Api api;
  /** What was read back before the barrage, per partition: the exact bytes of the answers. */
  List<byte[]> before;
  JsonNode describedBefore;

  @BeforeEach
  void start() {
    node = TestNodes.start(dir, Map.of("max-body-bytes", String.valueOf(MAX_BODY)));
    api = new Api(node);
    api.createTopic("safe", 2);
    api.createTopic("bin", 1, "{\"value.format\":\"binary\"}");
    api.createTopic("text", 1, "{\"value.format\":\"string\"}");
    api.produce("safe", "{\"records\":[{\"key\":\"k\u00e9\",\"value\":{\"n\":12345678901234567890.5,\"s\":\"\u65e5\\n\"},"
        + "\"headers\":{\"h\":\"v\"},\"partition\":0,\"timestamp\":1700000000000},"
        + "{\"keyBase64\":\"/wAB\",\"value\":[1e400, -0.0, true, null],\"partition\":1},"
        + "{\"value\":null,\"key\":\"gone\",\"partition\":0}]}");
    api.post("/v1/topics/bin/records", "application/octet-stream", new byte[] {0, (byte) 0xff, 10, 13});
    api.post("/v1/topics/text/records", "text/plain", "plain \u00fc");
    before = readAll();
    describedBefore = describeAll();
  }

  @AfterEach
  void stop() {
    TestNodes.stop(node);
  }

  private List<byte[]> readAll() {
    List<byte[]> answers = new ArrayList<>();
    answers.add(api.fetch("safe", 0, "offset=earliest").body());
    answers.add(api.fetch("safe", 1, "offset=earliest").body());
    answers.add(api.fetch("bin", 0, "offset=earliest").body());
    answers.add(api.fetch("text", 0, "offset=earliest").body());
    return answers;
  }

  private JsonNode describeAll() {
    return Api.parse("[" + api.describe("safe") + "," + api.describe("bin") + "," + api.describe("text") + "]");
  }

  /** The records written before are readable byte for byte, no offset moved, no topic appeared, and the node serves. */
  private void assertLogIntact() {
    List<byte[]> after = readAll();
    for (int i = 0; i < before.size(); i++) {
      assertThat(new String(after.get(i), UTF_8)).as("read %d after the barrage", i).isEqualTo(new String(before.get(i), UTF_8));
      assertThat(after.get(i)).isEqualTo(before.get(i));
    }
    assertThat(describeAll()).isEqualTo(describedBefore);
    Set<String> names = new HashSet<>();
    api.get("/v1/topics").json().forEach(topic -> names.add(topic.get("name").asText()));
    assertThat(names).containsExactlyInAnyOrder("safe", "bin", "text");
    assertThat(api.get("/health/live").status()).isEqualTo(200);
    api.createTopic("after", 1);
    assertThat(api.produce("after", "{\"records\":[{\"value\":\"still serving\"}]}").get("offsets").get(0).get("offset").asLong())
        .isZero();
  }

  private Response produceJson(String topic, String body) {
    return api.postJson("/v1/topics/" + topic + "/records", body);
  }

  private Response raw(String request) throws IOException {
    return RawHttp.exchange(api.port, request).asApiResponse();
  }

  private static String rawRequest(String method, String target, String contentType, String body) {
    byte[] bytes = body == null ? new byte[0] : body.getBytes(UTF_8);
    return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
        + (body == null ? "" : "Content-Length: " + bytes.length + "\r\n") + "\r\n" + (body == null ? "" : body);
  }

  @Test
  void malformedAndTruncatedJson() {
    String full = "{\"records\":[{\"key\":\"k\",\"value\":{\"a\":[1,2]},\"headers\":{\"h\":\"v\"}}]}";
    List<String> bodies = new ArrayList<>(List.of("", " ", "{", "}", "[", "[]", "null", "\"records\"", "42", "{\"records\":",
        "{\"records\":[", "{\"records\":[{", "{\"records\":[{\"value\":}]}", "{\"records\":[{\"value\":1,}]}",
        "{\"records\":[{\"value\":1}],}", "{\"records\":[{\"value\":1}]} trailing", "{\"records\":[{\"value\":1}]}{}",
        "{\"records\":{}}", "{\"records\":[]}", "{\"records\":[1]}", "{\"records\":[null]}", "{\"records\":[[]]}",
        "{\"records\":null}", "{\"other\":[]}", "{\"records\":[{\"value\":1}],\"extra\":1}", "{\"records\":[{\"value\":1,\"x\":2}]}",
        "{'records':[{'value':1}]}", "{\"records\":[{\"value\":NaN}]}", "{\"records\":[{\"value\":01}]}",
        "{\"records\":[{\"value\":\"unterminated}]}", "{\"records\":[{\"value\":\"\\x\"}]}", "{\"records\":[{\"value\":tru}]}",
        "{\"records\":[{\"value\":1,\"value\":2}]}", "{\"records\":[{\"value\":1,\"valueBase64\":\"AA==\"}]}",
        "{\"records\":[{\"key\":\"a\",\"keyBase64\":\"AA==\",\"value\":1}]}", "{\"records\":[{\"value\":1}]}\u0000",
        "\u0000", "{\"records\":[{\"value\":\"\u0001\"}]}"));
    for (int cut = 1; cut < full.length(); cut += 3) {
      bodies.add(full.substring(0, cut));
    }
    for (String body : bodies) {
      assertProblem(produceJson("safe", body), 400, "invalid-request");
    }
    for (String body : List.of("", "{", "[]", "{\"name\":", "{\"name\":\"x\"", "{\"name\":\"x\"}}")) {
      assertProblem(api.postJson("/v1/topics", body), 400, "invalid-request");
      assertProblem(api.patchJson("/v1/topics/safe", body.isEmpty() ? "" : body), 400, "invalid-request");
    }
    assertLogIntact();
  }

  @Test
  void wrongTypesAndHugeNumbers() {
    List<String> records = List.of(
        "{\"value\":1,\"partition\":\"0\"}", "{\"value\":1,\"partition\":1.5}", "{\"value\":1,\"partition\":true}",
        "{\"value\":1,\"partition\":-1}", "{\"value\":1,\"partition\":2147483648}", "{\"value\":1,\"partition\":1e30}",
        "{\"value\":1,\"partition\":99999999999999999999999}",
        "{\"value\":1,\"timestamp\":-5}", "{\"value\":1,\"timestamp\":1e30}", "{\"value\":1,\"timestamp\":\"now\"}",
        "{\"value\":1,\"timestamp\":9.5}", "{\"value\":1,\"timestamp\":99999999999999999999999}",
        "{\"value\":1,\"timestamp\":-9223372036854775808}", "{\"value\":1,\"key\":5}", "{\"value\":1,\"key\":{}}",
        "{\"value\":1,\"key\":[]}", "{\"value\":1,\"key\":true}", "{\"value\":1,\"keyBase64\":5}", "{\"valueBase64\":{}}",
        "{\"valueBase64\":[\"AA==\"]}", "{\"value\":1,\"headers\":[]}", "{\"value\":1,\"headers\":\"h\"}",
        "{\"value\":1,\"headers\":{\"h\":1}}", "{\"value\":1,\"headers\":{\"h\":null}}", "{\"value\":1,\"headers\":{\"h\":{}}}",
        "{\"value\":1,\"headers\":{\"h\":[\"v\"]}}", "{\"value\":1,\"headers\":{\"h\":true}}");
    for (String record : records) {
      assertProblem(produceJson("safe", "{\"records\":[" + record + "]}"), 400, "invalid-request");
    }
    for (String query : List.of("partition=2147483648", "partition=-1", "partition=1e3", "partition=%20", "acks=99999999999",
        "key=a&key=b")) {
      assertProblem(api.post("/v1/topics/safe/records?" + query, "text/plain", "1"), 400, "invalid-request");
    }
    for (String query : List.of("offset=-1", "offset=-9223372036854775808", "offset=9223372036854775808",
        "offset=99999999999999999999999", "offset=1e3", "offset=0x10", "offset=%00", "timeoutMs=1e99", "timeoutMs=99999999999999999999",
        "maxRecords=2147483648", "maxBytes=-1", "timestamp=9223372036854775808")) {
      assertProblem(api.get("/v1/topics/safe/partitions/0/records?" + query), 400, "invalid-request");
    }
    for (String partition : List.of("99999999999", "-1", "1.0", "%00", "0x1")) {
      assertProblem(api.get("/v1/topics/safe/partitions/" + partition + "/records"), 400, "invalid-request");
    }
    for (String query : List.of("resume=0:-1", "resume=99999999999999999999:0", "resume=0:99999999999999999999", "resume=:",
        "resume=0:1:2", "offset=-5")) {
      assertProblem(api.get("/v1/topics/safe/stream?" + query, "Accept", "text/event-stream"), 400, "invalid-request");
    }
    // Absurd but well-formed: past the end is simply empty; extreme timestamps are refused by
    // default (message.timestamp.after.max.ms) and kept as given where the topic lifts the bound.
    JsonNode farAway = api.fetch("safe", 0, "offset=9223372036854775807&timeoutMs=0").json();
    assertThat(farAway.get("records")).isEmpty();
    assertProblem(api.postJson("/v1/topics/safe/records", "{\"records\":[{\"value\":1,\"timestamp\":9223372036854775807}]}"),
        400, "invalid-timestamp");
    api.createTopic("edge", 1, "{\"message.timestamp.after.max.ms\":9223372036854775807}");
    api.produce("edge", "{\"records\":[{\"value\":1,\"timestamp\":9223372036854775807},{\"value\":2,\"timestamp\":0},"
        + "{\"value\":3,\"timestamp\":9223372036854775807}]}");
    JsonNode edge = api.fetch("edge", 0, "offset=0").json().get("records");
    assertThat(edge.get(0).get("timestamp").asLong()).isEqualTo(Long.MAX_VALUE);
    assertThat(edge.get(1).get("timestamp").asLong()).isZero();
    assertThat(edge.get(2).get("timestamp").asLong()).isEqualTo(Long.MAX_VALUE);
    assertThat(api.get("/v1/topics/edge/partitions/0/offsets?timestamp=1").json().get("offset").asLong()).isEqualTo(0);
    assertThat(api.delete("/v1/topics/edge").status()).isEqualTo(204);
    assertLogIntact();
  }

  @Test
  void badBase64() {
    for (String base64 : List.of("!!!", "Y", "a b", "YQ==YQ==", "-_-_", "YQ=\u00e9", "====", "\\u0000")) {
      assertProblem(produceJson("bin", "{\"records\":[{\"valueBase64\":\"" + base64 + "\"}]}"), 400, "invalid-request");
      assertProblem(produceJson("bin", "{\"records\":[{\"keyBase64\":\"" + base64 + "\",\"value\":null}]}"), 400, "invalid-request");
    }
    assertLogIntact();
  }

  @Test
  void invalidUtf8() {
    List<byte[]> invalid = List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3, '('}, new byte[] {(byte) 0xc0, (byte) 0xaf},
        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        new byte[] {(byte) 0xe2, (byte) 0x82});
    for (byte[] bad : invalid) {
      // Inside a JSON string, in every place a string can be.
      for (String template : List.of("{\"records\":[{\"value\":\"a#b\"}]}", "{\"records\":[{\"key\":\"#\",\"value\":1}]}",
          "{\"records\":[{\"value\":1,\"headers\":{\"h\":\"#\"}}]}", "{\"records\":[{\"value\":1,\"headers\":{\"#\":\"v\"}}]}")) {
        byte[] body = splice(template, bad);
        assertProblem(api.post("/v1/topics/safe/records", "application/json", body), 400, "invalid-request");
        assertProblem(api.post("/v1/topics/text/records", "application/json", body), 400, "invalid-request");
      }
      // A raw or NDJSON value: a JSON string holding the bytes, for json topics; the bytes alone, for string topics.
      byte[] jsonString = splice("\"x#y\"", bad);
      assertProblem(api.post("/v1/topics/safe/records?partition=0", "application/octet-stream", jsonString), 400, "invalid-request");
      assertProblem(api.post("/v1/topics/safe/records?partition=0", "application/x-ndjson", jsonString), 400, "invalid-request");
      assertProblem(api.post("/v1/topics/text/records", "text/plain", splice("x#y", bad)), 400, "invalid-request");
      assertProblem(api.post("/v1/topics", "application/json", splice("{\"name\":\"#\"}", bad)), 400, null);
    }
    assertLogIntact();
  }

  private static byte[] splice(String template, byte[] bytes) {
    int at = template.indexOf('#');
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(template.substring(0, at).getBytes(UTF_8));
    out.writeBytes(bytes);
    out.writeBytes(template.substring(at + 1).getBytes(UTF_8));
    return out.toByteArray();
  }

  @Test
  void oversizeBodies() throws Exception {
    String big = "\"" + "x".repeat(MAX_BODY + 10) + "\"";
    assertProblem(api.post("/v1/topics/safe/records?partition=0", "text/plain", big), 413, "body-too-large");
    assertProblem(api.post("/v1/topics/safe/records?partition=0", "application/x-ndjson", big), 413, "body-too-large");
    assertProblem(api.postJson("/v1/topics/safe/records", "{\"records\":[{\"value\":" + big + "}]}"), 413, "body-too-large");
    assertProblem(api.send("POST", "/v1/topics/safe/records", "application/octet-stream",
        BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes(UTF_8)))), 413, "body-too-large");
    assertProblem(api.postJson("/v1/topics", "{\"name\":\"" + "y".repeat(100_000) + "\"}"), 413, "body-too-large");
    assertProblem(api.patchJson("/v1/topics/safe", "{\"config\":{\"retention.ms\":\"" + "1".repeat(100_000) + "\"}}"), 413,
        "body-too-large");
    // Too many records in one request.
    assertProblem(api.post("/v1/topics/safe/records", "application/x-ndjson", "1\n".repeat(10_001)), 400, "invalid-request");
    assertLogIntact();
  }

  /**
   * A client that declares (or streams) a body far past the limit gets its 413 at once, can read it,
   * and does not keep the connection busy: the server closes it soon after instead of reading it all.
   */
  @Test
  void aBodyThatNeverEndsGetsA413AndTheConnectionIsClosed() throws Exception {
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    try {
      for (String framing : List.of("Content-Length: 10000000000", "Transfer-Encoding: chunked")) {
        try (RawHttp http = RawHttp.connect(api.port)) {
          http.write("POST /v1/topics/safe/records?partition=0 HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" + framing
              + "\r\n\r\n");
          // The client sends 1 MiB every 10 ms (about 100 MB/s), for at most 15 s, until the server closes.
          boolean chunked = framing.contains("chunked");
          byte[] block = ((chunked ? "100000\r\n" : "") + "x".repeat(1024 * 1024) + (chunked ? "\r\n" : "")).getBytes(UTF_8);
          AtomicLong written = new AtomicLong();
          CompletableFuture<Long> closedByServer = new CompletableFuture<>();
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
          ScheduledFuture<?> sending = pacer.scheduleAtFixedRate(() -> {
            try {
              if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the server was still reading after 15 s");
              }
              http.out.write(block);
              written.addAndGet(block.length);
            } catch (IOException e) {
              closedByServer.complete(written.get());
              throw new IllegalStateException(e);
            } catch (RuntimeException e) {
              closedByServer.completeExceptionally(e);
              throw e;
            }
          }, 0, 10, TimeUnit.MILLISECONDS);

          RawHttp.Response head = http.readHead();
          long answered = System.nanoTime();
          byte[] body = http.in.readNBytes(Integer.parseInt(head.headers().get("content-length")));
          assertProblem(new RawHttp.Response(head.status(), head.headers(), body).asApiResponse(), 413, "body-too-large");
          assertThat(head.headers().get("connection")).as(framing).isEqualTo("close");
          long sent = closedByServer.get(30, TimeUnit.SECONDS);
          sending.cancel(false);
          assertThat(Duration.ofNanos(System.nanoTime() - answered)).as(framing).isLessThan(Duration.ofSeconds(10));
          System.out.printf("oversize body (%s): 413 read, connection closed after %d MB%n", framing, sent >> 20);
        }
      }
    } finally {
      pacer.shutdownNow();
    }
    assertLogIntact();
  }

  @Test
  void topicNamesThatAreNotNames() throws Exception {
    String record = "{\"records\":[{\"value\":1}]}";
    for (String topic : List.of("..", ".", "%2e%2e", "%2E%2e", ".%2e", "%2e", "a/b", "a%2Fb", "a%2fb", "%00", "a%00b", "a%20b",
        "%252e%252e", "..%2F..%2Fetc", "%2e%2e%2f%2e%2e", "%C0%AE%C0%AE", "%", "%zz", "a%", "__internal", "x".repeat(250),
        "caf%C3%A9", "%FF", "a*b", "a;b", "a:b", "%5C")) {
      String path = "/v1/topics/" + topic;
      assertProblem(raw(rawRequest("POST", path + "/records", "application/json", record)));
      assertProblem(raw(rawRequest("GET", path + "/partitions/0/records", null, null)));
      assertProblem(raw(rawRequest("GET", path + "/partitions/0/offsets", null, null)));
      Response described = raw(rawRequest("GET", path, null, null));
      if (described.status() != 200) {
        assertProblem(described);
      } else {
        // Dot segments are removed before routing: "/v1/topics/.." is "/v1", "/v1/topics/." is "/v1/topics".
        assertThat(topic).as("only a dot-segment path may resolve to another resource").matches("(?i)\\.|%2e");
      }
      Response deleted = raw(rawRequest("DELETE", path, null, null));
      assertProblem(deleted);
      assertProblem(raw(rawRequest("PATCH", path, "application/json", "{\"partitions\":5}")));
      assertProblem(raw(rawRequest("GET", path + "/stream", null, null).replace("Connection: close\r\n",
          "Connection: close\r\nAccept: text/event-stream\r\n")));
      assertProblem(api.postJson("/v1/topics", "{\"name\":" + RecordJsonWriter.quote(topic) + "}"));
    }
    // Nothing was written outside the data directory, and no partition appeared in it.
    try (Stream<Path> partitions = Files.list(dir.resolve("log"))) {
      assertThat(partitions.filter(Files::isDirectory).map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("safe-0", "safe-1", "bin-0", "text-0");
    }
    try (Stream<Path> siblings = Files.list(dir)) {
      assertThat(siblings.map(p -> p.getFileName().toString())).doesNotContain("records", "b-0", "etc-0");
    }
    assertLogIntact();
  }

  @Test
  void tooManyHeadersOnARecord() {
    for (int count : new int[] {65, 10_000}) {
      StringBuilder headers = new StringBuilder();
      for (int i = 0; i < count; i++) {
        headers.append(i == 0 ? "" : ",").append("\"h").append(i).append("\":\"v\"");
      }
      assertProblem(produceJson("safe", "{\"records\":[{\"value\":1,\"headers\":{" + headers + "}}]}"), 400, "invalid-request");
    }
    // The limit itself is fine (on another topic, so that the checked log stays as it was).
    StringBuilder headers = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      headers.append(i == 0 ? "" : ",").append("\"h").append(i).append("\":\"v\"");
    }
    api.createTopic("many", 1);
    assertThat(produceJson("many", "{\"records\":[{\"value\":1,\"headers\":{" + headers + "}}]}").status()).isEqualTo(200);
    assertThat(api.fetch("many", 0, "offset=0").json().get("records").get(0).get("headers").size()).isEqualTo(64);
    assertThat(api.delete("/v1/topics/many").status()).isEqualTo(204);
    assertLogIntact();
  }

  @Test
  void deeplyNestedJson() {
    String arrays = "[".repeat(100_000);
    String objects = "{\"a\":".repeat(50_000);
    String closedArrays = "[".repeat(5_000) + "]".repeat(5_000);
    for (String value : List.of(arrays, objects, closedArrays)) {
      assertProblem(produceJson("safe", "{\"records\":[{\"value\":" + value + "}]}"), 400, "invalid-request");
      assertProblem(api.post("/v1/topics/safe/records?partition=0", "application/octet-stream", value), 400, "invalid-request");
      assertProblem(api.post("/v1/topics/safe/records?partition=0", "application/x-ndjson", value), 400, "invalid-request");
      assertProblem(api.postJson("/v1/topics", value));
      assertProblem(api.patchJson("/v1/topics/safe", "{\"config\":" + value + "}"));
    }
    assertProblem(produceJson("safe", arrays), 400, "invalid-request");
    assertLogIntact();
  }

  @Test
  void oversizeAndBrokenHttpHeads() throws Exception {
    // A header block past max-http-header-bytes (16 KiB): one huge header, or very many small ones.
    String huge = "X-Big: " + "a".repeat(20_000) + "\r\n";
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 2_000; i++) {
      many.append("X-H").append(i).append(": value\r\n");
    }
    for (String headers : List.of(huge, many.toString())) {
      Response response = raw("GET /v1/topics HTTP/1.1\r\nHost: x\r\n" + headers + "Connection: close\r\n\r\n");
      assertProblem(response, 431, "headers-too-large");
      assertThat(response.headers().firstValue("connection")).hasValue("close");
    }
    // A request line past the limit, and ones that are not HTTP.
    Response longUri = raw("GET /v1/topics/safe/partitions/0/records?offset=" + "1".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertProblem(longUri, 414, "uri-too-long");
    for (String head : List.of("HELLO\r\n\r\n", "GET\r\n\r\n", "GET /v1/topics HTTP/1.1\r\nBroken header line\r\n\r\n",
        "GET /v1/topics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "GET /v1/topics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")) {
      Response response;
      try {
        response = raw(head);
      } catch (IOException e) {
        throw new AssertionError("no answer to " + head.substring(0, Math.min(60, head.length())).replace("\r\n", "|"), e);
      }
      assertProblem(response, 400, "invalid-request");
    }
    // Broken chunk framing in the middle of a body: a 400, the connection ends, and nothing is written.
    try (RawHttp http = RawHttp.connect(api.port)) {
      http.socket.setSoTimeout(10_000);
      http.write("POST /v1/topics/safe/records?partition=0 HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n1\r\n1\r\nzz\r\n");
      RawHttp.Response response = http.readResponse();
      assertProblem(response.asApiResponse(), 400, "invalid-request");
      assertThat(http.in.readAllBytes()).as("the connection ends").isEmpty();
    }
    assertLogIntact();
  }

  @Test
  void unknownRoutesAndWrongMethods() throws Exception {
    for (String path : List.of("/", "/v2/topics", "/v1", "/v1/", "/v1/nothing", "/v1/topics/safe/partitions",
        "/v1/topics/safe/partitions/0",
        "/v1/topics/safe/records/extra", "/v1/topics/safe/partitions/0/records/0", "/health", "/console/../../etc/passwd",
        "/v1/topics/safe/streams")) {
      assertProblem(api.get(path), 404, "not-found");
    }
    // Empty segments are dropped before routing: this asks for a topic named "records".
    assertProblem(api.get("/v1/topics//records"), 404, "topic-not-found");
    assertProblem(api.postJson("/v1/nothing", "{}"), 404, "not-found");
    List<String[]> wrong = List.of(new String[] {"PUT", "/v1/topics"}, new String[] {"DELETE", "/v1/topics"},
        new String[] {"PATCH", "/v1/topics"}, new String[] {"GET", "/v1/topics/safe/records"},
        new String[] {"PUT", "/v1/topics/safe/records"}, new String[] {"DELETE", "/v1/topics/safe/records"},
        new String[] {"POST", "/v1/topics/safe"}, new String[] {"PUT", "/v1/topics/safe"},
        new String[] {"POST", "/v1/topics/safe/partitions/0/records"}, new String[] {"PUT", "/v1/topics/safe/partitions/0/records"},
        new String[] {"POST", "/v1/topics/safe/partitions/0/offsets"}, new String[] {"POST", "/v1/topics/safe/stream"},
        new String[] {"POST", "/health/live"}, new String[] {"DELETE", "/metrics"}, new String[] {"PUT", "/openapi.yaml"});
    for (String[] request : wrong) {
      assertProblem(api.send(request[0], request[1], "application/json", BodyPublishers.ofString("{}")), 405, "method-not-allowed");
    }
    // DELETE of a partition's records is a route (DeleteRecords): without its parameter, a 400, nothing deleted.
    assertProblem(api.send("DELETE", "/v1/topics/safe/partitions/0/records", "application/json", BodyPublishers.ofString("{}")),
        400, "invalid-request");
    assertProblem(raw(rawRequest("FOO", "/v1/topics", null, null)));
    assertProblem(raw(rawRequest("TRACE", "/v1/topics", null, null)));
    assertLogIntact();
  }
}
