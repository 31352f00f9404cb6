package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {
  @Test
  void maxRecordBytesReadsWhatTheLogConfigWouldHave() {
    for (Map<String, String> config : List.of(Map.<String, String>of(), Map.of("max.record.bytes", "2048"),
        Map.of("max.record.bytes", " 4096 ", "retention.ms", "1000"))) {
      assertThat(TopicConfigs.maxRecordBytes(config)).as("%s", config).isEqualTo(TopicConfigs.logConfig(config).maxRecordBytes());
    }
  }
}
