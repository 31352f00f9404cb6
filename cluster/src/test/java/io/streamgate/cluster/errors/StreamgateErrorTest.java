package io.streamgate.cluster.errors;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.streamgate.cluster.NodeRemovedException;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.metadata.MetadataFormatException;
import io.streamgate.logstore.LogStoreException;
import io.streamgate.logstore.PartitionAlreadyExistsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The catalogue's codes are fixed, unique and Kafka's where Kafka has the concept, and it maps every exception a client can meet. */
class StreamgateErrorTest {
  /**
   * Every entry's code, restated: codes cross nodes of different versions and the Kafka wire, so an
   * entry renumbered (or a code reused) must fail here. Add new entries; never edit a line.
   */
  private static final Map<String, Integer> RELEASED = Map.ofEntries(
      Map.entry("UNKNOWN_SERVER_ERROR", -1), Map.entry("OFFSET_OUT_OF_RANGE", 1), Map.entry("CORRUPT_MESSAGE", 2),
      Map.entry("UNKNOWN_TOPIC_OR_PARTITION", 3), Map.entry("LEADER_NOT_AVAILABLE", 5), Map.entry("NOT_LEADER_OR_FOLLOWER", 6),
      Map.entry("REQUEST_TIMED_OUT", 7), Map.entry("MESSAGE_TOO_LARGE", 10), Map.entry("COORDINATOR_LOAD_IN_PROGRESS", 14),
      Map.entry("COORDINATOR_NOT_AVAILABLE", 15),
      Map.entry("INVALID_TOPIC_EXCEPTION", 17), Map.entry("NOT_ENOUGH_REPLICAS", 19), Map.entry("NOT_ENOUGH_REPLICAS_AFTER_APPEND", 20),
      Map.entry("ILLEGAL_GENERATION", 22),
      Map.entry("UNKNOWN_MEMBER_ID", 25), Map.entry("TOPIC_AUTHORIZATION_FAILED", 29), Map.entry("INVALID_TIMESTAMP", 32),
      Map.entry("TOPIC_ALREADY_EXISTS", 36), Map.entry("INVALID_PARTITIONS", 37), Map.entry("INVALID_REPLICATION_FACTOR", 38),
      Map.entry("INVALID_REPLICA_ASSIGNMENT", 39), Map.entry("REASSIGNMENT_IN_PROGRESS", 60),
      Map.entry("NO_REASSIGNMENT_IN_PROGRESS", 85),
      Map.entry("INVALID_CONFIG", 40), Map.entry("INVALID_REQUEST", 42), Map.entry("KAFKA_STORAGE_ERROR", 56),
      Map.entry("NON_EMPTY_GROUP", 68), Map.entry("GROUP_ID_NOT_FOUND", 69), Map.entry("INVALID_RECORD", 87),
      Map.entry("THROTTLING_QUOTA_EXCEEDED", 89), Map.entry("UNSUPPORTED_VERSION", 35),
      Map.entry("NOT_FOUND", 10000), Map.entry("METHOD_NOT_ALLOWED", 10001), Map.entry("NOT_ACCEPTABLE", 10002),
      Map.entry("HTTP_REQUEST_TIMEOUT", 10003), Map.entry("BODY_TOO_LARGE", 10004), Map.entry("URI_TOO_LONG", 10005),
      Map.entry("UNSUPPORTED_MEDIA_TYPE", 10006), Map.entry("HEADERS_TOO_LARGE", 10007), Map.entry("IDEMPOTENCY_KEY_REUSED", 10008),
      Map.entry("OVERLOADED", 10009), Map.entry("UNAVAILABLE", 10010), Map.entry("PARTITION_NOT_FOUND", 10011),
      Map.entry("INVALID_TOPIC_REQUEST", 10012), Map.entry("INVALID_GROUP_REQUEST", 10013), Map.entry("LOG_CLOSED", 10014),
      Map.entry("WEBSOCKET_VERSION_UNSUPPORTED", 10015),
      Map.entry("UNSUPPORTED_FOR_MESSAGE_FORMAT", 43), Map.entry("OUT_OF_ORDER_SEQUENCE_NUMBER", 45),
      Map.entry("INVALID_PRODUCER_EPOCH", 47),
      Map.entry("NOT_COORDINATOR", 16), Map.entry("INCONSISTENT_GROUP_PROTOCOL", 23), Map.entry("REBALANCE_IN_PROGRESS", 27),
      Map.entry("MEMBER_ID_REQUIRED", 79), Map.entry("GROUP_MAX_SIZE_REACHED", 81), Map.entry("FENCED_INSTANCE_ID", 82),
      Map.entry("INVALID_SESSION_TIMEOUT", 26), Map.entry("UNSUPPORTED_SASL_MECHANISM", 33), Map.entry("ILLEGAL_SASL_STATE", 34),
      Map.entry("UNACCEPTABLE_CREDENTIAL", 93), Map.entry("RESOURCE_NOT_FOUND", 91), Map.entry("DUPLICATE_RESOURCE", 92),
      Map.entry("FENCED_LEADER_EPOCH", 74), Map.entry("UNKNOWN_LEADER_EPOCH", 75), Map.entry("UNKNOWN_TOPIC_ID", 100),
      Map.entry("OFFSET_NOT_AVAILABLE", 78),
      Map.entry("GROUP_SUBSCRIBED_TO_TOPIC", 86),
      Map.entry("OFFSET_METADATA_TOO_LARGE", 12),
      Map.entry("GROUP_AUTHORIZATION_FAILED", 30), Map.entry("CLUSTER_AUTHORIZATION_FAILED", 31),
      Map.entry("TOPIC_ACCESS_DENIED", 10016), Map.entry("SASL_AUTHENTICATION_FAILED", 58),
      Map.entry("POLICY_VIOLATION", 44), Map.entry("API_KEY_NOT_FOUND", 10017), Map.entry("LEASE_EXPIRED", 10020),
      Map.entry("NODE_NOT_REMOVABLE", 10090), Map.entry("NODE_NOT_FOUND", 10091));

  /** Exceptions of the main code that no client meets, each with why. */
  private static final Set<Class<?>> NOT_THROWN_TO_CLIENTS = Set.of(
      // The base class: LogManager throws it itself only while opening its data directory, before any client.
      LogStoreException.class,
      // ReplicaManager creates a partition's log only where it found none; no request creates one directly.
      PartitionAlreadyExistsException.class,
      // The metadata log's state machine applies an entry it cannot decode as a MALFORMED refusal; the
      // exception never leaves the metadata package.
      MetadataFormatException.class,
      // A node removed for good learns it at its start or lease renewal, and logs it; no client request meets it.
      NodeRemovedException.class);

  @Test
  void everyCodeIsTheReleasedOne() {
    Map<String, Integer> codes = Arrays.stream(StreamgateError.values())
        .collect(Collectors.toMap(StreamgateError::name, StreamgateError::code, (a, b) -> a, TreeMap::new));

    assertThat(codes).isEqualTo(new TreeMap<>(RELEASED));
  }

  @Test
  void noTwoEntriesShareACode() {
    assertThat(Arrays.stream(StreamgateError.values()).map(StreamgateError::code)).doesNotHaveDuplicates();
  }

  @Test
  void noTwoProblemsShareATypeAndMergedEntriesNameAProblemOfItsOwn() {
    assertThat(Arrays.stream(StreamgateError.values()).filter(error -> error.problem() == error).map(StreamgateError::type))
        .doesNotHaveDuplicates();
    for (StreamgateError error : StreamgateError.values()) {
      assertThat(error.problem().problem()).as("%s answers as %s", error, error.problem()).isSameAs(error.problem());
      assertThat(error.type()).isEqualTo(StreamgateError.TYPE_BASE + error.problemCode());
      assertThat(error.title()).as("%s", error).isNotBlank();
      assertThat(error.httpStatus()).as("%s", error).isBetween(400, 599);
    }
  }

  @Test
  void aCodeBelowThePrivateRangeIsKafkasCodeOfTheSameName() {
    for (StreamgateError error : StreamgateError.values()) {
      if (error.code() < StreamgateError.PRIVATE_BASE) {
        assertThat(Errors.forCode((short) error.code()).name()).as("Kafka's code %d", error.code()).isEqualTo(error.name());
      } else {
        assertThat(Arrays.stream(Errors.values()).map(Errors::name)).as("a private code for a Kafka concept").doesNotContain(error.name());
      }
    }
  }

  @Test
  void kafkaClientsAreAnsweredAKafkaCodeThatTheyRetryWhenRetryingMaySucceed() {
    for (StreamgateError error : StreamgateError.values()) {
      Errors kafka = Errors.forCode(error.kafkaCode());
      assertThat(kafka.code()).as("%s answers Kafka's code %d", error, error.kafkaCode()).isEqualTo(error.kafkaCode());
      if (error.retryable()) {
        assertThat(kafka.exception()).as("%s as %s", error, kafka).isInstanceOf(RetriableException.class);
      }
    }
  }

  @Test
  void theMqttReasonIsAnMqtt5FailureReasonCode() {
    for (StreamgateError error : StreamgateError.values()) {
      // MQTT 5.0 §2.4: reason codes from 0x80 are failures.
      assertThat(error.mqttReason()).as("%s", error).isBetween(0x80, 0xA2);
    }
  }

  @Test
  void everyExceptionAClientCanMeetHasItsOwnEntry() {
    Set<String> unmapped = new TreeSet<>();
    for (JavaClass type : new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.streamgate.logstore", "io.streamgate.cluster")) {
      if (!type.isAssignableTo(RuntimeException.class) || type.getModifiers().contains(JavaModifier.ABSTRACT)
          || NOT_THROWN_TO_CLIENTS.contains(type.reflect())) {
        continue;
      }
      boolean mapped = Arrays.stream(StreamgateError.values())
          .anyMatch(error -> error.exceptionType().filter(type.reflect()::equals).isPresent());
      if (!mapped) {
        unmapped.add(type.getName());
      }
    }
    assertThat(unmapped).as("exceptions without a catalogue entry (add one, or say in NOT_THROWN_TO_CLIENTS why none is needed)")
        .isEmpty();
  }

  @Test
  void theTableInDocsErrorsMdIsTheCatalogue() throws IOException {
    Pattern row = Pattern.compile(
        "^\\| (-?\\d+) \\| (?:Kafka|own:) `([A-Z_]+)` \\| (?:`(\\w+)`|—) \\| (\\d{3}) `([a-z-]+)`[^|]* \\| 0x([0-9A-F]{2}) \\w+ \\| (yes|no) \\|$",
        Pattern.MULTILINE);
    Matcher rows = row.matcher(Files.readString(Path.of("..", "docs", "errors.md")));
    Set<String> documented = new TreeSet<>();
    while (rows.find()) {
      documented.add(String.join(" ", rows.group(1), rows.group(2), String.valueOf(rows.group(3)), rows.group(4), rows.group(5),
          String.valueOf(Integer.parseInt(rows.group(6), 16)), rows.group(7)));
    }
    Set<String> catalogue = Arrays.stream(StreamgateError.values()).map(error -> String.join(" ", String.valueOf(error.code()),
        error.name(), error.exceptionType().map(Class::getSimpleName).orElse("null"), String.valueOf(error.httpStatus()),
        error.problemCode(), String.valueOf(error.mqttReason()), error.retryable() ? "yes" : "no"))
        .collect(Collectors.toCollection(TreeSet::new));

    assertThat(documented).isEqualTo(catalogue);
  }

  @Test
  void anExceptionFindsItsEntryByClassWalkingUpUnderCompletionExceptions() {
    for (StreamgateError error : StreamgateError.values()) {
      error.exception("m").ifPresent(exception -> {
        assertThat(exception).isExactlyInstanceOf(error.exceptionType().orElseThrow()).hasMessage("m");
        assertThat(StreamgateError.forException(exception)).isSameAs(error);
        assertThat(StreamgateError.forException(new CompletionException(new CompletionException(exception)))).isSameAs(error);
      });
    }
    assertThat(StreamgateError.forException(new TopicNotFoundException("m") {})).isSameAs(StreamgateError.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(StreamgateError.forException(new IllegalStateException("m"))).isSameAs(StreamgateError.UNKNOWN_SERVER_ERROR);
    assertThat(StreamgateError.forException(new PartitionAlreadyExistsException("m"))).isSameAs(StreamgateError.UNKNOWN_SERVER_ERROR);
  }

  @Test
  void everyEntryWithAnExceptionCanRebuildItButThoseWhoseDataTravelBeside() {
    // OFFSET_OUT_OF_RANGE's log start and end, MEMBER_ID_REQUIRED's new member id.
    Set<StreamgateError> dataBeside = Set.of(StreamgateError.OFFSET_OUT_OF_RANGE, StreamgateError.MEMBER_ID_REQUIRED);
    for (StreamgateError error : StreamgateError.values()) {
      assertThat(error.exception("m").isPresent()).as("%s", error)
          .isEqualTo(error.exceptionType().isPresent() && !dataBeside.contains(error));
    }
  }
}
