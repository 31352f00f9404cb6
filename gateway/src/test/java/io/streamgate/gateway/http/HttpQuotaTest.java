package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.SharedNodeTest;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Quotas over HTTP: a client producing, or reading, as fast as the node lets it for several seconds
 * gets the configured rate (bytes stored, or answered, over the elapsed time, within ±10%); a request
 * in debt is a 429 with Retry-After that writes nothing; a principal whose override is no quota is
 * never throttled.
 */
class HttpQuotaTest extends SharedNodeTest {
  private static final String BOOTSTRAP = "bootstrap-secret-for-tests";
  private static final long PRODUCE_RATE = 400_000;
  private static final long CONSUME_RATE = 300_000;
  private static final int RECORD_BYTES = 16 * 1024;
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(6);

  private final HttpClient http = HttpClient.newHttpClient();
  private String producer;
  private String unlimited;
  private String slow;

  HttpQuotaTest() {
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP, "super-users", "User:producer,User:unlimited,User:slow",
        "quota-produce-bytes-per-second", String.valueOf(PRODUCE_RATE), "quota-consume-bytes-per-second",
        String.valueOf(CONSUME_RATE), "quota-overrides", "User:unlimited=produce:0,consume:0;User:slow=produce:1000"));
  }

  @BeforeAll
  void keys() throws Exception {
    producer = node.security().accessControl().createApiKey(Principal.user("producer")).get().secret();
    unlimited = node.security().accessControl().createApiKey(Principal.user("unlimited")).get().secret();
    slow = node.security().accessControl().createApiKey(Principal.user("slow")).get().secret();
  }

  @Test
  void producingAsFastAsAllowedStoresAtTheQuota() throws Exception {
    String topic = createTopic();
    byte[] value = value();
    int refused = 0;
    long started = System.nanoTime();
    long lastStored = started;
    while (System.nanoTime() - started < RUN_NANOS) {
      HttpResponse<String> answer = produce(producer, topic, value);
      if (answer.statusCode() == 429) {
        refused++;
        honourRetryAfter(answer);
      } else {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        lastStored = System.nanoTime();
      }
    }
    long stored = endOffset(topic) * RECORD_BYTES;
    double rate = stored / ((lastStored - started) / 1e9);
    System.out.printf("HTTP produce: %d bytes stored in %.2f s = %.0f B/s against a quota of %d B/s (%d requests refused)%n",
        stored, (lastStored - started) / 1e9, rate, PRODUCE_RATE, refused);
    assertThat(refused).isPositive();
    assertThat(rate).isBetween(PRODUCE_RATE * 0.9, PRODUCE_RATE * 1.1);
  }

  @Test
  void readingAsFastAsAllowedIsAnsweredAtTheQuota() throws Exception {
    String topic = createTopic();
    byte[] value = value();
    // More than the run can read at the quota, written by a principal without one.
    int records = (int) (CONSUME_RATE * 2 * RUN_NANOS / 1e9 / RECORD_BYTES);
    for (int i = 0; i < records; i++) {
      assertThat(produce(unlimited, topic, value).statusCode()).isEqualTo(200);
    }
    long offset = 0;
    long answered = 0;
    int refused = 0;
    long started = System.nanoTime();
    long lastAnswered = started;
    while (System.nanoTime() - started < RUN_NANOS) {
      HttpResponse<String> answer = http.send(request(producer, "/v1/topics/" + topic + "/partitions/0/records?offset=" + offset
          + "&maxBytes=65536").GET().build(), HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() == 429) {
        refused++;
        honourRetryAfter(answer);
      } else {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        answered += answer.body().length();
        lastAnswered = System.nanoTime();
        offset = new JsonObject(answer.body()).getLong("nextOffset");
      }
    }
    assertThat(offset).as("the reader never reached the end").isLessThan(records);
    double rate = answered / ((lastAnswered - started) / 1e9);
    System.out.printf("HTTP consume: %d bytes answered in %.2f s = %.0f B/s against a quota of %d B/s (%d requests refused)%n",
        answered, (lastAnswered - started) / 1e9, rate, CONSUME_RATE, refused);
    assertThat(refused).isPositive();
    assertThat(rate).isBetween(CONSUME_RATE * 0.9, CONSUME_RATE * 1.1);
  }

  @Test
  void aRequestInDebtIsRefusedWithRetryAfterAndWritesNothing() throws Exception {
    String topic = createTopic();
    byte[] value = value();
    assertThat(produce(slow, topic, value).statusCode()).isEqualTo(200);

    // 16 KiB against 1000 B/s: about 16 s of debt.
    HttpResponse<String> refused = produce(slow, topic, value);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonObject problem = new JsonObject(refused.body());
    assertThat(problem.getString("code")).isEqualTo("too-many-requests");
    long waitMs = problem.getLong("retryAfterMs");
    assertThat(waitMs).isBetween(14_000L, 17_000L);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue(String.valueOf((waitMs + 999) / 1000));
    assertThat(endOffset(topic)).isEqualTo(1);
    // Its other quotas are its own: another principal writes on.
    assertThat(produce(producer, topic, value).statusCode()).isEqualTo(200);
    assertThat(endOffset(topic)).isEqualTo(2);
  }

  @Test
  void aPrincipalWithoutAQuotaIsNeverThrottled() throws Exception {
    String topic = createTopic();
    byte[] value = value();
    // Ten times the default quota's burst, back to back.
    int records = (int) (PRODUCE_RATE / RECORD_BYTES);
    for (int i = 0; i < records; i++) {
      assertThat(produce(unlimited, topic, value).statusCode()).isEqualTo(200);
    }
    for (int i = 0; i < 10; i++) {
      assertThat(http.send(request(unlimited, "/v1/topics/" + topic + "/partitions/0/records?offset=0&maxBytes=1048576").GET().build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
    assertThat(endOffset(topic)).isEqualTo(records);
  }

  /** The client's backoff, as the contract asks: the wait the node named, not a wait for a condition. */
  private static void honourRetryAfter(HttpResponse<String> answer) {
    assertThat(answer.headers().firstValue("Retry-After")).isPresent();
    long waitMs = new JsonObject(answer.body()).getLong("retryAfterMs");
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(waitMs));
  }

  private String createTopic() throws Exception {
    String topic = unique("quota");
    HttpResponse<String> created = http.send(request(unlimited, "/v1/topics").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}"))
        .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return topic;
  }

  /** A value of {@code x}s: text, as the topics' value.format asks. */
  private static byte[] value() {
    byte[] value = new byte[RECORD_BYTES];
    Arrays.fill(value, (byte) 'x');
    return value;
  }

  private HttpResponse<String> produce(String key, String topic, byte[] value) throws Exception {
    return http.send(request(key, "/v1/topics/" + topic + "/records?partition=0").header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(value)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private long endOffset(String topic) throws Exception {
    HttpResponse<String> offsets = http.send(request(unlimited, "/v1/topics/" + topic + "/partitions/0/offsets").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    return new JsonObject(offsets.body()).getLong("latest");
  }

  private HttpRequest.Builder request(String key, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path)).header("Authorization", "Bearer " + key);
  }
}
