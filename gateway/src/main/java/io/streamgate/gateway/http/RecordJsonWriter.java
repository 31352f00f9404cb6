package io.streamgate.gateway.http;

import io.streamgate.cluster.TopicConfigs.ValueFormat;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes records as the JSON the API promises: {@code
 * {"topic","partition","offset","timestamp","key"|"keyBase64","value"|"valueBase64","headers"}}.
 * A json topic's values are copied in as stored (they were validated as JSON when produced), and a
 * string topic's values are escaped from their stored UTF-8 bytes ({@link JsonBytes}), so no value
 * is ever decoded, parsed or re-serialized on the read path. Not thread-safe; one per response.
 */
final class RecordJsonWriter {
  private static final byte[] PARTITION = JsonBytes.ascii(",\"partition\":");
  private static final byte[] OFFSET = JsonBytes.ascii(",\"offset\":");
  private static final byte[] TIMESTAMP = JsonBytes.ascii(",\"timestamp\":");
  private static final byte[] KEY = JsonBytes.ascii(",\"key\":");
  private static final byte[] KEY_BASE64 = JsonBytes.ascii(",\"keyBase64\":");
  private static final byte[] VALUE = JsonBytes.ascii(",\"value\":");
  private static final byte[] VALUE_NULL = JsonBytes.ascii(",\"value\":null");
  private static final byte[] VALUE_BASE64 = JsonBytes.ascii(",\"valueBase64\":");
  private static final byte[] HEADERS = JsonBytes.ascii(",\"headers\":{");
  private static final byte[] COMMA = JsonBytes.ascii(",");
  private static final byte[] COLON = JsonBytes.ascii(":");
  private static final byte[] NULL = JsonBytes.ascii("null");
  private static final byte[] END = JsonBytes.ascii("}}");

  /** {@code {"topic":"<topic>"}, the same for every record. */
  private final byte[] topicField;
  private final ValueFormat format;
  /** Where {@link #write(Buffer, int, Record)} renders a record before appending it whole. */
  private JsonBytes scratch;

  RecordJsonWriter(String topic, ValueFormat format) {
    JsonBytes field = new JsonBytes(topic.length() + 16).raw(JsonBytes.ascii("{\"topic\":")).string(topic);
    this.topicField = Arrays.copyOf(field.array(), field.length());
    this.format = format;
  }

  /** Appends one record object to {@code out}. */
  void write(Buffer out, int partition, Record record) {
    if (scratch == null) {
      scratch = new JsonBytes(512);
    }
    scratch.reset();
    write(scratch, partition, record);
    out.appendBytes(scratch.array(), 0, scratch.length());
  }

  /** Appends one record object to {@code out}. */
  void write(JsonBytes out, int partition, Record record) {
    out.raw(topicField).raw(PARTITION).number(partition).raw(OFFSET).number(record.offset()).raw(TIMESTAMP)
        .number(record.timestamp());
    if (record.key() != null) {
      out.raw(KEY);
      if (!out.utf8String(record.key())) {
        rewriteAsBase64(out, KEY.length, KEY_BASE64, record.key());
      }
    }
    writeValue(out, record.value());
    out.raw(HEADERS);
    boolean first = true;
    for (Header header : record.headers()) {
      if (!first) {
        out.raw(COMMA);
      }
      out.string(header.key()).raw(COLON);
      if (header.value() == null) {
        out.raw(NULL);
      } else {
        out.string(new String(header.value(), StandardCharsets.UTF_8));
      }
      first = false;
    }
    out.raw(END);
  }

  private void writeValue(JsonBytes out, ByteBuffer value) {
    if (value == null) {
      out.raw(VALUE_NULL);
      return;
    }
    switch (format) {
      case JSON -> out.raw(VALUE).raw(value);
      case STRING -> {
        out.raw(VALUE);
        if (!out.utf8String(value)) {
          rewriteAsBase64(out, VALUE.length, VALUE_BASE64, value);
        }
      }
      default -> out.raw(VALUE_BASE64).base64(value);
    }
  }

  /** Replaces the field name just written ({@code nameLength} bytes) by the Base64 field's, then writes the Base64. */
  private static void rewriteAsBase64(JsonBytes out, int nameLength, byte[] base64Name, ByteBuffer bytes) {
    out.truncate(out.length() - nameLength);
    out.raw(base64Name).base64(bytes);
  }

  static String quote(String text) {
    JsonBytes quoted = new JsonBytes(text.length() + 2).string(text);
    return new String(quoted.array(), 0, quoted.length(), StandardCharsets.UTF_8);
  }
}
