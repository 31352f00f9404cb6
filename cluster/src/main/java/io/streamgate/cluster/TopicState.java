package io.streamgate.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A topic as the cluster agrees on it: its identity, definition and the state of each partition, in
 * one value so that a change is one compare-and-set. {@code version} rises with every change; a
 * deleted topic stays as a tombstone (keeping its id) so that a node which slept through the
 * deletion cannot bring the topic back when it returns. {@code id} names this incarnation of the
 * name: a topic created again after a deletion has a new one ({@link TopicId}).
 */
public record TopicState(TopicId id, TopicMetadata topic, List<PartitionState> partitions, long version, boolean deleted) {
  public TopicState {
    partitions = List.copyOf(partitions);
  }

  public String name() {
    return topic.name();
  }

  public PartitionState partition(int partition) {
    return partitions.get(partition);
  }

  /** The next version, with partition {@code p} changed. */
  public TopicState withPartition(int p, UnaryOperator<PartitionState> change) {
    List<PartitionState> changed = new ArrayList<>(partitions);
    changed.set(p, change.apply(partitions.get(p)));
    return new TopicState(id, topic, changed, version + 1, deleted);
  }

  public TopicState next(TopicMetadata newTopic, List<PartitionState> newPartitions) {
    return new TopicState(id, newTopic, newPartitions, version + 1, false);
  }

  /** This version with another replication factor: a move that changed the first partition's (Kafka's notion of it). */
  public TopicState withReplicationFactor(int replicationFactor) {
    return new TopicState(id, new TopicMetadata(topic.name(), topic.partitions(), replicationFactor, topic.config()), partitions,
        version, deleted);
  }

  public TopicState tombstone() {
    return new TopicState(id, topic, List.of(), version + 1, true);
  }
}
