package io.streamgate.cluster;

import java.util.List;

/**
 * One partition of a described topic: who leads and replicates it (node ids), and its offsets.
 *
 * @param earliestOffset the first offset the partition holds
 * @param latestOffset the next offset to be written that readers will see (the high watermark)
 */
public record PartitionDescription(int partition, String leader, List<String> replicas, List<String> isr,
    long earliestOffset, long latestOffset) {}
