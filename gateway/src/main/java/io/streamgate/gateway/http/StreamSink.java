package io.streamgate.gateway.http;

import java.util.function.Supplier;

/**
 * Where a {@link StreamSession} sends records: a WebSocket or an SSE response. Its write queue is
 * bounded; the session stops reading while {@link #writeQueueFull()} and resumes on drain.
 * Called on the connection's event loop only.
 */
interface StreamSink {
  /**
   * Sends one record's JSON; {@code position} gives the stream's next position ({@code P:O,P:O})
   * after it, for sinks that send it (it costs a string per record, so only those ask).
   *
   * @return the bytes written: the frame's or event's payload, as the client receives it
   */
  int send(String recordJson, Supplier<String> position);

  boolean writeQueueFull();

  void drainHandler(Runnable onDrain);

  /** Ends the stream because of {@code failure}, telling the client why if the protocol allows. */
  void fail(Throwable failure);
}
