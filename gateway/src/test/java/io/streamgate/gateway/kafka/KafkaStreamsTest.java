package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamsApplications;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka Streams 4.4 application, unchanged (at-least-once, RocksDB stores), against the Kafka
 * listener. Two parts: an aggregation, words counted per one-minute window, re-keyed through a
 * repartition topic into a windowed store; and a transformation, a stream of orders joined with a
 * table of customers into a new topic. Streams creates its internal topics itself through the admin
 * API; the inputs are produced over HTTP and the outputs read back over HTTP, record for record.
 */
class KafkaStreamsTest extends KafkaNodeTest {
  private static final List<String> WORDS = List.of("log", "replica", "leader", "epoch", "offset", "group", "batch",
      "segment", "watermark", "quorum", "lease", "topic");
  private static final int LINES = 300;
  private static final int WINDOWS = 3;
  private static final int CUSTOMERS = 20;
  private static final int ORDERS = 200;
  private static final int PARTITIONS = 3;
  private static final long MINUTE = 60_000;
  /** Record timestamps start here: a whole minute, ten minutes ago. */
  private static final long BASE = (System.currentTimeMillis() / MINUTE - 10) * MINUTE;

  @TempDir Path stateDir;

  @Test
  void windowedWordCountsAndAStreamTableJoinAreWhatTheInputsSayRecordForRecord() {
    String application = unique("streams-app");
    String lines = unique("lines");
    String windowedCounts = unique("windowed-counts");
    String customers = unique("customers");
    String orders = unique("orders");
    String enriched = unique("enriched-orders");
    for (String topic : List.of(lines, windowedCounts, customers, orders, enriched)) {
      http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":" + PARTITIONS
          + ",\"config\":{\"value.format\":\"string\"}}", 201);
    }
    Map<String, String> expectedCounts = produceLines(lines);
    Map<String, List<String>> expectedOrders = produceCustomersThenOrders(customers, orders);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(lines, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split(" ")))
        // Grouping by the word re-keys the stream: Streams writes it through a repartition topic.
        .groupBy((lineKey, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ofHours(1)))
        .count(Materialized.as("word-counts"))
        .toStream()
        .map((window, count) -> org.apache.kafka.streams.KeyValue.pair(window.key() + "@" + window.window().start(),
            String.valueOf(count)))
        .to(windowedCounts, Produced.with(Serdes.String(), Serdes.String()));
    KTable<String, String> customerNames = builder.table(customers, Consumed.with(Serdes.String(), Serdes.String()),
        Materialized.as("customer-names"));
    builder.stream(orders, Consumed.with(Serdes.String(), Serdes.String()))
        .join(customerNames, (order, name) -> order + " for " + name)
        .to(enriched, Produced.with(Serdes.String(), Serdes.String()));

    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (KafkaStreams streams = StreamsApplications.start(builder.build(),
        StreamsApplications.config(application, bootstrap(), stateDir, 1), failure)) {
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .failFast("the application failed", () -> failure.get() != null).untilAsserted(() -> {
            assertThat(latestValues(windowedCounts)).isEqualTo(expectedCounts);
            assertThat(valuesByKey(enriched)).isEqualTo(expectedOrders);
          });
      assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    // Streams created its internal topics itself: ordinary topics here, with the configs it asked for.
    Map<String, String> cleanupPolicies = new TreeMap<>();
    http("GET", "/v1/topics", null, 200).forEach(topic -> {
      String name = topic.get("name").asText();
      if (name.startsWith(application + "-")) {
        JsonNode described = http("GET", "/v1/topics/" + name, null, 200);
        assertThat(described.get("partitions").size()).as(name).isEqualTo(PARTITIONS);
        cleanupPolicies.put(name.substring(application.length() + 1), described.at("/config/cleanup.policy").asText());
      }
    });
    assertThat(cleanupPolicies).isEqualTo(Map.of("words-repartition", "delete", "word-counts-changelog", "compact,delete",
        "customer-names-changelog", "compact"));
  }

  /**
   * Lines of words produced over HTTP, keyed by line, their timestamps spread over {@link #WINDOWS}
   * minutes; each word's count per window ({@code word@windowStart}) in all of them.
   */
  private Map<String, String> produceLines(String topic) {
    Map<String, Long> counts = new TreeMap<>();
    List<String> records = new ArrayList<>();
    for (int line = 0; line < LINES; line++) {
      long windowStart = BASE + (line % WINDOWS) * MINUTE;
      List<String> words = new ArrayList<>();
      for (int w = 0; w <= line % 5; w++) {
        String word = WORDS.get((line * 7 + w * 3) % WORDS.size());
        words.add(w % 2 == 0 ? word : word.toUpperCase(Locale.ROOT));
        counts.merge(word + "@" + windowStart, 1L, Long::sum);
      }
      records.add("{\"key\":\"line-" + line + "\",\"value\":\"" + String.join(" ", words) + "\",\"timestamp\":"
          + (windowStart + line) + "}");
    }
    produce(topic, records);
    Map<String, String> expected = new TreeMap<>();
    counts.forEach((key, count) -> expected.put(key, String.valueOf(count)));
    return expected;
  }

  /** Customers, then orders keyed by customer (timestamped after every customer); each customer's orders as joined. */
  private Map<String, List<String>> produceCustomersThenOrders(String customers, String orders) {
    List<String> customerRecords = new ArrayList<>();
    for (int c = 0; c < CUSTOMERS; c++) {
      customerRecords.add("{\"key\":\"customer-" + c + "\",\"value\":\"Name " + c + "\",\"timestamp\":" + (BASE + c) + "}");
    }
    produce(customers, customerRecords);
    Map<String, List<String>> expected = new TreeMap<>();
    List<String> orderRecords = new ArrayList<>();
    for (int o = 0; o < ORDERS; o++) {
      int customer = (o * 7) % CUSTOMERS;
      orderRecords.add("{\"key\":\"customer-" + customer + "\",\"value\":\"order-" + o + "\",\"timestamp\":"
          + (BASE + MINUTE + o) + "}");
      expected.computeIfAbsent("customer-" + customer, c -> new ArrayList<>()).add("order-" + o + " for Name " + customer);
    }
    produce(orders, orderRecords);
    return expected;
  }

  private void produce(String topic, List<String> records) {
    for (int from = 0; from < records.size(); from += 100) {
      http("POST", "/v1/topics/" + topic + "/records",
          "{\"records\":[" + String.join(",", records.subList(from, Math.min(records.size(), from + 100))) + "]}", 200);
    }
  }

  /** The last value written for each key, over every partition of {@code topic}, read over HTTP. */
  private Map<String, String> latestValues(String topic) {
    Map<String, String> latest = new TreeMap<>();
    valuesByKey(topic).forEach((key, values) -> latest.put(key, values.get(values.size() - 1)));
    return latest;
  }

  /** Every value of each key, in offset order, over every partition of {@code topic}, read over HTTP. */
  private Map<String, List<String>> valuesByKey(String topic) {
    Map<String, List<String>> values = new HashMap<>();
    for (int partition = 0; partition < PARTITIONS; partition++) {
      httpRecords(topic, partition).forEach(record -> values.computeIfAbsent(record.get("key").asText(),
          key -> new ArrayList<>()).add(record.get("value").asText()));
    }
    return new TreeMap<>(values);
  }
}
