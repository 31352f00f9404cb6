package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/** A Kafka-run group has as many members (joined or pending) as it may. Kafka's GROUP_MAX_SIZE_REACHED. */
public class GroupMaxSizeReachedException extends ClusterException {
  public GroupMaxSizeReachedException(String message) {
    super(message);
  }
}
