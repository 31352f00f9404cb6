package io.streamgate.gateway.kafka;

import io.vertx.core.Context;

/**
 * Who sent a request, and where its answer is built: the connection's event loop, to which every
 * handler brings its service results back; and the connection's order of appends.
 */
record KafkaCaller(Context context, String remoteAddress, String clientId, AppendOrder appendOrder) {
  /** For log lines: the address and the client id. */
  @Override
  public String toString() {
    return remoteAddress + " (client id " + clientId + ")";
  }
}
