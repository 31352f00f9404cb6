package io.streamgate.gateway.http;

import io.vertx.core.buffer.Buffer;

/**
 * Where a {@link StreamSession} sends records: a WebSocket or an SSE response. Its write queue is
 * bounded; the session stops reading while {@link #writeQueueFull()} and resumes on drain.
 * Called on the connection's event loop only.
 */
interface StreamSink {
  /** Sends one record; {@code position} is the stream's next position ({@code P:O,P:O}) after it. */
  void send(Buffer recordJson, String position);

  boolean writeQueueFull();

  void drainHandler(Runnable onDrain);

  /** Ends the stream because of {@code failure}, telling the client why if the protocol allows. */
  void fail(Throwable failure);
}
