package io.streamgate.gateway.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.streamgate.cluster.TopicConfigs.ValueFormat;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Writes records as the JSON the API promises, straight into a {@link Buffer}: {@code
 * {"topic","partition","offset","timestamp","key"|"keyBase64","value"|"valueBase64","headers"}}.
 * A json topic's values are copied in as stored (they were validated as JSON when produced), so
 * no value is ever parsed or re-serialized on the read path. Not thread-safe; one per response.
 */
final class RecordJsonWriter {
  private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();

  private final String quotedTopic;
  private final ValueFormat format;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

  RecordJsonWriter(String topic, ValueFormat format) {
    this.quotedTopic = quote(topic);
    this.format = format;
  }

  /** Appends one record object to {@code out}. */
  void write(Buffer out, int partition, Record record) {
    out.appendString("{\"topic\":").appendString(quotedTopic)
        .appendString(",\"partition\":").appendString(Integer.toString(partition))
        .appendString(",\"offset\":").appendString(Long.toString(record.offset()))
        .appendString(",\"timestamp\":").appendString(Long.toString(record.timestamp()));
    if (record.key() != null) {
      String key = textOrNull(record.key());
      if (key != null) {
        out.appendString(",\"key\":").appendString(quote(key));
      } else {
        out.appendString(",\"keyBase64\":\"").appendString(base64(record.key())).appendString("\"");
      }
    }
    writeValue(out, record.value());
    out.appendString(",\"headers\":{");
    boolean first = true;
    for (Header header : record.headers()) {
      out.appendString(first ? "" : ",").appendString(quote(header.key())).appendString(":");
      out.appendString(header.value() == null ? "null" : quote(new String(header.value(), StandardCharsets.UTF_8)));
      first = false;
    }
    out.appendString("}}");
  }

  private void writeValue(Buffer out, ByteBuffer value) {
    if (value == null) {
      out.appendString(",\"value\":null");
      return;
    }
    switch (format) {
      case JSON:
        out.appendString(",\"value\":");
        appendBytes(out, value);
        break;
      case STRING:
        String text = textOrNull(value);
        if (text != null) {
          out.appendString(",\"value\":").appendString(quote(text));
        } else {
          out.appendString(",\"valueBase64\":\"").appendString(base64(value)).appendString("\"");
        }
        break;
      default:
        out.appendString(",\"valueBase64\":\"").appendString(base64(value)).appendString("\"");
    }
  }

  static String quote(String text) {
    return "\"" + new String(ESCAPER.quoteAsString(text)) + "\"";
  }

  private String textOrNull(ByteBuffer bytes) {
    try {
      CharBuffer chars = utf8.reset().decode(bytes.duplicate());
      return chars.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static String base64(ByteBuffer bytes) {
    return new String(Base64.getEncoder().encode(bytes.duplicate()).array(), StandardCharsets.ISO_8859_1);
  }

  private static void appendBytes(Buffer out, ByteBuffer bytes) {
    if (bytes.hasArray()) {
      out.appendBytes(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    } else {
      byte[] copy = new byte[bytes.remaining()];
      bytes.duplicate().get(copy);
      out.appendBytes(copy);
    }
  }
}
