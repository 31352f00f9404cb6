package io.streamgate.cluster;

import java.util.Map;

/** A topic's definition: name, partition count, replication factor and full configuration. */
public record TopicMetadata(String name, int partitions, int replicationFactor, Map<String, String> config) {
  public TopicMetadata {
    config = Map.copyOf(config);
  }
}
