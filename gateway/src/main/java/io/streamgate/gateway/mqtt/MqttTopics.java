package io.streamgate.gateway.mqtt;

import java.nio.charset.StandardCharsets;

/**
 * MQTT topic names and topic filters (MQTT 3.1.1 §4.7, 5.0 §4.7): validation, wildcard matching,
 * and whether two filters can match a common topic. Pure functions, thread-safe.
 */
final class MqttTopics {
  /** A topic name or filter is a UTF-8 string of at most 65,535 bytes (§1.5.3). */
  static final int MAX_TOPIC_BYTES = 65_535;

  private MqttTopics() {}

  /** A topic name a PUBLISH may carry: non-empty, no wildcards, well-formed (§4.7.3). */
  static boolean isValidName(String name) {
    return name != null && !name.isEmpty() && name.indexOf('+') < 0 && name.indexOf('#') < 0 && isWellFormed(name)
        && name.getBytes(StandardCharsets.UTF_8).length <= MAX_TOPIC_BYTES;
  }

  /**
   * Whether a string the decoder read was well-formed UTF-8 without U+0000 (§1.5.4). The decoder
   * turns every ill-formed sequence (a byte that is never UTF-8, an encoded surrogate, an overlong
   * form) into U+FFFD, so a U+FFFD the client really sent is refused too; a surrogate left over is
   * one that did not pair.
   */
  static boolean isWellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\0' || c == '\uFFFD') {
        return false;
      }
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c) || i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      }
    }
    return true;
  }

  /**
   * A topic filter a SUBSCRIBE may carry: non-empty, well-formed, {@code +} alone in its level,
   * {@code #} alone in the last level (§4.7.1).
   */
  static boolean isValidFilter(String filter) {
    if (filter == null || filter.isEmpty() || !isWellFormed(filter)
        || filter.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
      return false;
    }
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String level = levels[i];
      if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
        return false;
      }
      if (level.contains("+") && !level.equals("+")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code name} matches the valid {@code filter}. A filter starting with a wildcard does
   * not match names starting with {@code $} (§4.7.2).
   */
  static boolean matches(String filter, String name) {
    if (name.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
      return false;
    }
    String[] f = filter.split("/", -1);
    String[] n = name.split("/", -1);
    for (int i = 0; i < f.length; i++) {
      if (f[i].equals("#")) {
        return true;  // also matches the parent level: "a/#" matches "a" (§4.7.1.2)
      }
      if (i >= n.length || !f[i].equals("+") && !f[i].equals(n[i])) {
        return false;
      }
    }
    return f.length == n.length;
  }

  /** Whether some topic name matches both valid filters; used to find which mapping rules a subscription may meet. */
  static boolean overlap(String a, String b) {
    String[] x = a.split("/", -1);
    String[] y = b.split("/", -1);
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      if (i < x.length && x[i].equals("#") || i < y.length && y[i].equals("#")) {
        return true;
      }
      if (i >= x.length || i >= y.length) {
        return false;
      }
      if (!x[i].equals("+") && !y[i].equals("+") && !x[i].equals(y[i])) {
        return false;
      }
    }
    return true;
  }
}
