package io.streamgate.cluster;

/** A topic of that name exists already. */
public class TopicExistsException extends ClusterException {
  public TopicExistsException(String message) {
    super(message);
  }
}
