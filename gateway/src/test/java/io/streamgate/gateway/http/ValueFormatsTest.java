package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.Api.assertProblem;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.http.Api.Response;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code value.format} against every form in which a client can send a value over HTTP: what
 * is stored, byte for byte, and what a reader gets back, or the 400 that refuses it (and writes
 * nothing). The table in the contract ({@code Record.value}) and in {@code docs/mqtt.md} is this one.
 */
class ValueFormatsTest extends HttpNodeTest {
  private static final byte[] NOT_TEXT = {(byte) 0xff, 0, 1};

  /** How a value travels to the server. */
  enum Form {
    ENVELOPE_VALUE,
    ENVELOPE_BASE64,
    RAW_TEXT,
    RAW_BYTES,
    NDJSON_LINE
  }

  /**
   * One cell of the table: a value sent in a form to a topic of a format, and either the bytes
   * stored and the value member a reader gets back, or null for both when the request is a 400.
   */
  record Case(String format, Form form, byte[] sent, byte[] stored, String readBack) {
    @Override
    public String toString() {
      return format + " topic, " + form + " " + new String(sent, UTF_8).replace("\n", "\\n");
    }
  }

  private static Case accepted(String format, Form form, String sent, String stored, String readBack) {
    return new Case(format, form, sent.getBytes(UTF_8), stored == null ? null : stored.getBytes(UTF_8), readBack);
  }

  private static Case refused(String format, Form form, byte[] sent) {
    return new Case(format, form, sent, null, null);
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  static Stream<Arguments> cases() {
    List<Case> cases = new ArrayList<>();
    // An envelope's "value": a json topic keeps the JSON as sent; string and binary topics keep
    // text: a JSON string's characters, any other JSON value's text as sent.
    String[][] jsonValues = {
        {"{\"c\": 21}", "{\"c\": 21}"},
        {"[1, \"a\"]", "[1, \"a\"]"},
        {"-3.5e2", "-3.5e2"},
        {"true", "true"},
        {"\"h\u00e9 \\\"q\\\"\"", "h\u00e9 \"q\""},
    };
    for (String[] value : jsonValues) {
      String json = value[0];
      String text = value[1];
      cases.add(accepted("json", Form.ENVELOPE_VALUE, json, json, json));
      cases.add(accepted("string", Form.ENVELOPE_VALUE, json, text, RecordJsonWriter.quote(text)));
      cases.add(accepted("binary", Form.ENVELOPE_VALUE, json, text, null));
    }
    // null is a tombstone everywhere.
    for (String format : List.of("json", "string", "binary")) {
      cases.add(accepted(format, Form.ENVELOPE_VALUE, "null", null, "null"));
    }
    // "valueBase64": the decoded bytes, under the topic's rule.
    cases.add(accepted("json", Form.ENVELOPE_BASE64, "{\"c\":21}", "{\"c\":21}", "{\"c\":21}"));
    cases.add(refused("json", Form.ENVELOPE_BASE64, "not json".getBytes(UTF_8)));
    cases.add(refused("json", Form.ENVELOPE_BASE64, NOT_TEXT));
    cases.add(accepted("string", Form.ENVELOPE_BASE64, "{\"c\":21}", "{\"c\":21}", "\"{\\\"c\\\":21}\""));
    cases.add(accepted("string", Form.ENVELOPE_BASE64, "not json", "not json", "\"not json\""));
    cases.add(refused("string", Form.ENVELOPE_BASE64, NOT_TEXT));
    cases.add(accepted("binary", Form.ENVELOPE_BASE64, "not json", "not json", null));
    cases.add(new Case("binary", Form.ENVELOPE_BASE64, NOT_TEXT, NOT_TEXT, null));
    // A raw body (text/plain here; any type but JSON and NDJSON is the same) is one value.
    cases.add(accepted("json", Form.RAW_TEXT, " {\"c\": 21} ", " {\"c\": 21} ", " {\"c\": 21} "));
    cases.add(refused("json", Form.RAW_TEXT, "not json".getBytes(UTF_8)));
    cases.add(accepted("string", Form.RAW_TEXT, "{\"c\": 21}", "{\"c\": 21}", "\"{\\\"c\\\": 21}\""));
    cases.add(accepted("string", Form.RAW_TEXT, "not json", "not json", "\"not json\""));
    cases.add(accepted("binary", Form.RAW_TEXT, "not json", "not json", null));
    // application/octet-stream bytes that are not text.
    cases.add(refused("json", Form.RAW_BYTES, NOT_TEXT));
    cases.add(refused("string", Form.RAW_BYTES, NOT_TEXT));
    cases.add(new Case("binary", Form.RAW_BYTES, NOT_TEXT, NOT_TEXT, null));
    // NDJSON: each line is one value, as a raw body would be.
    cases.add(accepted("json", Form.NDJSON_LINE, "{\"c\":21}", "{\"c\":21}", "{\"c\":21}"));
    cases.add(accepted("json", Form.NDJSON_LINE, "\"abc\"", "\"abc\"", "\"abc\""));
    cases.add(refused("json", Form.NDJSON_LINE, "not json".getBytes(UTF_8)));
    cases.add(accepted("string", Form.NDJSON_LINE, "{\"c\":21}", "{\"c\":21}", "\"{\\\"c\\\":21}\""));
    cases.add(accepted("string", Form.NDJSON_LINE, "\"abc\"", "\"abc\"", "\"\\\"abc\\\"\""));
    cases.add(accepted("string", Form.NDJSON_LINE, "not json", "not json", "\"not json\""));
    cases.add(accepted("binary", Form.NDJSON_LINE, "not json", "not json", null));
    return cases.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aValueIsStoredAndReadBackAsTheTopicsFormatSays(Case c) {
    String topic = unique(c.format());
    api.createTopic(topic, 1, "{\"value.format\":\"" + c.format() + "\"}");

    Response response = send(topic, c);

    if (c.stored() == null && c.readBack() == null) {
      assertProblem(response, 400, "invalid-request");
      assertThat(api.latestOffset(topic, 0)).as("nothing of a refused request is written").isZero();
      return;
    }
    assertThat(response.status()).as("%s", response).isEqualTo(200);
    JsonNode record = api.fetch(topic, 0, "offset=earliest").json().get("records").get(0);
    String line = api.get("/v1/topics/" + topic + "/partitions/0/records?offset=earliest", "Accept", "application/x-ndjson").text();
    if (c.stored() == null) {
      assertThat(record.get("value").isNull()).as("a tombstone: %s", line).isTrue();
      assertThat(line).contains(",\"value\":null,");
    } else if ("binary".equals(c.format())) {
      assertThat(record.has("value")).as("a binary topic reads back valueBase64 only: %s", line).isFalse();
      assertThat(Base64.getDecoder().decode(record.get("valueBase64").asText())).isEqualTo(c.stored());
    } else {
      assertThat(line).as("the value member as a reader gets it").contains(",\"value\":" + c.readBack() + ",");
      byte[] stored = "json".equals(c.format()) ? c.readBack().getBytes(UTF_8) : record.get("value").asText().getBytes(UTF_8);
      assertThat(new String(stored, UTF_8)).isEqualTo(new String(c.stored(), UTF_8));
    }
  }

  private Response send(String topic, Case c) {
    String path = "/v1/topics/" + topic + "/records";
    switch (c.form()) {
      case ENVELOPE_VALUE:
        return api.postJson(path, "{\"records\":[{\"value\":" + new String(c.sent(), UTF_8) + "}]}");
      case ENVELOPE_BASE64:
        return api.postJson(path, "{\"records\":[{\"valueBase64\":\"" + base64(c.sent()) + "\"}]}");
      case RAW_TEXT:
        return api.post(path, "text/plain; charset=utf-8", c.sent());
      case RAW_BYTES:
        return api.post(path, "application/octet-stream", c.sent());
      default:
        return api.post(path, "application/x-ndjson", c.sent());
    }
  }
}
