package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.ClientProcesses;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.security.TestCerts;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eclipse Mosquitto's {@code mosquitto_pub} and {@code mosquitto_sub} over TLS against a node with
 * {@code auth=on}. With a client certificate and no password: alice's certificate publishes where her
 * ACL allows, bob's is refused and writes nothing, no certificate is bad credentials. With no
 * certificate and an API key as the password: publish and subscribe round-trip the records, which
 * HTTPS reads back from the log; a wrong key is bad credentials; a client trusting another CA fails
 * the handshake. Skipped when the clients are not installed (Debian package {@code mosquitto-clients}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MosquittoCertificateIT {
  private static final String BOOTSTRAP = "bootstrap-key-for-mosquitto-certs";
  @TempDir static Path dir;
  private final ClientProcesses clients = new ClientProcesses();
  private TestCerts certs;
  private StreamgateNode node;

  @BeforeAll
  void start() throws Exception {
    Assumptions.assumeTrue(ClientProcesses.onPath("mosquitto_pub") && ClientProcesses.onPath("mosquitto_sub")
        && ClientProcesses.onPath("stdbuf"),
        "mosquitto_pub and mosquitto_sub are not installed (Debian package mosquitto-clients; .ci/run installs it)");
    certs = TestCerts.make(dir.resolve("certs"));
    node = TestNodes.start(dir.resolve("node"), Map.of("tls-cert", certs.cert("node").toString(), "tls-key",
        certs.key("node").toString(), "tls-ca", certs.ca().toString(), "tls-client-auth", "request", "auth", "on",
        "auth-bootstrap-key", BOOTSTRAP, "mqtt-port", "-1"));
    for (AclOperation operation : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
      node.security().accessControl().createAcls(List.of(new AclBinding(ResourceType.TOPIC, "meters", PatternType.LITERAL,
          Principal.user(operation == AclOperation.WRITE ? "alice" : "bob").toString(), AclBinding.ANY_HOST, operation,
          AclPermission.ALLOW))).get(30, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void stopClients() {
    clients.stopAll();
  }

  @AfterAll
  void stop() {
    if (node != null) {
      TestNodes.stop(node);
    }
  }

  /** What a client program printed and how it exited. */
  private record Run(int exitCode, String output) {}

  @Test
  void aCertificateWithoutAPasswordPublishesAsItsPrincipal() throws Exception {
    Run alice = mosquittoPub("alice", "mqttv5", "42");
    assertThat(alice.exitCode()).as(alice.output()).isZero();
    assertThat(MqttAuthTest.values(node, "meters")).containsExactly("42");

    Run bob = mosquittoPub("bob", "mqttv5", "43");
    assertThat(bob.output().toLowerCase()).contains("not authori");
    assertThat(MqttAuthTest.values(node, "meters")).containsExactly("42");

    Run none = mosquittoPub(null, "mqttv311", "44");
    assertThat(none.exitCode()).isNotZero();
    assertThat(none.output().toLowerCase()).contains("bad user name or password");
    assertThat(MqttAuthTest.values(node, "meters")).containsExactly("42");
  }

  @Test
  void aPasswordOverTlsWithoutACertificatePublishesAndSubscribes() throws Exception {
    String key = node.security().accessControl().createApiKey(Principal.user("carol")).get(30, TimeUnit.SECONDS).secret();
    for (AclOperation operation : List.of(AclOperation.WRITE, AclOperation.READ)) {
      node.security().accessControl().createAcls(List.of(new AclBinding(ResourceType.TOPIC, "gauges", PatternType.LITERAL,
          Principal.user("carol").toString(), AclBinding.ANY_HOST, operation, AclPermission.ALLOW))).get(30, TimeUnit.SECONDS);
    }
    HttpResponse<String> created = https(HttpRequest.newBuilder(httpsUri("/v1/topics")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"gauges\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    // Into a pipe, mosquitto_sub's stdout is block-buffered until a message arrives: line-buffer it to see the SUBACK.
    List<String> subscriber = clients.start(dir, List.of("stdbuf", "-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p",
        String.valueOf(node.mqttPort()), "--cafile", certs.ca().toString(), "-V", "mqttv5", "-u", "any", "-P", key, "-q", "1",
        "-t", "gauges/#", "-v"));
    await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.stream().anyMatch(line -> line.contains("received SUBACK")));
    for (String value : List.of("7", "8")) {
      Run published = publishTrusting(certs.ca(), "mqttv311", "-u", "any", "-P", key, "-t", "gauges/boiler", "-m", value);
      assertThat(published.exitCode()).as(published.output()).isZero();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(subscriber)
        .filteredOn(line -> line.startsWith("gauges/")).containsExactly("gauges/boiler 7", "gauges/boiler 8"));
    HttpResponse<String> read = https(HttpRequest.newBuilder(httpsUri("/v1/topics/gauges/partitions/0/records?offset=0")).GET());
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    assertThat(new JsonObject(read.body()).getJsonArray("records").stream().map(record -> ((JsonObject) record).getString("value")))
        .containsExactly("7", "8");

    String wrongKey = key.substring(0, key.length() - 1) + (key.endsWith("a") ? "b" : "a");
    Run refused = publishTrusting(certs.ca(), "mqttv5", "-u", "any", "-P", wrongKey, "-t", "gauges/boiler", "-m", "9");
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.output().toLowerCase()).contains("bad user name or password");

    TestCerts otherCa = TestCerts.make(dir.resolve("other-ca"));
    Run untrusted = publishTrusting(otherCa.ca(), "mqttv5", "-u", "any", "-P", key, "-t", "gauges/boiler", "-m", "10");
    assertThat(untrusted.exitCode()).isNotZero();
    // The same command trusting the node's CA published above: this one fails at the handshake.
    assertThat(untrusted.output()).contains("A TLS error occurred");
    assertThat(MqttAuthTest.values(node, "gauges")).containsExactly("7", "8");
  }

  /** mosquitto_pub at QoS 1 over TLS to 127.0.0.1, trusting {@code ca}, with {@code args}. */
  private Run publishTrusting(Path ca, String version, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(node.mqttPort()),
        "--cafile", ca.toString(), "-V", version, "-q", "1"));
    command.addAll(List.of(args));
    return run(command);
  }

  private HttpResponse<String> https(HttpRequest.Builder request) throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(certs.trustingCa()).build();
    return client.send(request.header("Authorization", "Bearer " + BOOTSTRAP).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI httpsUri(String path) {
    return URI.create("https://127.0.0.1:" + node.httpPort() + path);
  }

  /** mosquitto_pub over TLS to 127.0.0.1 (a name of the node's certificate), with {@code user}'s certificate unless null. */
  private Run mosquittoPub(String user, String version, String message) throws Exception {
    List<String> command = new ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(node.mqttPort()),
        "--cafile", certs.ca().toString(), "-V", version, "-q", "1", "-t", "meters/1", "-m", message));
    if (user != null) {
      command.addAll(List.of("--cert", certs.cert(user).toString(), "--key", certs.key(user).toString()));
    }
    return run(command);
  }

  /** Runs a client program to its end (at most 30 s). */
  private Run run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError(String.join(" ", command) + " did not end within 30 s");
      }
      return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), UTF_8));
    } finally {
      process.destroyForcibly();
    }
  }
}
