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
import io.streamgate.gateway.SharedNodeTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Eclipse Mosquitto's command-line clients against a node with {@code auth=on}: an API key as the
 * password (any user name), refusals as mosquitto reports them, and what they leave in the log.
 * Skipped when the clients are not installed (Debian package {@code mosquitto-clients}).
 */
class MosquittoAuthIT extends SharedNodeTest {
  private static final String BOOTSTRAP_KEY = "bootstrap-key-for-mosquitto";

  MosquittoAuthIT() {
    super(Map.of("mqtt-port", "-1", "auth", "on", "auth-bootstrap-key", BOOTSTRAP_KEY));
  }

  @BeforeAll
  void requireClients() {
    Assumptions.assumeTrue(ClientProcesses.onPath("mosquitto_pub") && ClientProcesses.onPath("mosquitto_sub"),
        "mosquitto_pub and mosquitto_sub are not installed (Debian package mosquitto-clients; .ci/run installs it)");
  }

  /** What a client program printed and how it exited. */
  private record Run(int exitCode, String output) {}

  @Test
  void aConnectWithoutAKeyIsRefusedAsBadCredentials() throws Exception {
    for (String version : List.of("mqttv311", "mqttv5")) {
      Run refused = mosquitto("mosquitto_pub", "-V", version, "-q", "1", "-t", "nokey/x", "-m", "m");
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.output().toLowerCase()).contains("bad user name or password");
      Run wrong = mosquitto("mosquitto_pub", "-V", version, "-u", "someone", "-P", "sgk_nosuchkey_abc", "-q", "1", "-t", "nokey/x",
          "-m", "m");
      assertThat(wrong.exitCode()).isNotZero();
      assertThat(wrong.output().toLowerCase()).contains("bad user name or password");
    }
    assertThat(MqttAuthTest.values(node, "nokey")).isEmpty();
  }

  @Test
  void aKeyPublishesWhereItsAclsAllowAndIsRefusedElsewhere() throws Exception {
    String user = "mosquitto-writer";
    String key = node.security().accessControl().createApiKey(Principal.user(user)).get(30, TimeUnit.SECONDS).secret();
    allow(user, AclOperation.WRITE, "meters", PatternType.LITERAL);
    Run allowed = mosquitto("mosquitto_pub", "-V", "mqttv5", "-u", "device-7", "-P", key, "-q", "1", "-t", "meters/7", "-m", "42");
    assertThat(allowed.exitCode()).as(allowed.output()).isZero();
    assertThat(MqttAuthTest.values(node, "meters")).containsExactly("42");

    Run bootstrap = mosquitto("mosquitto_pub", "-V", "mqttv5", "-u", "operator", "-P", BOOTSTRAP_KEY, "-q", "1", "-t", "valves/1", "-m",
        "closed");
    assertThat(bootstrap.exitCode()).as(bootstrap.output()).isZero();
    Run denied = mosquitto("mosquitto_pub", "-V", "mqttv5", "-u", "device-7", "-P", key, "-q", "1", "-t", "valves/1", "-m", "open");
    assertThat(denied.output().toLowerCase()).contains("not authori");
    mosquitto("mosquitto_pub", "-V", "mqttv311", "-u", "device-7", "-P", key, "-q", "1", "-t", "valves/1", "-m", "open");
    assertThat(MqttAuthTest.values(node, "valves")).containsExactly("closed");
  }

  @Test
  void aSubscriptionItsAclsDoNotAllowIsRefused() throws Exception {
    String user = "mosquitto-reader";
    String key = node.security().accessControl().createApiKey(Principal.user(user)).get(30, TimeUnit.SECONDS).secret();
    allow(user, AclOperation.READ, "lobby", PatternType.LITERAL);
    for (String version : List.of("mqttv311", "mqttv5")) {
      // -E: exit once subscribed; -d prints the SUBACK's codes.
      Run refused = mosquitto("mosquitto_sub", "-d", "-E", "-V", version, "-u", "r", "-P", key, "-q", "1", "-t", "vault/#");
      assertThat(refused.output()).contains(version.equals("mqttv5") ? "135" : "128");
      Run granted = mosquitto("mosquitto_sub", "-d", "-E", "-V", version, "-u", "r", "-P", key, "-q", "1", "-t", "lobby/#");
      assertThat(granted.exitCode()).as(granted.output()).isZero();
      assertThat(granted.output()).contains("Subscribed (mid: 1): 1");
    }
  }

  private void allow(String user, AclOperation operation, String topic, PatternType pattern) throws Exception {
    node.security().accessControl().createAcls(List.of(new AclBinding(ResourceType.TOPIC, topic, pattern,
        Principal.user(user).toString(), AclBinding.ANY_HOST, operation, AclPermission.ALLOW))).get(30, TimeUnit.SECONDS);
  }

  /** Runs a mosquitto client against the node to its end (at most 30 s). */
  private Run mosquitto(String program, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(program, "-h", "127.0.0.1", "-p", String.valueOf(node.mqttPort())));
    command.addAll(List.of(args));
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
