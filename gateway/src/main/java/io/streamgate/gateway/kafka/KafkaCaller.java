package io.streamgate.gateway.kafka;

import io.vertx.core.Context;

/**
 * Who sent a request, and where its answer is built: the connection's event loop, to which every
 * handler brings its service results back; the connection's order of appends; and what its
 * principal may do ({@code access}).
 */
record KafkaCaller(Context context, String remoteAddress, String clientId, AppendOrder appendOrder, KafkaAuthorization access) {
  /** The client's host as Kafka shows a group member's ({@code /127.0.0.1}): the address without its port. */
  String clientHost() {
    int colon = remoteAddress.lastIndexOf(':');
    return "/" + (colon < 0 ? remoteAddress : remoteAddress.substring(0, colon));
  }

  /** For log lines: the address and the client id. */
  @Override
  public String toString() {
    return remoteAddress + " (client id " + clientId + ")";
  }
}
