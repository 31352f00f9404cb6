package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.gateway.SharedNodeTest;
import io.streamgate.gateway.StreamgateNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A test class whose tests share one node with its Kafka listener on (loopback, an ephemeral port,
 * as {@code kafka-port -1} asks), and the REST calls that check what Kafka clients did.
 */
abstract class KafkaNodeTest extends SharedNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  KafkaNodeTest() {
    this(Map.of());
  }

  KafkaNodeTest(Map<String, String> config) {
    super(withKafka(config));
  }

  private static Map<String, String> withKafka(Map<String, String> config) {
    // No initial rebalance delay: a test's group waits for the members it starts, not for others to come.
    Map<String, String> values = new HashMap<>(Map.of("kafka-port", "-1", "group-initial-rebalance-delay-ms", "0"));
    values.putAll(config);
    return values;
  }

  String bootstrap() {
    return "127.0.0.1:" + node.kafkaPort();
  }

  /** Every record of a partition over HTTP, from the earliest. */
  JsonNode httpRecords(String topic, int partition) {
    return httpRecords(node, topic, partition);
  }

  /** Every record of a partition over HTTP from {@code from}, a node other than the class's, from the earliest. */
  JsonNode httpRecords(StreamgateNode from, String topic, int partition) {
    return http(from, "GET", "/v1/topics/" + topic + "/partitions/" + partition + "/records?offset=earliest&maxRecords=10000", null, 200)
        .get("records");
  }

  /** A topic's sample of a per-topic meter in the Prometheus scrape ({@code streamgate_records_in_total}), 0 if absent. */
  double topicMetric(String name, String topic) {
    String sample = name + "{topic=\"" + topic + "\"}";
    try {
      var response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics"))
          .timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
      for (String line : response.body().split("\n")) {
        if (line.startsWith(sample + " ")) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return 0;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  JsonNode http(String method, String path, String body, int expectedStatus) {
    return http(node, method, path, body, expectedStatus);
  }

  JsonNode http(StreamgateNode to, String method, String path, String body, int expectedStatus) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.httpPort() + path))
          .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      var response = HTTP.send(request.build(), BodyHandlers.ofString());
      assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(expectedStatus);
      return response.body().isEmpty() ? null : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** An admin client of the class's node. */
  Admin admin() {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(properties);
  }

  /** A new string topic named after {@code base}, with three records in each partition; returns its name. */
  String createStringTopic(String base, int partitions) {
    String topic = unique(base);
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":" + partitions + ",\"config\":{\"value.format\":\"string\"}}",
        201);
    List<String> records = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      for (int i = 0; i < 3; i++) {
        records.add("{\"partition\":" + p + ",\"value\":\"r" + i + "\"}");
      }
    }
    http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[" + String.join(",", records) + "]}", 200);
    return topic;
  }

  /** A classic-protocol consumer of {@code group} from the earliest offset, committing only when told. */
  KafkaConsumer<String, String> consumer(String group) {
    Map<String, Object> properties = new HashMap<>();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    return new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
  }
}
