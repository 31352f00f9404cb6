package io.streamgate.cluster.metadata;

/**
 * A node as the metadata log knows it: where to reach it; its lease epoch, which rises each time the
 * node registers so that renewals from an earlier run of the node are refused; and how many times it
 * renewed the lease in this epoch. The pair (lease epoch, renewals) changes with every accepted
 * renewal or registration, so a command fenced on it (an election's fence) is refused once
 * the node showed life after the proposer judged it. {@code stopping}: the node announced a graceful
 * stop ({@code StopNode}) in this lease epoch; it leads and joins ISRs no more, but still serves
 * under its lease while its leaderships move. {@code rack}: the fault domain the node said it is in
 * when it last registered, or null for none (see {@code RegisterNode}). {@code removed}: the node was
 * removed from the cluster for good ({@code RemoveNode}); a tombstone, so that the id can never
 * register or renew again.
 */
public record NodeState(String id, String address, long leaseEpoch, long renewals, boolean stopping, String rack,
    boolean removed) {
  /** A node of the cluster (not removed). */
  public NodeState(String id, String address, long leaseEpoch, long renewals, boolean stopping, String rack) {
    this(id, address, leaseEpoch, renewals, stopping, rack, false);
  }

  /** A node in no rack, of the cluster. */
  public NodeState(String id, String address, long leaseEpoch, long renewals, boolean stopping) {
    this(id, address, leaseEpoch, renewals, stopping, null);
  }

  /** A node in no rack that is not stopping. */
  public NodeState(String id, String address, long leaseEpoch, long renewals) {
    this(id, address, leaseEpoch, renewals, false);
  }

  /** The same node, one renewal later. */
  NodeState renewed() {
    return new NodeState(id, address, leaseEpoch, renewals + 1, stopping, rack, removed);
  }

  /** The same node, handing its leaderships off before it stops (until it registers again). */
  NodeState stopped() {
    return new NodeState(id, address, leaseEpoch, renewals, true, rack, removed);
  }

  /** The node's tombstone: in a lease epoch of its own, so that any fence or lease of its last run is stale. */
  NodeState removedForGood() {
    return new NodeState(id, address, leaseEpoch + 1, 0, false, rack, true);
  }
}
