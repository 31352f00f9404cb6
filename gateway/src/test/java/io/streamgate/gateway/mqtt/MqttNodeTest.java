package io.streamgate.gateway.mqtt;

import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class whose tests share one node with its MQTT listener on (loopback, an ephemeral port),
 * and the REST calls that check what MQTT did. A subclass passes the rest of its node's
 * configuration, and its authentication hook, to the constructor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// A client that waits for an answer that never comes must fail the test, not hang the build.
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class MqttNodeTest {
  private final Map<String, String> config;
  private final MqttAuthenticator authenticator;
  /**
   * The test class's own directory (JUnit sets it for each class before its {@code @BeforeAll}):
   * the node's data under {@code node/}, anything else beside it.
   */
  @TempDir static Path dir;
  StreamgateNode node;
  Rest rest;

  MqttNodeTest() {
    this(Map.of());
  }

  MqttNodeTest(Map<String, String> config) {
    this(config, MqttAuthenticator.OPEN);
  }

  MqttNodeTest(Map<String, String> config, MqttAuthenticator authenticator) {
    this.config = config;
    this.authenticator = authenticator;
  }

  @BeforeAll
  void startNode() {
    Map<String, String> values = new HashMap<>(Map.of("mqtt-port", "-1"));
    values.putAll(config);
    node = TestNodes.start(dir.resolve("node"), values, authenticator);
    rest = new Rest(node);
  }

  @AfterAll
  void stopNode() {
    TestNodes.stop(node);
  }
}
