package io.streamgate.cluster.metadata;

/**
 * A node as the metadata log knows it: where to reach it, and its lease epoch, which rises each
 * time the node registers so that renewals from an earlier run of the node are refused.
 */
public record NodeState(String id, String address, long leaseEpoch) {}
