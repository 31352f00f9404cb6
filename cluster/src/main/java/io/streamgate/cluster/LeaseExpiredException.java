package io.streamgate.cluster;

/**
 * The node that leads the partition does not hold its lease from the metadata quorum now (a renewal
 * came late, or its side of the cluster lacks a majority): it took nothing and answered nothing.
 * Most often it passes within a lease: the lease is renewed, or the partition's leadership moves
 * ({@link PartitionRouter} holds the request meanwhile).
 */
public final class LeaseExpiredException extends NotEnoughReplicasException {
  public LeaseExpiredException(String message) {
    super(message);
  }
}
