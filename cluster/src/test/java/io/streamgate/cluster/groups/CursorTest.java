package io.streamgate.cluster.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.TopicId;
import io.streamgate.logstore.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The cursor's text form: with its topics' ids, as cursors were before them, and what is refused. */
class CursorTest {
  private static final TopicPartition A0 = new TopicPartition("a", 0);
  private static final TopicPartition B3 = new TopicPartition("b.c-d", 3);

  @Test
  void aCursorWithTopicIdsReadsBackAsWritten() {
    Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
    offsets.put(A0, 5L);
    offsets.put(B3, 0L);
    Cursor.Position position = new Cursor.Position(7, offsets, Map.of("a", TopicId.random(), "b.c-d", TopicId.random()));

    assertThat(Cursor.decode(Cursor.encode(position))).isEqualTo(position);
  }

  @Test
  void aCursorFromBeforeTopicIdsReadsAsOneWithoutAndIsNeverRefusedForItsTopics() {
    String old = Base64.getUrlEncoder().withoutPadding().encodeToString("3;a/0=5".getBytes(StandardCharsets.UTF_8));

    Cursor.Position position = Cursor.decode(old);
    assertThat(position).isEqualTo(new Cursor.Position(3, Map.of(A0, 5L), Map.of()));
    position.refuseEarlierIncarnations(topic -> Optional.of(TopicId.random()));
  }

  @Test
  void aCursorOfAnotherIncarnationOrOfATopicGoneIsRefusedAndOneOfTheTopicNowIsNot() {
    TopicId then = TopicId.random();
    Cursor.Position position = Cursor.decode(Cursor.encode(new Cursor.Position(1, Map.of(A0, 2L), Map.of("a", then))));

    position.refuseEarlierIncarnations(topic -> Optional.of(then));
    assertThatThrownBy(() -> position.refuseEarlierIncarnations(topic -> Optional.of(TopicId.random())))
        .isInstanceOf(InvalidGroupRequestException.class).hasMessageContaining("earlier topic 'a'");
    assertThatThrownBy(() -> position.refuseEarlierIncarnations(topic -> Optional.empty()))
        .isInstanceOf(InvalidGroupRequestException.class);
  }

  @Test
  void aCursorWithABrokenIdPartIsNotOneThisServerMade() {
    for (String text : new String[] {"1;a/0=2;a=not-an-id", "1;a/0=2;", "1;a/0=2;a=AAAAAAAAAAAAAAAAAAAAAg;x"}) {
      String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> Cursor.decode(cursor)).as(text).isInstanceOf(InvalidGroupRequestException.class)
          .hasMessageContaining("not a cursor this server made");
    }
  }
}
