package io.streamgate.cluster;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Which replica of a partition serves a consumer's read (Kafka's {@code RackAwareReplicaSelector},
 * KIP-392): an in-sync replica in the reader's rack, else the leader. Every in-sync replica holds
 * the committed records, and none serves past the high watermark it knows, so any of them serves the
 * same records in the same order; one in the reader's rack saves a crossing between racks. A pure
 * function; thread-safe.
 */
final class ReadReplicaSelector {
  private ReadReplicaSelector() {}

  /**
   * @param state the partition as the metadata has it
   * @param racks node → rack (a node in no rack left out)
   * @param readerRack the reader's rack; null: the leader serves
   * @param nearest the node to take first among those that qualify (the node the reader asked, which saves a hop), or null
   * @param holds whether a replica holds what the reader asks for (the leader's view of its followers' logs)
   * @return the replica to read from: among the ISR members in {@code readerRack} that hold the read, {@code nearest} if it
   *     is one, else the leader if it is one, else the first in ISR order; without any, the leader (null when there is none)
   */
  static String select(PartitionState state, Map<String, String> racks, String readerRack, String nearest, Predicate<String> holds) {
    if (readerRack == null || !state.hasLeader()) {
      return state.leader();
    }
    List<String> inRack = state.isr().stream().filter(replica -> readerRack.equals(racks.get(replica)) && holds.test(replica))
        .toList();
    if (nearest != null && inRack.contains(nearest)) {
      return nearest;
    }
    return inRack.isEmpty() || inRack.contains(state.leader()) ? state.leader() : inRack.get(0);
  }
}
