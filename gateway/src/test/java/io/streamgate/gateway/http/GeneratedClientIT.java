package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.client.ApiClient;
import io.streamgate.client.ApiException;
import io.streamgate.client.api.ConsumeApi;
import io.streamgate.client.api.OperationsApi;
import io.streamgate.client.api.ProduceApi;
import io.streamgate.client.api.TopicsApi;
import io.streamgate.client.model.ConsumeResponse;
import io.streamgate.client.model.Health;
import io.streamgate.client.model.PartitionOffsets;
import io.streamgate.client.model.Problem;
import io.streamgate.client.model.ProduceRecord;
import io.streamgate.client.model.ProduceRequest;
import io.streamgate.client.model.ProduceResponse;
import io.streamgate.client.model.Record;
import io.streamgate.client.model.RecordOffset;
import io.streamgate.client.model.TopicConfig;
import io.streamgate.client.model.TopicConfigOverrides;
import io.streamgate.client.model.TopicConfigOverridesRetentionMs;
import io.streamgate.client.model.TopicCreateRequest;
import io.streamgate.client.model.TopicDescription;
import io.streamgate.client.model.TopicSummary;
import io.streamgate.client.model.TopicUpdateRequest;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java client generated from the contract at build time ({@code io.streamgate.client}, see the
 * openapi-generator execution in this module's pom) talks to a live node: create a topic, produce
 * with the JSON envelope, consume, and read errors as {@link Problem}s. If the document and the
 * server drift apart in a way a typed client notices (a number sent as a string, a renamed member,
 * a status the client does not expect), this fails. Run by failsafe in {@code verify}.
 */
class GeneratedClientIT {
  /** Thirty days: more than an int holds in milliseconds, so the client must carry it as a long. */
  private static final long THIRTY_DAYS_MS = 30L * 24 * 3600 * 1000;

  @TempDir Path dir;
  private StreamgateNode node;
  private ApiClient client;

  @BeforeEach
  void start() {
    node = TestNodes.start(dir);
    client = new ApiClient();
    client.updateBaseUri("http://127.0.0.1:" + node.httpPort());
  }

  @AfterEach
  void stop() {
    TestNodes.stop(node);
  }

  @Test
  void createProduceConsumeAsWritten() throws ApiException {
    TopicsApi topics = new TopicsApi(client);
    TopicDescription created = topics.createTopic(new TopicCreateRequest().name("gen-orders").partitions(2)
        .config(new TopicConfigOverrides().retentionMs(new TopicConfigOverridesRetentionMs(THIRTY_DAYS_MS))
            .cleanupPolicy(TopicConfigOverrides.CleanupPolicyEnum.DELETE)));
    assertThat(created.getName()).isEqualTo("gen-orders");
    assertThat(created.getPartitions()).hasSize(2);
    TopicConfig config = created.getConfig();
    assertThat(config.getRetentionMs()).isEqualTo(THIRTY_DAYS_MS);
    assertThat(config.getCleanupPolicy()).isEqualTo(TopicConfig.CleanupPolicyEnum.DELETE);
    assertThat(config.getValueFormat()).isEqualTo(TopicConfig.ValueFormatEnum.JSON);
    assertThat(topics.listTopics()).extracting(TopicSummary::getName).contains("gen-orders");

    Map<String, Object> order = new LinkedHashMap<>();
    order.put("item", "book");
    order.put("qty", 2);
    order.put("tags", List.of("new", "gift"));
    ProduceResponse produced = new ProduceApi(client).produce("gen-orders", new ProduceRequest().records(List.of(
        new ProduceRecord().key("alice").value(order).headers(Map.of("source", "it")).partition(1).timestamp(1_700_000_000_000L),
        new ProduceRecord().value("plain text").partition(1),
        new ProduceRecord().keyBase64("AAECAw==").valueBase64("eyJuIjozfQ==").partition(1),
        new ProduceRecord().key("alice").value(null).partition(1))), "all", null, null, null);
    assertThat(produced.getTopic()).isEqualTo("gen-orders");
    assertThat(produced.getOffsets()).extracting(RecordOffset::getPartition).containsOnly(1);
    assertThat(produced.getOffsets()).extracting(RecordOffset::getOffset).containsExactly(0L, 1L, 2L, 3L);

    ConsumeResponse page = new ConsumeApi(client).consume("gen-orders", 1, "earliest", null, null, null, null, null);
    assertThat(page.getNextOffset()).isEqualTo(4L);
    assertThat(page.getHighWatermark()).isEqualTo(4L);
    List<Record> records = page.getRecords();
    assertThat(records).hasSize(4);
    Record first = records.get(0);
    assertThat(first.getTopic()).isEqualTo("gen-orders");
    assertThat(first.getPartition()).isEqualTo(1);
    assertThat(first.getOffset()).isEqualTo(0L);
    assertThat(first.getTimestamp()).isEqualTo(1_700_000_000_000L);
    assertThat(first.getKey()).isEqualTo("alice");
    assertThat(first.getValue()).isEqualTo(order);
    assertThat(first.getHeaders()).isEqualTo(Map.of("source", "it"));
    assertThat(records.get(1).getValue()).isEqualTo("plain text");
    assertThat(records.get(1).getKey()).isNull();
    // Bytes that are valid UTF-8 and JSON come back as key and value, as the contract says.
    assertThat(records.get(2).getKey()).isEqualTo("\u0000\u0001\u0002\u0003");
    assertThat(records.get(2).getValue()).isEqualTo(Map.of("n", 3));
    assertThat(records.get(3).getKey()).isEqualTo("alice");
    assertThat(records.get(3).getValue()).isNull();

    PartitionOffsets offsets = new ConsumeApi(client).getOffsets("gen-orders", 1, null);
    assertThat(offsets.getEarliest()).isEqualTo(0L);
    assertThat(offsets.getLatest()).isEqualTo(4L);

    TopicDescription grown = topics.updateTopic("gen-orders", new TopicUpdateRequest().partitions(3));
    assertThat(grown.getPartitions()).hasSize(3);
    topics.deleteTopic("gen-orders");
    assertThat(topics.listTopics()).extracting(TopicSummary::getName).doesNotContain("gen-orders");
  }

  @Test
  void errorsAreProblems() throws ApiException {
    new TopicsApi(client).createTopic(new TopicCreateRequest().name("gen-errors"));
    assertThatThrownBy(() -> new TopicsApi(client).describeTopic("gen-missing"))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.getCode()).isEqualTo(404);
          assertThat(e.getResponseHeaders().firstValue("Content-Type")).hasValue("application/problem+json");
          Problem problem = problem(e);
          assertThat(problem.getCode()).isEqualTo("topic-not-found");
          assertThat(problem.getStatus()).isEqualTo(404);
          assertThat(problem.getType().toString()).isEqualTo("urn:streamgate:problem:topic-not-found");
          assertThat(problem.getRetryable()).isFalse();
        });
    assertThatThrownBy(() -> new ConsumeApi(client).consume("gen-errors", 0, "earliest", null, 20_000, null, null, null))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.getCode()).isEqualTo(400);
          assertThat(problem(e).getErrors()).singleElement()
              .satisfies(error -> assertThat(error.getParameter()).isEqualTo("maxRecords"));
        });
  }

  @Test
  void operations() throws ApiException {
    OperationsApi operations = new OperationsApi(client);
    assertThat(operations.live().getStatus().getValue()).isEqualTo("UP");
    assertThat(operations.ready().getChecks()).containsEntry("serving", Health.InnerEnum.UP);
  }

  private Problem problem(ApiException e) {
    try {
      return client.getObjectMapper().readValue(e.getResponseBody(), Problem.class);
    } catch (Exception parse) {
      throw new AssertionError("not a Problem: " + e.getResponseBody(), parse);
    }
  }
}
