package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.openapi.ContractDocument;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The problems of the error catalogue ({@link StreamgateError}, each entry's {@link StreamgateError#problem()})
 * are the table of {@code Problem.code} in the contract, row for row: the same codes, statuses and
 * retryable flags, and the titles the contract's examples show.
 */
class ErrorCodeContractTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\| (\\d{3}) \\| (yes|no) \\|", Pattern.MULTILINE);

  private final JsonObject contract = ContractDocument.load();

  @Test
  void theEnumIsTheContractsTable() {
    String table = contract.getJsonObject("components").getJsonObject("schemas").getJsonObject("Problem")
        .getJsonObject("properties").getJsonObject("code").getString("description");
    Map<String, String> documented = new TreeMap<>();
    Matcher row = ROW.matcher(table);
    while (row.find()) {
      documented.put(row.group(1), row.group(2) + " retryable=" + row.group(3).equals("yes"));
    }
    Map<String, String> served = Arrays.stream(StreamgateError.values()).map(StreamgateError::problem).distinct()
        .collect(Collectors.toMap(StreamgateError::problemCode, error -> error.httpStatus() + " retryable=" + error.retryable(),
            (a, b) -> a, TreeMap::new));

    assertThat(served).isEqualTo(documented);
  }

  @Test
  void typesAndTitlesAreTheExamples() {
    Map<String, String> exampleTitles = new TreeMap<>();
    collectProblemExamples(contract, exampleTitles);
    for (StreamgateError error : StreamgateError.values()) {
      assertThat(error.type()).isEqualTo("urn:streamgate:problem:" + error.problemCode());
      assertThat(exampleTitles.get(error.problemCode())).as("title of %s", error.problemCode()).isEqualTo(error.title());
    }
  }

  /** Every problem the document shows (an object whose {@code type} is a problem URN), by code. */
  private static void collectProblemExamples(Object node, Map<String, String> titles) {
    if (node instanceof JsonObject object) {
      if (object.getValue("type") instanceof String type && type.startsWith("urn:streamgate:problem:")
          && object.getValue("title") instanceof String title) {
        titles.put(object.getString("code"), title);
      }
      object.forEach(entry -> collectProblemExamples(entry.getValue(), titles));
    } else if (node instanceof JsonArray array) {
      array.forEach(item -> collectProblemExamples(item, titles));
    }
  }
}
