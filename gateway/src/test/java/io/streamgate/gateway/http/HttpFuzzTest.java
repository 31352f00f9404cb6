package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated hostile requests ({@link HttpFuzzer}) against every route, {@code fuzz.count} of them
 * (10,000 by default) from {@code fuzz.seed} (random by default, printed so that a failure replays
 * with {@code -Dfuzz.seed=...}). Each request gets an answer that is not a 5xx, and a 4xx is a
 * problem whose {@code status} is the HTTP status; none hangs; nothing is logged at ERROR or with a
 * stack trace; meanwhile a well-behaved client keeps producing to a canary topic, and afterwards
 * the canary holds exactly what was written to it, in order, and no body bytes are still held.
 * Longer campaigns: {@code scripts/fuzz-http.sh}.
 */
// No @Timeout: a long campaign (scripts/fuzz-http.sh) runs for minutes; DEADLINE and the bounded waits bound every run.
class HttpFuzzTest {
  private static final int COUNT = Integer.getInteger("fuzz.count", 10_000);
  private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
  private static final int THREADS = 4;
  private static final int MAX_BODY = 64 * 1024;
  /** The run fails, as hung, past this. */
  private static final Duration DEADLINE = Duration.ofSeconds(Math.max(120, COUNT / 50));
  private static final Pattern STATUS_MEMBER = Pattern.compile("\"status\":(\\d+)");

  @TempDir Path dir;

  @Test
  void generatedRequestsAreAnsweredWithProblemsAndHarmNothing() throws Exception {
    System.out.printf("HttpFuzzTest: seed %d, %d requests (replay with -Dfuzz.seed=%d -Dfuzz.count=%d)%n", SEED, COUNT, SEED, COUNT);
    try (LogCapture log = new LogCapture()) {
      StreamgateNode node = TestNodes.start(dir, Map.of("max-body-bytes", String.valueOf(MAX_BODY), "max-wait-ms", "200",
          "http-header-timeout-ms", "2000", "http-body-timeout-ms", "2000", "max-http-header-bytes", "8192",
          "auto-create-topics", "false", "max-buffered-body-bytes", String.valueOf(16 * 1024 * 1024)));
      try {
        run(node, log);
      } finally {
        TestNodes.stop(node);
      }
    }
  }

  private void run(StreamgateNode node, LogCapture log) throws Exception {
    Api api = new Api(node);
    api.createTopic(HttpFuzzer.PROTECTED_TOPIC, 2);
    api.createTopic("fz", 2);
    api.createTopic("fzb", 1, "{\"value.format\":\"binary\"}");
    api.createTopic("fzs", 1, "{\"value.format\":\"string\"}");
    List<List<Integer>> written = List.of(new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < 10; i++) {
      produceCanary(api, i, written);
    }
    long heapBefore = usedHeapAfterGc();

    AtomicBoolean fuzzing = new AtomicBoolean(true);
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger sent = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
    long started = System.nanoTime();
    try {
      // The other client: served throughout, its records kept.
      Future<Integer> canary = pool.submit(() -> {
        int n = 10;
        while (fuzzing.get()) {
          produceCanary(api, n++, written);
          assertThat(api.get("/health/live").status()).isEqualTo(200);
        }
        return n;
      });
      List<Future<?>> fuzzers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        fuzzers.add(pool.submit(() -> {
          HttpFuzzer fuzzer = new HttpFuzzer(SEED + thread, MAX_BODY);
          for (int i = thread; i < COUNT && failures.isEmpty(); i += THREADS) {
            HttpFuzzer.Input input = fuzzer.next();
            String failure = check(api.port, input);
            sent.incrementAndGet();
            if (failure != null) {
              failures.add(String.format("seed %d, thread %d, input %d: %s%n  request: %s", SEED, thread, i, failure,
                  input.printable()));
            }
          }
          return null;
        }));
      }
      for (Future<?> fuzzer : fuzzers) {
        long left = DEADLINE.toNanos() - (System.nanoTime() - started);
        fuzzer.get(Math.max(1, left), TimeUnit.NANOSECONDS);
      }
      fuzzing.set(false);
      int canaryRecords = canary.get(30, TimeUnit.SECONDS);
      System.out.printf("HttpFuzzTest: %d requests in %d ms; the canary client wrote %d records meanwhile%n", sent.get(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), canaryRecords);
    } finally {
      fuzzing.set(false);
      pool.shutdownNow();
    }
    assertThat(failures).as("failures (seed %d)", SEED).isEmpty();
    assertThat(sent.get()).isEqualTo(COUNT);

    // The canary holds what was written, in order, once.
    for (int partition = 0; partition < 2; partition++) {
      JsonNode records = api.fetch(HttpFuzzer.PROTECTED_TOPIC, partition, "offset=0&maxRecords=10000").json().get("records");
      List<Integer> values = new ArrayList<>();
      records.forEach(record -> values.add(record.get("value").asInt()));
      assertThat(values).as("canary partition %d", partition).isEqualTo(written.get(partition));
    }
    // No body bytes are held, and no long-poll is left waiting.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String metrics = api.get("/metrics").text();
      assertThat(metrics).contains("streamgate_http_buffered_body_bytes 0.0").contains("streamgate_long_polls_waiting 0.0");
    });
    long heapAfter = usedHeapAfterGc();
    System.out.printf("HttpFuzzTest: heap used after GC %d MiB before, %d MiB after%n", heapBefore >> 20, heapAfter >> 20);
    assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(128L << 20);
    log.assertNoErrorsOrStackTraces();
  }

  private static void produceCanary(Api api, int n, List<List<Integer>> written) {
    int partition = n % 2;
    Api.Response response = api.postJson("/v1/topics/" + HttpFuzzer.PROTECTED_TOPIC + "/records",
        "{\"records\":[{\"value\":" + n + ",\"partition\":" + partition + "}]}");
    assertThat(response.status()).as("canary produce %d: %s", n, response).isEqualTo(200);
    written.get(partition).add(n);
  }

  /** Sends {@code input}, half-closes, reads the answer; null when it is acceptable, else what is wrong. */
  private static String check(int port, HttpFuzzer.Input input) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(15_000);
      RawHttp http = RawHttp.wrap(socket);
      try {
        http.write(input.bytes());
        socket.shutdownOutput();
      } catch (IOException closedEarly) {
        // The server may answer and close before it has read everything (a 431, a 413): read that answer.
      }
      RawHttp.Response head;
      try {
        head = http.readHead();
        while (head.status() == 100) {
          head = http.readHead();
        }
      } catch (EOFException | java.net.SocketException closed) {
        return input.headComplete() ? "closed without an answer" : null;
      }
      int status = head.status();
      if (status >= 500) {
        return "answered " + status + ": " + readBody(http, head);
      }
      String contentType = head.headers().getOrDefault("content-type", "");
      if (status == 101 || contentType.startsWith("text/event-stream")) {
        return null;
      }
      if (status >= 400 && !input.method().equals("HEAD")) {
        String body = readBody(http, head);
        if (!contentType.startsWith("application/problem+json")) {
          return "a " + status + " that is not a problem: " + contentType + " " + body;
        }
        Matcher member = STATUS_MEMBER.matcher(body);
        if (!member.find() || Integer.parseInt(member.group(1)) != status || !body.contains("\"code\":\"")) {
          return "a " + status + " whose problem does not match: " + body;
        }
      }
      return null;
    } catch (SocketTimeoutException hung) {
      return "no answer within 15 s (hung)";
    } catch (IOException e) {
      return "I/O failure: " + e;
    }
  }

  private static String readBody(RawHttp http, RawHttp.Response head) throws IOException {
    String length = head.headers().get("content-length");
    byte[] body = length != null ? http.in.readNBytes((int) Math.min(Long.parseLong(length), 1 << 20)) : http.in.readNBytes(1 << 16);
    return new String(body, UTF_8);
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
