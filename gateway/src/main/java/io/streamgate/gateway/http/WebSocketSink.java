package io.streamgate.gateway.http;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.GroupService.Membership;
import io.vertx.core.http.ServerWebSocket;
import java.util.function.Supplier;

/** A stream's records as WebSocket text frames, one per record; a group's assignment as an {@code assignment} event frame. */
final class WebSocketSink implements GroupStreamSession.Sink {
  static final short POLICY_VIOLATION = 1008;

  private final ServerWebSocket ws;

  WebSocketSink(ServerWebSocket ws) {
    this.ws = ws;
  }

  @Override
  public int send(String recordJson, Supplier<String> position) {
    ws.writeTextMessage(recordJson);
    return utf8Length(recordJson);
  }

  /** The UTF-8 size of {@code text}, without encoding it (the frame encodes it once). */
  private static int utf8Length(String text) {
    int bytes = text.length();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x800) {
        // Three bytes, or four for a surrogate pair, which is two chars.
        bytes += Character.isSurrogate(c) ? 1 : 2;
      } else if (c >= 0x80) {
        bytes += 1;
      }
    }
    return bytes;
  }

  @Override
  public void assignment(Membership membership) {
    event("assignment", membership);
  }

  /** A frame {@code {"event": name, "membership": {...}}}. */
  void event(String name, Membership membership) {
    ws.writeTextMessage("{\"event\":\"" + name + "\",\"membership\":" + GroupsHandler.membershipJson(membership) + "}");
  }

  @Override
  public boolean writeQueueFull() {
    return ws.writeQueueFull();
  }

  @Override
  public void drainHandler(Runnable onDrain) {
    ws.drainHandler(v -> onDrain.run());
  }

  /**
   * Sends the problem, then closes: 1008 (policy violation, RFC 6455 §7.4.1) with the problem's code
   * as the reason when the client may no longer read (401, 403), else 1011 (server error).
   */
  @Override
  public void fail(Throwable failure) {
    StreamgateError error = ProblemMapper.errorFor(failure);
    boolean refused = error.httpStatus() == 401 || error.httpStatus() == 403;
    ws.writeTextMessage("{\"error\":" + StreamHandler.problemJson(failure) + "}")
        .eventually(() -> refused ? ws.close(POLICY_VIOLATION, error.problemCode()) : ws.close((short) 1011, "stream failed"));
  }
}
