package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka Streams 4.4 application, unchanged, against the Kafka listener: a word count with a
 * repartition topic and a changelogged RocksDB store, both created by Streams itself through the
 * admin API, whose input is produced over HTTP and whose output is read back over HTTP.
 */
class KafkaStreamsTest extends KafkaNodeTest {
  private static final List<String> WORDS = List.of("log", "replica", "leader", "epoch", "offset", "group", "batch",
      "segment", "watermark", "quorum", "lease", "topic");
  private static final int LINES = 400;
  private static final int INPUT_PARTITIONS = 3;

  @TempDir Path stateDir;

  @Test
  void aWordCountOverLinesProducedOverHttpCountsEveryWordExactlyAndItsInternalTopicsAreStreamgateTopics() {
    String input = unique("lines");
    String output = unique("word-counts");
    String application = unique("word-count");
    http("POST", "/v1/topics", "{\"name\":\"" + input + "\",\"partitions\":" + INPUT_PARTITIONS
        + ",\"config\":{\"value.format\":\"string\"}}", 201);
    http("POST", "/v1/topics", "{\"name\":\"" + output + "\",\"partitions\":2,\"config\":{\"value.format\":\"string\"}}", 201);
    Map<String, Long> expected = produceLinesOverHttp(input);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split(" ")))
        // Grouping by the word re-keys the stream: Streams writes it through a repartition topic.
        .groupBy((lineKey, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .mapValues(String::valueOf)
        .to(output, Produced.with(Serdes.String(), Serdes.String()));

    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (KafkaStreams streams = new KafkaStreams(builder.build(), streamsConfig(application))) {
      streams.setUncaughtExceptionHandler(e -> {
        failure.set(e);
        return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      streams.start();
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertThat(failure.get()).as("the application's failure").isNull();
        assertThat(latestCounts(output)).isEqualTo(expected);
      });
      assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    // Streams created its internal topics itself; they are ordinary topics here, with the configs it asked for.
    List<String> internal = new ArrayList<>();
    http("GET", "/v1/topics", null, 200).forEach(topic -> {
      String name = topic.get("name").asText();
      if (name.startsWith(application + "-")) {
        internal.add(name);
      }
    });
    assertThat(internal).hasSize(2).anyMatch(name -> name.endsWith("-repartition")).anyMatch(name -> name.endsWith("-changelog"));
    for (String name : internal) {
      JsonNode topic = http("GET", "/v1/topics/" + name, null, 200);
      assertThat(topic.get("partitions").size()).as(name).isEqualTo(INPUT_PARTITIONS);
      assertThat(topic.at("/config/cleanup.policy").asText()).as(name).isEqualTo(name.endsWith("-changelog") ? "compact" : "delete");
    }
  }

  /** Lines of words produced over HTTP, keyed by line; how often each word occurs in all of them. */
  private Map<String, Long> produceLinesOverHttp(String topic) {
    Map<String, Long> counts = new TreeMap<>();
    List<String> records = new ArrayList<>();
    for (int line = 0; line < LINES; line++) {
      List<String> words = new ArrayList<>();
      for (int w = 0; w <= line % 5; w++) {
        String word = WORDS.get((line * 7 + w * 3) % WORDS.size());
        words.add(w % 2 == 0 ? word : word.toUpperCase(Locale.ROOT));
        counts.merge(word, 1L, Long::sum);
      }
      records.add("{\"key\":\"line-" + line + "\",\"value\":\"" + String.join(" ", words) + "\"}");
      if (records.size() == 100) {
        http("POST", "/v1/topics/" + topic + "/records", "{\"records\":[" + String.join(",", records) + "]}", 200);
        records.clear();
      }
    }
    return counts;
  }

  private Properties streamsConfig(String application) {
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    // Transactions are not served (docs/kafka.md): at-least-once, Streams' default, is what runs here.
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    return config;
  }

  /** The last count written for each word, over every partition of the output topic, read over HTTP. */
  private Map<String, Long> latestCounts(String topic) {
    Map<String, Long> latest = new HashMap<>();
    for (int partition = 0; partition < 2; partition++) {
      httpRecords(topic, partition).forEach(record -> latest.put(record.get("key").asText(),
          Long.parseLong(record.get("value").asText())));
    }
    return latest.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> b,
        TreeMap::new));
  }
}
