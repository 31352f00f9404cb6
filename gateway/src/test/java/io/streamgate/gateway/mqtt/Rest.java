package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.gateway.StreamgateNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;

/** The few REST calls the MQTT tests make against a test node, each expecting success. */
final class Rest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final String base;

  Rest(StreamgateNode node) {
    this.base = "http://127.0.0.1:" + node.httpPort();
  }

  void createTopic(String name, int partitions, String configJson) {
    send("POST", "/v1/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions
        + (configJson == null ? "" : ",\"config\":" + configJson) + "}", 201);
  }

  /** Changes a topic: {@code PATCH /v1/topics/{topic}} with a JSON body such as {@code {"partitions":3}}. */
  void updateTopic(String topic, String json) {
    send("PATCH", "/v1/topics/" + topic, json, 200);
  }

  void deleteTopic(String topic) {
    send("DELETE", "/v1/topics/" + topic, null, 204);
  }

  /** Produces a JSON envelope {@code {"records":[...]}}. */
  void produce(String topic, String envelope) {
    send("POST", "/v1/topics/" + topic + "/records", envelope, 200);
  }

  /** Every record of a partition, from the earliest. */
  JsonNode records(String topic, int partition) {
    return send("GET", "/v1/topics/" + topic + "/partitions/" + partition + "/records?offset=earliest&maxRecords=10000", null, 200)
        .get("records");
  }

  /** The records of a partition, or an empty array while the topic does not exist. */
  JsonNode recordsIfAny(String topic, int partition) {
    JsonNode topics = send("GET", "/v1/topics", null, 200);
    for (JsonNode t : topics) {
      if (t.get("name").asText().equals(topic)) {
        return records(topic, partition);
      }
    }
    return JSON.createArrayNode();
  }

  /** A topic's sample of a per-topic meter in the Prometheus scrape, 0 if absent. */
  double topicMetric(String name, String topic) {
    return metric(name + "{topic=\"" + topic + "\"}");
  }

  /** A sample of the Prometheus scrape, 0 if absent. */
  double metric(String name) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(30)).build();
    try {
      for (String line : CLIENT.send(request, BodyHandlers.ofString()).body().split("\n")) {
        if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return 0;
    } catch (IOException e) {
      throw new AssertionError("GET /metrics failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Any GET answered 200, as JSON. */
  JsonNode get(String path) {
    return send("GET", path, null, 200);
  }

  JsonNode describe(String topic) {
    return send("GET", "/v1/topics/" + topic, null, 200);
  }

  private JsonNode send(String method, String path, String json, int expectedStatus) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    if (json == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
    }
    try {
      var response = CLIENT.send(request.build(), BodyHandlers.ofString());
      assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(expectedStatus);
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
