package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.ClientProcesses;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Eclipse Mosquitto's command-line clients against a node: {@code mosquitto_pub} publishing (MQTT
 * 3.1.1 and 5, QoS 0-2, retained) read back over REST; REST producing received by
 * {@code mosquitto_sub} with wildcards; a persistent session across a reconnect. Skipped when the
 * clients are not installed (Debian package {@code mosquitto-clients}; {@code .ci/run} installs it).
 */
class MosquittoClientsIT extends MqttNodeTest {
  final ClientProcesses clients = new ClientProcesses();

  @BeforeAll
  void requireClients() {
    Assumptions.assumeTrue(ClientProcesses.onPath("mosquitto_pub") && ClientProcesses.onPath("mosquitto_sub")
        && ClientProcesses.onPath("stdbuf"),
        "mosquitto_pub and mosquitto_sub are not installed (Debian package mosquitto-clients; .ci/run installs it)");
  }

  @AfterEach
  void stopClients() {
    clients.stopAll();
  }

  @Test
  void mosquittoPubPublishesAreRecordsReadableOverRest() throws Exception {
    // One client after the other, each once the one before is stored: MQTT orders nothing across
    // connections, and a QoS 0 publish is not acknowledged, so mosquitto_pub may exit before it is.
    publish("-V", "mqttv311", "-q", "0", "-t", "pub/a", "-m", "zero");
    await().atMost(Duration.ofSeconds(10)).until(() -> rest.recordsIfAny("pub", 0).size() == 1);
    publish("-V", "mqttv311", "-q", "1", "-t", "pub/b", "-m", "one");
    await().atMost(Duration.ofSeconds(10)).until(() -> rest.recordsIfAny("pub", 0).size() == 2);
    publish("-V", "mqttv5", "-q", "2", "-t", "pub/c", "-m", "two", "-i", "mosquitto-five");
    await().atMost(Duration.ofSeconds(10)).until(() -> rest.recordsIfAny("pub", 0).size() == 3);
    JsonNode records = rest.records("pub", 0);
    assertThat(records).extracting(r -> r.get("key").asText()).containsExactly("pub/a", "pub/b", "pub/c");
    assertThat(records).extracting(r -> r.get("value").asText()).containsExactly("zero", "one", "two");
    assertThat(records).extracting(r -> r.get("headers").get("mqtt.qos").asText()).containsExactly("0", "1", "2");
    assertThat(records.get(2).get("headers").get("mqtt.clientId").asText()).isEqualTo("mosquitto-five");
  }

  @Test
  void restProducedRecordsReachMosquittoSubThroughWildcards() throws Exception {
    rest.createTopic("farm", 2, "{\"value.format\":\"string\"}");
    List<String> lines = subscribe("-V", "mqttv311", "-q", "1", "-t", "farm/+/moisture", "-t", "farm/barn/#", "-v");
    rest.produce("farm", "{\"records\":["
        + "{\"key\":\"farm/field1/moisture\",\"value\":\"31\"},"
        + "{\"key\":\"farm/field1/wind\",\"value\":\"12\"},"
        + "{\"key\":\"farm/barn/door\",\"value\":\"open\"}]}");
    await().atMost(Duration.ofSeconds(10)).until(() -> messages(lines).size() == 2);
    assertThat(messages(lines)).containsExactlyInAnyOrder("farm/field1/moisture 31", "farm/barn/door open");
  }

  @Test
  void aRetainedMessageReachesALaterMosquittoSub() throws Exception {
    publish("-V", "mqttv5", "-q", "1", "-r", "-t", "lamp/kitchen", "-m", "on");
    List<String> lines = subscribe("-V", "mqttv5", "-q", "1", "-t", "lamp/#", "-v");
    await().atMost(Duration.ofSeconds(10)).until(() -> messages(lines).contains("lamp/kitchen on"));
  }

  @Test
  void aPersistentMosquittoSubSessionGetsWhatWasPublishedWhileAway() throws Exception {
    // Subscribe with a persistent session (-c) and leave at once (-E: exit after the SUBACK).
    clients.run(dir, 30, List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(node.mqttPort()),
        "-V", "mqttv311", "-c", "-i", "away-sub", "-q", "1", "-t", "mail/#", "-E"));
    publish("-V", "mqttv311", "-q", "1", "-t", "mail/box1", "-m", "letter");
    List<String> lines = subscribe("-V", "mqttv311", "-c", "-i", "away-sub", "-q", "1", "-t", "mail/#", "-v");
    await().atMost(Duration.ofSeconds(10)).until(() -> messages(lines).contains("mail/box1 letter"));
  }

  private void publish(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(node.mqttPort())));
    command.addAll(List.of(args));
    clients.run(dir, 30, command);
  }

  /**
   * Starts {@code mosquitto_sub} in debug mode and returns its output lines as they come, once its
   * SUBACK has arrived (so anything written after it is for the subscription).
   */
  private List<String> subscribe(String... args) throws IOException {
    // Into a pipe, mosquitto_sub's stdout is block-buffered until a message arrives: line-buffer it to see the SUBACK.
    List<String> command = new ArrayList<>(List.of("stdbuf", "-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p",
        String.valueOf(node.mqttPort())));
    command.addAll(List.of(args));
    List<String> lines = clients.start(dir, command);
    await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(line -> line.contains("received SUBACK")));
    return lines;
  }

  /** The received messages ({@code topic payload}) among mosquitto_sub's debug lines. */
  private static List<String> messages(List<String> lines) {
    return lines.stream().filter(line -> !line.startsWith("Client ") && !line.startsWith("Subscribed")).toList();
  }
}
