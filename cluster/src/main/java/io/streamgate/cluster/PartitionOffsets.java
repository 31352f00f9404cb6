package io.streamgate.cluster;

import io.streamgate.logstore.TimestampOffset;
import java.util.Optional;

/**
 * A partition's readable range, and optionally the answer to a search by timestamp.
 *
 * @param earliest the first offset held
 * @param latest the next offset readers will see (the high watermark)
 * @param logEnd the next offset the leader will write: at or past {@code latest}, and past every
 *     offset a reader was ever shown, also just after a leader change, when the new leader's high
 *     watermark may still lag the old one's
 * @param forTimestamp the first record at or after the searched timestamp, if one was asked for and exists
 */
public record PartitionOffsets(long earliest, long latest, long logEnd, Optional<TimestampOffset> forTimestamp) {}
