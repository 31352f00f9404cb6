package io.streamgate.gateway.mqtt;

import io.streamgate.gateway.SharedNodeTest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/**
 * A test class whose tests share one node with its MQTT listener on (loopback, an ephemeral port),
 * and the REST calls that check what MQTT did. A subclass passes the rest of its node's
 * configuration to the constructor.
 */
abstract class MqttNodeTest extends SharedNodeTest {
  Rest rest;

  MqttNodeTest() {
    this(Map.of());
  }

  MqttNodeTest(Map<String, String> config) {
    super(withMqtt(config));
  }

  private static Map<String, String> withMqtt(Map<String, String> config) {
    Map<String, String> values = new HashMap<>(Map.of("mqtt-port", "-1"));
    values.putAll(config);
    return values;
  }

  @BeforeAll
  final void connectRest() {
    rest = new Rest(node);
  }
}
