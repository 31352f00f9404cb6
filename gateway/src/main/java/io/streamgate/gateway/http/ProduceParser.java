package io.streamgate.gateway.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.streamgate.cluster.TopicConfigs.ValueFormat;
import io.streamgate.logstore.format.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Turns a produce request body into validated {@link ProduceRecord}s, wholly or not at all: the
 * first bad record fails the request and nothing is written. JSON is read with Jackson's streaming
 * parser; a JSON value is kept as the exact bytes the client sent (validated, never re-serialized),
 * and is written back into read responses unchanged.
 *
 * <p>Value rules by the topic's {@code value.format}: {@code json} — every value must be JSON, and
 * an envelope's {@code value} is kept as the JSON sent; {@code string} — values are text (valid
 * UTF-8); {@code binary} — any bytes. On string and binary topics an envelope's {@code value} is
 * stored as text: a JSON string's characters, any other JSON value's text as sent (so an HTTP
 * producer's {@code {"c":21}} reaches an MQTT subscriber of a device-created topic as that JSON).
 * A JSON {@code null} value is a tombstone everywhere; {@code valueBase64} carries bytes under the
 * same rules.
 *
 * <p>Text from JSON strings (keys, header names and values, string values) must be whole Unicode:
 * a lone surrogate (the JSON escape of U+D800, say) has no UTF-8 form, and Java would store it as {@code ?},
 * so that different keys would share a partition and a compaction slot. It is refused.
 */
final class ProduceParser {
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).maxNumberLength(1000).build())
      .build();

  private final ValueFormat format;
  private final int maxRecords;
  private final int maxHeaders;
  private final long now;

  ProduceParser(ValueFormat format, int maxRecords, int maxHeaders, long now) {
    this.format = format;
    this.maxRecords = maxRecords;
    this.maxHeaders = maxHeaders;
    this.now = now;
  }

  /** {@code {"records":[{...}, ...]}}. */
  List<ProduceRecord> parseEnvelope(byte[] body) {
    // Values are kept as raw bytes and echoed into responses, so the whole body must be UTF-8 first.
    requireUtf8(body, "the body");
    List<ProduceRecord> records = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(body)) {
      expect(parser.nextToken() == JsonToken.START_OBJECT, "the body must be a JSON object {\"records\":[...]}");
      boolean sawRecords = false;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        if (!field.equals("records")) {
          throw ApiException.badRequest("unknown member '" + field + "' in the request body; expected only \"records\"");
        }
        expect(parser.currentToken() == JsonToken.START_ARRAY, "\"records\" must be an array");
        sawRecords = true;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          if (records.size() == maxRecords) {
            throw ApiException.badRequest("a request may carry at most " + maxRecords + " records");
          }
          records.add(parseRecord(parser, body, records.size()));
        }
      }
      expect(parser.currentToken() == JsonToken.END_OBJECT, "malformed JSON body");
      expect(parser.nextToken() == null, "unexpected content after the JSON body");
      expect(sawRecords, "the body needs a \"records\" array");
      expect(!records.isEmpty(), "\"records\" must hold at least one record");
      return records;
    } catch (JsonParseException e) {
      throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("unreadable JSON: " + e.getMessage());
    }
  }

  private ProduceRecord parseRecord(JsonParser parser, byte[] body, int index) throws IOException {
    String where = "records[" + index + "]";
    expect(parser.currentToken() == JsonToken.START_OBJECT, where + " must be an object");
    byte[] key = null;
    boolean hasKey = false;
    byte[] value = null;
    boolean hasValue = false;
    List<Header> headers = List.of();
    int partition = -1;
    long timestamp = now;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken token = parser.nextToken();
      switch (field) {
        case "key":
        case "keyBase64":
          expect(!hasKey, where + " has both key and keyBase64");
          hasKey = true;
          if (token != JsonToken.VALUE_NULL) {
            expect(token == JsonToken.VALUE_STRING, where + "." + field + " must be a string");
            key = field.equals("key") ? text(parser, where + ".key") : base64(parser.getText(), where + ".keyBase64");
          }
          break;
        case "value":
          expect(!hasValue, where + " has both value and valueBase64");
          hasValue = true;
          value = jsonValue(parser, body, token, where);
          break;
        case "valueBase64":
          expect(!hasValue, where + " has both value and valueBase64");
          hasValue = true;
          if (token != JsonToken.VALUE_NULL) {
            expect(token == JsonToken.VALUE_STRING, where + ".valueBase64 must be a string");
            value = checkedValue(base64(parser.getText(), where + ".valueBase64"), where);
          }
          break;
        case "headers":
          headers = headers(parser, token, where);
          break;
        case "partition":
          partition = (int) wholeNumber(parser, token, where + ".partition", Integer.MAX_VALUE);
          break;
        case "timestamp":
          timestamp = wholeNumber(parser, token, where + ".timestamp", Long.MAX_VALUE);
          break;
        default:
          throw ApiException.badRequest("unknown member '" + field + "' in " + where
              + "; allowed: key, keyBase64, value, valueBase64, headers, partition, timestamp");
      }
    }
    expect(hasValue, where + " needs a value (or valueBase64; null for a tombstone)");
    return new ProduceRecord(key, value, headers, partition, timestamp);
  }

  /**
   * The value member: its raw JSON bytes on json topics; on string and binary topics a JSON
   * string's text, or any other JSON value's raw bytes (its JSON text).
   */
  private byte[] jsonValue(JsonParser parser, byte[] body, JsonToken token, String where) throws IOException {
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (format != ValueFormat.JSON && token == JsonToken.VALUE_STRING) {
      return text(parser, where + ".value");
    }
    int start = (int) parser.currentTokenLocation().getByteOffset();
    if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
      parser.skipChildren();
    } else {
      parser.finishToken();
    }
    int end = (int) parser.currentLocation().getByteOffset();
    byte[] raw = new byte[end - start];
    System.arraycopy(body, start, raw, 0, raw.length);
    return raw;
  }

  private List<Header> headers(JsonParser parser, JsonToken token, String where) throws IOException {
    if (token == JsonToken.VALUE_NULL) {
      return List.of();
    }
    expect(token == JsonToken.START_OBJECT, where + ".headers must be an object of string values");
    List<Header> headers = new ArrayList<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      requireWholeUnicode(name, where + ".headers' names");
      JsonToken valueToken = parser.nextToken();
      expect(valueToken == JsonToken.VALUE_STRING, where + ".headers." + name + " must be a string");
      if (headers.size() == maxHeaders) {
        throw ApiException.badRequest(where + " has more than " + maxHeaders + " headers");
      }
      headers.add(new Header(name, text(parser, where + ".headers." + name)));
    }
    return headers;
  }

  /** The current JSON string as UTF-8, refused if it is not whole Unicode. */
  private static byte[] text(JsonParser parser, String where) throws IOException {
    String text = parser.getText();
    requireWholeUnicode(text, where);
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Refuses a lone surrogate: {@code getBytes(UTF_8)} would turn it into {@code ?} silently. */
  private static void requireWholeUnicode(String text, String where) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw ApiException.badRequest(where + " holds a lone surrogate (\\u" + Integer.toHexString(c)
            + " at character " + i + "), which is not text and has no UTF-8 form");
      }
    }
  }

  private static long wholeNumber(JsonParser parser, JsonToken token, String where, long max) throws IOException {
    expect(token == JsonToken.VALUE_NUMBER_INT, where + " must be a whole number");
    JsonParser.NumberType type = parser.getNumberType();
    expect(type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG, where + " is out of range");
    long value = parser.getLongValue();
    expect(value >= 0 && value <= max, where + " must be between 0 and " + max);
    return value;
  }

  /** {@code application/x-ndjson}: one value per non-empty line. */
  List<ProduceRecord> parseNdjson(byte[] body, byte[] key, int partition) {
    List<ProduceRecord> records = new ArrayList<>();
    int start = 0;
    int line = 0;
    while (start <= body.length) {
      int end = start;
      while (end < body.length && body[end] != '\n') {
        end++;
      }
      int contentEnd = end > start && body[end - 1] == '\r' ? end - 1 : end;
      line++;
      if (contentEnd > start) {
        if (records.size() == maxRecords) {
          throw ApiException.badRequest("a request may carry at most " + maxRecords + " records");
        }
        byte[] value = new byte[contentEnd - start];
        System.arraycopy(body, start, value, 0, value.length);
        records.add(new ProduceRecord(key, checkedValue(value, "line " + line), List.of(), partition, now));
      }
      start = end + 1;
    }
    expect(!records.isEmpty(), "the body holds no records");
    return records;
  }

  /** Any other content type: the whole body is one value. */
  ProduceRecord parseRaw(byte[] body, byte[] key, int partition) {
    return new ProduceRecord(key, checkedValue(body, "the body"), List.of(), partition, now);
  }

  /** Enforces the topic's value format on bytes that arrived outside a JSON envelope. */
  private byte[] checkedValue(byte[] value, String where) {
    if (format == ValueFormat.JSON) {
      // Jackson lets some invalid UTF-8 through inside strings (overlong forms, surrogates); a json
      // value is echoed into responses as is, so it must be strict UTF-8, as the envelope is.
      requireUtf8(value, where);
      requireJson(value, where);
    } else if (format == ValueFormat.STRING) {
      requireUtf8(value, where);
    }
    return value;
  }

  private static void requireJson(byte[] value, String where) {
    try (JsonParser parser = JSON.createParser(value)) {
      expect(parser.nextToken() != null, where + " is empty: the topic's value.format is json");
      parser.skipChildren();
      expect(parser.nextToken() == null, where + " holds more than one JSON value");
    } catch (IOException e) {
      throw ApiException.badRequest(where + " is not valid JSON, as the topic's value.format json requires");
    }
  }

  static void requireUtf8(byte[] value, String where) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value));
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest(where + " is not valid UTF-8");
    }
  }

  private static byte[] base64(String text, String where) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(where + " is not valid base64");
    }
  }

  private static void expect(boolean condition, String detail) {
    if (!condition) {
      throw ApiException.badRequest(detail);
    }
  }
}
