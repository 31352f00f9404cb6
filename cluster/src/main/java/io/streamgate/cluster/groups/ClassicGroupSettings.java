package io.streamgate.cluster.groups;

/**
 * The coordinator's settings for Kafka's classic groups.
 *
 * @param initialRebalanceDelayMs how long the first rebalance of an empty group waits for more
 *     members, extended by as much for each one that joins meanwhile, up to the rebalance timeout
 *     (Kafka's {@code group.initial.rebalance.delay.ms})
 * @param maxRebalanceTimeoutMs the most a rebalance waits for members to rejoin, and for the
 *     leader's SyncGroup, whatever the members ask (Kafka Streams asks for days)
 * @param maxMembers members and handed-out member ids a group may have (Kafka's {@code group.max.size})
 */
public record ClassicGroupSettings(long initialRebalanceDelayMs, long maxRebalanceTimeoutMs, int maxMembers) {
  public static final ClassicGroupSettings DEFAULTS = new ClassicGroupSettings(3_000, 300_000, 1_000);

  public ClassicGroupSettings {
    if (initialRebalanceDelayMs < 0 || maxRebalanceTimeoutMs < 1 || maxMembers < 1) {
      throw new IllegalArgumentException("classic group settings out of range: " + initialRebalanceDelayMs + ", "
          + maxRebalanceTimeoutMs + ", " + maxMembers);
    }
  }
}
