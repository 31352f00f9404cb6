package io.streamgate.cluster;

import java.util.Map;

/**
 * What a client asks for when it creates a topic.
 *
 * @param config topic configuration under Kafka's key names (see {@link TopicConfigs}); values as strings
 */
public record TopicSpec(String name, int partitions, int replicationFactor, Map<String, String> config) {
  public TopicSpec {
    config = Map.copyOf(config);
  }
}
