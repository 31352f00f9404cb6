package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.logstore.RetentionPlanner.SegmentInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Segments are written {@code base-next:size@maxTimestamp}, oldest first, the last one active.
 * Unless a case says otherwise the high watermark is past every segment.
 */
class RetentionPlannerTest {
  private static final long NOW = 10_000;

  @ParameterizedTest(name = "[{index}] {0}: retention.ms={2}, retention.bytes={3}, hw={4} -> {5}")
  @CsvSource(delimiter = '|', textBlock = """
      # case                                 | segments                                           | ms   | bytes | hw  | deleted
      nothing configured                     | 0-10:100@1000 10-20:100@2000 20-30:100@3000         | -1   | -1    | 30  | 0
      no segments                            | ''                                                 | 1000 | 0     | 30  | 0
      time: older than the cutoff            | 0-10:100@1000 10-20:100@8999 20-30:100@9500         | 1000 | -1    | 30  | 2
      time: the cutoff itself is kept        | 0-10:100@9000 10-20:100@9500                       | 1000 | -1    | 30  | 0
      time: stops at the first young segment | 0-10:100@1000 10-20:100@9500 20-30:100@1000         | 1000 | -1    | 30  | 1
      time: the active segment expires too   | 0-10:100@1000 10-20:100@2000 20-30:100@3000         | 1000 | -1    | 30  | 3
      size: under the limit                  | 0-10:100@9999 10-20:100@9999 20-30:100@9999         | -1   | 300   | 30  | 0
      size: just enough to get under         | 0-10:100@9999 10-20:100@9999 20-30:100@9999         | -1   | 150   | 30  | 1
      size: a segment goes only if it fits   | 0-10:100@9999 10-20:100@9999 20-30:100@9999         | -1   | 201   | 30  | 0
      size: never the active segment         | 0-10:100@9999 10-20:100@9999 20-30:100@9999         | -1   | 0     | 30  | 2
      size: uneven segments                  | 0-10:500@9999 10-20:50@9999 20-30:100@9999          | -1   | 100   | 30  | 2
      either rule condemns                   | 0-10:100@1000 10-20:100@9999 20-30:100@9999         | 1000 | 200   | 30  | 1
      hw: a segment must lie wholly below    | 0-10:100@1000 10-20:100@1000 20-30:100@1000         | 1000 | -1    | 15  | 1
      hw: a segment ending at the hw goes    | 0-10:100@1000 10-20:100@1000 20-30:100@1000         | 1000 | -1    | 20  | 2
      hw: nothing below it                   | 0-10:100@1000 10-20:100@1000                       | 1000 | 0     | 9   | 0
      hw: size respects it as well           | 0-10:100@9999 10-20:100@9999 20-30:100@9999         | -1   | 0     | 10  | 1
      empty: an empty segment goes along     | 0-10:100@1000 10-10:0@-1 10-20:100@1000            | 1000 | -1    | 30  | 3
      empty: and deletion goes on after it   | 0-10:100@1000 10-10:0@-1 10-20:100@9500 20-30:100@1000 | 1000 | -1 | 30 | 2
      empty: compaction emptied the oldest   | 0-5:0@-1 5-10:100@9500                             | 1000 | -1    | 30  | 1
      empty: an empty active segment stays   | 0-10:100@1000 10-10:0@-1                           | 1000 | 0     | 30  | 1
      empty: an empty log stays              | 0-0:0@-1                                           | 0    | 0     | 0   | 0
      """)
  void plansWhichOldestSegmentsToDelete(String description, String segments, long retentionMs, long retentionBytes,
      long highWatermark, int deleted) {
    LogConfig config = LogConfig.DEFAULT.with(Map.of(LogConfig.RETENTION_MS, retentionMs, LogConfig.RETENTION_BYTES,
        retentionBytes));

    assertThat(RetentionPlanner.segmentsToDelete(parse(segments), config, NOW, highWatermark)).as(description)
        .isEqualTo(deleted);
  }

  private static List<SegmentInfo> parse(String segments) {
    List<SegmentInfo> infos = new ArrayList<>();
    for (String segment : segments.trim().split("\\s+")) {
      if (segment.isEmpty()) {
        continue;
      }
      String[] rangeAndRest = segment.split(":");
      String[] range = rangeAndRest[0].split("-");
      String[] sizeAndTime = rangeAndRest[1].split("@");
      infos.add(new SegmentInfo(Long.parseLong(range[0]), Long.parseLong(range[1]), Long.parseLong(sizeAndTime[0]),
          Long.parseLong(sizeAndTime[1])));
    }
    return infos;
  }
}
