package io.streamgate.gateway.kafka;

import io.streamgate.logstore.LogSlice;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
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
   * The same answer wholly in memory, its slices read from their segment files on a worker thread:
   * for a TLS connection, whose bytes must pass through the encryption (Netty's SslHandler takes
   * buffers, never a file region). Fails, as the file-region write would, when a slice's segment was
   * deleted meanwhile.
   */
  Future<KafkaAnswer> inMemory(Context context) {
    if (slices.isEmpty()) {
      return Future.succeededFuture(this);
    }
    return context.executeBlocking(() -> {
      Buffer whole = Buffer.buffer(buffers.stream().mapToInt(Buffer::length).sum()
          + slices.stream().mapToInt(LogSlice::sizeInBytes).sum());
      for (int i = 0; i < slices.size(); i++) {
        whole.appendBuffer(buffers.get(i)).appendBytes(read(slices.get(i)));
      }
      return KafkaAnswer.of(whole.appendBuffer(buffers.get(slices.size())));
    }, false);
  }

  private static byte[] read(LogSlice slice) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(slice.sizeInBytes());
    WritableByteChannel into = new WritableByteChannel() {
      @Override
      public int write(ByteBuffer source) {
        int length = source.remaining();
        bytes.put(source);
        return length;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
    while (bytes.hasRemaining()) {
      if (slice.transferTo(into, bytes.position(), bytes.remaining()) == 0) {
        throw new IOException("the segment of " + slice + " ended before the slice did");
      }
    }
    return bytes.array();
  }

  /**
   * Writes the answer, the slices as file regions in their place among the bytes. The socket must
   * be a plain one (see {@link LogSliceRegion}, and {@link #inMemory} for TLS); its writes keep their order.
   */
  void writeTo(NetSocket socket) {
    for (int i = 0; i < slices.size(); i++) {
      socket.write(buffers.get(i));
      ((NetSocketInternal) socket).writeMessage(new LogSliceRegion(slices.get(i)));
    }
    socket.write(buffers.get(slices.size()));
  }
}
