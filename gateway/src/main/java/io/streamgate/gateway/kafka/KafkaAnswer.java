package io.streamgate.gateway.kafka;

import io.streamgate.logstore.LogSlice;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.List;

/**
 * An encoded answer, size prefix first: its bytes, with the record sets that stay in their segment
 * files ({@link LogSlice}, a Fetch's) between them, sent from there. {@code buffers} has one more
 * element than {@code slices}: buffer 0, slice 0, buffer 1, ..., the last buffer.
 */
record KafkaAnswer(List<Buffer> buffers, List<LogSlice> slices) {

  KafkaAnswer {
    if (buffers.size() != slices.size() + 1) {
      throw new IllegalArgumentException(buffers.size() + " buffers around " + slices.size() + " slices");
    }
  }

  /** An answer held wholly in memory. */
  static KafkaAnswer of(Buffer bytes) {
    return new KafkaAnswer(List.of(bytes), List.of());
  }

  /**
   * Writes the answer, the slices as file regions in their place among the bytes. The socket must
   * be a plain one (see {@link LogSliceRegion}); its writes keep their order.
   */
  void writeTo(NetSocket socket) {
    for (int i = 0; i < slices.size(); i++) {
      socket.write(buffers.get(i));
      ((NetSocketInternal) socket).writeMessage(new LogSliceRegion(slices.get(i)));
    }
    socket.write(buffers.get(slices.size()));
  }
}
