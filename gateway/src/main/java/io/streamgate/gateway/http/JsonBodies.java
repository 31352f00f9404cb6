package io.streamgate.gateway.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamgate.cluster.errors.StreamgateError;
import io.vertx.ext.web.RoutingContext;
import java.util.Iterator;
import java.util.List;

/** Reading the small JSON bodies of admin and group requests: one object, known members, typed values, a size limit. */
final class JsonBodies {
  /** Strict: a body with anything after its JSON object is malformed, as the produce parser holds too. */
  static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  static final int MAX_ADMIN_BODY_BYTES = 64 * 1024;

  private JsonBodies() {}

  static JsonNode object(RoutingContext ctx) {
    if (ctx.body().length() > MAX_ADMIN_BODY_BYTES) {
      throw new ApiException(StreamgateError.BODY_TOO_LARGE, "an admin request body may be at most " + MAX_ADMIN_BODY_BYTES + " bytes");
    }
    try {
      JsonNode node = JSON.readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
      if (node == null || !node.isObject()) {
        throw ApiException.badRequest("the body must be a JSON object");
      }
      return node;
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("malformed JSON body");
    }
  }

  static void allowOnly(JsonNode body, List<String> allowed) {
    for (Iterator<String> names = body.fieldNames(); names.hasNext();) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.badRequest("unknown member '" + name + "'; allowed: " + allowed);
      }
    }
  }

  static String requiredText(JsonNode body, String name) {
    JsonNode node = body.get(name);
    if (node == null || !node.isTextual()) {
      throw ApiException.badRequest("'" + name + "' is required and must be a string");
    }
    return node.asText();
  }

  static int optionalInt(JsonNode body, String name, int defaultValue) {
    JsonNode node = body.get(name);
    if (node == null || node.isNull()) {
      return defaultValue;
    }
    if (!node.canConvertToInt() || !node.isIntegralNumber()) {
      throw ApiException.badRequest("'" + name + "' must be a whole number");
    }
    return node.intValue();
  }

  static long optionalLong(JsonNode body, String name, long defaultValue) {
    JsonNode node = body.get(name);
    if (node == null || node.isNull()) {
      return defaultValue;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw ApiException.badRequest("'" + name + "' must be a whole number");
    }
    return node.longValue();
  }

  static String optionalText(JsonNode body, String name, String defaultValue) {
    JsonNode node = body.get(name);
    if (node == null || node.isNull()) {
      return defaultValue;
    }
    if (!node.isTextual()) {
      throw ApiException.badRequest("'" + name + "' must be a string");
    }
    return node.asText();
  }
}
