package io.streamgate.gateway.kafka;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

/**
 * Cuts a connection's bytes into Kafka frames: a 4-byte big-endian size, then that many bytes. A
 * size past {@code maxFrameBytes} (or below a request header) is refused as soon as the size is
 * read, before any of the frame is buffered; the limit may change between frames ({@link #limit}). Reading pauses and resumes with {@link #pause()} and
 * {@link #resume()} (the socket's reads stop while paused). Confined to the connection's event loop.
 */
final class KafkaFrames {
  private static final int SIZE_BYTES = 4;

  private final RecordParser parser;
  private int maxFrameBytes;
  /** The setting {@link #maxFrameBytes} comes from, for the refusal's message. */
  private String limitName;
  private final Handler<Buffer> onFrame;
  private final Handler<String> onRefused;
  private boolean expectingSize = true;

  /**
   * @param onFrame gets each whole frame, without its size
   * @param onRefused gets why a size was refused; no frame follows it
   */
  KafkaFrames(NetSocket socket, int maxFrameBytes, String limitName, Handler<Buffer> onFrame, Handler<String> onRefused) {
    this.maxFrameBytes = maxFrameBytes;
    this.limitName = limitName;
    this.onFrame = onFrame;
    this.onRefused = onRefused;
    this.parser = RecordParser.newFixed(SIZE_BYTES, socket);
    parser.handler(this::onRecord);
  }

  private void onRecord(Buffer record) {
    if (!expectingSize) {
      expectingSize = true;
      parser.fixedSizeMode(SIZE_BYTES);
      onFrame.handle(record);
      return;
    }
    int size = record.getInt(0);
    if (size > maxFrameBytes || size < KafkaCodec.MIN_FRAME_BYTES) {
      parser.pause();
      onRefused.handle("a frame of " + Integer.toUnsignedString(size) + " bytes" + (size > maxFrameBytes
          ? " exceeds " + limitName + " = " + maxFrameBytes : " cannot hold a request header"));
      return;
    }
    expectingSize = false;
    parser.fixedSizeMode(size);
  }

  /** From the next frame on, frames up to {@code maxFrameBytes} ({@code limitName}, for the refusal's message). */
  void limit(int maxFrameBytes, String limitName) {
    this.maxFrameBytes = maxFrameBytes;
    this.limitName = limitName;
  }

  void pause() {
    parser.pause();
  }

  void resume() {
    parser.resume();
  }
}
