package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.LogConfig.CleanupPolicy;
import io.streamgate.logstore.LogConfig.FlushPolicy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogConfigTest {

  @Test
  void defaultsAreKafkas() {
    LogConfig config = LogConfig.DEFAULT;

    assertThat(config.segmentBytes()).isEqualTo(1024L * 1024 * 1024);
    assertThat(config.segmentMs()).isEqualTo(7L * 24 * 3600 * 1000);
    assertThat(config.retentionMs()).isEqualTo(7L * 24 * 3600 * 1000);
    assertThat(config.retentionBytes()).isEqualTo(-1);
    assertThat(config.indexIntervalBytes()).isEqualTo(4096);
    assertThat(config.cleanupPolicy()).isEqualTo(CleanupPolicy.DELETE);
    assertThat(config.flushPolicy()).isEqualTo(FlushPolicy.NEVER);
    assertThat(config.maxRecordBytes()).isEqualTo(1024 * 1024);
    assertThat(config.deleteRetentionMs()).isEqualTo(24L * 3600 * 1000);
    assertThat(LogConfig.fromMap(Map.of())).isEqualTo(config);
  }

  @Test
  void overridesMayBeStringsOrNumbers() {
    LogConfig config = LogConfig.DEFAULT.with(Map.of(
        LogConfig.SEGMENT_BYTES, "4096",
        LogConfig.RETENTION_MS, 60_000L,
        LogConfig.INDEX_INTERVAL_BYTES, 128,
        LogConfig.CLEANUP_POLICY, "compact",
        LogConfig.FLUSH_POLICY, "interval",
        LogConfig.FLUSH_INTERVAL_MS, " 250 "));

    assertThat(config.segmentBytes()).isEqualTo(4096);
    assertThat(config.retentionMs()).isEqualTo(60_000);
    assertThat(config.indexIntervalBytes()).isEqualTo(128);
    assertThat(config.cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
    assertThat(config.flushPolicy()).isEqualTo(FlushPolicy.INTERVAL);
    assertThat(config.flushIntervalMs()).isEqualTo(250);
    assertThat(config.retentionBytes()).as("keys not overridden keep their value").isEqualTo(-1);
  }

  @Test
  void overridesApplyToTheConfigTheyAreGivenTo() {
    LogConfig base = LogConfig.DEFAULT.with(Map.of(LogConfig.SEGMENT_BYTES, 2048));
    LogConfig derived = base.with(Map.of(LogConfig.RETENTION_BYTES, 10));

    assertThat(derived.segmentBytes()).isEqualTo(2048);
    assertThat(derived.retentionBytes()).isEqualTo(10);
  }

  @Test
  void anUnknownKeyIsRejectedNamingTheKnownOnes() {
    assertThatThrownBy(() -> LogConfig.DEFAULT.with(Map.of("retention.msec", 5)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("'retention.msec'")
        .hasMessageContaining(LogConfig.RETENTION_MS);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
      "segment.bytes, 1023, segment.bytes must be between 1024",
      "segment.bytes, 4294967296, segment.bytes must be between 1024",
      "segment.bytes, 1kb, segment.bytes must be a whole number, was '1kb'",
      "segment.ms, 0, segment.ms must be at least 1",
      "index.interval.bytes, -1, index.interval.bytes must be >= 0",
      "index.interval.bytes, 4294967296, index.interval.bytes must fit in 32 bits",
      "retention.ms, -2, retention.ms must be -1 (unlimited) or >= 0",
      "retention.bytes, -5, retention.bytes must be -1 (unlimited) or >= 0",
      "retention.bytes, 1.5, retention.bytes must be a whole number",
      "cleanup.policy, COMPACT, cleanup.policy must be 'delete', 'compact' or 'compact,delete', was 'COMPACT'",
      "cleanup.policy, compact;delete, cleanup.policy must be 'delete', 'compact' or 'compact,delete', was 'compact;delete'",
      "flush.policy, sometimes, flush.policy must be 'always', 'interval' or 'never'",
      "flush.interval.ms, 0, flush.interval.ms must be at least 1",
      "max.record.bytes, 63, max.record.bytes must be at least 64",
      "delete.retention.ms, -1, delete.retention.ms must be >= 0",
  })
  void badValuesAreRejectedNamingTheKeyAndTheRule(String key, String value, String message) {
    assertThatThrownBy(() -> LogConfig.DEFAULT.with(Map.of(key, value)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {"compact,delete", "delete,compact", " compact , delete "})
  void bothPoliciesAsAListInAnyOrderAreCompactAndDelete(String value) {
    LogConfig config = LogConfig.DEFAULT.with(Map.of(LogConfig.CLEANUP_POLICY, value));

    assertThat(config.cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT_DELETE);
    assertThat(config.cleanupPolicy().compacts()).isTrue();
    assertThat(config.cleanupPolicy().deletes()).isTrue();
    assertThat(config.toMap()).containsEntry(LogConfig.CLEANUP_POLICY, "compact,delete");
    assertThat(LogConfig.fromMap(config.toMap())).isEqualTo(config);
  }

  @Test
  void aNullValueIsRejected() {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put(LogConfig.SEGMENT_MS, null);
    assertThatThrownBy(() -> LogConfig.DEFAULT.with(overrides))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(LogConfig.SEGMENT_MS);
  }

  @Test
  void theConstructorValidatesToo() {
    assertThatThrownBy(() -> new LogConfig(100, 1, 0, -1, -1, CleanupPolicy.DELETE, FlushPolicy.NEVER, 1, 64, 0))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining(LogConfig.SEGMENT_BYTES);
    assertThatThrownBy(() -> new LogConfig(2048, 1, 0, -1, -1, null, FlushPolicy.NEVER, 1, 64, 0))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining(LogConfig.CLEANUP_POLICY);
  }

  @Test
  void toMapNamesEveryKeyAndRoundTrips() {
    LogConfig config = new LogConfig(2048, 60_000, 100, -1, 1_000_000, CleanupPolicy.COMPACT, FlushPolicy.ALWAYS,
        500, 4096, 1000);

    Map<String, String> map = config.toMap();

    assertThat(map.keySet()).containsExactlyInAnyOrderElementsOf(LogConfig.KEYS);
    assertThat(map).containsEntry(LogConfig.CLEANUP_POLICY, "compact").containsEntry(LogConfig.FLUSH_POLICY, "always")
        .containsEntry(LogConfig.RETENTION_MS, "-1");
    assertThat(LogConfig.fromMap(map)).isEqualTo(config);
    assertThat(LogConfig.fromMap(LogConfig.DEFAULT.toMap())).isEqualTo(LogConfig.DEFAULT);
  }
}
