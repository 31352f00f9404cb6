package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.SharedNodeTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The consume quota on WebSocket and SSE streams. Three principals stream the same topic, twice what
 * the quota allows in the window, at the same time: one with the default quota is sent at its rate
 * (the bytes of the record frames or events received, from the stream's opening to the last one,
 * within ±10%, as {@link HttpQuotaTest} measures reads); one deep in debt gets its first record and
 * then nothing in the window; one without a quota gets every record, not slowed by the others' waits.
 * A group stream with the quota gets its first poll answer (about 5 s of the quota) and waits, while
 * one without gets every record.
 */
class StreamQuotaTest extends SharedNodeTest {
  private static final String BOOTSTRAP = "bootstrap-secret-for-tests";
  private static final long CONSUME_RATE = 200_000;
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);
  private static final int VALUE_BYTES = 8 * 1024;
  /** Twice what the quota lets through in the window. */
  private static final int RECORDS = (int) (CONSUME_RATE * 2 * RUN_NANOS / 1e9 / VALUE_BYTES);

  enum Transport {
    WEBSOCKET,
    SSE
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private Vertx clientVertx;
  private WebSocketClient webSockets;
  private String unlimited;

  StreamQuotaTest() {
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP, "super-users",
        "User:reader-websocket,User:reader-sse,User:member-websocket,User:member-sse,User:slow-websocket,User:slow-sse,User:unlimited",
        "quota-consume-bytes-per-second", String.valueOf(CONSUME_RATE), "quota-overrides",
        "User:slow-websocket=consume:1000;User:slow-sse=consume:1000;User:unlimited=consume:0"));
  }

  @BeforeAll
  void setUp() throws Exception {
    clientVertx = Vertx.vertx();
    webSockets = clientVertx.createWebSocketClient();
    unlimited = node.security().accessControl().createApiKey(Principal.user("unlimited")).get().secret();
  }

  @AfterAll
  void tearDown() throws Exception {
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aStreamIsSentAtItsPrincipalsQuotaAndOnlyItsOwn(Transport transport) throws Exception {
    String topic = topicWithRecords();
    try (Subscriber inDebt = new Subscriber(transport, key("slow", transport), topicStream(topic));
        Subscriber free = new Subscriber(transport, unlimited, topicStream(topic));
        Subscriber measured = new Subscriber(transport, key("reader", transport), topicStream(topic))) {
      // The measurement window (not a wait for a condition): whatever arrived in it counts.
      TimeUnit.NANOSECONDS.sleep(RUN_NANOS - (System.nanoTime() - measured.openedAt));
      measured.stop();
      inDebt.stop();
      free.stop();

      double seconds = (measured.lastAt.get() - measured.openedAt) / 1e9;
      double rate = measured.bytes.get() / seconds;
      System.out.printf("%s stream: %d bytes received in %.2f s = %.0f B/s against a quota of %d B/s (first after %.3f s)%n",
          transport, measured.bytes.get(), seconds, rate, CONSUME_RATE, (measured.firstAt.get() - measured.openedAt) / 1e9);
      assertThat(measured.records.get()).as("records received in the window: fewer than offered").isLessThan(RECORDS);
      assertThat(rate).isBetween(CONSUME_RATE * 0.9, CONSUME_RATE * 1.1);
      // 1000 B/s: its first record (about 8 KiB) leaves it 8 s in debt.
      assertThat(inDebt.records.get()).as("records sent to the principal in debt").isEqualTo(1);
      assertThat(free.records.get()).as("records sent to the principal without a quota").isEqualTo(RECORDS);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aGroupStreamWaitsOffWhatItSent(Transport transport) throws Exception {
    String topic = topicWithRecords();
    try (Subscriber free = new Subscriber(transport, unlimited, groupStream(topic));
        Subscriber held = new Subscriber(transport, key("member", transport), groupStream(topic))) {
      // The window (not a wait for a condition): a poll answer of up to 1 MiB, about 5 s of this quota, goes first.
      TimeUnit.NANOSECONDS.sleep(RUN_NANOS - (System.nanoTime() - held.openedAt));
      held.stop();
      free.stop();
      System.out.printf("%s group stream: %d bytes received in the %.0f s window against a quota of %d B/s%n", transport,
          held.bytes.get(), RUN_NANOS / 1e9, CONSUME_RATE);
      assertThat(held.records.get()).as("records sent to the principal with a quota").isPositive().isLessThan(RECORDS);
      assertThat(free.records.get()).as("records sent to the principal without a quota").isEqualTo(RECORDS);
    }
  }

  /**
   * A key of {@code name}'s principal for {@code transport}: each test has principals of its own, as
   * the debt one leaves behind would hold back the next.
   */
  private String key(String name, Transport transport) throws Exception {
    Principal principal = Principal.user(name + "-" + transport.name().toLowerCase(java.util.Locale.ROOT));
    return node.security().accessControl().createApiKey(principal).get().secret();
  }

  /** A topic stream from the earliest offset. */
  private static String topicStream(String topic) {
    return "/v1/topics/" + topic + "/stream?offset=earliest";
  }

  /** A stream as the only member of a new group, from the earliest offset. */
  private String groupStream(String topic) {
    return "/v1/topics/" + topic + "/stream?offset=earliest&group=" + unique("g");
  }

  /** A new topic holding {@link #RECORDS} string values of {@link #VALUE_BYTES}, written by the principal without a quota. */
  private String topicWithRecords() throws Exception {
    String topic = unique("quota");
    HttpResponse<String> created = send(HttpRequest.newBuilder(uri("/v1/topics")).header("Content-Type", "application/json")
        .POST(
            HttpRequest.BodyPublishers.ofString("{\"name\":\"" + topic + "\",\"partitions\":1,\"config\":{\"value.format\":\"string\"}}")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String record = "{\"value\":\"" + "x".repeat(VALUE_BYTES) + "\"}";
    for (int written = 0; written < RECORDS; written += 20) {
      StringBuilder envelope = new StringBuilder("{\"records\":[");
      for (int i = written; i < Math.min(RECORDS, written + 20); i++) {
        envelope.append(i == written ? "" : ",").append(record);
      }
      HttpResponse<String> produced = send(HttpRequest.newBuilder(uri("/v1/topics/" + topic + "/records"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(envelope.append("]}").toString())));
      assertThat(produced.statusCode()).as(produced.body()).isEqualTo(200);
    }
    return topic;
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.header("Authorization", "Bearer " + unlimited).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + node.httpPort() + path);
  }

  /** What a source of stream messages gives: the next record's wire bytes, or -1 if none came for a while or it was another event. */
  private interface Messages {
    long next() throws Exception;
  }

  /** One principal's stream, read on a thread of its own: the records that arrived, and when the last did. */
  private final class Subscriber implements AutoCloseable {
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong records = new AtomicLong();
    /** When the stream was open: the WebSocket upgraded, or the event stream's head read. */
    final long openedAt;
    final AtomicLong firstAt = new AtomicLong();
    final AtomicLong lastAt = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AutoCloseable stream;
    private final Thread thread;
    private volatile boolean stopped;

    Subscriber(Transport transport, String key, String uri) throws Exception {
      Messages messages;
      if (transport == Transport.WEBSOCKET) {
        WsStream ws = WsStream.open(webSockets, node.httpPort(), uri, "Authorization", "Bearer " + key);
        stream = ws;
        messages = () -> {
          String text = ws.messages.poll(100, TimeUnit.MILLISECONDS);
          return text == null || text.startsWith("{\"event\":") ? -1 : text.getBytes(UTF_8).length;
        };
      } else {
        SseStream sse = SseStream.open(node.httpPort(), uri, "Authorization: Bearer " + key);
        stream = sse;
        messages = () -> {
          SseStream.Event event = sse.next();
          if (!event.event().equals("record")) {
            return -1;
          }
          // The event as it was written: its id, event and data lines and the blank line ending it.
          return ("id: " + event.id() + "\nevent: " + event.event() + "\ndata: " + event.data() + "\n\n").getBytes(UTF_8).length;
        };
      }
      openedAt = System.nanoTime();
      thread = new Thread(() -> {
        try {
          while (!stopped) {
            long received = messages.next();
            if (received >= 0) {
              bytes.addAndGet(received);
              lastAt.set(System.nanoTime());
              if (records.incrementAndGet() == 1) {
                firstAt.set(lastAt.get());
              }
            }
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      }, "stream-quota-" + key.substring(0, 8));
      thread.start();
    }

    /** Stops counting: what arrives after is not counted. */
    void stop() {
      stopped = true;
    }

    @Override
    public void close() throws Exception {
      stopped = true;
      stream.close();
      thread.join(TimeUnit.SECONDS.toMillis(10));
      // A stream closed by the test ends its blocked read; anything else failed the reading.
      assertThat(thread.isAlive()).isFalse();
      if (failure.get() != null && !(failure.get() instanceof java.io.IOException)) {
        throw new AssertionError("reading the stream failed", failure.get());
      }
    }
  }
}
