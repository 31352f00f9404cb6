package io.streamgate.cluster.groups;

import io.streamgate.logstore.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A poll answer's cursor: the generation and, per partition the member owned, the offset after what
 * that answer delivered. Opaque to clients (base64url of {@code generation;topic/partition=offset,...});
 * a poll that presents it reads from exactly those offsets, for the partitions the member still owns.
 * Not signed: a client can write one, and it grants nothing an explicit commit does not; the
 * coordinator refuses one that names a position past a partition's log end (docs/decisions.md).
 */
public final class Cursor {
  /** A cursor longer than this is not one we made. */
  static final int MAX_LENGTH = 64 * 1024;

  public record Position(int generation, Map<TopicPartition, Long> offsets) {}

  private Cursor() {}

  public static String encode(Position position) {
    StringBuilder text = new StringBuilder().append(position.generation()).append(';');
    String separator = "";
    for (Map.Entry<TopicPartition, Long> entry : position.offsets().entrySet()) {
      text.append(separator).append(entry.getKey().topic()).append('/').append(entry.getKey().partition()).append('=')
          .append(entry.getValue());
      separator = ",";
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  public static Position decode(String cursor) {
    if (cursor.length() > MAX_LENGTH) {
      throw invalid("it is longer than " + MAX_LENGTH + " characters");
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int semicolon = text.indexOf(';');
      int generation = Integer.parseInt(text.substring(0, semicolon));
      Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
      String rest = text.substring(semicolon + 1);
      if (!rest.isEmpty()) {
        for (String item : rest.split(",")) {
          int slash = item.lastIndexOf('/');
          int equals = item.lastIndexOf('=');
          long offset = Long.parseLong(item.substring(equals + 1));
          if (offset < 0) {
            throw invalid("an offset is negative");
          }
          offsets.put(new TopicPartition(item.substring(0, slash), Integer.parseInt(item.substring(slash + 1, equals))), offset);
        }
      }
      return new Position(generation, offsets);
    } catch (RuntimeException e) {
      if (e instanceof InvalidGroupRequestException invalid) {
        throw invalid;
      }
      throw invalid("it is not a cursor this server made");
    }
  }

  private static InvalidGroupRequestException invalid(String why) {
    return new InvalidGroupRequestException("cursor rejected: " + why + "; use the cursor of a poll answer as it was sent");
  }
}
