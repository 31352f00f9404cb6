package io.streamgate.logstore;

import java.util.List;

/**
 * Decides which of a log's oldest segments retention deletes. A pure function of the segments'
 * sizes and timestamps, the config and the time, so it is tested without files.
 */
final class RetentionPlanner {
  /** What retention needs to know of one segment, oldest first. */
  record SegmentInfo(long baseOffset, long nextOffset, long sizeInBytes, long maxTimestamp) {}

  private RetentionPlanner() {}

  /**
   * How many of the oldest segments to delete. Only segments that lie wholly below the high
   * watermark are candidates, and deletion stops at the first segment that neither rule condemns.
   * An empty segment before the newest goes with them. The newest (active) segment can expire by time, so a partition whose every record has expired
   * empties (the caller rolls it before deleting it), but size never deletes it: that would empty a
   * log that is merely busy.
   */
  static int segmentsToDelete(List<SegmentInfo> segments, LogConfig config, long nowMs, long highWatermark) {
    long excessBytes = config.retentionBytes() < 0 ? 0
        : segments.stream().mapToLong(SegmentInfo::sizeInBytes).sum() - config.retentionBytes();
    int count = 0;
    for (int i = 0; i < segments.size(); i++) {
      SegmentInfo segment = segments.get(i);
      boolean newest = i == segments.size() - 1;
      boolean empty = segment.sizeInBytes() == 0;
      if (segment.nextOffset() > highWatermark || (empty && newest)) {
        break;
      }
      if (empty) {
        // Compaction emptied it (compact,delete): it holds nothing to keep, and left in place it
        // would stop retention here for good.
        count++;
        continue;
      }
      boolean expired = config.retentionMs() >= 0 && segment.maxTimestamp() < nowMs - config.retentionMs();
      boolean oversize = !newest && excessBytes >= segment.sizeInBytes();
      if (!expired && !oversize) {
        break;
      }
      excessBytes -= segment.sizeInBytes();
      count++;
    }
    return count;
  }
}
