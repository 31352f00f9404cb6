package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.TestBatches;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TimestampBoundsTest {
  private static final long NOW = 1_700_000_000_000L;

  @ParameterizedTest(name = "before {0}, after {1}: timestamp now{2} accepted={3}")
  @CsvSource({
      "1000, 1000, -1000, true",
      "1000, 1000, -1001, false",
      "1000, 1000, 1000, true",
      "1000, 1000, 1001, false",
      "0, 0, 0, true",
      "0, 0, 1, false",
      "0, 0, -1, false",
      // Kafka's defaults: any past, one hour ahead; 2^63-1 is refused without overflowing.
      "9223372036854775807, 3600000, -1700000000000, true",
      "9223372036854775807, 3600000, 3600000, true",
      "9223372036854775807, 3600000, 3600001, false",
      "9223372036854775807, 3600000, 9223370336854775807, false",
      "9223372036854775807, 9223372036854775807, 9223370336854775807, true",
  })
  void aRecordIsAcceptedOnlyWithinTheBounds(long beforeMaxMs, long afterMaxMs, long offsetFromNow, boolean accepted) {
    TimestampBounds bounds = new TimestampBounds(beforeMaxMs, afterMaxMs);
    var batch = TestBatches.values(NOW + offsetFromNow, "v");
    if (accepted) {
      assertThatCode(() -> bounds.check(batch, NOW)).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> bounds.check(batch, NOW)).isInstanceOf(InvalidTimestampException.class)
          .hasMessageContaining("timestamp " + (NOW + offsetFromNow));
    }
  }

  @ParameterizedTest
  @CsvSource({"-1, true", "1, false"})
  void aRecordWithoutATimestampPasses(long timestamp, boolean accepted) {
    var batch = TestBatches.values(timestamp, "v");
    if (accepted) {
      assertThatCode(() -> new TimestampBounds(0, 0).check(batch, NOW)).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> new TimestampBounds(0, 0).check(batch, NOW)).isInstanceOf(InvalidTimestampException.class);
    }
  }
}
