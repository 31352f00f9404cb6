package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.Api.assertProblem;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.http.Api.Response;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/topics/{topic}/records}: bodies, value formats, partitioning, acks, idempotency, limits. */
class ProduceApiTest extends HttpNodeTest {
  /** This test's topics: names of its own on the class's node. */
  String t, u, textTopic, bytesTopic, jsonTopic, two, recent, fresh, fresh2, never;

  @BeforeEach
  void nameTopics() {
    t = unique("t");
    u = unique("u");
    textTopic = unique("text");
    bytesTopic = unique("bytes");
    jsonTopic = unique("json");
    two = unique("two");
    recent = unique("recent");
    fresh = unique("fresh");
    fresh2 = unique("fresh2");
    never = unique("never");
  }

  /** The NDJSON read of a partition from offset 0: one record JSON per line. */
  private List<String> readLines(String topic, int partition) {
    Response response = api.get("/v1/topics/" + topic + "/partitions/" + partition + "/records?offset=earliest&maxRecords=10000",
        "Accept", "application/x-ndjson");
    assertThat(response.status()).as("%s", response).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    for (String line : response.text().split("\n")) {
      if (!line.isEmpty()) {
        Api.parse(line);
        lines.add(line);
      }
    }
    return lines;
  }

  private JsonNode records(String topic, int partition) {
    return api.fetch(topic, partition, "offset=earliest&maxRecords=10000").json().get("records");
  }

  /** HttpFuzzTest seed 19045819701869: a form body with a broken %-escape was a 500 (Netty's decoder threw). */
  @Test
  void aFormBodyWithABrokenEscapeIsABadRequest() {
    api.createTopic(t, 1);
    assertProblem(api.post("/v1/topics/" + t + "/records", "application/x-www-form-urlencoded", "a=1&abc%zz"), 400,
        "invalid-request");
    assertThat(records(t, 0)).as("nothing written").isEmpty();
  }

  @Test
  void jsonValuesOfEveryTypeComeBackExactlyAsWritten() {
    api.createTopic(t, 1);
    List<String> values = List.of(
        "{\"a\":[1,{\"b\":null}],\"c\":\"\u00e9\\n\\\"q\\\"\",\"d\":{\"e\":{\"f\":[[],{}]}}}",
        "[1, 2 ,3]",
        "\"text\"",
        "\"\"",
        "0",
        "-17",
        "3.25",
        "1e400",
        "-0.0",
        "12345678901234567890.5",
        "123456789012345678901234567890",
        "0.1000000000000000000000000000001",
        "true",
        "false",
        "{ \"spaced\" :\t[ ] }",
        "\"\\u00e9\\ud83d\\ude00 \u65e5\u672c \ud83d\ude00\"",
        "[" + "[".repeat(150) + "]".repeat(150) + "]");
    StringBuilder envelope = new StringBuilder("{\"records\":[");
    for (int i = 0; i < values.size(); i++) {
      envelope.append(i == 0 ? "" : ",").append("{\"value\":").append(values.get(i)).append("}");
    }
    JsonNode answer = api.produce(t, envelope.append("]}").toString());
    assertThat(answer.get("topic").asText()).isEqualTo(t);
    assertThat(answer.get("offsets")).hasSize(values.size());

    List<String> lines = readLines(t, 0);

    assertThat(lines).hasSize(values.size());
    for (int i = 0; i < values.size(); i++) {
      assertThat(lines.get(i)).contains("\"offset\":" + i + ",").endsWith(",\"value\":" + values.get(i) + ",\"headers\":{}}");
    }
    // The JSON form carries the same bytes.
    String json = api.fetch(t, 0, "offset=earliest").text();
    assertThat(json).contains("\"value\":12345678901234567890.5,").contains("\"value\":1e400,")
        .contains("\"value\":123456789012345678901234567890,");
  }

  @Test
  void keysHeadersTimestampsAndPartitionsComeBackAsWritten() {
    api.createTopic(t, 2);
    byte[] binaryKey = {(byte) 0xff, 0, 1, (byte) 0xfe};
    String envelope = "{\"records\":["
        + "{\"key\":\"k\u00fc\u65e5\",\"value\":1,\"headers\":{\"h1\":\"v1\",\"h2\":\"\",\"\u00e9\":\"\u65e5\"},\"partition\":1,\"timestamp\":1700000000000},"
        + "{\"keyBase64\":\"" + Base64.getEncoder().encodeToString(binaryKey) + "\",\"value\":2,\"partition\":1,\"timestamp\":0},"
        + "{\"keyBase64\":\"" + Base64.getEncoder().encodeToString("plain".getBytes(UTF_8)) + "\",\"value\":3,\"partition\":1},"
        + "{\"key\":null,\"value\":4,\"headers\":null,\"partition\":1}]}";
    long before = System.currentTimeMillis();

    JsonNode answer = api.produce(t, envelope);

    assertThat(answer.get("offsets").toString()).isEqualTo(
        "[{\"partition\":1,\"offset\":0},{\"partition\":1,\"offset\":1},{\"partition\":1,\"offset\":2},{\"partition\":1,\"offset\":3}]");
    JsonNode records = records(t, 1);
    assertThat(records).hasSize(4);
    JsonNode first = records.get(0);
    assertThat(first.get("topic").asText()).isEqualTo(t);
    assertThat(first.get("partition").asInt()).isEqualTo(1);
    assertThat(first.get("offset").asLong()).isZero();
    assertThat(first.get("key").asText()).isEqualTo("k\u00fc\u65e5");
    assertThat(first.get("timestamp").asLong()).isEqualTo(1700000000000L);
    assertThat(first.get("headers").toString()).isEqualTo("{\"h1\":\"v1\",\"h2\":\"\",\"\u00e9\":\"\u65e5\"}");
    assertThat(records.get(1).has("key")).isFalse();
    assertThat(Base64.getDecoder().decode(records.get(1).get("keyBase64").asText())).isEqualTo(binaryKey);
    assertThat(records.get(1).get("timestamp").asLong()).isZero();
    assertThat(records.get(2).get("key").asText()).as("a valid UTF-8 key reads back as text").isEqualTo("plain");
    assertThat(records.get(2).get("timestamp").asLong()).as("the server's time by default")
        .isBetween(before, System.currentTimeMillis());
    assertThat(records.get(3).has("key")).isFalse();
    assertThat(records.get(3).has("keyBase64")).isFalse();
    assertThat(records.get(3).get("headers").size()).isZero();
    assertThat(records(t, 0)).isEmpty();
  }

  @Test
  void ndjsonCarriesOneValuePerLineWithTheQueryKey() {
    api.createTopic(t, 5);
    int expected = Utils.toPositive(Utils.murmur2("user-7".getBytes(UTF_8))) % 5;

    Response response = api.post("/v1/topics/" + t + "/records?key=user-7", "application/x-ndjson",
        "{\"n\":1}\n{\"n\":2}\r\n\n  \"three\"\n[4]");

    assertThat(response.status()).as("%s", response).isEqualTo(200);
    JsonNode offsets = response.json().get("offsets");
    assertThat(offsets).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(offsets.get(i).get("partition").asInt()).isEqualTo(expected);
      assertThat(offsets.get(i).get("offset").asLong()).isEqualTo(i);
    }
    JsonNode records = records(t, expected);
    assertThat(records).hasSize(4);
    assertThat(records.get(0).get("value").toString()).isEqualTo("{\"n\":1}");
    assertThat(records.get(1).get("value").toString()).isEqualTo("{\"n\":2}");
    assertThat(records.get(2).get("value").asText()).isEqualTo("three");
    assertThat(records.get(3).get("value").toString()).isEqualTo("[4]");
    for (JsonNode record : records) {
      assertThat(record.get("key").asText()).isEqualTo("user-7");
    }
    // Without a key, and to an explicit partition.
    Response toPartition = api.post("/v1/topics/" + t + "/records?partition=3", "application/x-ndjson", "1\n2\n");
    assertThat(toPartition.json().get("offsets").toString()).isEqualTo(
        "[{\"partition\":3,\"offset\":" + (expected == 3 ? 4 : 0) + "},{\"partition\":3,\"offset\":" + (expected == 3 ? 5 : 1) + "}]");
    // A line that is not JSON fails the whole request.
    assertProblem(api.post("/v1/topics/" + t + "/records", "application/x-ndjson", "1\nnot json\n3"), 400, "invalid-request");
    assertProblem(api.post("/v1/topics/" + t + "/records", "application/x-ndjson", "\n\n"), 400, "invalid-request");
    assertThat(api.latestOffset(t, 3)).isEqualTo(expected == 3 ? 6 : 2);
  }

  @Test
  void rawBodiesAreOneRecordEach() {
    api.createTopic(textTopic, 1, "{\"value.format\":\"string\"}");
    api.createTopic(bytesTopic, 1, "{\"value.format\":\"binary\"}");
    api.createTopic(jsonTopic, 1);
    byte[] binary = new byte[512];
    new Random(7).nextBytes(binary);
    binary[0] = (byte) 0xff;
    binary[1] = 0;

    Response text = api.post("/v1/topics/" + textTopic + "/records?key=k1", "text/plain; charset=utf-8", "hello w\u00f6rld\n{not json");
    Response bytes = api.post("/v1/topics/" + bytesTopic + "/records?partition=0", "application/octet-stream", binary);
    Response json = api.post("/v1/topics/" + jsonTopic + "/records", "application/octet-stream", " {\"a\": [1, 2]} ");
    Response noType = api.send("POST", "/v1/topics/" + bytesTopic + "/records", null, BodyPublishers.ofByteArray(new byte[] {1, 2, 3}));

    assertThat(text.status()).as("%s", text).isEqualTo(200);
    assertThat(bytes.status()).as("%s", bytes).isEqualTo(200);
    assertThat(json.status()).as("%s", json).isEqualTo(200);
    assertThat(noType.status()).as("%s", noType).isEqualTo(200);
    assertThat(text.json().get("offsets").toString()).isEqualTo("[{\"partition\":0,\"offset\":0}]");
    JsonNode textRecord = records(textTopic, 0).get(0);
    assertThat(textRecord.get("value").asText()).isEqualTo("hello w\u00f6rld\n{not json");
    assertThat(textRecord.get("key").asText()).isEqualTo("k1");
    JsonNode byteRecords = records(bytesTopic, 0);
    assertThat(Base64.getDecoder().decode(byteRecords.get(0).get("valueBase64").asText())).isEqualTo(binary);
    assertThat(byteRecords.get(0).has("value")).isFalse();
    assertThat(Base64.getDecoder().decode(byteRecords.get(1).get("valueBase64").asText())).isEqualTo(new byte[] {1, 2, 3});
    assertThat(readLines(jsonTopic, 0).get(0)).endsWith(",\"value\": {\"a\": [1, 2]} ,\"headers\":{}}");
  }

  @Test
  void valueFormatRules() {
    api.createTopic(jsonTopic, 1);
    api.createTopic(textTopic, 1, "{\"value.format\":\"string\"}");
    api.createTopic(bytesTopic, 1, "{\"value.format\":\"binary\"}");
    byte[] invalidUtf8 = {'a', (byte) 0xc3, '(', 'b'};

    // json: every value must be JSON, however it arrives.
    assertProblem(api.post("/v1/topics/" + jsonTopic + "/records", "text/plain", "not json"), 400, "invalid-request");
    assertProblem(api.post("/v1/topics/" + jsonTopic + "/records", "application/octet-stream", new byte[0]), 400, "invalid-request");
    assertProblem(api.post("/v1/topics/" + jsonTopic + "/records", "text/plain", "1 2"), 400, "invalid-request");
    assertProblem(api.post("/v1/topics/" + jsonTopic + "/records", "application/octet-stream", invalidUtf8), 400, "invalid-request");
    assertProblem(api.postJson("/v1/topics/" + jsonTopic + "/records", "{\"records\":[{\"valueBase64\":\""
        + Base64.getEncoder().encodeToString("nope".getBytes(UTF_8)) + "\"}]}"), 400, "invalid-request");
    api.produce(jsonTopic, "{\"records\":[{\"valueBase64\":\"" + Base64.getEncoder().encodeToString("{\"x\":1}".getBytes(UTF_8)) + "\"}]}");
    assertThat(records(jsonTopic, 0).get(0).get("value").toString()).isEqualTo("{\"x\":1}");

    // string: text only (a JSON value that is not a string is its JSON text: ValueFormatsTest).
    assertProblem(api.post("/v1/topics/" + textTopic + "/records", "text/plain", invalidUtf8), 400, "invalid-request");
    assertProblem(api.post("/v1/topics/" + textTopic + "/records", "application/x-ndjson", invalidUtf8), 400, "invalid-request");
    assertProblem(api.postJson("/v1/topics/" + textTopic + "/records", "{\"records\":[{\"valueBase64\":\""
        + Base64.getEncoder().encodeToString(invalidUtf8) + "\"}]}"), 400, "invalid-request");
    api.produce(textTopic, "{\"records\":[{\"value\":\"plain \\\"text\\\"\"},{\"valueBase64\":\""
        + Base64.getEncoder().encodeToString("from base64".getBytes(UTF_8)) + "\"}]}");
    assertThat(records(textTopic, 0).get(0).get("value").asText()).isEqualTo("plain \"text\"");
    assertThat(records(textTopic, 0).get(1).get("value").asText()).isEqualTo("from base64");

    // binary: any bytes, always read back as valueBase64.
    assertThat(api.post("/v1/topics/" + bytesTopic + "/records", "text/plain", invalidUtf8).status()).isEqualTo(200);
    api.produce(bytesTopic, "{\"records\":[{\"valueBase64\":\"AAEC\"},{\"value\":{\"a\":1}}]}");
    JsonNode bytes = records(bytesTopic, 0);
    assertThat(Base64.getDecoder().decode(bytes.get(0).get("valueBase64").asText())).isEqualTo(invalidUtf8);
    assertThat(Base64.getDecoder().decode(bytes.get(1).get("valueBase64").asText())).isEqualTo(new byte[] {0, 1, 2});
    assertThat(new String(Base64.getDecoder().decode(bytes.get(2).get("valueBase64").asText()), UTF_8)).isEqualTo("{\"a\":1}");

    // Nothing refused was written.
    assertThat(api.latestOffset(jsonTopic, 0)).isEqualTo(1);
    assertThat(api.latestOffset(textTopic, 0)).isEqualTo(2);
    assertThat(api.latestOffset(bytesTopic, 0)).isEqualTo(3);
  }

  @Test
  void keyedRecordsLandWhereKafkasPartitionerPutsThem() {
    int partitions = 7;
    api.createTopic(t, partitions);
    List<byte[]> keys = new ArrayList<>();
    StringBuilder envelope = new StringBuilder("{\"records\":[");
    for (int i = 0; i < 200; i++) {
      String key = "key-" + i;
      keys.add(key.getBytes(UTF_8));
      envelope.append(i == 0 ? "" : ",").append("{\"key\":\"").append(key).append("\",\"value\":").append(i).append("}");
    }
    for (String key : List.of("", "\u00fc", "\u65e5\u672c\u8a9e", "\ud83d\ude00", "a", "ab", "abc", "abcd", "abcde")) {
      keys.add(key.getBytes(UTF_8));
      envelope.append(",{\"key\":").append(RecordJsonWriter.quote(key)).append(",\"value\":").append(keys.size() - 1).append("}");
    }
    Random random = new Random(42);
    for (int i = 0; i < 50; i++) {
      byte[] key = new byte[1 + random.nextInt(40)];
      random.nextBytes(key);
      keys.add(key);
      envelope.append(",{\"keyBase64\":\"").append(Base64.getEncoder().encodeToString(key)).append("\",\"value\":")
          .append(keys.size() - 1).append("}");
    }

    JsonNode offsets = api.produce(t, envelope.append("]}").toString()).get("offsets");

    assertThat(offsets).hasSize(keys.size());
    Set<Integer> used = new HashSet<>();
    Map<Integer, JsonNode> byPartition = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      int expected = Utils.toPositive(Utils.murmur2(keys.get(i))) % partitions;
      int partition = offsets.get(i).get("partition").asInt();
      assertThat(partition).as("partition of key %d", i).isEqualTo(expected);
      used.add(partition);
      JsonNode record = byPartition.computeIfAbsent(partition, p -> records(t, p)).get(offsets.get(i).get("offset").asInt());
      assertThat(record.get("value").asInt()).as("the record at the answered offset").isEqualTo(i);
    }
    assertThat(used).hasSize(partitions);
    // A raw body's ?key goes the same way.
    Response raw = api.post("/v1/topics/" + t + "/records?key=abc", "application/json", "{\"records\":[{\"key\":\"abc\",\"value\":0}]}");
    assertThat(raw.status()).as("key in the query of an envelope").isEqualTo(400);
    Response text = api.post("/v1/topics/" + t + "/records?key=abc", "text/plain", "1");
    assertThat(text.json().get("offsets").get(0).get("partition").asInt())
        .isEqualTo(Utils.toPositive(Utils.murmur2("abc".getBytes(UTF_8))) % partitions);
  }

  /** As in Kafka: murmur2 over the partition count when written, so a key's records after the change are in one partition, in order. */
  @Test
  void afterPartitionsAreAddedEachKeysNewRecordsGoToOnePartitionInOrder() {
    api.createTopic(t, 2);
    List<String> keys = IntStream.range(0, 20).mapToObj(i -> "user-" + i).toList();
    for (String key : keys) {
      api.produce(t, "{\"records\":[{\"key\":\"" + key + "\",\"value\":\"before\"}]}");
    }
    assertThat(api.patchJson("/v1/topics/" + t, "{\"partitions\":5}").status()).isEqualTo(200);
    for (int round = 0; round < 3; round++) {
      StringBuilder envelope = new StringBuilder("{\"records\":[");
      for (String key : keys) {
        envelope.append(key.equals(keys.get(0)) ? "" : ",").append("{\"key\":\"").append(key).append("\",\"value\":\"after-")
            .append(round).append("\"}");
      }
      api.produce(t, envelope.append("]}").toString());
    }
    Map<String, List<String>> afterByKey = new HashMap<>();
    Map<String, Integer> partitionOfKey = new HashMap<>();
    for (int p = 0; p < 5; p++) {
      for (JsonNode record : records(t, p)) {
        String value = record.get("value").asText();
        if (value.startsWith("after-")) {
          String key = record.get("key").asText();
          afterByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
          assertThat(partitionOfKey.put(key, p)).as("every new record of %s in one partition", key).isIn(null, p);
        }
      }
    }
    Set<Integer> used = new HashSet<>();
    for (String key : keys) {
      int expected = Utils.toPositive(Utils.murmur2(key.getBytes(UTF_8))) % 5;
      assertThat(partitionOfKey.get(key)).as("partition of %s over 5 partitions", key).isEqualTo(expected);
      assertThat(afterByKey.get(key)).as("%s's records in order", key).containsExactly("after-0", "after-1", "after-2");
      used.add(expected);
    }
    assertThat(used).as("keys moved into the new partitions too").anyMatch(p -> p >= 2);
  }

  @Test
  void keylessRecordsOfOneRequestStickToOnePartition() {
    api.createTopic(t, 4);
    Set<Integer> chosen = new HashSet<>();
    String batch = "{\"records\":[" + "{\"value\":1},".repeat(19) + "{\"value\":1}]}";
    for (int request = 0; request < 12; request++) {
      JsonNode offsets = api.produce(t, batch).get("offsets");
      assertThat(offsets).hasSize(20);
      int partition = offsets.get(0).get("partition").asInt();
      long first = offsets.get(0).get("offset").asLong();
      for (int i = 0; i < 20; i++) {
        assertThat(offsets.get(i).get("partition").asInt()).isEqualTo(partition);
        assertThat(offsets.get(i).get("offset").asLong()).isEqualTo(first + i);
      }
      chosen.add(partition);
    }
    assertThat(chosen).as("keyless requests spread over the partitions").hasSizeGreaterThan(1);
  }

  @Test
  void offsetsAreAnsweredInTheOrderSentAcrossPartitions() {
    api.createTopic(t, 3);
    api.produce(t, "{\"records\":[{\"value\":0,\"partition\":1},{\"value\":0,\"partition\":2}]}");
    String[] values = {"\"a\"", "\"b\"", "\"c\"", "\"d\"", "\"e\"", "\"f\"", "\"g\""};
    int[] partitions = {2, 0, 2, 1, 0, 2, 1};
    StringBuilder envelope = new StringBuilder("{\"records\":[");
    for (int i = 0; i < values.length; i++) {
      envelope.append(i == 0 ? "" : ",").append("{\"value\":").append(values[i]).append(",\"partition\":").append(partitions[i])
          .append("}");
    }

    JsonNode offsets = api.produce(t, envelope.append("]}").toString()).get("offsets");

    long[] next = {0, 1, 1};
    for (int i = 0; i < values.length; i++) {
      assertThat(offsets.get(i).get("partition").asInt()).isEqualTo(partitions[i]);
      assertThat(offsets.get(i).get("offset").asLong()).isEqualTo(next[partitions[i]]++);
      JsonNode record = records(t, partitions[i]).get(offsets.get(i).get("offset").asInt());
      assertThat(record.get("value").toString()).isEqualTo(values[i]);
    }
  }

  @Test
  void acks() {
    api.createTopic(t, 1);

    Response none = api.postJson("/v1/topics/" + t + "/records?acks=0", "{\"records\":[{\"value\":\"fire and forget\"}]}");
    assertThat(none.status()).isEqualTo(202);
    assertThat(none.json().has("offsets")).isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> api.latestOffset(t, 0) == 1);
    assertThat(records(t, 0).get(0).get("value").asText()).isEqualTo("fire and forget");

    for (String acks : List.of("1", "all", "-1")) {
      Response response = api.postJson("/v1/topics/" + t + "/records?acks=" + acks, "{\"records\":[{\"value\":\"" + acks + "\"}]}");
      assertThat(response.status()).as("acks=%s: %s", acks, response).isEqualTo(200);
      assertThat(response.json().get("offsets")).hasSize(1);
    }
    assertThat(api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{\"value\":\"default\"}]}").status()).isEqualTo(200);
    for (String acks : List.of("2", "ALL", "", "yes", "-2", "1&acks=all")) {
      assertProblem(api.postJson("/v1/topics/" + t + "/records?acks=" + acks, "{\"records\":[{\"value\":1}]}"), 400, "invalid-request");
    }
    assertThat(api.latestOffset(t, 0)).isEqualTo(5);
  }

  @Test
  void anIdempotencyKeyMakesRetriesHarmless() throws Exception {
    api.createTopic(t, 1);
    api.createTopic(u, 1);
    String body = "{\"records\":[{\"value\":1},{\"value\":2}]}";

    Response first = api.postJson("/v1/topics/" + t + "/records", body, "Idempotency-Key", "req-1");
    Response retry = api.postJson("/v1/topics/" + t + "/records", body, "Idempotency-Key", "req-1");

    assertThat(first.status()).isEqualTo(200);
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.text()).isEqualTo(first.text());
    assertThat(first.json().get("offsets").toString()).isEqualTo("[{\"partition\":0,\"offset\":0},{\"partition\":0,\"offset\":1}]");
    assertThat(api.latestOffset(t, 0)).isEqualTo(2);

    // Another key writes; the same key on another topic is another request.
    Response other = api.postJson("/v1/topics/" + t + "/records", body, "Idempotency-Key", "req-2");
    assertThat(other.json().get("offsets").get(0).get("offset").asLong()).isEqualTo(2);
    assertThat(api.postJson("/v1/topics/" + u + "/records", body, "Idempotency-Key", "req-1").status()).isEqualTo(200);
    assertThat(api.latestOffset(u, 0)).isEqualTo(2);

    // Retries racing the first request: one write, one answer.
    List<CompletableFuture<Response>> racing = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      racing.add(api.sendAsync(api.request("/v1/topics/" + t + "/records").header("Content-Type", "application/json")
          .header("Idempotency-Key", "req-3").POST(BodyPublishers.ofString(body)).build()));
    }
    Set<String> answers = new HashSet<>();
    for (CompletableFuture<Response> response : racing) {
      Response answer = response.get(30, TimeUnit.SECONDS);
      assertThat(answer.status()).isEqualTo(200);
      answers.add(answer.text());
    }
    assertThat(answers).hasSize(1);
    assertThat(api.latestOffset(t, 0)).isEqualTo(6);

    // A failed request is not remembered: its retry may succeed and write.
    assertProblem(api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{}]}", "Idempotency-Key", "req-4"), 400, "invalid-request");
    Response fixed = api.postJson("/v1/topics/" + t + "/records", body, "Idempotency-Key", "req-4");
    assertThat(fixed.json().get("offsets").get(0).get("offset").asLong()).isEqualTo(6);
    assertThat(api.latestOffset(t, 0)).isEqualTo(8);
  }

  /**
   * Issue #12, item 2: a key reused with another body is a 422 and writes nothing (it was a 200
   * with offsets of the new body, none of it written); the same body again is exactly the first answer.
   */
  @Test
  void anIdempotencyKeyReusedWithAnotherBodyIsRefusedAndWritesNothing() {
    api.createTopic(t, 1);
    String one = "{\"records\":[{\"value\":\"a\"}]}";
    Response first = api.postJson("/v1/topics/" + t + "/records", one, "Idempotency-Key", "reused");
    assertThat(first.json().get("offsets").toString()).isEqualTo("[{\"partition\":0,\"offset\":0}]");

    assertProblem(api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{\"value\":\"a\"},{\"value\":\"b\"},{\"value\":\"c\"}]}",
        "Idempotency-Key", "reused"), 422, "idempotency-key-reused");
    assertProblem(api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{\"value\":\"z\"}]}", "Idempotency-Key", "reused"), 422,
        "idempotency-key-reused");
    assertThat(api.latestOffset(t, 0)).isEqualTo(1);

    Response again = api.postJson("/v1/topics/" + t + "/records", one, "Idempotency-Key", "reused");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.text()).isEqualTo(first.text());
    Response next = api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{\"value\":\"d\"},{\"value\":\"e\"}]}");
    assertThat(next.json().get("offsets").toString())
        .isEqualTo("[{\"partition\":0,\"offset\":1},{\"partition\":0,\"offset\":2}]");
    List<String> stored = new ArrayList<>();
    records(t, 0).forEach(r -> stored.add(r.get("value").asText()));
    assertThat(stored).containsExactly("a", "d", "e");
  }

  @Test
  void producingToAnUnknownTopicCreatesIt() {
    Response response = api.postJson("/v1/topics/" + fresh + "/records", "{\"records\":[{\"value\":{\"first\":true}}]}");

    assertThat(response.status()).as("%s", response).isEqualTo(200);
    JsonNode topic = api.describe(fresh);
    assertThat(topic.get("partitions")).hasSize(1);
    assertThat(topic.get("config").get("value.format").asText()).isEqualTo("json");
    assertThat(records(fresh, 0).get(0).get("value").toString()).isEqualTo("{\"first\":true}");
    assertThat(api.post("/v1/topics/" + fresh2 + "/records", "text/plain", "\"raw\"").status()).isEqualTo(200);

    assertProblem(api.postJson("/v1/topics/__consumer_offsets/records", "{\"records\":[{\"value\":1}]}"), 403, "internal-topic");
    assertProblem(api.postJson("/v1/topics/bad*name/records", "{\"records\":[{\"value\":1}]}"), 400, "invalid-topic-name");
    assertProblem(api.postJson("/v1/topics/" + "x".repeat(250) + "/records", "{\"records\":[{\"value\":1}]}"), 400,
        "invalid-topic-name");
    // A request refused for its body creates nothing.
    assertProblem(api.postJson("/v1/topics/" + never + "/records", "{\"records\":[]}"), 400, "invalid-request");
    assertThat(api.get("/v1/topics").json().toString()).doesNotContain("__consumer_offsets", "bad*name").contains(fresh2);
  }

  /**
   * Requests racing the creation a write causes: the topic may be missing, but never present
   * without all its partitions. Several default partitions make the creation slow enough to watch.
   */
  @Test
  void aTopicCreatedByAWriteNeverShowsWithoutItsPartitions(@TempDir Path otherDir) throws Exception {
    StreamgateNode wide = TestNodes.start(otherDir, Map.of("default-partitions", "8"));
    try {
      Api wideApi = new Api(wide);
      List<CompletableFuture<Response>> writes = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        writes.add(wideApi.sendAsync(wideApi.request("/v1/topics/racy/records").header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString("{\"records\":[{\"value\":" + i + ",\"partition\":7}]}")).build()));
      }
      int polls = 0;
      Response last = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (polls < 5000 && System.nanoTime() < deadline) {
        last = wideApi.get("/v1/topics/racy/partitions/7/offsets");
        polls++;
        if (last.status() == 200) {
          break;
        }
        assertProblem(last, 404, "topic-not-found");
      }
      assertThat(last.status()).as("after %d polls: %s", polls, last).isEqualTo(200);
      for (CompletableFuture<Response> write : writes) {
        Response response = write.get(30, TimeUnit.SECONDS);
        assertThat(response.status()).as("%s", response).isEqualTo(200);
      }
      assertThat(wideApi.describe("racy").get("partitions")).hasSize(8);
      assertThat(wideApi.latestOffset("racy", 7)).isEqualTo(5);
    } finally {
      TestNodes.stop(wide);
    }
  }

  @Test
  void withoutAutoCreationAnUnknownTopicIsNotFound(@TempDir Path otherDir) {
    StreamgateNode strict = TestNodes.start(otherDir, Map.of("auto-create-topics", "false"));
    try {
      Api strictApi = new Api(strict);

      assertProblem(strictApi.postJson("/v1/topics/fresh/records", "{\"records\":[{\"value\":1}]}"), 404, "topic-not-found");
      assertProblem(strictApi.post("/v1/topics/fresh/records", "text/plain", "1"), 404, "topic-not-found");
      assertThat(strictApi.get("/v1/topics").json()).isEmpty();
      strictApi.createTopic("fresh", 1);
      assertThat(strictApi.postJson("/v1/topics/fresh/records", "{\"records\":[{\"value\":1}]}").status()).isEqualTo(200);
    } finally {
      TestNodes.stop(strict);
    }
  }

  @Test
  void anUnknownPartitionIsNotFoundAndNothingIsWritten() {
    api.createTopic(t, 2);

    assertProblem(
        api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{\"value\":1,\"partition\":0},{\"value\":2,\"partition\":2}]}"),
        404, "partition-not-found");
    assertProblem(api.post("/v1/topics/" + t + "/records?partition=2", "text/plain", "1"), 404, "partition-not-found");
    assertProblem(api.post("/v1/topics/" + t + "/records?partition=7", "application/x-ndjson", "1\n2"), 404, "partition-not-found");
    assertProblem(api.post("/v1/topics/" + t + "/records?partition=-1", "text/plain", "1"), 400, "invalid-request");
    assertProblem(api.post("/v1/topics/" + t + "/records?partition=x", "text/plain", "1"), 400, "invalid-request");

    assertThat(api.latestOffset(t, 0)).isZero();
    assertThat(api.latestOffset(t, 1)).isZero();
  }

  @Test
  void aRecordLargerThanTheTopicAllowsIsRefused() {
    api.createTopic(t, 1, "{\"max.record.bytes\":1024}");

    assertProblem(api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{\"value\":1},{\"value\":\"" + "x".repeat(2000) + "\"}]}"),
        413, "record-too-large");
    assertProblem(api.post("/v1/topics/" + t + "/records", "text/plain", "\"" + "x".repeat(2000) + "\""), 413, "record-too-large");
    assertThat(api.latestOffset(t, 0)).isZero();

    // Many records that together pass the limit are split into batches under it.
    StringBuilder envelope = new StringBuilder("{\"records\":[");
    for (int i = 0; i < 10; i++) {
      envelope.append(i == 0 ? "" : ",").append("{\"value\":\"").append(i).append("x".repeat(400)).append("\"}");
    }
    JsonNode offsets = api.produce(t, envelope.append("]}").toString()).get("offsets");
    for (int i = 0; i < 10; i++) {
      assertThat(offsets.get(i).get("offset").asLong()).isEqualTo(i);
    }
    JsonNode records = records(t, 0);
    assertThat(records).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(records.get(i).get("value").asText()).startsWith(i + "x");
    }
  }

  @Test
  void theRecordTooLargeRefusalNamesWhatItCounted() {
    api.createTopic(t, 1, "{\"max.record.bytes\":1024,\"value.format\":\"string\"}");

    // 980 bytes of value: under the limit alone, over it with the record's and the batch's framing.
    JsonNode problem = assertProblem(api.post("/v1/topics/" + t + "/records", "text/plain", "x".repeat(980)), 413, "record-too-large");

    assertThat(problem.get("detail").asText()).isEqualTo("records[0] needs about 1081 bytes in a batch (61 for the batch"
        + " header, up to 40 for the record's framing, 980 for its key, value and headers); the topic's max.record.bytes is 1024");
    assertThat(api.latestOffset(t, 0)).isZero();
  }

  @Test
  void loneSurrogatesInKeysHeadersAndTextValuesAreRefusedNotStoredAsQuestionMarks() {
    api.createTopic(t, 1);
    api.createTopic(textTopic, 1, "{\"value.format\":\"string\"}");

    // Java would encode each of these as '?': two different keys would share a partition and a compaction slot.
    for (String envelope : List.of(
        "{\"records\":[{\"key\":\"\\ud800\",\"value\":1}]}",
        "{\"records\":[{\"key\":\"a\\udc00b\",\"value\":1}]}",
        "{\"records\":[{\"key\":\"\\ude00\\ud83d\",\"value\":1}]}",
        "{\"records\":[{\"value\":1,\"headers\":{\"h\":\"\\ud800\"}}]}",
        "{\"records\":[{\"value\":1,\"headers\":{\"\\udbff\":\"v\"}}]}")) {
      JsonNode problem = assertProblem(api.postJson("/v1/topics/" + t + "/records", envelope), 400, "invalid-request");
      assertThat(problem.get("detail").asText()).as(envelope).contains("records[0]").contains("lone surrogate");
    }
    assertProblem(api.postJson("/v1/topics/" + textTopic + "/records", "{\"records\":[{\"value\":\"\\ud800\"}]}"), 400, "invalid-request");
    assertThat(api.latestOffset(t, 0)).isZero();
    assertThat(api.latestOffset(textTopic, 0)).isZero();

    // A surrogate pair is one character, and is kept.
    api.produce(t, "{\"records\":[{\"key\":\"\\ud83d\\ude00\",\"value\":1,\"headers\":{\"\\ud83d\\ude00\":\"\\ud83d\\ude00\"}}]}");
    JsonNode record = records(t, 0).get(0);
    assertThat(record.get("key").asText()).isEqualTo("\ud83d\ude00");
    assertThat(record.get("headers").get("\ud83d\ude00").asText()).isEqualTo("\ud83d\ude00");
  }

  @Test
  void aKeyQueryParameterThatIsNotUtf8IsRefusedNotStoredAsAReplacementCharacter() {
    api.createTopic(t, 1, "{\"value.format\":\"string\"}");

    // Decoding would turn each into U+FFFD: different keys would share a partition and a compaction slot.
    for (String key : List.of("%FF", "%C0%80", "%ED%A0%80", "a%E2%82")) {
      JsonNode problem = assertProblem(api.post("/v1/topics/" + t + "/records?key=" + key, "text/plain", "v"), 400, "invalid-request");
      assertThat(problem.get("detail").asText()).as(key).contains("key").contains("UTF-8");
    }
    assertThat(api.latestOffset(t, 0)).isZero();

    // U+FFFD sent as itself is text, and is kept; so is '+' as a space, as in any query.
    assertThat(api.post("/v1/topics/" + t + "/records?key=%EF%BF%BD", "text/plain", "v").status()).isEqualTo(200);
    assertThat(api.post("/v1/topics/" + t + "/records?key=a+%C3%A9", "text/plain", "v").status()).isEqualTo(200);
    JsonNode records = records(t, 0);
    assertThat(records.get(0).get("key").asText()).isEqualTo("\ufffd");
    assertThat(records.get(1).get("key").asText()).isEqualTo("a \u00e9");
  }

  @Test
  void timestampsOutsideTheTopicsBoundsAreRefusedAsKafkaRefusesThem() {
    api.createTopic(t, 1);
    long now = System.currentTimeMillis();

    JsonNode max = assertProblem(api.postJson("/v1/topics/" + t + "/records",
        "{\"records\":[{\"value\":1,\"timestamp\":9223372036854775807}]}"), 400, "invalid-timestamp");
    assertThat(max.get("detail").asText()).contains("9223372036854775807").contains("message.timestamp.after.max.ms=3600000");
    // One record two hours ahead fails the whole request.
    assertProblem(api.postJson("/v1/topics/" + t + "/records", "{\"records\":[{\"value\":1},{\"value\":2,\"timestamp\":"
        + (now + 7_200_000) + "}]}"), 400, "invalid-timestamp");
    assertThat(api.latestOffset(t, 0)).isZero();
    // Across partitions too: the good partition's record is not written either.
    api.createTopic(two, 2);
    assertProblem(api.postJson("/v1/topics/" + two + "/records", "{\"records\":[{\"value\":1,\"partition\":0},"
        + "{\"value\":2,\"partition\":1,\"timestamp\":" + (now + 7_200_000) + "}]}"), 400, "invalid-timestamp");
    assertThat(api.latestOffset(two, 0)).isZero();
    assertThat(api.latestOffset(two, 1)).isZero();
    // Within the hour ahead, and any time in the past: Kafka's defaults.
    api.produce(t, "{\"records\":[{\"value\":1,\"timestamp\":" + (now + 60_000) + "},{\"value\":2,\"timestamp\":0}]}");
    assertThat(api.latestOffset(t, 0)).isEqualTo(2);
    JsonNode config = api.describe(t).get("config");
    assertThat(config.get("message.timestamp.after.max.ms").asLong()).isEqualTo(3_600_000L);
    assertThat(config.get("message.timestamp.before.max.ms").asLong()).isEqualTo(Long.MAX_VALUE);

    // Per topic: no more than a minute old.
    api.createTopic(recent, 1, "{\"message.timestamp.before.max.ms\":60000}");
    JsonNode old = assertProblem(api.postJson("/v1/topics/" + recent + "/records",
        "{\"records\":[{\"value\":1,\"timestamp\":" + (now - 3_600_000) + "}]}"), 400, "invalid-timestamp");
    assertThat(old.get("detail").asText()).contains("message.timestamp.before.max.ms=60000");
    api.produce(recent, "{\"records\":[{\"value\":1}]}");
    assertThat(api.latestOffset(recent, 0)).isEqualTo(1);
    assertProblem(api.postJson("/v1/topics", "{\"name\":\"bad\",\"partitions\":1,\"config\":{\"message.timestamp.after.max.ms\":-1}}"),
        400, "invalid-config");
  }

  @Test
  void aBodyLargerThanTheNodeAcceptsGetsAReadable413(@TempDir Path otherDir) {
    StreamgateNode small = TestNodes.start(otherDir, Map.of("max-body-bytes", "65536"));
    try {
      Api smallApi = new Api(small);
      smallApi.createTopic("t", 1);
      byte[] big = new byte[1024 * 1024];
      java.util.Arrays.fill(big, (byte) '1');

      // With a Content-Length, and chunked (no length known up front).
      Response sized = smallApi.post("/v1/topics/t/records", "application/octet-stream", big);
      Response chunked = smallApi.send("POST", "/v1/topics/t/records", "application/octet-stream",
          BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
      Response admin = smallApi.postJson("/v1/topics", "{\"name\":\"" + "y".repeat(100_000) + "\"}");

      assertProblem(sized, 413, "body-too-large");
      assertProblem(chunked, 413, "body-too-large");
      assertProblem(admin, 413, "body-too-large");
      assertThat(smallApi.latestOffset("t", 0)).isZero();
      // Just under the limit is fine, and the node keeps serving.
      String fits = "\"" + "2".repeat(60_000) + "\"";
      assertThat(smallApi.post("/v1/topics/t/records", "application/octet-stream", fits).status()).isEqualTo(200);
      assertThat(smallApi.latestOffset("t", 0)).isEqualTo(1);
    } finally {
      TestNodes.stop(small);
    }
  }

  @Test
  void aNullValueIsATombstone() {
    api.createTopic(jsonTopic, 1);
    api.createTopic(textTopic, 1, "{\"value.format\":\"string\"}");
    api.createTopic(bytesTopic, 1, "{\"value.format\":\"binary\"}");

    api.produce(jsonTopic, "{\"records\":[{\"key\":\"k\",\"value\":null},{\"key\":\"k\",\"valueBase64\":null}]}");
    api.produce(textTopic, "{\"records\":[{\"key\":\"k\",\"value\":null}]}");
    api.produce(bytesTopic, "{\"records\":[{\"key\":\"k\",\"valueBase64\":null},{\"key\":\"k\",\"value\":null}]}");

    for (String topic : List.of(jsonTopic, textTopic, bytesTopic)) {
      List<String> lines = readLines(topic, 0);
      for (String line : lines) {
        assertThat(line).contains(",\"key\":\"k\",\"value\":null,");
        assertThat(Api.parse(line).get("value").isNull()).isTrue();
      }
    }
    // A record needs a value member; null is the tombstone, absence is an error.
    assertProblem(api.postJson("/v1/topics/" + jsonTopic + "/records", "{\"records\":[{\"key\":\"k\"}]}"), 400, "invalid-request");
  }
}
