package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MqttTopicsTest {

  @ParameterizedTest
  @CsvSource({
      "a/b/c, a/b/c, true",
      "a/+/c, a/b/c, true",
      "a/+/c, a/b/d, false",
      "a/#, a/b/c, true",
      "a/#, a, true",
      "#, a/b, true",
      "+, a, true",
      "+, a/b, false",
      "+/+, /a, true",
      "a/b, a/b/c, false",
      "#, $SYS/x, false",
      "+/x, $SYS/x, false",
      "$SYS/#, $SYS/x, true",
      "a//c, a//c, true",
      "a/+/c, a//c, true",
  })
  void filtersMatchNamesAsMqttSays(String filter, String name, boolean matches) {
    assertThat(MqttTopics.matches(filter, name)).isEqualTo(matches);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "a/b", "#", "a/#", "+", "+/+/c", "/", "a//b", "$SYS/#"})
  void validFilters(String filter) {
    assertThat(MqttTopics.isValidFilter(filter)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/#/b", "a#", "a/b#", "a+/b", "a/+b", "##", "a\u0000b"})
  void invalidFilters(String filter) {
    assertThat(MqttTopics.isValidFilter(filter)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/+", "a/#", "+", "a\u0000"})
  void invalidNames(String name) {
    assertThat(MqttTopics.isValidName(name)).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
      "a/+, +/b, true",
      "a/#, b/#, false",
      "a/b, a/b/c, false",
      "a/#, a, true",
      "+/+, a/b/c, false",
      "#, x, true",
  })
  void overlappingFilters(String a, String b, boolean overlap) {
    assertThat(MqttTopics.overlap(a, b)).isEqualTo(overlap);
    assertThat(MqttTopics.overlap(b, a)).isEqualTo(overlap);
  }

  /** What the decoder makes of ill-formed UTF-8 (U+FFFD), U+0000 and unpaired surrogates is refused in names and filters alike. */
  @ParameterizedTest
  @ValueSource(strings = {"a/\uFFFD", "a/\u0000", "a/\uD800", "a/\uDC00x", "\uD83D"})
  void illFormedTextIsNeitherAValidNameNorAValidFilter(String text) {
    assertThat(MqttTopics.isWellFormed(text)).isFalse();
    assertThat(MqttTopics.isValidName(text)).isFalse();
    assertThat(MqttTopics.isValidFilter(text)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b", "caf\u00e9/\uD83D\uDE00", ""})
  void wellFormedTextIsWellFormed(String text) {
    assertThat(MqttTopics.isWellFormed(text)).isTrue();
  }
}
