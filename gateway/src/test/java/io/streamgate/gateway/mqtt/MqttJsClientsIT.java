package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.gateway.ClientProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * mqtt.js, the Node.js MQTT client, against a node: its publishes (MQTT 3.1.1 and 5, QoS 0-2) read
 * back over REST; REST producing received through wildcards; a retained message; a persistent
 * session across a reconnect; MQTT over WebSocket, as browsers speak it. The client is {@code src/test/mqttjs/client.mjs}, its version pinned by
 * the package-lock there. Skipped when Node.js and npm are not installed ({@code .ci/run} installs them).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MqttJsClientsIT extends MqttNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path CLIENT_SOURCES = Path.of("src/test/mqttjs");
  private static final Path CLIENT_DIR = Path.of("target/mqttjs");

  final ClientProcesses clients = new ClientProcesses();

  MqttJsClientsIT() {
    super(Map.of("mqtt-ws-port", "-1"));
  }

  @BeforeAll
  void installClient() throws Exception {
    Assumptions.assumeTrue(ClientProcesses.onPath("node") && ClientProcesses.onPath("npm"),
        "Node.js and npm are not installed (Debian packages nodejs and npm; .ci/run installs them)");
    Files.createDirectories(CLIENT_DIR);
    for (String file : List.of("package.json", "package-lock.json", "client.mjs")) {
      Files.copy(CLIENT_SOURCES.resolve(file), CLIENT_DIR.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    clients.run(CLIENT_DIR, 150, List.of("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"));
  }

  @AfterEach
  void stopClients() {
    clients.stopAll();
  }

  @Test
  void mqttJsPublishesAreRecordsReadableOverRest() throws Exception {
    publish(4, "js-three", message("js/a", "zero", 0, false), message("js/b", "one", 1, false));
    publish(5, "js-five", message("js/c", "two", 2, false));
    await().atMost(Duration.ofSeconds(10)).until(() -> rest.recordsIfAny("js", 0).size() == 3);
    JsonNode records = rest.records("js", 0);
    assertThat(records).extracting(r -> r.get("key").asText()).containsExactly("js/a", "js/b", "js/c");
    assertThat(records).extracting(r -> r.get("value").asText()).containsExactly("zero", "one", "two");
    assertThat(records).extracting(r -> r.get("headers").get("mqtt.qos").asText()).containsExactly("0", "1", "2");
    assertThat(records).extracting(r -> r.get("headers").get("mqtt.clientId").asText())
        .containsExactly("js-three", "js-three", "js-five");
  }

  @Test
  void mqttJsSendingRepeatedTopicsByAliasWritesThemUnderTheirTopics() throws Exception {
    clients.run(CLIENT_DIR, 30, command(Map.of("url", url(), "protocolVersion", 5, "clientId", "js-alias", "clean", true,
        "topicAliases", true, "publish", List.of(message("alias/a", "1", 1, false), message("alias/b", "2", 1, false),
            message("alias/a", "3", 1, false), message("alias/b", "4", 0, false), message("alias/a", "5", 1, false)))));
    await().atMost(Duration.ofSeconds(10)).until(() -> rest.recordsIfAny("alias", 0).size() == 5);
    assertThat(rest.records("alias", 0)).extracting(r -> r.get("key").asText() + "=" + r.get("value").asText())
        .containsExactly("alias/a=1", "alias/b=2", "alias/a=3", "alias/b=4", "alias/a=5");
  }

  @Test
  void restProducedRecordsReachMqttJsThroughWildcards() throws Exception {
    rest.createTopic("garden", 2, "{\"value.format\":\"string\"}");
    List<String> lines = subscribe(5, "js-garden", true, 1, "garden/+/moisture", "garden/shed/#");
    rest.produce("garden", "{\"records\":["
        + "{\"key\":\"garden/bed1/moisture\",\"value\":\"44\"},"
        + "{\"key\":\"garden/bed1/light\",\"value\":\"900\"},"
        + "{\"key\":\"garden/shed/door\",\"value\":\"shut\"}]}");
    await().atMost(Duration.ofSeconds(10)).until(() -> messages(lines).size() == 2);
    assertThat(messages(lines)).containsExactlyInAnyOrder("garden/bed1/moisture 44", "garden/shed/door shut");
  }

  @Test
  void aRetainedMessageReachesALaterMqttJsSubscriber() throws Exception {
    publish(4, "js-retainer", message("heater/hall", "21.5", 1, true));
    List<String> lines = subscribe(5, "js-late", true, 1, "heater/#");
    await().atMost(Duration.ofSeconds(10)).until(() -> messages(lines).contains("heater/hall 21.5"));
  }

  @Test
  void aPersistentMqttJsSessionGetsWhatWasPublishedWhileAway() throws Exception {
    subscribe(4, "js-away", false, 1, "parcel/#");
    clients.stopAll();
    publish(4, "js-courier", message("parcel/door", "delivered", 1, false));
    List<String> lines = subscribe(4, "js-away", false, 1, "parcel/#");
    await().atMost(Duration.ofSeconds(10)).until(() -> messages(lines).contains("parcel/door delivered"));
    assertThat(messages(lines)).containsOnlyOnce("parcel/door delivered");
  }

  @Test
  void mqttJsOverWebSocketPublishesAndReceives() throws Exception {
    rest.createTopic("tram", 1, "{\"value.format\":\"string\"}");
    List<String> lines = clients.start(CLIENT_DIR, command(Map.of("url", webSocketUrl(), "protocolVersion", 5,
        "clientId", "js-ws-watcher", "clean", true, "subscribe", List.of("tram/#"), "qos", 1)));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains("SUBACK 1"));
    clients.run(CLIENT_DIR, 30, command(Map.of("url", webSocketUrl(), "protocolVersion", 4, "clientId", "js-ws-tram",
        "clean", true, "publish", List.of(message("tram/line4", "departed", 1, false)))));
    rest.produce("tram", "{\"records\":[{\"key\":\"tram/line5\",\"value\":\"arrived\"}]}");
    await().atMost(Duration.ofSeconds(10)).until(() -> messages(lines).size() == 2);
    assertThat(messages(lines)).containsExactly("tram/line4 departed", "tram/line5 arrived");
    assertThat(rest.records("tram", 0)).extracting(r -> r.get("value").asText()).containsExactly("departed", "arrived");
  }

  private static Map<String, Object> message(String topic, String message, int qos, boolean retain) {
    return Map.of("topic", topic, "message", message, "qos", qos, "retain", retain);
  }

  @SafeVarargs
  private void publish(int protocolVersion, String clientId, Map<String, Object>... messages) throws Exception {
    clients.run(CLIENT_DIR, 30, command(Map.of("url", url(), "protocolVersion", protocolVersion, "clientId", clientId,
        "clean", true, "publish", List.of(messages))));
  }

  /** Starts a subscriber and returns its output lines as they come, once its SUBACK has arrived. */
  private List<String> subscribe(int protocolVersion, String clientId, boolean clean, int qos, String... filters)
      throws Exception {
    List<String> lines = clients.start(CLIENT_DIR, command(Map.of("url", url(), "protocolVersion", protocolVersion,
        "clientId", clientId, "clean", clean, "subscribe", List.of(filters), "qos", qos)));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(line -> line.startsWith("SUBACK ")
        || line.startsWith("ERROR ")));
    assertThat(lines).as("subscriber output").noneMatch(line -> line.startsWith("ERROR "))
        .contains("SUBACK " + String.join(",", List.of(filters).stream().map(f -> String.valueOf(qos)).toList()));
    return lines;
  }

  private static List<String> command(Map<String, Object> task) throws Exception {
    return List.of("node", "client.mjs", JSON.writeValueAsString(task));
  }

  private String url() {
    return "mqtt://127.0.0.1:" + node.mqttPort();
  }

  private String webSocketUrl() {
    return "ws://127.0.0.1:" + node.mqttWebSocketPort() + "/mqtt";
  }

  /** The received messages ({@code topic payload}) among the subscriber's output lines. */
  private static List<String> messages(List<String> lines) {
    return lines.stream().filter(line -> !line.startsWith("SUBACK ")).toList();
  }
}
