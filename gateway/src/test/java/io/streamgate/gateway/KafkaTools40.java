package io.streamgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Kafka's 4.0 clients and the tools Kafka's own system tests drive brokers with
 * ({@code VerifiableProducer}, {@code VerifiableConsumer}), run in JVMs of their own from the jars the
 * gateway/kafka-clients-4.0 module's {@code package} copies (docs/testing.md).
 */
public final class KafkaTools40 {
  private static final Path LIB = Path.of("kafka-clients-4.0", "target", "lib").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why a test that needs them is skipped where they are not built. */
  public static final String NOT_BUILT = "the Kafka 4.0 runtime is not built: mvn -B package -pl gateway/kafka-clients-4.0";

  private KafkaTools40() {}

  public static boolean built() {
    return Files.isDirectory(LIB);
  }

  /** The command that runs {@code tool} ({@code org.apache.kafka.tools.<tool>}) with {@code args}. */
  public static List<String> command(String tool, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", LIB + "/*", "org.apache.kafka.tools." + tool));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * A {@code --producer.config} file for {@code VerifiableProducer}, which sets retries=0 unless told
   * otherwise (and so, silently, no idempotence): idempotent and retrying until delivered, as Kafka's
   * own durability tests run it.
   */
  public static Path idempotentProducerConfig(Path dir) {
    try {
      return Files.writeString(dir.resolve("idempotent-producer.properties"), "enable.idempotence=true\nretries=2147483647\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A tool's JSON events named {@code name}, in the order written (its logs, on the same stream, are skipped). */
  public static List<JsonNode> events(List<String> output, String name) {
    List<JsonNode> events = new ArrayList<>();
    for (String line : List.copyOf(output)) {
      if (line.startsWith("{")) {
        try {
          JsonNode event = JSON.readTree(line);
          if (name.equals(event.path("name").asText())) {
            events.add(event);
          }
        } catch (IOException e) {
          throw new UncheckedIOException("not a tool event: " + line, e);
        }
      }
    }
    return events;
  }
}
