package io.streamgate.cluster;

/** No topic of that name exists. */
public class TopicNotFoundException extends ClusterException {
  public TopicNotFoundException(String message) {
    super(message);
  }
}
