package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/** A group request that cannot be carried out as asked: a bad group name, no topics, an unknown strategy. Nothing changed. */
public class InvalidGroupRequestException extends ClusterException {
  public InvalidGroupRequestException(String message) {
    super(message);
  }
}
