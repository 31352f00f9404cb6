package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.gateway.StreamgateNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A small blocking client of a test node's HTTP API over {@link java.net.http.HttpClient} (HTTP/1.1),
 * answering raw bytes so that tests can check bodies byte for byte, plus the assertions every test
 * shares (problem+json).
 */
final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** One client for the whole test JVM: Java 17's HttpClient cannot be closed, so none is made per test. */
  static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  final String base;
  final int port;

  Api(StreamgateNode node) {
    this.port = node.httpPort();
    this.base = "http://127.0.0.1:" + port;
  }

  /** A response: status, headers and the body's bytes. */
  record Response(int status, HttpHeaders headers, byte[] body) {
    String text() {
      return new String(body, UTF_8);
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + text(), e);
      }
    }

    String contentType() {
      return headers.firstValue("content-type").orElse("");
    }

    @Override
    public String toString() {
      return status + " " + contentType() + " " + text();
    }
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
  }

  Response send(HttpRequest request) {
    try {
      var response = CLIENT.send(request, BodyHandlers.ofByteArray());
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new AssertionError(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  CompletableFuture<Response> sendAsync(HttpRequest request) {
    return CLIENT.sendAsync(request, BodyHandlers.ofByteArray())
        .thenApply(response -> new Response(response.statusCode(), response.headers(), response.body()));
  }

  Response send(String method, String path, String contentType, BodyPublisher body, String... headers) {
    HttpRequest.Builder builder = request(path).method(method, body);
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return send(builder.build());
  }

  Response get(String path, String... headers) {
    return send("GET", path, null, BodyPublishers.noBody(), headers);
  }

  Response delete(String path) {
    return send("DELETE", path, null, BodyPublishers.noBody());
  }

  Response post(String path, String contentType, byte[] body, String... headers) {
    return send("POST", path, contentType, BodyPublishers.ofByteArray(body), headers);
  }

  Response post(String path, String contentType, String body, String... headers) {
    return post(path, contentType, body.getBytes(UTF_8), headers);
  }

  Response postJson(String path, String json, String... headers) {
    return post(path, "application/json", json, headers);
  }

  Response patchJson(String path, String json) {
    return send("PATCH", path, "application/json", BodyPublishers.ofString(json));
  }

  // ------------------------------------------------------------------ shortcuts that expect success

  JsonNode createTopic(String name, int partitions, String configJson) {
    Response response = postJson("/v1/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions
        + (configJson == null ? "" : ",\"config\":" + configJson) + "}");
    assertThat(response.status()).as("create %s: %s", name, response).isEqualTo(201);
    return response.json();
  }

  JsonNode createTopic(String name, int partitions) {
    return createTopic(name, partitions, null);
  }

  /** Produces a JSON envelope; expects 200 and answers the offsets answer. */
  JsonNode produce(String topic, String envelope) {
    Response response = postJson("/v1/topics/" + topic + "/records", envelope);
    assertThat(response.status()).as("produce to %s: %s", topic, response).isEqualTo(200);
    return response.json();
  }

  /** {@code GET .../partitions/p/records?query}; expects 200. */
  Response fetch(String topic, int partition, String query) {
    Response response = get("/v1/topics/" + topic + "/partitions/" + partition + "/records?" + query);
    assertThat(response.status()).as("fetch %s-%d?%s: %s", topic, partition, query, response).isEqualTo(200);
    return response;
  }

  JsonNode describe(String topic) {
    Response response = get("/v1/topics/" + topic);
    assertThat(response.status()).as("describe %s: %s", topic, response).isEqualTo(200);
    return response.json();
  }

  long latestOffset(String topic, int partition) {
    Response response = get("/v1/topics/" + topic + "/partitions/" + partition + "/offsets");
    assertThat(response.status()).as("offsets: %s", response).isEqualTo(200);
    return response.json().get("latest").asLong();
  }

  /** A value of the Prometheus scrape: the sample named {@code name} whose labels contain {@code labels}; 0 if absent. */
  double metric(String name, String labels) {
    for (String line : get("/metrics").text().split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        if (labels == null || line.contains(labels)) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------ assertions

  /** The response is an {@code application/problem+json} with {@code status} equal to the HTTP status, and this code. */
  static JsonNode assertProblem(Response response, int status, String code) {
    assertProblem(response);
    assertThat(response.status()).as("status of %s", response).isEqualTo(status);
    JsonNode problem = response.json();
    if (code != null) {
      assertThat(problem.path("code").asText()).as("code of %s", response).isEqualTo(code);
      assertThat(problem.path("type").asText()).as("type of %s", response).isEqualTo(StreamgateError.TYPE_BASE + code);
    }
    return problem;
  }

  /** Any 4xx problem whose {@code status} member equals the HTTP status. */
  static JsonNode assertProblem(Response response) {
    assertThat(response.status()).as("status of %s", response).isBetween(400, 499);
    assertThat(response.contentType()).as("content type of %s", response).startsWith("application/problem+json");
    JsonNode problem = response.json();
    assertThat(problem.path("status").asInt()).as("status member of %s", response).isEqualTo(response.status());
    assertThat(problem.path("title").asText()).as("title of %s", response).isNotEmpty();
    assertThat(problem.path("detail").asText()).as("detail of %s", response).isNotEmpty();
    assertThat(problem.path("code").asText()).as("code of %s", response).isNotEmpty();
    return problem;
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
