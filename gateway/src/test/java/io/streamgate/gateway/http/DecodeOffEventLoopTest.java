package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.Acks;
import io.streamgate.gateway.HeldDecodes;
import io.streamgate.gateway.http.Api.Response;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fetch of compressed batches is decoded off the event loop: while its decode is held, another
 * request to the same (only) HTTP event loop is still answered, and the fetch then returns every
 * record in order.
 */
class DecodeOffEventLoopTest extends HttpNodeTest {
  private static final int RECORDS = 2000;

  HeldDecodes decodes;

  @AfterEach
  void stop() {
    decodes.close();
  }

  @Test
  void aCompressedFetchBeingDecodedDoesNotHoldItsEventLoop() throws Exception {
    api.createTopic("zipped", 1);
    RecordBatchBuilder batch = new RecordBatchBuilder(Compression.ZSTD);
    String padding = "x".repeat(1000);
    for (int i = 0; i < RECORDS; i++) {
      batch.append(1000L + i, null, ("{\"i\":" + i + ",\"pad\":\"" + padding + "\"}").getBytes(UTF_8), List.of());
    }
    node.service().append(new TopicPartition("zipped", 0), batch.build(), Acks.ALL).get(30, TimeUnit.SECONDS);

    decodes = HeldDecodes.hold();
    CompletableFuture<Response> fetch = api.sendAsync(
        api.request("/v1/topics/zipped/partitions/0/records?offset=0&maxRecords=" + RECORDS + "&maxBytes=10000000").GET().build());
    decodes.awaitHeld(Duration.ofSeconds(30));

    // Same event loop (the node has one HTTP instance), answered while the fetch's decode is held.
    Response other = api.sendAsync(api.request("/v1/topics").timeout(Duration.ofSeconds(5)).GET().build())
        .get(10, TimeUnit.SECONDS);
    assertThat(other.status()).isEqualTo(200);
    assertThat(fetch).isNotDone();

    decodes.release();
    Response fetched = fetch.get(30, TimeUnit.SECONDS);
    assertThat(fetched.status()).isEqualTo(200);
    JsonNode records = fetched.json().get("records");
    assertThat(records).hasSize(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      assertThat(records.get(i).get("offset").asLong()).isEqualTo(i);
      assertThat(records.get(i).get("value").get("i").asInt()).isEqualTo(i);
    }
    assertThat(fetched.json().get("nextOffset").asLong()).isEqualTo(RECORDS);
  }
}
