package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/**
 * The group's offsets of a topic cannot be deleted while a member of the group consumes it: its
 * next commit would bring them back (Kafka's GROUP_SUBSCRIBED_TO_TOPIC for OffsetDelete).
 */
public final class GroupSubscribedToTopicException extends ClusterException {
  public GroupSubscribedToTopicException(String message) {
    super(message);
  }
}
