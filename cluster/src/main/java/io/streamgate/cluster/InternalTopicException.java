package io.streamgate.cluster;

/**
 * A client asked to write to, change or delete an internal topic (a name starting with
 * {@link TopicNames#INTERNAL_PREFIX}). Internal topics belong to the server; clients may read them.
 */
public class InternalTopicException extends ClusterException {
  public InternalTopicException(String message) {
    super(message);
  }
}
