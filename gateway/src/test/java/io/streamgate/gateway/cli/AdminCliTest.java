package io.streamgate.gateway.cli;

import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.gateway.SharedNodeTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The jar's {@code api-key}, {@code acl} and {@code node} subcommands against a node with {@code auth=on}: what
 * they make, list and remove is what the node then enforces; refusals and mistakes are one clear
 * line and a non-zero exit status.
 */
class AdminCliTest extends SharedNodeTest {
  private static final String BOOTSTRAP = "bootstrap-secret-for-cli-tests";

  AdminCliTest() {
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP));
  }

  private record Run(int status, String out, String err) {}

  private Run cli(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = AdminCli.run(args, env, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
    return new Run(status, out.toString(UTF_8), err.toString(UTF_8));
  }

  /** As the admin: the server flag, and the key from the environment. */
  private Run admin(String... args) {
    String[] withServer = new String[args.length + 2];
    System.arraycopy(args, 0, withServer, 0, args.length);
    withServer[args.length] = "--server";
    withServer[args.length + 1] = server();
    return cli(Map.of("STREAMGATE_KEY", BOOTSTRAP), withServer);
  }

  private String server() {
    return "http://127.0.0.1:" + node.httpPort();
  }

  private int status(String secret, String path) {
    return given().baseUri(server()).header("Authorization", "Bearer " + secret).get(path).statusCode();
  }

  @Test
  void keysAndAclsMadeByTheCliAreWhatTheNodeEnforces() {
    String topic = unique("cli-orders");
    given().baseUri(server()).header("Authorization", "Bearer " + BOOTSTRAP).contentType("application/json")
        .body("{\"name\":\"" + topic + "\"}").post("/v1/topics").then().statusCode(201);

    Run made = admin("api-key", "create", "--principal", "User:frank");
    assertThat(made.status()).as(made.err()).isZero();
    Matcher id = Pattern.compile("id: (\\S+)").matcher(made.out());
    Matcher secret = Pattern.compile("secret: (sgk_\\S+)").matcher(made.out());
    assertThat(id.find() && secret.find()).as(made.out()).isTrue();
    String frank = secret.group(1);
    String path = "/v1/topics/" + topic + "/partitions/0/records?offset=earliest";
    assertThat(status(frank, path)).isEqualTo(404);

    Run added = admin("acl", "add", "--allow-principal", "User:frank", "--operation", "read", "--operation", "describe", "--topic",
        topic);
    assertThat(added.status()).as(added.err()).isZero();
    assertThat(added.out()).startsWith("added 2 ACLs").contains("ALLOW\tUser:frank\tREAD\tTOPIC:LITERAL:" + topic + "\tfrom *");
    assertThat(status(frank, path)).isEqualTo(200);
    assertThat(admin("acl", "list", "--principal", "User:frank").out().lines()).hasSize(2);

    Run removed = admin("acl", "remove", "--principal", "User:frank", "--operation", "read");
    assertThat(removed.out()).startsWith("removed 1 ACL\n");
    assertThat(status(frank, path)).isEqualTo(403);

    assertThat(admin("api-key", "list").out()).contains(id.group(1) + "\tUser:frank");
    Run revoked = admin("api-key", "revoke", id.group(1));
    assertThat(revoked.status()).as(revoked.err()).isZero();
    assertThat(status(frank, path)).isEqualTo(401);
  }

  /** One node can only reorder a partition's one replica (nothing moves); the point is what reaches the node and back. */
  @Test
  void reassignCommandsReachTheNodesMovesAndItsRefusalsAreOneLine() {
    String topic = unique("cli-moved");
    given().baseUri(server()).header("Authorization", "Bearer " + BOOTSTRAP).contentType("application/json")
        .body("{\"name\":\"" + topic + "\"}").post("/v1/topics").then().statusCode(201);
    String self = node.service().nodeId();

    Run throttled = admin("reassign", "throttle", "--bytes-per-second", "2048");
    assertThat(throttled.status()).as(throttled.err()).isZero();
    assertThat(throttled.out()).isEqualTo("replication throttle: 2048 bytes/s\n");
    Run started = admin("reassign", "start", "--topic", topic, "--partition", "0", "--replicas", self);
    assertThat(started.status()).as(started.err()).isZero();
    assertThat(started.out()).isEqualTo("replication throttle: 2048 bytes/s\n");
    assertThat(admin("reassign", "list").out()).isEqualTo("replication throttle: 2048 bytes/s\n");

    Run unknown = admin("reassign", "start", "--topic", topic, "--partition", "0", "--replicas", "node-9");
    assertThat(unknown.status()).isEqualTo(1);
    assertThat(unknown.err()).startsWith("streamgate: 400 invalid-replica-assignment: ").contains("node-9");
    Run notMoving = admin("reassign", "cancel", "--topic", topic, "--partition", "0");
    assertThat(notMoving.status()).isEqualTo(1);
    assertThat(notMoving.err()).startsWith("streamgate: 409 no-reassignment-in-progress: ");
    assertThat(admin("reassign", "start", "--topic", topic, "--partition", "x", "--replicas", self).status()).isEqualTo(2);
    assertThat(admin("reassign", "throttle", "--bytes-per-second", "0").out()).isEqualTo("replication throttle: 0 bytes/s\n");
  }

  @Test
  void refusalsAndMistakesAreOneClearLine() {
    Run noKey = cli(Map.of(), "api-key", "list", "--server", server());
    assertThat(noKey.status()).isEqualTo(1);
    assertThat(noKey.err()).startsWith("streamgate: 401 unauthenticated: ").contains("give --key or set STREAMGATE_KEY");

    String plain = given().baseUri(server()).header("Authorization", "Bearer " + BOOTSTRAP).contentType("application/json")
        .body("{\"principal\":\"User:gina\"}").post("/v1/api-keys").then().statusCode(201).extract().path("secret");
    Run forbidden = cli(Map.of(), "acl", "list", "--server", server(), "--key", plain);
    assertThat(forbidden.status()).isEqualTo(1);
    assertThat(forbidden.err()).startsWith("streamgate: 403 forbidden: User:gina may not DESCRIBE the cluster");

    Run badOperation = admin("acl", "add", "--allow-principal", "User:x", "--operation", "fly", "--topic", "t");
    assertThat(badOperation.status()).isEqualTo(1);
    assertThat(badOperation.err()).startsWith("streamgate: 400 invalid-request: 'operation' must be one of");

    assertThat(admin("acl", "add", "--allow-principal", "User:x", "--topic", "t").err())
        .startsWith("streamgate: acl add needs --operation");
    assertThat(admin("acl", "remove").status()).isEqualTo(2);
    assertThat(admin("api-key", "rotate").status()).isEqualTo(2);
    assertThat(admin("api-key", "revoke", "no-such-key").err()).startsWith("streamgate: 404 not-found: no API key 'no-such-key'");

    Run unknownNode = admin("node", "remove", "node-that-never-was");
    assertThat(unknownNode.status()).isEqualTo(1);
    assertThat(unknownNode.err()).startsWith("streamgate: 404 not-found: no node node-that-never-was in the cluster");
    String self = given().baseUri(server()).header("Authorization", "Bearer " + BOOTSTRAP).get("/v1/cluster").then()
        .statusCode(200).extract().path("nodeId");
    Run itself = admin("node", "remove", self, "--forget");
    assertThat(itself.status()).isEqualTo(1);
    assertThat(itself.err()).startsWith("streamgate: 409 node-not-removable: node " + self + " cannot remove itself");
    assertThat(admin("node", "remove").status()).isEqualTo(2);
    Run plan = admin("cluster", "plan", "--execute");
    assertThat(plan.status()).as(plan.err()).isZero();
    assertThat(plan.out()).isEqualTo("started: 0 moves\n"); // one node holds every replica already
    assertThat(admin("cluster", "plan", "--node", "node-9").err())
        .startsWith("streamgate: 400 invalid-replica-assignment: no node node-9 in the cluster");
    assertThat(admin("node", "drain", "node-9").err()).startsWith("streamgate: 404 not-found: no node node-9 in the cluster");
    assertThat(admin("node", "drain").status()).isEqualTo(2);

    Run help = cli(Map.of(), "acl", "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out()).contains("acl add (--allow-principal P | --deny-principal P)");

    Run unreachable = cli(Map.of("STREAMGATE_KEY", BOOTSTRAP), "api-key", "list", "--server", "http://127.0.0.1:1");
    assertThat(unreachable.status()).isEqualTo(1);
    assertThat(unreachable.err()).startsWith("streamgate: cannot reach http://127.0.0.1:1");
  }
}
