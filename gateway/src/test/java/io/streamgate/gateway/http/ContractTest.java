package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.streamgate.gateway.Readiness;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.openapi.ContractDocument;
import io.streamgate.openapi.ExampleValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holds a live node to its contract, {@code openapi/streamgate.yaml}: every operation, on its success
 * and error paths, and every answer's status (declared for the operation, or an error under
 * {@code default}), its {@code Content-Type} (exactly a media type the document names), the headers
 * the document declares for it (present and valid) and its body (against the schema). JSON bodies go
 * through vertx-openapi's {@code ResponseValidator} on the loadable view of the document; problem
 * bodies, NDJSON lines, SSE {@code data:} and the other media types the view drops are checked
 * against their schemas in the resolved document. The last test checks that every operation and
 * status this class means to reach was reached.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContractTest {
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final String JSON = "application/json";
  private static final String NDJSON = "application/x-ndjson";
  private static final String SSE = "text/event-stream";
  private static final int MAX_BODY_BYTES = 64 * 1024;

  /** The operations and statuses the tests below reach; the last test checks they all were. */
  private static final Map<String, Set<Integer>> EXPECTED = new TreeMap<>(Map.ofEntries(
      Map.entry("createTopic", Set.of(201, 400, 409)),
      Map.entry("listReassignments", Set.of(200, 403)),
      Map.entry("startReassignments", Set.of(202, 400, 403, 404)),
      Map.entry("cancelReassignment", Set.of(404, 409)),
      Map.entry("planMoves", Set.of(200, 202, 400)),
      Map.entry("drainNode", Set.of(404, 409)),
      Map.entry("getReplicationThrottle", Set.of(200)),
      Map.entry("setReplicationThrottle", Set.of(200, 400, 403)),
      Map.entry("listTopics", Set.of(200, 401)),
      Map.entry("describeTopic", Set.of(200, 400, 404)),
      Map.entry("updateTopic", Set.of(200, 400, 403, 404)),
      Map.entry("deleteTopic", Set.of(204, 400, 403, 404)),
      Map.entry("produce", Set.of(200, 202, 400, 403, 404, 413, 415, 422)),
      Map.entry("consume", Set.of(200, 400, 404, 406, 416)),
      Map.entry("getOffsets", Set.of(200, 400, 404)),
      Map.entry("deleteRecords", Set.of(200, 400, 403, 404, 416)),
      Map.entry("streamTopic", Set.of(101, 200, 400, 404, 406, 416)),
      Map.entry("joinGroup", Set.of(201, 400, 404)),
      Map.entry("pollGroup", Set.of(200, 400, 404)),
      Map.entry("commitGroup", Set.of(200, 400, 404, 409)),
      Map.entry("leaveGroup", Set.of(204, 400, 404)),
      Map.entry("listGroups", Set.of(200)),
      Map.entry("describeGroup", Set.of(200, 400, 404)),
      Map.entry("deleteGroup", Set.of(204, 400, 404, 409)),
      Map.entry("resetGroupOffsets", Set.of(200, 400, 404, 409)),
      Map.entry("describeCluster", Set.of(200, 403)),
      Map.entry("createStreamTicket", Set.of(201, 401)),
      Map.entry("createAcls", Set.of(201, 400)),
      Map.entry("listAcls", Set.of(200, 400)),
      Map.entry("deleteAcls", Set.of(200, 400)),
      Map.entry("createApiKey", Set.of(201, 400)),
      Map.entry("listApiKeys", Set.of(200)),
      Map.entry("revokeApiKey", Set.of(204, 404)),
      Map.entry("describeClusterStats", Set.of(200)),
      Map.entry("rebalanceLeaders", Set.of(200)),
      Map.entry("live", Set.of(200)),
      Map.entry("ready", Set.of(200, 503)),
      Map.entry("metrics", Set.of(200)),
      Map.entry("openapi", Set.of(200)),
      Map.entry("(no route)", Set.of(404, 405, 414, 431))));

  private static final Map<String, Set<Integer>> reached = new ConcurrentHashMap<>();

  @TempDir static Path dir;
  private static StreamgateNode node;
  private static Vertx vertx;
  private static ResponseValidator validator;
  private static JsonObject resolved;
  private static ExampleValidator schemas;
  private static HttpClient http;
  private static String base;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    JsonObject raw = ContractDocument.load();
    OpenAPIContract contract = await(OpenAPIContract.from(vertx, ContractDocument.loadableView(raw)));
    validator = ResponseValidator.create(vertx, contract);
    resolved = await(ContractDocument.resolve(vertx, raw));
    schemas = new ExampleValidator(await(ContractDocument.repository(vertx)));
    node = TestNodes.start(dir, Map.of("max-body-bytes", String.valueOf(MAX_BODY_BYTES)));
    base = "http://127.0.0.1:" + node.httpPort();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  static void stop() {
    try {
      TestNodes.stop(node);
    } finally {
      vertx.close().await();
    }
  }

  // ------------------------------------------------------------------------------------ topics

  @Test
  @Order(1)
  void topics() {
    JsonObject created = json(check("createTopic", send("POST", "/v1/topics", JSON,
        "{\"name\":\"ct-topics\",\"partitions\":2,\"config\":{\"retention.ms\":86400000,\"segment.bytes\":\"1048576\","
            + "\"cleanup.policy\":\"delete\"}}"),
        201));
    assertThat(created.getJsonObject("config").getValue("retention.ms")).isEqualTo(86400000);
    assertThat(created.getJsonObject("config").getValue("segment.bytes")).isEqualTo(1048576);
    assertThat(created.getJsonObject("config").getValue("cleanup.policy")).isEqualTo("delete");

    problem(check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-topics\"}"), 409), "topic-exists");
    problem(check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"orders/eu\"}"), 400), "invalid-topic-name");
    problem(check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"__internal\"}"), 400), "invalid-topic-name");
    problem(check("createTopic", send("POST", "/v1/topics", JSON,
        "{\"name\":\"ct-x\",\"config\":{\"retention.hours\":1}}"), 400), "invalid-config");
    problem(check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-x\",\"partitions\":0}"), 400),
        "invalid-partitions");
    problem(check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-x\",\"replicationFactor\":3}"), 400),
        "invalid-replication-factor");
    problem(check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":"), 400), "invalid-request");

    JsonArray topics = new JsonArray(check("listTopics", send("GET", "/v1/topics"), 200).text());
    assertThat(topics.stream().map(t -> ((JsonObject) t).getString("name"))).contains("ct-topics");

    check("describeTopic", send("GET", "/v1/topics/ct-topics"), 200);
    problem(check("describeTopic", send("GET", "/v1/topics/ct-missing"), 404), "topic-not-found");
    problem(check("describeTopic", send("GET", "/v1/topics/bad%20name"), 400), "invalid-topic-name");

    JsonObject grown = json(check("updateTopic", send("PATCH", "/v1/topics/ct-topics", JSON,
        "{\"partitions\":3,\"config\":{\"retention.ms\":null,\"max.record.bytes\":\"2048\"}}"), 200));
    assertThat(grown.getJsonArray("partitions")).hasSize(3);
    assertThat(grown.getJsonObject("config").getValue("retention.ms")).isEqualTo(604800000);
    assertThat(grown.getJsonObject("config").getValue("max.record.bytes")).isEqualTo(2048);
    problem(check("updateTopic", send("PATCH", "/v1/topics/ct-topics", JSON, "{\"partitions\":1}"), 400), "invalid-partitions");
    problem(check("updateTopic", send("PATCH", "/v1/topics/ct-topics", JSON, "{}"), 400), "invalid-request");
    problem(check("updateTopic", send("PATCH", "/v1/topics/ct-missing", JSON, "{\"partitions\":2}"), 404), "topic-not-found");
    problem(check("updateTopic", send("PATCH", "/v1/topics/__consumer_offsets", JSON, "{\"partitions\":2}"), 403),
        "internal-topic");

    problem(check("deleteTopic", send("DELETE", "/v1/topics/__consumer_offsets"), 403), "internal-topic");
    problem(check("deleteTopic", send("DELETE", "/v1/topics/bad%20name"), 400), "invalid-topic-name");
    check("deleteTopic", send("DELETE", "/v1/topics/ct-topics"), 204);
    problem(check("deleteTopic", send("DELETE", "/v1/topics/ct-topics"), 404), "topic-not-found");
    problem(check("describeTopic", send("GET", "/v1/topics/ct-topics"), 404), "topic-not-found");
  }

  // ----------------------------------------------------------------------------------- produce

  @Test
  @Order(2)
  void produce() {
    check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-produce\",\"partitions\":2}"), 201);
    JsonObject written = json(check("produce", send("POST", "/v1/topics/ct-produce/records", JSON,
        "{\"records\":[{\"key\":\"k\",\"value\":{\"a\":1},\"headers\":{\"h\":\"v\"},\"partition\":1,\"timestamp\":1700000000000},"
            + "{\"keyBase64\":\"AAECAw==\",\"valueBase64\":\"eyJiIjoyfQ==\"},{\"key\":\"gone\",\"value\":null}]}"),
        200));
    assertThat(written.getJsonArray("offsets")).hasSize(3);
    check("produce", send("POST", "/v1/topics/ct-produce/records?acks=0", JSON, "{\"records\":[{\"value\":1}]}"), 202);
    check("produce", send("POST", "/v1/topics/ct-produce/records?acks=1&key=s&partition=0", NDJSON, "{\"n\":1}\n{\"n\":2}\n"), 200);
    check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-text\",\"config\":{\"value.format\":\"string\"}}"), 201);
    check("produce", send("POST", "/v1/topics/ct-text/records?key=line", "text/plain", "GET /index.html 200"), 200);
    check("produce", send("POST", "/v1/topics/ct-text/records", "application/octet-stream", "raw bytes"), 200);

    problem(check("produce", send("POST", "/v1/topics/ct-produce/records?key=k", JSON, "{\"records\":[{\"value\":1}]}"), 400),
        "invalid-request");
    problem(check("produce", send("POST", "/v1/topics/ct-produce/records", JSON, "{\"records\":[{}]}"), 400), "invalid-request");
    problem(check("produce", send("POST", "/v1/topics/ct-produce/records?acks=2", JSON, "{\"records\":[{\"value\":1}]}"), 400),
        "invalid-request");
    check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-compacted\",\"config\":{\"cleanup.policy\":\"compact\"}}"), 201);
    problem(check("produce", send("POST", "/v1/topics/ct-compacted/records", JSON, "{\"records\":[{\"value\":1}]}"), 400),
        "invalid-record");
    problem(check("produce", send("POST", "/v1/topics/__consumer_offsets/records", JSON, "{\"records\":[{\"value\":1}]}"), 403),
        "internal-topic");
    problem(check("produce", send("POST", "/v1/topics/ct-produce/records", JSON, "{\"records\":[{\"value\":1,\"partition\":9}]}"), 404),
        "partition-not-found");
    problem(check("produce", send("POST", "/v1/topics/ct-produce/records", JSON,
        "{\"records\":[{\"value\":\"" + "x".repeat(MAX_BODY_BYTES) + "\"}]}"), 413), "body-too-large");
    check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-small\",\"config\":{\"max.record.bytes\":1024}}"), 201);
    problem(check("produce", send("POST", "/v1/topics/ct-small/records", JSON,
        "{\"records\":[{\"value\":\"" + "x".repeat(2000) + "\"}]}"), 413), "record-too-large");
    problem(check("produce", send("POST", "/v1/topics/ct-produce/records", "application/json; charset=latin-1",
        "{\"records\":[{\"value\":1}]}"), 415), "unsupported-media-type");
    problem(check("produce", send("POST", "/v1/topics/ct-produce/records", "not a media type", "1"), 415), "unsupported-media-type");
    check("produce", send("POST", "/v1/topics/ct-produce/records", Map.of("Idempotency-Key", "ct-once"), JSON,
        "{\"records\":[{\"value\":1}]}"), 200);
    problem(check("produce", send("POST", "/v1/topics/ct-produce/records", Map.of("Idempotency-Key", "ct-once"), JSON,
        "{\"records\":[{\"value\":2}]}"), 422), "idempotency-key-reused");
  }

  // ----------------------------------------------------------------------------------- consume

  @Test
  @Order(3)
  void consume() throws Exception {
    check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-consume\",\"partitions\":2}"), 201);
    check("produce", send("POST", "/v1/topics/ct-consume/records", JSON,
        "{\"records\":[{\"key\":\"a\",\"value\":{\"n\":0},\"partition\":0},{\"value\":[1,2],\"partition\":0},"
            + "{\"value\":\"three\",\"partition\":0,\"headers\":{\"h\":\"v\"}},{\"value\":null,\"partition\":0}]}"),
        200);

    JsonObject page = json(check("consume", send("GET", "/v1/topics/ct-consume/partitions/0/records?offset=earliest&maxRecords=3"), 200));
    assertThat(page.getJsonArray("records")).hasSize(3);
    assertThat(page.getLong("nextOffset")).isEqualTo(3);
    Answer lines = check("consume", send("GET", "/v1/topics/ct-consume/partitions/0/records?offset=1", Map.of("Accept", NDJSON)), 200);
    assertThat(lines.contentType()).isEqualTo(NDJSON);
    assertThat(ExampleValidator.ndjsonLines(lines.text())).hasSize(3);
    Answer preferred = check("consume", send("GET", "/v1/topics/ct-consume/partitions/0/records",
        Map.of("Accept", "application/x-ndjson;q=0.5, application/json")), 200);
    assertThat(preferred.contentType()).isEqualTo(JSON);
    JsonObject empty = json(check("consume", send("GET", "/v1/topics/ct-consume/partitions/1/records?offset=latest&timeoutMs=100"), 200));
    assertThat(empty.getJsonArray("records")).isEmpty();

    problem(check("consume", send("GET", "/v1/topics/ct-consume/partitions/0/records?maxRecords=20000"), 400), "invalid-request");
    problem(check("consume", send("GET", "/v1/topics/ct-consume/partitions/0/records?offset=soon"), 400), "invalid-request");
    problem(check("consume", send("GET", "/v1/topics/ct-consume/partitions/0/records?offset=1&timestamp=1"), 400), "invalid-request");
    problem(check("consume", send("GET", "/v1/topics/ct-consume/partitions/7/records"), 404), "partition-not-found");
    problem(check("consume", send("GET", "/v1/topics/ct-nothing/partitions/0/records"), 404), "topic-not-found");
    problem(check("consume", send("GET", "/v1/topics/ct-consume/partitions/0/records", Map.of("Accept", "text/xml")), 406),
        "not-acceptable");

    String records = "/v1/topics/ct-consume/partitions/0/records";
    assertThat(json(check("deleteRecords", send("DELETE", records + "?before=2"), 200)).getLong("earliest")).isEqualTo(2);
    assertThat(json(check("deleteRecords", send("DELETE", records + "?before=1"), 200)).getLong("earliest")).isEqualTo(2);
    problem(check("deleteRecords", send("DELETE", records + "?before=5"), 416), "offset-out-of-range");
    problem(check("deleteRecords", send("DELETE", records), 400), "invalid-request");
    problem(check("deleteRecords", send("DELETE", records + "?before=soon"), 400), "invalid-request");
    problem(check("deleteRecords", send("DELETE", "/v1/topics/ct-consume/partitions/7/records?before=0"), 404),
        "partition-not-found");
    node.service().ensureInternalTopic("__ct_internal", 1).get(10, TimeUnit.SECONDS);
    problem(check("deleteRecords", send("DELETE", "/v1/topics/__ct_internal/partitions/0/records?before=0"), 403),
        "internal-topic");
    JsonObject range = problem(check("consume", send("GET", "/v1/topics/ct-consume/partitions/0/records?offset=1"), 416),
        "offset-out-of-range");
    assertThat(range.getLong("earliestOffset")).isEqualTo(2);
    assertThat(range.getLong("latestOffset")).isEqualTo(4);

    JsonObject offsets = json(check("getOffsets", send("GET", "/v1/topics/ct-consume/partitions/0/offsets"), 200));
    assertThat(offsets.getLong("earliest")).isEqualTo(2);
    assertThat(offsets.getLong("latest")).isEqualTo(4);
    JsonObject byTime = json(check("getOffsets", send("GET", "/v1/topics/ct-consume/partitions/0/offsets?timestamp=0"), 200));
    assertThat(byTime.getLong("offset")).isEqualTo(2);
    problem(check("getOffsets", send("GET", "/v1/topics/ct-consume/partitions/0/offsets?timestamp=-1"), 400), "invalid-request");
    problem(check("getOffsets", send("GET", "/v1/topics/ct-consume/partitions/5/offsets"), 404), "partition-not-found");
  }

  // ------------------------------------------------------------------------------------ stream

  @Test
  @Order(4)
  void stream() throws Exception {
    check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-stream\",\"partitions\":2}"), 201);
    check("produce", send("POST", "/v1/topics/ct-stream/records", JSON,
        "{\"records\":[{\"key\":\"a\",\"value\":{\"n\":0},\"partition\":0},{\"value\":\"one\",\"partition\":1},"
            + "{\"value\":2,\"partition\":0}]}"),
        200);

    Answer events = check("streamTopic", events("/v1/topics/ct-stream/stream?offset=earliest", Map.of(), 3), 200);
    assertThat(ExampleValidator.sseData(events.text())).hasSize(3);
    Answer resumed = check("streamTopic", events("/v1/topics/ct-stream/stream", Map.of("Last-Event-ID", "0:1,1:1"), 1), 200);
    assertThat(new JsonObject(ExampleValidator.sseData(resumed.text()).get(0)).getLong("offset")).isEqualTo(1);

    List<String> frames = webSocket("/v1/topics/ct-stream/stream?offset=earliest&partition=0", 2);
    for (String frame : frames) {
      checkAgainst("Record", new JsonObject(frame), "WebSocket frame");
    }

    deleteRecordsBefore("ct-stream", 0, 1);
    JsonObject range = problem(check("streamTopic", events("/v1/topics/ct-stream/stream?offset=0", Map.of(), 0), 416),
        "offset-out-of-range");
    assertThat(range.getLong("earliestOffset")).isEqualTo(1);
    problem(check("streamTopic", events("/v1/topics/ct-stream/stream?resume=0:0,1:0", Map.of(), 0), 416), "offset-out-of-range");
    assertThat(webSocketRefusal("/v1/topics/ct-stream/stream?offset=0")).isEqualTo(416);

    problem(check("streamTopic", send("GET", "/v1/topics/ct-stream/stream"), 406), "not-acceptable");
    problem(check("streamTopic", events("/v1/topics/ct-stream/stream?offset=soon", Map.of(), 0), 400), "invalid-request");
    problem(check("streamTopic", events("/v1/topics/ct-stream/stream?resume=0-1", Map.of(), 0), 400), "invalid-request");
    problem(check("streamTopic", events("/v1/topics/ct-stream/stream?partition=9", Map.of(), 0), 404), "partition-not-found");
    problem(check("streamTopic", events("/v1/topics/ct-none/stream", Map.of(), 0), 404), "topic-not-found");
  }

  // ------------------------------------------------------------------------------------ groups

  @Test
  @Order(5)
  void groups() throws Exception {
    check("createTopic", send("POST", "/v1/topics", JSON, "{\"name\":\"ct-groups\",\"partitions\":2}"), 201);
    check("produce", send("POST", "/v1/topics/ct-groups/records", JSON,
        "{\"records\":[{\"key\":\"a\",\"value\":{\"n\":0},\"partition\":0},{\"value\":\"one\",\"partition\":0},"
            + "{\"value\":null,\"partition\":0},{\"keyBase64\":\"AAECAw==\",\"valueBase64\":\"eyJiIjoyfQ==\",\"partition\":1}]}"),
        200);

    // Join: 201, Location names the member.
    Answer joined = check("joinGroup", send("POST", "/v1/groups/ct-g/members", JSON,
        "{\"topics\":[\"ct-groups\"],\"autoOffsetReset\":\"earliest\",\"sessionTimeoutMs\":30000}"), 201);
    JsonObject a = json(joined);
    String memberA = a.getString("memberId");
    String aPath = "/v1/groups/ct-g/members/" + memberA;
    assertThat(joined.header("Location")).isEqualTo(aPath);
    assertThat(a.getJsonArray("assignment")).hasSize(2);
    int generation = a.getInteger("generation");

    // Poll with cursors: a retry with the cursor sent before gets the same records again.
    JsonObject first = json(check("pollGroup", send("GET", aPath + "/records?maxRecords=2"), 200));
    assertThat(first.getJsonArray("records")).hasSize(2);
    assertThat(first.getInteger("generation")).isEqualTo(generation);
    String c1 = first.getString("cursor");
    JsonObject second = json(check("pollGroup", send("GET", aPath + "/records?cursor=" + c1), 200));
    assertThat(positions(second)).containsExactly("ct-groups/0@2", "ct-groups/1@0");
    JsonObject retried = json(check("pollGroup", send("GET", aPath + "/records?cursor=" + c1), 200));
    assertThat(positions(retried)).isEqualTo(positions(second));
    assertThat(retried.getString("cursor")).isEqualTo(second.getString("cursor"));
    long started = System.nanoTime();
    JsonObject waited = json(check("pollGroup", send("GET", aPath + "/records?timeoutMs=300&cursor=" + retried.getString("cursor")), 200));
    assertThat(waited.getJsonArray("records")).isEmpty();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("long-poll waited").isGreaterThanOrEqualTo(250);

    // Commit what was delivered (empty body), then explicit offsets in the current generation.
    JsonObject committed = json(check("commitGroup", send("POST", aPath + "/commit", JSON, ""), 200));
    assertThat(committed.getString("memberId")).isEqualTo(memberA);
    JsonObject described = json(check("describeGroup", send("GET", "/v1/groups/ct-g"), 200));
    assertThat(described.getString("state")).isEqualTo("Stable");
    assertThat(described.getLong("lag")).isZero();
    assertThat(described.getJsonArray("offsets").stream().map(o -> ((JsonObject) o).getLong("committed"))).containsExactly(3L, 1L);
    check("commitGroup", send("POST", aPath + "/commit", JSON,
        "{\"offsets\":[{\"topic\":\"ct-groups\",\"partition\":0,\"offset\":3}],\"generation\":" + generation + "}"), 200);
    problem(check("commitGroup", send("POST", aPath + "/commit", JSON, "{\"generation\":" + (generation - 1) + "}"), 409),
        "stale-assignment");

    // A second member: the partition it takes waits for A's next poll (cooperative hand-off).
    Answer joinedB = check("joinGroup", send("POST", "/v1/groups/ct-g/members", JSON, "{\"topics\":[\"ct-groups\"]}"), 201);
    JsonObject b = json(joinedB);
    String bPath = "/v1/groups/ct-g/members/" + b.getString("memberId");
    assertThat(joinedB.header("Location")).isEqualTo(bPath);
    assertThat(b.getInteger("generation")).isEqualTo(generation + 1);
    assertThat(b.getJsonArray("assignment")).isEmpty();
    assertThat(json(check("describeGroup", send("GET", "/v1/groups/ct-g"), 200)).getString("state")).isEqualTo("Rebalancing");
    problem(check("commitGroup", send("POST", aPath + "/commit", JSON,
        "{\"offsets\":[{\"topic\":\"ct-groups\",\"partition\":0,\"offset\":3},{\"topic\":\"ct-groups\",\"partition\":1,\"offset\":1}]}"),
        409), "stale-assignment");
    assertThat(json(check("pollGroup", send("GET", bPath + "/records"), 200)).getJsonArray("assignment")).isEmpty();
    JsonObject aSees = json(check("pollGroup", send("GET", aPath + "/records"), 200));
    assertThat(aSees.getInteger("generation")).isEqualTo(generation + 1);
    assertThat(aSees.getJsonArray("assignment")).hasSize(1);
    JsonObject bGets = json(check("pollGroup", send("GET", bPath + "/records"), 200));
    assertThat(bGets.getJsonArray("assignment")).hasSize(1).doesNotContainAnyElementsOf(aSees.getJsonArray("assignment"));
    assertThat(bGets.getJsonArray("records")).isEmpty();
    JsonObject two = json(check("describeGroup", send("GET", "/v1/groups/ct-g"), 200));
    assertThat(two.getString("state")).isEqualTo("Stable");
    assertThat(two.getJsonArray("members")).hasSize(2);
    JsonArray groups = new JsonArray(check("listGroups", send("GET", "/v1/groups"), 200).text());
    assertThat(groups.stream().map(g -> (JsonObject) g).filter(g -> g.getString("group").equals("ct-g")))
        .singleElement().satisfies(g -> assertThat(g.getInteger("members")).isEqualTo(2));

    // Only an empty group can be reset or deleted.
    problem(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g/offsets", JSON, "{\"topic\":\"ct-groups\",\"to\":\"earliest\"}"),
        409), "group-not-empty");
    problem(check("deleteGroup", send("DELETE", "/v1/groups/ct-g"), 409), "group-not-empty");

    // Bad requests.
    problem(check("joinGroup", send("POST", "/v1/groups/ct-g/members", JSON, "{}"), 400), "invalid-request");
    problem(check("joinGroup", send("POST", "/v1/groups/ct-g/members", JSON, "{\"topics\":[\"ct-groups\"],\"sessionTimeoutMs\":10}"),
        400), "invalid-request");
    problem(check("joinGroup", send("POST", "/v1/groups/ct-g/members", JSON,
        "{\"topics\":[\"ct-groups\"],\"assignmentStrategy\":\"range\"}"), 400), "invalid-request");
    problem(check("joinGroup", send("POST", "/v1/groups/ct-g/members", JSON, "{\"topics\":[\"bad name\"]}"), 400),
        "invalid-topic-name");
    problem(check("joinGroup", send("POST", "/v1/groups/bad%20name/members", JSON, "{\"topics\":[\"ct-groups\"]}"), 400),
        "invalid-request");
    problem(check("joinGroup", send("POST", "/v1/groups/ct-g/members", JSON, "{\"topics\":[\"ct-none\"]}"), 404), "topic-not-found");
    problem(check("pollGroup", send("GET", aPath + "/records?maxRecords=20000"), 400), "invalid-request");
    problem(check("pollGroup", send("GET", aPath + "/records?cursor=not-a-cursor"), 400), "invalid-request");
    problem(check("commitGroup", send("POST", aPath + "/commit", JSON, "{\"offsets\":[{\"topic\":\"ct-groups\",\"partition\":0}]}"), 400),
        "invalid-request");
    problem(check("commitGroup", send("POST", aPath + "/commit", JSON, "[]"), 400), "invalid-request");
    problem(check("commitGroup", send("POST", aPath + "/commit", JSON,
        "{\"offsets\":[{\"topic\":\"bad name\",\"partition\":0,\"offset\":1}]}"), 400), "invalid-topic-name");
    problem(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g/offsets", JSON, "{\"topic\":\"ct-groups\"}"), 400),
        "invalid-request");
    problem(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g/offsets", JSON,
        "{\"topic\":\"ct-groups\",\"to\":\"earliest\",\"timestamp\":1}"), 400), "invalid-request");
    problem(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g/offsets", JSON, "{\"topic\":\"bad name\",\"to\":1}"), 400),
        "invalid-topic-name");
    problem(check("describeGroup", send("GET", "/v1/groups/bad%20name"), 400), "invalid-request");
    problem(check("deleteGroup", send("DELETE", "/v1/groups/bad%20name"), 400), "invalid-request");
    problem(check("leaveGroup", send("DELETE", "/v1/groups/bad%20name/members/" + memberA), 400), "invalid-request");

    // Unknown groups and members.
    problem(check("pollGroup", send("GET", "/v1/groups/ct-none/members/" + memberA + "/records"), 404), "member-not-found");
    problem(check("pollGroup", send("GET", "/v1/groups/ct-g/members/ct-nobody/records"), 404), "member-not-found");
    problem(check("commitGroup", send("POST", "/v1/groups/ct-none/members/" + memberA + "/commit", JSON, ""), 404), "member-not-found");
    problem(check("commitGroup", send("POST", "/v1/groups/ct-g/members/ct-nobody/commit", JSON, ""), 404), "member-not-found");
    problem(check("leaveGroup", send("DELETE", "/v1/groups/ct-g/members/ct-nobody"), 404), "member-not-found");
    problem(check("describeGroup", send("GET", "/v1/groups/ct-none"), 404), "group-not-found");
    problem(check("deleteGroup", send("DELETE", "/v1/groups/ct-none"), 404), "group-not-found");
    problem(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g2/offsets", JSON, "{\"topic\":\"ct-none\",\"to\":\"latest\"}"), 404),
        "topic-not-found");
    problem(check("describeGroup", send("GET", "/v1/groups/ct-g2"), 404), "group-not-found");

    // Leave; the group lives on through its committed offsets, which can now be reset.
    check("leaveGroup", send("DELETE", aPath), 204);
    check("leaveGroup", send("DELETE", bPath), 204);
    problem(check("leaveGroup", send("DELETE", aPath), 404), "member-not-found");
    problem(check("pollGroup", send("GET", aPath + "/records"), 404), "member-not-found");
    JsonObject empty = json(check("describeGroup", send("GET", "/v1/groups/ct-g"), 200));
    assertThat(empty.getString("state")).isEqualTo("Empty");
    assertThat(empty.getJsonArray("members")).isEmpty();
    JsonObject reset = json(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g/offsets", JSON,
        "{\"topic\":\"ct-groups\",\"to\":\"earliest\"}"), 200));
    assertThat(reset.getString("state")).isEqualTo("Empty");
    assertThat(reset.getJsonArray("offsets").stream().map(o -> ((JsonObject) o).getLong("committed"))).containsExactly(0L, 0L);
    assertThat(reset.getLong("lag")).isEqualTo(4);
    JsonObject toOffset = json(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g/offsets", JSON,
        "{\"topic\":\"ct-groups\",\"to\":1}"), 200));
    assertThat(toOffset.getJsonArray("offsets").stream().map(o -> ((JsonObject) o).getLong("committed"))).containsExactly(1L, 1L);
    problem(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g/offsets", JSON, "{\"topic\":\"ct-groups\",\"to\":99}"), 400),
        "invalid-request");
    JsonObject byTime = json(check("resetGroupOffsets", send("POST", "/v1/groups/ct-g/offsets", JSON,
        "{\"topic\":\"ct-groups\",\"timestamp\":0}"), 200));
    assertThat(byTime.getJsonArray("offsets").stream().map(o -> ((JsonObject) o).getLong("committed"))).containsExactly(0L, 0L);

    // Retention passes the committed offset of partition 0: the next member's poll resets it and says so.
    deleteRecordsBefore("ct-groups", 0, 2);
    String memberC = json(check("joinGroup", send("POST", "/v1/groups/ct-g/members", JSON,
        "{\"topics\":[\"ct-groups\"],\"autoOffsetReset\":\"earliest\"}"), 201)).getString("memberId");
    JsonObject resetPoll = json(check("pollGroup", send("GET", "/v1/groups/ct-g/members/" + memberC + "/records"), 200));
    assertThat(positions(resetPoll)).containsExactly("ct-groups/0@2", "ct-groups/1@0");
    assertThat(resetPoll.getJsonArray("offsetResets")).containsExactly(new JsonObject().put("topic", "ct-groups").put("partition", 0)
        .put("from", 0).put("to", 2).put("policy", "earliest"));
    check("leaveGroup", send("DELETE", "/v1/groups/ct-g/members/" + memberC), 204);

    check("deleteGroup", send("DELETE", "/v1/groups/ct-g"), 204);
    problem(check("describeGroup", send("GET", "/v1/groups/ct-g"), 404), "group-not-found");
    problem(check("deleteGroup", send("DELETE", "/v1/groups/ct-g"), 404), "group-not-found");
  }

  /** {@code topic/partition@offset} of each record of a poll answer. */
  private static List<String> positions(JsonObject poll) {
    return poll.getJsonArray("records").stream().map(r -> (JsonObject) r)
        .map(r -> r.getString("topic") + "/" + r.getInteger("partition") + "@" + r.getLong("offset")).toList();
  }

  // -------------------------------------------------------------------------------- operations

  @Test
  @Order(5)
  void cluster() {
    JsonObject cluster = json(check("describeCluster", send("GET", "/v1/cluster"), 200));
    assertThat(cluster.getString("nodeId")).isEqualTo("node-0");
    JsonObject self = cluster.getJsonArray("nodes").getJsonObject(0);
    assertThat(self.getString("id")).isEqualTo("node-0");
    assertThat(self.getString("httpAddress")).isEqualTo("127.0.0.1:" + node.httpPort());
    assertThat(self.getBoolean("isController")).isTrue();
    assertThat(self.getBoolean("alive")).isTrue();
    assertThat(json(check("rebalanceLeaders", send("POST", "/v1/cluster/rebalance"), 200)).getInteger("leadersMoved")).isZero();

    // Moving partitions: one node can only reorder replicas, which moves nothing; the refusals are the point.
    send("POST", "/v1/topics", JSON, "{\"name\":\"ct-move\",\"partitions\":1}");
    JsonObject none = json(check("listReassignments", send("GET", "/v1/cluster/reassignments"), 200));
    assertThat(none.getJsonArray("partitions")).isEmpty();
    String move = "{\"partitions\":[{\"topic\":\"ct-move\",\"partition\":0,\"replicas\":[\"node-0\"]}]}";
    assertThat(json(check("startReassignments", send("POST", "/v1/cluster/reassignments", JSON, move), 202))
        .getJsonArray("partitions")).as("a move to where it is moves nothing").isEmpty();
    problem(check("startReassignments", send("POST", "/v1/cluster/reassignments", JSON, move.replace("node-0", "node-9")), 400),
        "invalid-replica-assignment");
    problem(check("startReassignments", send("POST", "/v1/cluster/reassignments", JSON, move.replace("ct-move", "ct-nope")), 404),
        "topic-not-found");
    problem(check("startReassignments", send("POST", "/v1/cluster/reassignments", JSON, "{\"partitions\":[]}"), 400),
        "invalid-request");
    problem(check("cancelReassignment", send("DELETE", "/v1/cluster/reassignments/ct-move/0"), 409), "no-reassignment-in-progress");
    problem(check("cancelReassignment", send("DELETE", "/v1/cluster/reassignments/ct-move/7"), 404), "partition-not-found");
    // Plans: one node holds every replica already; it cannot be drained, there is nowhere to go.
    assertThat(json(check("planMoves", send("POST", "/v1/cluster/plan"), 200)).getJsonArray("moves")).isEmpty();
    assertThat(json(check("planMoves", send("POST", "/v1/cluster/plan", JSON, "{\"nodes\":[\"node-0\"],\"execute\":true}"), 202))
        .getJsonArray("moves")).isEmpty();
    problem(check("planMoves", send("POST", "/v1/cluster/plan", JSON, "{\"nodes\":[\"node-0\",\"node-9\"]}"), 400),
        "invalid-replica-assignment");
    problem(check("planMoves", send("POST", "/v1/cluster/plan", JSON, "{\"execute\":\"yes\"}"), 400), "invalid-request");
    problem(check("drainNode", send("POST", "/v1/cluster/nodes/node-9/drain"), 404), "not-found");
    problem(check("drainNode", send("POST", "/v1/cluster/nodes/node-0/drain"), 409), "node-not-removable");
    assertThat(json(check("setReplicationThrottle", send("PUT", "/v1/cluster/replication-throttle", JSON,
        "{\"bytesPerSecond\":1048576}"), 200)).getLong("bytesPerSecond")).isEqualTo(1048576);
    assertThat(json(check("getReplicationThrottle", send("GET", "/v1/cluster/replication-throttle"), 200))
        .getLong("bytesPerSecond")).isEqualTo(1048576);
    problem(check("setReplicationThrottle", send("PUT", "/v1/cluster/replication-throttle", JSON, "{\"bytesPerSecond\":-1}"), 400),
        "invalid-request");
    check("setReplicationThrottle", send("PUT", "/v1/cluster/replication-throttle", JSON, "{\"bytesPerSecond\":0}"), 200);

    // produce() sent 8 records to the two partitions of ct-produce through this node that were taken
    // in (7 written, 1 refused as a reused idempotency key at the leader): recordsIn counts them all.
    JsonObject stats = json(check("describeClusterStats", send("GET", "/v1/cluster/stats"), 200)).getJsonArray("nodes").getJsonObject(0);
    assertThat(stats.getString("id")).isEqualTo("node-0");
    assertThat(stats.getBoolean("reachable")).isTrue();
    JsonObject traffic = stats.getJsonArray("topics").stream().map(t -> (JsonObject) t)
        .filter(t -> t.getString("topic").equals("ct-produce")).findFirst().orElseThrow();
    assertThat(traffic.getLong("recordsIn")).isEqualTo(8);
    assertThat(traffic.getLong("bytesIn")).isPositive();
    assertThat(stats.getJsonArray("partitions").stream().map(p -> (JsonObject) p)
        .filter(p -> p.getString("topic").equals("ct-produce")).toList())
        .hasSize(2).allSatisfy(p -> assertThat(p.getLong("sizeBytes")).isPositive());
  }

  @Test
  @Order(5)
  void operations() {
    assertThat(json(check("live", send("GET", "/health/live"), 200)).getString("status")).isEqualTo("UP");
    assertThat(json(check("ready", send("GET", "/health/ready"), 200)).getString("status")).isEqualTo("UP");
    node.readiness().set(Readiness.SERVING, false);
    try {
      JsonObject down = json(check("ready", send("GET", "/health/ready"), 503));
      assertThat(down.getString("status")).isEqualTo("DOWN");
      assertThat(down.getJsonObject("checks").getString(Readiness.SERVING)).isEqualTo("DOWN");
    } finally {
      node.readiness().set(Readiness.SERVING, true);
    }
    assertThat(check("metrics", send("GET", "/metrics"), 200).text()).contains("# TYPE");
    assertThat(check("openapi", send("GET", "/openapi.yaml"), 200).text()).startsWith("openapi: 3.1.0");
  }

  /** The admin API of ACLs and keys (open with auth off, as on this node), and 401 and 403 from a node with auth on. */
  @Test
  @Order(5)
  void security() {
    String acl = "{\"resourceType\":\"TOPIC\",\"resourceName\":\"ct-\",\"patternType\":\"PREFIXED\",\"principal\":\"User:ct\","
        + "\"operation\":\"READ\"}";
    assertThat(json(check("createStreamTicket", send("POST", "/v1/auth/tickets"), 201)).getString("ticket")).startsWith("sgt_");
    check("createAcls", send("POST", "/v1/acls", JSON, "{\"acls\":[" + acl + "]}"), 201);
    problem(check("createAcls", send("POST", "/v1/acls", JSON, "{\"resourceType\":\"TOPIC\"}"), 400), "invalid-request");
    assertThat(new JsonArray(check("listAcls", send("GET", "/v1/acls?principal=User:ct"), 200).text())).hasSize(1);
    problem(check("listAcls", send("GET", "/v1/acls?operation=FLY"), 400), "invalid-request");
    assertThat(new JsonArray(check("deleteAcls", send("DELETE", "/v1/acls?principal=User:ct"), 200).text())).hasSize(1);
    problem(check("deleteAcls", send("DELETE", "/v1/acls"), 400), "invalid-request");
    String id = json(check("createApiKey", send("POST", "/v1/api-keys", JSON, "{\"principal\":\"User:ct\"}"), 201)).getString("id");
    problem(check("createApiKey", send("POST", "/v1/api-keys", JSON, "{}"), 400), "invalid-request");
    assertThat(new JsonArray(check("listApiKeys", send("GET", "/v1/api-keys"), 200).text())).hasSize(1);
    check("revokeApiKey", send("DELETE", "/v1/api-keys/" + id), 204);
    problem(check("revokeApiKey", send("DELETE", "/v1/api-keys/" + id), 404), "not-found");

    StreamgateNode secured = TestNodes.start(dir.resolve("secured"), Map.of("auth", "on", "auth-bootstrap-key", "contract-bootstrap-key"));
    try {
      String securedBase = "http://127.0.0.1:" + secured.httpPort();
      Answer refused = check("listTopics", sendTo(securedBase, "GET", "/v1/topics", Map.of(), null, null), 401);
      problem(refused, "unauthenticated");
      assertThat(refused.header("www-authenticate")).isEqualTo("Bearer");
      problem(check("createStreamTicket", sendTo(securedBase, "POST", "/v1/auth/tickets", Map.of(), null, null), 401), "unauthenticated");
      String secret = secured.security().accessControl().createApiKey(io.streamgate.cluster.security.Principal.user("ct")).join().secret();
      problem(check("describeCluster", sendTo(securedBase, "GET", "/v1/cluster", Map.of("Authorization", "Bearer " + secret), null, null),
          403), "forbidden");
      // Moving partitions asks what the other cluster routes ask: ALTER to change, DESCRIBE to read.
      Map<String, String> user = Map.of("Authorization", "Bearer " + secret);
      problem(check("listReassignments", sendTo(securedBase, "GET", "/v1/cluster/reassignments", user, null, null), 403), "forbidden");
      problem(check("startReassignments", sendTo(securedBase, "POST", "/v1/cluster/reassignments", user, JSON,
          "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[\"node-0\"]}]}"), 403), "forbidden");
      problem(check("setReplicationThrottle", sendTo(securedBase, "PUT", "/v1/cluster/replication-throttle", user, JSON,
          "{\"bytesPerSecond\":1}"), 403), "forbidden");
    } finally {
      TestNodes.stop(secured);
    }
  }

  @Test
  @Order(6)
  void unknownRoutesAndMethods() {
    problem(checkNoOperation(send("GET", "/v1/topicz"), 404), "not-found");
    Answer wrongMethod = checkNoOperation(send("PUT", "/v1/topics/orders", JSON, "{}"), 405);
    problem(wrongMethod, "method-not-allowed");
    assertThat(wrongMethod.header("allow")).isEqualTo("GET, PATCH, DELETE");
    // Requests HTTP/1.1 cannot take are problems too, not bare statuses.
    problem(checkNoOperation(send("GET", "/v1/topics", Map.of("X-Big", "b".repeat(20_000))), 431), "headers-too-large");
    problem(checkNoOperation(send("GET", "/v1/topics/" + "t".repeat(10_000)), 414), "uri-too-long");
  }

  /** Every operation and status this class means to reach was reached (when the whole class runs). */
  @Test
  @Order(100)
  void everyOperationAndStatusWasReached() {
    assertThat(new TreeMap<>(reached)).isEqualTo(EXPECTED.entrySet().stream().collect(
        TreeMap::new, (map, entry) -> map.put(entry.getKey(), new TreeSet<>(entry.getValue())), TreeMap::putAll));
  }

  // ---------------------------------------------------------------------------- the checking

  /** One HTTP answer: status, headers (lower-case names, first values) and body. */
  record Answer(int status, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String contentType() {
      return header("content-type");
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /**
   * Checks {@code answer} against operation {@code operationId} of the contract, and that its status
   * is {@code expectedStatus}.
   */
  private static Answer check(String operationId, Answer answer, int expectedStatus) {
    assertThat(answer.status()).as("%s status; body %s", operationId, answer.text()).isEqualTo(expectedStatus);
    reached.computeIfAbsent(operationId, id -> new TreeSet<>()).add(answer.status());
    JsonObject responses = operation(operationId).getJsonObject("responses");
    String key = String.valueOf(answer.status());
    if (!responses.containsKey(key)) {
      assertThat(answer.status()).as("%s answered %s, which it does not declare (only errors may fall to default)",
          operationId, key).isGreaterThanOrEqualTo(400);
      assertThat(responses.containsKey("default")).as("%s has a default response", operationId).isTrue();
      key = "default";
    }
    JsonObject response = responses.getJsonObject(key);
    String where = operationId + " " + key;
    checkHeaders(response, answer, where);
    JsonObject content = response.getJsonObject("content");
    if (content == null) {
      assertThat(answer.body()).as("%s has no body", where).isEmpty();
      return answer;
    }
    String contentType = answer.contentType();
    assertThat(ExampleValidator.names(content)).as("%s Content-Type", where).contains(contentType);
    JsonObject mediaType = content.getJsonObject(contentType);
    if (MediaType.isMediaTypeSupported(contentType)) {
      // The loadable view keeps this media type: vertx-openapi validates status, headers and body.
      Map<String, String> headers = new LinkedHashMap<>(answer.headers());
      ValidatableResponse validatable = ValidatableResponse.create(answer.status(), headers, Buffer.buffer(answer.body()), contentType);
      try {
        validator.validate(validatable, operationId).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        fail(where + ": vertx-openapi refuses the answer " + answer.text() + ": " + e.getMessage(), e);
      }
    }
    checkBody(mediaType, contentType, answer, where);
    return answer;
  }

  /** An answer of no operation (an unknown route or method): an error, as a problem. */
  private static Answer checkNoOperation(Answer answer, int expectedStatus) {
    assertThat(answer.status()).as("status; body %s", answer.text()).isEqualTo(expectedStatus);
    reached.computeIfAbsent("(no route)", id -> new TreeSet<>()).add(answer.status());
    assertThat(answer.contentType()).isEqualTo(PROBLEM_JSON);
    JsonObject problemResponse = resolved.getJsonObject("components").getJsonObject("responses").getJsonObject("Problem");
    checkBody(problemResponse.getJsonObject("content").getJsonObject(PROBLEM_JSON), PROBLEM_JSON, answer, "no operation");
    return answer;
  }

  private static void checkHeaders(JsonObject response, Answer answer, String where) {
    JsonObject headers = response.getJsonObject("headers");
    if (headers == null) {
      return;
    }
    for (String name : ExampleValidator.names(headers)) {
      String value = answer.header(name);
      assertThat(value).as("%s header %s", where, name).isNotNull();
      JsonObject schema = headers.getJsonObject(name).getJsonObject("schema");
      Object typed = "integer".equals(schema.getString("type")) ? parseLong(value, where + " header " + name) : value;
      schemaCheck(schema, typed, where + " header " + name);
    }
  }

  private static void checkBody(JsonObject mediaType, String contentType, Answer answer, String where) {
    JsonObject schema = mediaType.getJsonObject("schema");
    JsonObject itemSchema = mediaType.getJsonObject("x-itemSchema");
    switch (contentType) {
      case JSON, PROBLEM_JSON -> {
        Object body;
        try {
          body = Json.decodeValue(Buffer.buffer(answer.body()));
        } catch (RuntimeException e) {
          throw new AssertionError(where + ": not JSON: " + answer.text(), e);
        }
        schemaCheck(schema, body, where + " body");
        if (contentType.equals(PROBLEM_JSON)) {
          JsonObject problem = (JsonObject) body;
          assertThat(problem.getInteger("status")).as("%s problem status", where).isEqualTo(answer.status());
          assertThat(problem.getString("type")).as("%s problem type", where)
              .isEqualTo("urn:streamgate:problem:" + problem.getString("code"));
          if (problem.getBoolean("retryable")) {
            assertThat(answer.header("Retry-After")).as("%s Retry-After of a retryable problem", where).isNotNull();
          }
        }
      }
      case NDJSON -> {
        for (String line : ExampleValidator.ndjsonLines(answer.text())) {
          schemaCheck(itemSchema, Json.decodeValue(line), where + " line " + line);
        }
      }
      case SSE -> {
        for (String data : ExampleValidator.sseData(answer.text())) {
          schemaCheck(itemSchema, Json.decodeValue(data), where + " data " + data);
        }
      }
      default -> schemaCheck(schema, answer.text(), where + " body");
    }
  }

  private static void schemaCheck(JsonObject schema, Object value, String where) {
    int before = schemas.failures().size();
    schemas.validate(schema, value, where);
    assertThat(schemas.failures().subList(before, schemas.failures().size())).as("schema failures").isEmpty();
  }

  /** Checks {@code value} against {@code components.schemas.NAME}. */
  private static void checkAgainst(String name, Object value, String where) {
    schemaCheck(resolved.getJsonObject("components").getJsonObject("schemas").getJsonObject(name), value, where);
  }

  private static JsonObject operation(String operationId) {
    JsonObject paths = resolved.getJsonObject("paths");
    for (String path : ExampleValidator.names(paths)) {
      for (String method : ContractDocument.HTTP_METHODS) {
        JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
        if (operation != null && operationId.equals(operation.getString("operationId"))) {
          return operation;
        }
      }
    }
    throw new AssertionError("no operation " + operationId + " in the contract");
  }

  private static JsonObject problem(Answer answer, String code) {
    assertThat(answer.contentType()).isEqualTo(PROBLEM_JSON);
    JsonObject problem = new JsonObject(answer.text());
    assertThat(problem.getString("code")).as("problem %s", answer.text()).isEqualTo(code);
    return problem;
  }

  private static JsonObject json(Answer answer) {
    return new JsonObject(answer.text());
  }

  private static long parseLong(String text, String where) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new AssertionError(where + " is not a whole number: " + text);
    }
  }

  // ---------------------------------------------------------------------------- the talking

  private static Answer send(String method, String path) {
    return send(method, path, Map.of());
  }

  private static Answer send(String method, String path, Map<String, String> headers) {
    return send(method, path, headers, null, null);
  }

  private static Answer send(String method, String path, String contentType, String body) {
    return send(method, path, Map.of(), contentType, body);
  }

  private static Answer send(String method, String path, Map<String, String> headers, String contentType, String body) {
    return sendTo(base, method, path, headers, contentType, body);
  }

  private static Answer sendTo(String base, String method, String path, Map<String, String> headers, String contentType, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    headers.forEach(request::header);
    try {
      return answer(http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray()));
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed", e);
    }
  }

  private static Answer answer(HttpResponse<byte[]> response) {
    Map<String, String> headers = new LinkedHashMap<>();
    response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
    return new Answer(response.statusCode(), headers, response.body());
  }

  /** An SSE request; for a 200, reads until {@code events} records arrived, then hangs up. */
  private static Answer events(String path, Map<String, String> headers, int events) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", SSE).GET();
    headers.forEach(request::header);
    HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    Map<String, String> heads = new LinkedHashMap<>();
    response.headers().map().forEach((name, values) -> heads.put(name.toLowerCase(Locale.ROOT), values.get(0)));
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        return new Answer(response.statusCode(), heads, in.readAllBytes());
      }
      StringBuilder text = new StringBuilder();
      CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int seen = 0;
        try {
          String line;
          while (seen < events && (line = reader.readLine()) != null) {
            text.append(line).append('\n');
            if (line.startsWith("data:")) {
              seen++;
            }
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      read.get(20, TimeUnit.SECONDS);
      return new Answer(200, heads, text.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Opens a WebSocket on {@code path} (a 101 of streamTopic), collects {@code frames} text frames, closes. */
  private static List<String> webSocket(String path, int frames) throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    CountDownLatch enough = new CountDownLatch(frames);
    WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws" + base.substring(4) + path), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        received.add(data.toString());
        enough.countDown();
        socket.request(1);
        return null;
      }
    }).get(10, TimeUnit.SECONDS);
    reached.computeIfAbsent("streamTopic", id -> new TreeSet<>()).add(101);
    assertThat(enough.await(10, TimeUnit.SECONDS)).as("%d frames arrived", frames).isTrue();
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
    return new ArrayList<>(received);
  }

  /** The status a refused WebSocket handshake answered. */
  private static int webSocketRefusal(String path) throws Exception {
    try {
      http.newWebSocketBuilder().buildAsync(URI.create("ws" + base.substring(4) + path), new WebSocket.Listener() {})
          .get(10, TimeUnit.SECONDS).abort();
      throw new AssertionError("the WebSocket handshake on " + path + " succeeded");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        return refused.getResponse().statusCode();
      }
      throw e;
    }
  }

  private static void deleteRecordsBefore(String topic, int partition, long offset) throws Exception {
    node.service().logManager().partition(new TopicPartition(topic, partition)).deleteRecordsBefore(offset).get(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
