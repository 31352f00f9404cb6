package io.streamgate.cluster;

import io.streamgate.logstore.TopicPartition;

/** The bytes a partition replica held on this node takes on disk, when it was asked. */
public record ReplicaSize(TopicPartition partition, long sizeBytes) {}
