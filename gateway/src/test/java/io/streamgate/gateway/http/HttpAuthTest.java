package io.streamgate.gateway.http;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.SharedNodeTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP with {@code auth=on}: who gets in (401 for none, unknown, revoked or malformed credentials),
 * and principal × operation, allowed and denied (403, or 404 for a topic the principal may not
 * describe, exactly as for a missing one), with a denied write leaving the log as it was.
 */
class HttpAuthTest extends SharedNodeTest {
  static final String BOOTSTRAP = "bootstrap-secret-for-tests";

  private AccessControl access;
  private String writer;
  private String reader;
  private String nobody;
  private String creator;
  private String topic;
  private String other;

  HttpAuthTest() {
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP));
  }

  @BeforeAll
  void principalsAndAcls() throws Exception {
    RestAssured.baseURI = "http://127.0.0.1";
    RestAssured.port = node.httpPort();
    access = node.security().accessControl();
    writer = key("writer");
    reader = key("reader");
    nobody = key("nobody");
    creator = key("creator");
    topic = unique("orders");
    other = unique("payments");
    as(BOOTSTRAP).contentType("application/json").body("{\"name\":\"" + topic + "\",\"partitions\":1}").post("/v1/topics").then()
        .statusCode(201);
    as(BOOTSTRAP).contentType("application/json").body("{\"name\":\"" + other + "\",\"partitions\":1}").post("/v1/topics").then()
        .statusCode(201);
    access.createAcls(List.of(
        allow("User:writer", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE),
        allow("User:reader", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ),
        allow("User:reader", ResourceType.GROUP, "readers", PatternType.LITERAL, AclOperation.READ),
        allow("User:creator", ResourceType.TOPIC, "creator-", PatternType.PREFIXED, AclOperation.CREATE),
        allow("User:creator", ResourceType.TOPIC, "creator-", PatternType.PREFIXED, AclOperation.WRITE),
        allow("User:writer", ResourceType.TOPIC, "writer-", PatternType.PREFIXED, AclOperation.WRITE))).get();
  }

  private String key(String user) throws Exception {
    return access.createApiKey(Principal.user(user)).get().secret();
  }

  static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation operation) {
    return new AclBinding(type, name, pattern, principal, AclBinding.ANY_HOST, operation, AclPermission.ALLOW);
  }

  static RequestSpecification as(String secret) {
    return given().header("Authorization", "Bearer " + secret);
  }

  private static void unauthenticated(Response response) {
    response.then().statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", "Bearer")
        .body("code", equalTo("unauthenticated")).body("status", equalTo(401));
  }

  @Test
  void requestsWithoutGoodCredentialsAre401() throws Exception {
    unauthenticated(given().get("/v1/topics"));
    unauthenticated(given().header("Authorization", "Bearer sgk_nope_nope").get("/v1/topics"));
    unauthenticated(given().header("Authorization", "Basic " + BOOTSTRAP).get("/v1/topics"));
    unauthenticated(given().header("Authorization", "Bearer ").get("/v1/topics"));
    var dave = access.createApiKey(Principal.user("dave")).get();
    String secret = dave.secret();
    String id = dave.key().id();
    as(secret).get("/v1/topics").then().statusCode(200);
    access.revokeApiKey(id).get();
    unauthenticated(as(secret).get("/v1/topics"));
    // A write without credentials is refused before its body is read, and writes nothing.
    long before = latest(topic);
    unauthenticated(given().contentType("application/json").body("{\"records\":[{\"value\":1}]}").post("/v1/topics/" + topic
        + "/records"));
    assertThat(latest(topic)).isEqualTo(before);
    // A ticket is for streams only: elsewhere it is no credential.
    unauthenticated(given().get("/v1/topics?ticket=anything"));
  }

  @Test
  void healthContractAndConsoleNeedNoCredentials() {
    given().get("/health/live").then().statusCode(200);
    given().get("/health/ready").then().statusCode(200);
    given().get("/openapi.yaml").then().statusCode(200);
    given().get("/console/").then().statusCode(200);
    // Metrics name topics: they need DESCRIBE on the cluster.
    unauthenticated(given().get("/metrics"));
    as(nobody).get("/metrics").then().statusCode(403).body("code", equalTo("forbidden"));
    as(BOOTSTRAP).get("/metrics").then().statusCode(200);
  }

  @Test
  void produceNeedsWriteAndADeniedWriteWritesNothing() {
    String records = "{\"records\":[{\"key\":\"k\",\"value\":{\"n\":1}}]}";
    as(writer).contentType("application/json").body(records).post("/v1/topics/" + topic + "/records").then().statusCode(200);
    long before = latest(topic);
    // reader may describe the topic (READ grants DESCRIBE): a 403.
    as(reader).contentType("application/json").body(records).post("/v1/topics/" + topic + "/records").then().statusCode(403)
        .contentType("application/problem+json").body("code", equalTo("forbidden"));
    // nobody may not even describe it: answered as a missing topic.
    as(nobody).contentType("application/json").body(records).post("/v1/topics/" + topic + "/records").then().statusCode(404)
        .body("code", equalTo("topic-not-found"));
    assertThat(latest(topic)).isEqualTo(before);
    as(BOOTSTRAP).get("/v1/topics/" + topic + "/partitions/0/records?offset=earliest").then().statusCode(200)
        .body("records.size()", equalTo((int) before)).body("records[0].key", equalTo("k"));
  }

  @Test
  void produceThatWouldCreateATopicNeedsCreate() {
    String records = "{\"records\":[{\"value\":1}]}";
    String allowed = unique("creator-auto");
    as(creator).contentType("application/json").body(records).post("/v1/topics/" + allowed + "/records").then().statusCode(200);
    // writer may write 'topic' but create nothing: a missing topic stays missing.
    String missing = unique("auto");
    as(writer).contentType("application/json").body(records).post("/v1/topics/" + missing + "/records").then().statusCode(404)
        .body("code", equalTo("topic-not-found"));
    as(BOOTSTRAP).get("/v1/topics/" + missing).then().statusCode(404);
    // writer may write every 'writer-' topic, yet creates none: auto-creation needs CREATE.
    String uncreated = unique("writer-auto");
    as(writer).contentType("application/json").body(records).post("/v1/topics/" + uncreated + "/records").then().statusCode(404)
        .body("code", equalTo("topic-not-found"));
    as(BOOTSTRAP).get("/v1/topics/" + uncreated).then().statusCode(404);
  }

  @Test
  void consumeAndOffsetsNeedRead() {
    String records = "/v1/topics/" + topic + "/partitions/0/records?offset=earliest";
    String offsets = "/v1/topics/" + topic + "/partitions/0/offsets";
    as(reader).get(records).then().statusCode(200);
    as(reader).get(offsets).then().statusCode(200);
    as(writer).get(records).then().statusCode(403).body("code", equalTo("forbidden"));
    as(writer).get(offsets).then().statusCode(403).body("code", equalTo("forbidden"));
    as(nobody).get(records).then().statusCode(404).body("code", equalTo("topic-not-found"));
    as(nobody).get(offsets).then().statusCode(404).body("code", equalTo("topic-not-found"));
  }

  @Test
  void aTopicThePrincipalMayNotDescribeIsAnsweredAsMissing() {
    Response hidden = as(nobody).get("/v1/topics/" + topic);
    Response missing = as(nobody).get("/v1/topics/no-such-topic");
    hidden.then().statusCode(404).body("code", equalTo("topic-not-found"));
    missing.then().statusCode(404).body("code", equalTo("topic-not-found"));
    assertThat(hidden.jsonPath().getString("detail")).isEqualTo(missing.jsonPath().getString("detail").replace("no-such-topic", topic));
    as(reader).get("/v1/topics/" + topic).then().statusCode(200).body("name", equalTo(topic));
    as(writer).get("/v1/topics/" + topic).then().statusCode(200);
  }

  @Test
  void listingShowsOnlyTopicsThePrincipalMayDescribe() {
    as(reader).get("/v1/topics").then().statusCode(200).body("name", hasItem(topic)).body("name", not(hasItem(other)));
    assertThat(as(nobody).get("/v1/topics").jsonPath().getList("name")).isEmpty();
    as(BOOTSTRAP).get("/v1/topics").then().statusCode(200).body("name", hasItem(topic)).body("name", hasItem(other));
  }

  @Test
  void topicAdministrationNeedsItsOperation() {
    String allowed = unique("creator-made");
    as(creator).contentType("application/json").body("{\"name\":\"" + allowed + "\"}").post("/v1/topics").then().statusCode(201);
    as(creator).contentType("application/json").body("{\"name\":\"" + unique("elsewhere") + "\"}").post("/v1/topics").then()
        .statusCode(403).body("code", equalTo("forbidden"));
    // Config and partitions: ALTER_CONFIGS and ALTER; delete: DELETE.
    as(reader).contentType("application/json").body("{\"config\":{\"retention.ms\":1000}}").patch("/v1/topics/" + topic).then()
        .statusCode(403);
    as(reader).contentType("application/json").body("{\"partitions\":2}").patch("/v1/topics/" + topic).then().statusCode(403);
    as(nobody).contentType("application/json").body("{\"partitions\":2}").patch("/v1/topics/" + topic).then().statusCode(404);
    as(reader).delete("/v1/topics/" + topic).then().statusCode(403);
    as(nobody).delete("/v1/topics/" + topic).then().statusCode(404).body("code", equalTo("topic-not-found"));
    as(reader).delete("/v1/topics/" + topic + "/partitions/0/records?before=latest").then().statusCode(403);
    as(BOOTSTRAP).get("/v1/topics/" + topic).then().statusCode(200).body("partitions.size()", equalTo(1));
    String doomed = unique("doomed");
    as(BOOTSTRAP).contentType("application/json").body("{\"name\":\"" + doomed + "\"}").post("/v1/topics").then().statusCode(201);
    as(BOOTSTRAP).delete("/v1/topics/" + doomed).then().statusCode(204);
  }

  @Test
  void groupsNeedReadOnTheGroupAndItsTopics() {
    String join = "{\"topics\":[\"" + topic + "\"]}";
    String member = as(reader).contentType("application/json").body(join).post("/v1/groups/readers/members").then().statusCode(201)
        .extract().path("memberId");
    as(reader).get("/v1/groups/readers/members/" + member + "/records").then().statusCode(200);
    as(reader).contentType("application/json").body("{\"offsets\":[{\"topic\":\"" + other + "\",\"partition\":0,\"offset\":0}]}")
        .post("/v1/groups/readers/members/" + member + "/commit").then().statusCode(404).body("code", equalTo("topic-not-found"));
    // No READ on the group, or on a topic asked for.
    as(reader).contentType("application/json").body(join).post("/v1/groups/others/members").then().statusCode(403)
        .body("code", equalTo("forbidden"));
    as(writer).contentType("application/json").body(join).post("/v1/groups/readers/members").then().statusCode(403);
    as(writer).get("/v1/groups/readers/members/" + member + "/records").then().statusCode(403);
    as(reader).contentType("application/json").body("{\"topics\":[\"" + other + "\"]}").post("/v1/groups/readers/members").then()
        .statusCode(404).body("code", equalTo("topic-not-found"));
    // Describe (READ grants DESCRIBE), list, delete; a description names only topics the caller may describe.
    String otherMember = as(BOOTSTRAP).contentType("application/json").body("{\"topics\":[\"" + other + "\"]}")
        .post("/v1/groups/readers/members").then().statusCode(201).extract().path("memberId");
    as(BOOTSTRAP).get("/v1/groups/readers").then().statusCode(200).body("members.topics.flatten()", hasItem(other));
    Response described = as(reader).get("/v1/groups/readers");
    described.then().statusCode(200).body("members.topics.flatten()", hasItem(topic));
    assertThat(described.asString()).doesNotContain(other);
    as(BOOTSTRAP).delete("/v1/groups/readers/members/" + otherMember).then().statusCode(204);
    as(writer).get("/v1/groups/readers").then().statusCode(403);
    as(reader).get("/v1/groups").then().statusCode(200).body("group", hasItem("readers"));
    as(writer).get("/v1/groups").then().statusCode(200).body("group", not(hasItem("readers")));
    as(reader).delete("/v1/groups/readers").then().statusCode(403);
    as(writer).delete("/v1/groups/readers/members/" + member).then().statusCode(403);
    as(reader).delete("/v1/groups/readers/members/" + member).then().statusCode(204);
  }

  @Test
  void clusterNeedsDescribeOnTheCluster() throws Exception {
    as(nobody).get("/v1/cluster").then().statusCode(403).body("code", equalTo("forbidden"));
    as(nobody).get("/v1/cluster/stats").then().statusCode(403);
    as(nobody).post("/v1/cluster/rebalance").then().statusCode(403);
    as(BOOTSTRAP).get("/v1/cluster").then().statusCode(200);
    // The stats name only the topics the caller may describe.
    String watcher = key("watcher");
    access.createAcls(List.of(allow("User:watcher", ResourceType.CLUSTER, ResourceType.CLUSTER_NAME, PatternType.LITERAL,
        AclOperation.DESCRIBE), allow("User:watcher", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.DESCRIBE))).get();
    as(BOOTSTRAP).get("/v1/cluster/stats").then().statusCode(200).body("nodes[0].partitions.topic", hasItem(other));
    Response stats = as(watcher).get("/v1/cluster/stats");
    stats.then().statusCode(200).body("nodes[0].partitions.topic", hasItem(topic));
    assertThat(stats.asString()).doesNotContain(other);
  }

  private long latest(String name) {
    return as(BOOTSTRAP).get("/v1/topics/" + name + "/partitions/0/offsets").then().statusCode(200).extract().jsonPath()
        .getLong("latest");
  }
}
