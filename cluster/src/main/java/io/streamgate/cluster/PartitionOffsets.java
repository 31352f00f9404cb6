package io.streamgate.cluster;

import io.streamgate.logstore.TimestampOffset;
import java.util.Optional;

/**
 * A partition's readable range, and optionally the answer to a search by timestamp.
 *
 * @param earliest the first offset held
 * @param latest the next offset readers will see (the high watermark)
 * @param forTimestamp the first record at or after the searched timestamp, if one was asked for and exists
 */
public record PartitionOffsets(long earliest, long latest, Optional<TimestampOffset> forTimestamp) {}
