package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class TopicIdTest {
  @Test
  void theTextFormIsKafkasAndReadsBack() {
    for (int i = 0; i < 1000; i++) {
      TopicId id = TopicId.random();
      Uuid kafka = new Uuid(id.mostSignificantBits(), id.leastSignificantBits());
      assertThat(id.toString()).isEqualTo(kafka.toString()).hasSize(22).doesNotStartWith("-");
      assertThat(TopicId.parse(id.toString())).isEqualTo(id);
      assertThat(Uuid.fromString(id.toString())).isEqualTo(kafka);
      assertThat(Uuid.RESERVED).doesNotContain(kafka);
    }
  }

  @Test
  void randomIdsDiffer() {
    Set<TopicId> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(TopicId.random());
    }
    assertThat(ids).hasSize(10_000);
  }

  @Test
  void kafkasReservedIdsAndOtherTextAreRefused() {
    assertThatThrownBy(() -> new TopicId(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TopicId(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopicId.parse(Uuid.ZERO_UUID.toString())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopicId.parse(Uuid.METADATA_TOPIC_ID.toString())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopicId.parse("short")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopicId.parse("uS0sJ6aHT6aZSmQYnQm6b+")).isInstanceOf(IllegalArgumentException.class);
    // 22 characters whose last one carries bits beyond the 16 bytes: not the text of any id.
    assertThatThrownBy(() -> TopicId.parse("uS0sJ6aHT6aZSmQYnQm6bx")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDerivedIdIsFixedForeverByTheNameAlone() {
    // Nodes of different versions and snapshots must derive the same id: pinned, never to change.
    assertThat(TopicId.derived("orders")).hasToString("oDRve2fzd1NvyEgyUINUAA");
    assertThat(TopicId.derived("orders")).isNotEqualTo(TopicId.derived("orders2"));
  }
}
