package io.streamgate.cluster;

import io.streamgate.logstore.TopicPartition;

/**
 * How far one follower of a partition this node leads is behind, as the leader sees it when asked:
 * the leader's log end minus the log end the follower's last fetch in this leader's epoch reported.
 * A follower that has not fetched in this epoch yet counts as holding nothing of the log (it is as far
 * behind as the log is long): the leader cannot know what it holds.
 */
public record FollowerLag(TopicPartition partition, String follower, long records) {}
