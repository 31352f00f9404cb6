package io.streamgate.cluster.metadata;

/**
 * A node as the metadata log knows it: where to reach it; its lease epoch, which rises each time the
 * node registers so that renewals from an earlier run of the node are refused; and how many times it
 * renewed the lease in this epoch. The pair (lease epoch, renewals) changes with every accepted
 * renewal or registration, so a command fenced on it (an election's fence) is refused once
 * the node showed life after the proposer judged it.
 */
public record NodeState(String id, String address, long leaseEpoch, long renewals) {
  /** The same node, one renewal later. */
  NodeState renewed() {
    return new NodeState(id, address, leaseEpoch, renewals + 1);
  }
}
