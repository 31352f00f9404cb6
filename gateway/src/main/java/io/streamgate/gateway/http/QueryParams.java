package io.streamgate.gateway.http;

import io.streamgate.cluster.TopicNames;
import io.streamgate.cluster.errors.StreamgateError;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Strict reading of query parameters: a value past its documented range is a 400 problem naming
 * the parameter and the range, never silently clamped, and a parameter given twice is an error.
 */
final class QueryParams {
  private QueryParams() {}

  /** The {@code {topic}} path parameter; a name that breaks the naming rule is a 400 {@code invalid-topic-name}. */
  static String topic(RoutingContext ctx) {
    return TopicNames.requireValid(ctx.pathParam("topic"));
  }

  /** The single value of {@code name}, or null when absent. */
  static String single(HttpServerRequest request, String name) {
    List<String> values = request.params().getAll(name);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw ApiException.badRequest("query parameter '" + name + "' is given " + values.size() + " times");
    }
    return values.get(0);
  }

  /**
   * The reader's {@code rack} (a rack name, as the nodes' {@code rack} setting takes), or null when
   * absent: reads are then served in the answering node's rack. Another value is a 400.
   */
  static String rack(HttpServerRequest request) {
    String rack = single(request, "rack");
    if (rack != null && !rack.matches("[a-zA-Z0-9._-]{1,64}")) {
      throw ApiException.badRequest("query parameter 'rack' must match [a-zA-Z0-9._-]{1,64}");
    }
    return rack;
  }

  /**
   * The single value of {@code name} as UTF-8 bytes, or null when absent. Its percent-encoding
   * must be UTF-8: decoding replaces ill-formed bytes with U+FFFD, which would make different
   * values (record keys) one. Only a value holding U+FFFD is decoded again, from the raw query.
   */
  static byte[] utf8(HttpServerRequest request, String name) {
    String value = single(request, name);
    if (value == null) {
      return null;
    }
    if (value.indexOf('\uFFFD') >= 0) {
      for (String pair : request.query().split("&")) {
        int equals = pair.indexOf('=');
        if (equals > 0 && pair.substring(0, equals).equals(name)) {
          requireUtf8(percentDecoded(pair.substring(equals + 1)), name);
        }
      }
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  /** The bytes a query component stands for ('+' is a space); its escapes are well-formed, as decoding found. */
  private static byte[] percentDecoded(String component) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(component.length());
    for (int i = 0; i < component.length(); i++) {
      char c = component.charAt(i);
      if (c == '%' && i + 2 < component.length()) {
        bytes.write(Integer.parseInt(component.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.writeBytes(String.valueOf(c == '+' ? ' ' : c).getBytes(StandardCharsets.UTF_8));
      }
    }
    return bytes.toByteArray();
  }

  private static void requireUtf8(byte[] bytes, String name) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("query parameter '" + name + "' is not UTF-8 once percent-decoded (" + e.getMessage() + ")");
    }
  }

  static long longIn(HttpServerRequest request, String name, long defaultValue, long min, long max) {
    String text = single(request, name);
    return text == null ? defaultValue : parseLongIn(text, name, min, max);
  }

  static int intIn(HttpServerRequest request, String name, int defaultValue, int min, int max) {
    return (int) longIn(request, name, defaultValue, min, max);
  }

  static long parseLongIn(String text, String name, long min, long max) {
    long value;
    try {
      value = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(name + " must be a whole number, was '" + text + "'");
    }
    if (value < min || value > max) {
      throw new ApiException(StreamgateError.INVALID_REQUEST, name + " must be between " + min + " and " + max + ", was " + value,
          java.util.Map.of("errors", java.util.List.of(java.util.Map.of("parameter", name,
              "message", "must be between " + min + " and " + max + ", was " + value))));
    }
    return value;
  }
}
