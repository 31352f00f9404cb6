package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/**
 * The join does not fit the protocol the group runs by: a Kafka JoinGroup for a group with HTTP
 * members (or an HTTP join for a group with Kafka members), another protocol type, or no protocol
 * every member supports. Kafka's INCONSISTENT_GROUP_PROTOCOL.
 */
public class InconsistentGroupProtocolException extends ClusterException {
  public InconsistentGroupProtocolException(String message) {
    super(message);
  }
}
