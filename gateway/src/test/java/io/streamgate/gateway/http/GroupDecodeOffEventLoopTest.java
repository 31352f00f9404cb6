package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.Acks;
import io.streamgate.gateway.HeldDecodes;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.http.Api.Response;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group poll and a group stream of compressed batches decode them off the event loop: while the
 * decode is held, another request to the same (only) HTTP event loop is still answered, and the
 * member then gets every record, in order.
 */
class GroupDecodeOffEventLoopTest {
  private static final int RECORDS = 400;

  @TempDir Path dir;
  StreamgateNode node;
  Api api;
  HeldDecodes decodes;

  @BeforeEach
  void start() throws Exception {
    node = TestNodes.start(dir);
    api = new Api(node);
    api.createTopic("zipped", 1);
    RecordBatchBuilder batch = new RecordBatchBuilder(Compression.ZSTD);
    String padding = "x".repeat(1000);
    for (int i = 0; i < RECORDS; i++) {
      batch.append(1000L + i, null, ("{\"i\":" + i + ",\"pad\":\"" + padding + "\"}").getBytes(UTF_8), List.of());
    }
    node.service().append(new TopicPartition("zipped", 0), batch.build(), Acks.ALL).get(30, TimeUnit.SECONDS);
    decodes = HeldDecodes.hold();
  }

  @AfterEach
  void stop() {
    decodes.close();
    TestNodes.stop(node);
  }

  /** Another request on the node's one HTTP event loop is answered while a decode is held. */
  private void eventLoopAnswersWhileDecodeIsHeld() throws Exception {
    decodes.awaitHeld(Duration.ofSeconds(30));
    Response other = api.sendAsync(api.request("/v1/topics").timeout(Duration.ofSeconds(5)).GET().build())
        .get(10, TimeUnit.SECONDS);
    assertThat(other.status()).isEqualTo(200);
  }

  @Test
  void aGroupPollOfCompressedBatchesDoesNotHoldItsEventLoop() throws Exception {
    Response joined = api.postJson("/v1/groups/g/members", "{\"topics\":[\"zipped\"],\"autoOffsetReset\":\"earliest\"}");
    assertThat(joined.status()).isEqualTo(201);
    String member = joined.json().get("memberId").asText();

    CompletableFuture<Response> poll = api.sendAsync(api.request("/v1/groups/g/members/" + member
        + "/records?maxRecords=" + RECORDS + "&maxBytes=10000000").GET().build());
    eventLoopAnswersWhileDecodeIsHeld();
    assertThat(poll).isNotDone();

    decodes.release();
    Response answer = poll.get(30, TimeUnit.SECONDS);
    assertThat(answer.status()).isEqualTo(200);
    JsonNode records = answer.json().get("records");
    assertThat(records).hasSize(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      assertThat(records.get(i).get("offset").asLong()).isEqualTo(i);
      assertThat(records.get(i).get("value").get("i").asInt()).isEqualTo(i);
    }
    assertThat(answer.json().get("memberId").asText()).isEqualTo(member);
  }

  @Test
  void aGroupStreamOfCompressedBatchesDoesNotHoldItsEventLoop() throws Exception {
    try (SseStream stream = SseStream.open(node.httpPort(), "/v1/topics/zipped/stream?group=g&offset=earliest",
        "Accept: text/event-stream")) {
      eventLoopAnswersWhileDecodeIsHeld();
      decodes.release();
      List<JsonNode> records = CompletableFuture.supplyAsync(() -> {
        List<JsonNode> seen = new ArrayList<>();
        try {
          while (seen.size() < RECORDS) {
            SseStream.Event event = stream.next();
            if ("record".equals(event.event())) {
              seen.add(event.json());
            }
          }
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
        return seen;
      }).get(30, TimeUnit.SECONDS);
      for (int i = 0; i < RECORDS; i++) {
        assertThat(records.get(i).get("offset").asLong()).isEqualTo(i);
        assertThat(records.get(i).get("value").get("i").asInt()).isEqualTo(i);
      }
    }
  }
}
