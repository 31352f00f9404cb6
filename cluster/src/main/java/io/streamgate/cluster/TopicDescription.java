package io.streamgate.cluster;

import java.util.List;
import java.util.Map;

/** A topic in full: its id, every configuration value (defaults included) and every partition. */
public record TopicDescription(String name, TopicId id, int replicationFactor, Map<String, String> config,
    List<PartitionDescription> partitions) {}
