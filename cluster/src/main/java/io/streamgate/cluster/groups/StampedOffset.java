package io.streamgate.cluster.groups;

import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.groups.GroupService.CommittedOffset;
import java.util.Optional;
import java.util.function.Function;

/**
 * A committed offset as its group keeps it: with the id of the topic incarnation it was committed
 * in. A topic deleted and created again under its name has a new id, and the old incarnation's
 * offsets are no committed offsets of the new one (Kafka drops a deleted topic's offsets; here they
 * are ignored where read). {@code topicId} is empty for a commit of a topic the coordinator did not
 * know, and for one written before commits recorded ids: those are taken as the current
 * incarnation's, as they were before.
 */
record StampedOffset(CommittedOffset committed, Optional<TopicId> topicId) {

  /**
   * Whether this commit, of a partition of {@code topic}, is one of the topic's incarnation now
   * ({@code currentIds}: a topic's current id, empty for no such topic).
   */
  boolean isCurrent(String topic, Function<String, Optional<TopicId>> currentIds) {
    return topicId.isEmpty() || topicId.equals(currentIds.apply(topic));
  }
}
