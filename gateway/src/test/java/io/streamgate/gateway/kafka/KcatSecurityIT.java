package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.ClientProcesses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kcat (librdkafka) against a node with {@code auth=on}, over SASL_PLAINTEXT with SASL/PLAIN and an
 * API key as the password, as a user would try it. Skipped where kcat is not installed.
 */
class KcatSecurityIT extends KafkaNodeTest {
  private static final int RECORDS = 50;

  @TempDir Path dir;
  private final ClientProcesses clients = new ClientProcesses();

  KcatSecurityIT() {
    super(Map.of("auth", "on", "auth-bootstrap-key", "kcat-security-it-bootstrap-key"));
  }

  @BeforeAll
  static void kcatInstalled() {
    assumeTrue(ClientProcesses.onPath("kcat"), "kcat is not installed");
  }

  @AfterEach
  void stopClients() {
    clients.stopAll();
  }

  @Test
  void kcatProducesAndConsumesWithAnApiKeyAndAWrongKeyFailsAuthentication() throws Exception {
    String topic = unique("kcat-sasl");
    String key = node.security().accessControl().createApiKey(Principal.user("kate")).get(30, TimeUnit.SECONDS).secret();
    List<AclBinding> acls = new ArrayList<>();
    for (AclOperation operation : List.of(AclOperation.CREATE, AclOperation.WRITE, AclOperation.READ)) {
      acls.add(new AclBinding(ResourceType.TOPIC, topic, PatternType.LITERAL, "User:kate", AclBinding.ANY_HOST, operation,
          AclPermission.ALLOW));
    }
    node.security().accessControl().createAcls(acls).get(30, TimeUnit.SECONDS);
    List<String> lines = IntStream.range(0, RECORDS).mapToObj(i -> "value-" + i).toList();
    Path input = dir.resolve("input.txt");
    Files.write(input, lines, StandardCharsets.UTF_8);

    // The node auto-creates the topic kcat's metadata request names (kate may CREATE it).
    clients.run(dir, 60, kcat(key, "-P", "-t", topic, "-p", "0", "-X", "acks=all", "-l", input.toString()));
    String output = clients.run(dir, 60, kcat(key, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%s\\n"));
    assertThat(output.lines().toList()).containsExactlyElementsOf(lines);

    Process refused = new ProcessBuilder(kcat("sgk_nosuchkey_0000000000000000", "-L", "-m", "10")).directory(dir.toFile())
        .redirectErrorStream(true).start();
    String refusal;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(refused.getInputStream(), StandardCharsets.UTF_8))) {
      refusal = in.lines().collect(Collectors.joining("\n"));
    }
    assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(refused.exitValue()).as(refusal).isNotZero();
    assertThat(refusal).contains("Authentication failed");
  }

  private List<String> kcat(String password, String... arguments) {
    List<String> command = new ArrayList<>(List.of("kcat", "-b", bootstrap(), "-X", "security.protocol=SASL_PLAINTEXT", "-X",
        "sasl.mechanisms=PLAIN", "-X", "sasl.username=anyone", "-X", "sasl.password=" + password));
    command.addAll(List.of(arguments));
    return command;
  }
}
