package io.streamgate.cluster.groups;

import io.streamgate.cluster.TopicId;
import io.streamgate.logstore.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A poll answer's cursor: the generation and, per partition the member owned, the offset after what
 * that answer delivered, and the id of each topic's incarnation it was read in. Opaque to clients
 * (base64url of {@code generation;topic/partition=offset,...;topic=topicId,...}; cursors from before
 * topic ids have no third part); a poll that presents it reads from exactly those offsets, for the
 * partitions the member still owns. A cursor whose topic was deleted (and maybe created again) since
 * is refused: its offsets are positions in a log that is gone. Not signed: a client can write one,
 * and it grants nothing an explicit commit does not; the coordinator refuses one that names a
 * position past a partition's log end (docs/decisions.md).
 */
public final class Cursor {
  /** A cursor longer than this is not one we made. */
  static final int MAX_LENGTH = 64 * 1024;

  /** {@code topicIds}: the incarnation of each topic the offsets were read in; a topic without one is not checked. */
  public record Position(int generation, Map<TopicPartition, Long> offsets, Map<String, TopicId> topicIds) {
    /** A position without topic ids (as cursors were before them). */
    public Position(int generation, Map<TopicPartition, Long> offsets) {
      this(generation, offsets, Map.of());
    }

    /** Refuses the position if a topic it names an id of is not that incarnation now ({@code currentIds}: a topic's id now). */
    void refuseEarlierIncarnations(Function<String, Optional<TopicId>> currentIds) {
      topicIds.forEach((topic, id) -> {
        if (!currentIds.apply(topic).equals(Optional.of(id))) {
          throw new InvalidGroupRequestException("cursor rejected: it was issued for an earlier topic '" + topic
              + "', deleted since (the name may have been taken again); poll without a cursor to read from the group's "
              + "committed offsets of the topic now, or where the member's reset policy says");
        }
      });
    }
  }

  private Cursor() {}

  public static String encode(Position position) {
    StringBuilder text = new StringBuilder().append(position.generation()).append(';');
    String separator = "";
    for (Map.Entry<TopicPartition, Long> entry : position.offsets().entrySet()) {
      text.append(separator).append(entry.getKey().topic()).append('/').append(entry.getKey().partition()).append('=')
          .append(entry.getValue());
      separator = ",";
    }
    if (!position.topicIds().isEmpty()) {
      text.append(';');
      separator = "";
      for (Map.Entry<String, TopicId> entry : position.topicIds().entrySet()) {
        text.append(separator).append(entry.getKey()).append('=').append(entry.getValue());
        separator = ",";
      }
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  public static Position decode(String cursor) {
    if (cursor.length() > MAX_LENGTH) {
      throw invalid("it is longer than " + MAX_LENGTH + " characters");
    }
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(";", -1);
      if (parts.length < 2 || parts.length > 3) {
        throw invalid("it is not a cursor this server made");
      }
      int generation = Integer.parseInt(parts[0]);
      Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
      if (!parts[1].isEmpty()) {
        for (String item : parts[1].split(",")) {
          int slash = item.lastIndexOf('/');
          int equals = item.lastIndexOf('=');
          long offset = Long.parseLong(item.substring(equals + 1));
          if (offset < 0) {
            throw invalid("an offset is negative");
          }
          offsets.put(new TopicPartition(item.substring(0, slash), Integer.parseInt(item.substring(slash + 1, equals))), offset);
        }
      }
      Map<String, TopicId> topicIds = new LinkedHashMap<>();
      if (parts.length == 3) {
        for (String item : parts[2].split(",")) {
          int equals = item.lastIndexOf('=');
          topicIds.put(item.substring(0, equals), TopicId.parse(item.substring(equals + 1)));
        }
      }
      return new Position(generation, offsets, topicIds);
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
