package io.streamgate.gateway.http;

import io.streamgate.cluster.errors.StreamgateError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The WebSocket opening handshakes this node accepts: RFC 6455 §4.2.1, version 13 only, checked
 * before the upgrade so that a refusal is a problem. Past this check Vert.x and Netty refuse the
 * rest with bare answers of their own (a 400 or 426 without a problem body, a 413 for a body), or
 * upgrade them to a draft protocol (no version, 7 or 8) with whatever key was sent. Stateless.
 */
final class WebSocketUpgrade {
  /** The one version served (RFC 6455); a 426 names it in its {@code Sec-WebSocket-Version} header. */
  static final String VERSION = "13";
  /** RFC 6455 §4.1: a version is a number from 0 to 255; anything else is not a version at all. */
  private static final Pattern VERSION_NUMBER = Pattern.compile("[0-9]{1,3}");
  private static final int KEY_BYTES = 16;

  private WebSocketUpgrade() {}

  /** Throws the problem for a handshake this node refuses; returns when Vert.x may upgrade {@code request}. */
  static void check(HttpServerRequest request) {
    MultiMap headers = request.headers();
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    if (headers.contains(HttpHeaders.TRANSFER_ENCODING) || (length != null && !length.equals("0"))) {
      // Vert.x would upgrade and read the body as frames, or answer a large one with a bare 413.
      throw ApiException.badRequest("a WebSocket upgrade request carries no body");
    }
    // Vert.x reads the first Connection field alone; Netty takes only a field that is exactly websocket.
    if (!hasToken(headers.get(HttpHeaders.CONNECTION), "upgrade")) {
      throw ApiException.badRequest("a WebSocket upgrade names Upgrade in its first Connection header");
    }
    if (headers.getAll(HttpHeaders.UPGRADE).stream().noneMatch(upgrade -> upgrade.trim().equalsIgnoreCase("websocket"))) {
      throw ApiException.badRequest("a WebSocket upgrade has an Upgrade header of websocket alone");
    }
    String version = single(headers, "Sec-WebSocket-Version");
    if (!VERSION_NUMBER.matcher(version).matches() || Integer.parseInt(version) > 255) {
      throw ApiException.badRequest("Sec-WebSocket-Version is not a version number: '" + printable(version) + "'");
    }
    if (!version.equals(VERSION)) {
      throw new ApiException(StreamgateError.WEBSOCKET_VERSION_UNSUPPORTED,
          "this node speaks WebSocket version " + VERSION + " (RFC 6455), not " + version);
    }
    String key = single(headers, "Sec-WebSocket-Key");
    if (decodedLength(key) != KEY_BYTES) {
      throw ApiException.badRequest("Sec-WebSocket-Key is not the base64 of " + KEY_BYTES + " bytes");
    }
  }

  /** RFC 6455 §11.3.1, §11.3.5: the key and the version appear once in a request. */
  private static String single(MultiMap headers, String name) {
    List<String> values = headers.getAll(name);
    if (values.size() != 1) {
      throw ApiException.badRequest("a WebSocket upgrade has exactly one " + name + " header, not " + values.size());
    }
    return values.get(0).trim();
  }

  private static boolean hasToken(String field, String token) {
    if (field == null) {
      return false;
    }
    for (String element : field.split(",")) {
      if (element.trim().equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  private static int decodedLength(String base64) {
    try {
      return Base64.getDecoder().decode(base64).length;
    } catch (IllegalArgumentException notBase64) {
      return -1;
    }
  }

  private static String printable(String value) {
    String shown = value.length() > 20 ? value.substring(0, 20) + "..." : value;
    return shown.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
