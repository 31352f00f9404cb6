package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eclipse Mosquitto's {@code mosquitto_pub} over TLS with a client certificate and no password,
 * against a node with {@code auth=on}: alice's certificate publishes where her ACL allows, bob's is
 * refused and writes nothing, no certificate is bad credentials. Skipped when the clients are not
 * installed (Debian package {@code mosquitto-clients}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MosquittoCertificateIT {
  @TempDir static Path dir;
  private TestCerts certs;
  private StreamgateNode node;

  @BeforeAll
  void start() throws Exception {
    Assumptions.assumeTrue(ClientProcesses.onPath("mosquitto_pub"),
        "mosquitto_pub is not installed (Debian package mosquitto-clients; .ci/run installs it)");
    certs = TestCerts.make(dir.resolve("certs"));
    node = TestNodes.start(dir.resolve("node"), Map.of("tls-cert", certs.cert("node").toString(), "tls-key",
        certs.key("node").toString(), "tls-ca", certs.ca().toString(), "tls-client-auth", "request", "auth", "on",
        "auth-bootstrap-key", "bootstrap-key-for-mosquitto-certs", "mqtt-port", "-1"));
    for (AclOperation operation : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
      node.security().accessControl().createAcls(List.of(new AclBinding(ResourceType.TOPIC, "meters", PatternType.LITERAL,
          Principal.user(operation == AclOperation.WRITE ? "alice" : "bob").toString(), AclBinding.ANY_HOST, operation,
          AclPermission.ALLOW))).get(30, TimeUnit.SECONDS);
    }
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

  /** mosquitto_pub over TLS to 127.0.0.1 (a name of the node's certificate), with {@code user}'s certificate unless null. */
  private Run mosquittoPub(String user, String version, String message) throws Exception {
    List<String> command = new ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(node.mqttPort()),
        "--cafile", certs.ca().toString(), "-V", version, "-q", "1", "-t", "meters/1", "-m", message));
    if (user != null) {
      command.addAll(List.of("--cert", certs.cert(user).toString(), "--key", certs.key(user).toString()));
    }
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
