package io.streamgate.gateway.http;

import io.streamgate.cluster.groups.GroupService.Membership;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Supplier;

/**
 * A stream's records as Server-Sent Events: {@code event: record} with the stream's position after
 * the record as its {@code id}; a group's assignment as an {@code assignment} event.
 */
final class EventStreamSink implements GroupStreamSession.Sink {
  private final HttpServerResponse response;

  EventStreamSink(HttpServerResponse response) {
    this.response = response;
  }

  @Override
  public int send(String recordJson, Supplier<String> position) {
    Buffer event = Buffer.buffer(recordJson.length() + 128).appendString("id: ").appendString(position.get())
        .appendString("\nevent: record\ndata: ").appendString(recordJson).appendString("\n\n");
    response.write(event);
    return event.length();
  }

  @Override
  public void assignment(Membership membership) {
    response.write(Buffer.buffer("event: assignment\ndata: ").appendBuffer(GroupsHandler.membershipJson(membership)).appendString("\n\n"));
  }

  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  @Override
  public void drainHandler(Runnable onDrain) {
    response.drainHandler(v -> onDrain.run());
  }

  /** An {@code error} event carrying the problem (a 401 or 403 when the client may no longer read), then the end. */
  @Override
  public void fail(Throwable failure) {
    response.end("event: error\ndata: " + StreamHandler.problemJson(failure) + "\n\n");
  }
}
