package io.streamgate.gateway.http;

import io.streamgate.cluster.TopicNames;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
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
      throw new ApiException(ErrorCode.INVALID_REQUEST, name + " must be between " + min + " and " + max + ", was " + value,
          java.util.Map.of("errors", java.util.List.of(java.util.Map.of("parameter", name,
              "message", "must be between " + min + " and " + max + ", was " + value))));
    }
    return value;
  }
}
