package io.streamgate.cluster;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.ReadResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * How nodes talk to each other over the clustered event bus: the addresses, the encodings of
 * record-carrying replies (binary, the batches as stored), and how a typed failure on one node
 * becomes the same typed exception on the node that asked.
 */
final class Wire {
  private Wire() {}

  static String address(String node, String operation) {
    return "streamgate.node." + node + "." + operation;
  }

  static final String APPEND = "append";
  static final String READ = "read";
  static final String OFFSETS = "offsets";
  static final String WATCH = "watch";
  static final String FETCH = "replica-fetch";
  static final String GROUPS = "groups";

  // ---------------------------------------------------------------- results

  static JsonObject appendResult(AppendResult result) {
    return new JsonObject().put("baseOffset", result.baseOffset()).put("lastOffset", result.lastOffset())
        .put("maxTimestamp", result.maxTimestamp()).put("size", result.sizeInBytes());
  }

  static AppendResult appendResult(JsonObject json) {
    return new AppendResult(json.getLong("baseOffset"), json.getLong("lastOffset"), json.getLong("maxTimestamp"),
        json.getInteger("size"));
  }

  static Buffer readResult(ReadResult read) {
    Buffer out = Buffer.buffer(32 + read.batches().remaining());
    out.appendLong(read.fetchOffset()).appendLong(read.highWatermark()).appendLong(read.logStartOffset())
        .appendLong(read.logEndOffset());
    return out.appendBytes(bytes(read.batches()));
  }

  static ReadResult readResult(Buffer in) {
    return new ReadResult(in.getLong(0), ByteBuffer.wrap(in.getBytes(32, in.length())), in.getLong(8), in.getLong(16),
        in.getLong(24));
  }

  static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  // ---------------------------------------------------------------- failures

  /**
   * The failure code and message that carry {@code failure} to the asking node: the code is the
   * failure's {@link StreamgateError} code, fixed, so that nodes of different versions agree on it.
   */
  static ReplyException failure(Throwable failure) {
    Throwable cause = Failures.cause(failure);
    StreamgateError error = StreamgateError.forException(cause);
    String message = cause instanceof OffsetOutOfRangeException range
        ? range.logStartOffset() + "," + range.logEndOffset() + "," + range.getMessage()
        : error == StreamgateError.UNKNOWN_SERVER_ERROR ? String.valueOf(cause.getMessage()) : cause.getMessage();
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, error.code(), message);
  }

  /**
   * The exception a failed request stands for: the remote node's typed failure (rebuilt from its
   * catalogue code), or, when the node could not be reached or did not answer, a retriable
   * {@link LeaderNotAvailableException}.
   */
  static Throwable exception(Throwable failure, String node) {
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        String message = reply.getMessage();
        // A code without an exception, one this node does not know (a newer peer's), or a message
        // that is not what the code says (an older peer's): untyped, never a failure of its own.
        return StreamgateError.forCode(reply.failureCode())
            .flatMap(error -> error == StreamgateError.OFFSET_OUT_OF_RANGE ? offsetOutOfRange(message) : error.exception(message))
            .orElseGet(() -> new ClusterException("node " + node + " failed: " + message));
      }
      return new LeaderNotAvailableException("node " + node + " did not answer (" + reply.failureType() + "): "
          + reply.getMessage());
    }
    return new LeaderNotAvailableException("node " + node + " could not be reached: " + failure.getMessage());
  }

  /** An {@link OffsetOutOfRangeException} from its "start,end,message" encoding; empty for anything else. */
  private static Optional<RuntimeException> offsetOutOfRange(String encoded) {
    String[] parts = encoded == null ? new String[0] : encoded.split(",", 3);
    try {
      return parts.length == 3
          ? Optional.of(new OffsetOutOfRangeException(parts[2], Long.parseLong(parts[0]), Long.parseLong(parts[1])))
          : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
