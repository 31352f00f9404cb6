package io.streamgate.cluster;

/** A topic request that cannot be served as asked: bad name, partition count or replication factor, or an internal topic. */
public class InvalidTopicException extends ClusterException {
  public InvalidTopicException(String message) {
    super(message);
  }
}
