package io.streamgate.cluster;

import io.streamgate.cluster.groups.CoordinatorLoadInProgressException;
import io.streamgate.cluster.groups.GroupNotEmptyException;
import io.streamgate.cluster.groups.GroupNotFoundException;
import io.streamgate.cluster.groups.InvalidGroupRequestException;
import io.streamgate.cluster.groups.MemberNotFoundException;
import io.streamgate.cluster.groups.RebalanceConflictException;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.CorruptRecordException;
import io.streamgate.logstore.InvalidConfigException;
import io.streamgate.logstore.InvalidRecordException;
import io.streamgate.logstore.LogClosedException;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.RecordTooLargeException;
import io.streamgate.logstore.WriteQueueFullException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;

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

  /** The exceptions that cross nodes with their type; anything else arrives as a {@link ClusterException}. */
  private static final List<Class<? extends RuntimeException>> TYPED = List.of(
      TopicNotFoundException.class, PartitionNotFoundException.class, NotLeaderException.class,
      NotEnoughReplicasException.class, LeaderNotAvailableException.class, ReplicationTimeoutException.class,
      OffsetOutOfRangeException.class, RecordTooLargeException.class, InvalidRecordException.class,
      CorruptRecordException.class, InvalidConfigException.class, WriteQueueFullException.class, LogClosedException.class,
      InvalidGroupRequestException.class, GroupNotFoundException.class, MemberNotFoundException.class,
      RebalanceConflictException.class, GroupNotEmptyException.class, InvalidTopicNameException.class,
      InvalidTimestampException.class, IdempotencyKeyReusedException.class, CoordinatorLoadInProgressException.class);
  private static final List<Function<String, RuntimeException>> CONSTRUCTORS = List.of(
      TopicNotFoundException::new, PartitionNotFoundException::new, NotLeaderException::new,
      NotEnoughReplicasException::new, LeaderNotAvailableException::new, ReplicationTimeoutException::new,
      Wire::offsetOutOfRange, RecordTooLargeException::new, InvalidRecordException::new,
      CorruptRecordException::new, InvalidConfigException::new, WriteQueueFullException::new, LogClosedException::new,
      InvalidGroupRequestException::new, GroupNotFoundException::new, MemberNotFoundException::new,
      RebalanceConflictException::new, GroupNotEmptyException::new, InvalidTopicNameException::new,
      InvalidTimestampException::new, IdempotencyKeyReusedException::new, CoordinatorLoadInProgressException::new);
  private static final int UNTYPED = 1000;

  /** The failure code and message that carry {@code failure} to the asking node. */
  static ReplyException failure(Throwable failure) {
    Throwable cause = Failures.cause(failure);
    for (int i = 0; i < TYPED.size(); i++) {
      if (TYPED.get(i).isInstance(cause)) {
        String message = cause instanceof OffsetOutOfRangeException range
            ? range.logStartOffset() + "," + range.logEndOffset() + "," + range.getMessage()
            : cause.getMessage();
        return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, i, message);
      }
    }
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, UNTYPED, String.valueOf(cause.getMessage()));
  }

  /**
   * The exception a failed request stands for: the remote node's typed failure, or, when the node
   * could not be reached or did not answer, a retriable {@link LeaderNotAvailableException}.
   */
  static Throwable exception(Throwable failure, String node) {
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        int code = reply.failureCode();
        return code >= 0 && code < CONSTRUCTORS.size() ? CONSTRUCTORS.get(code).apply(reply.getMessage())
            : new ClusterException("node " + node + " failed: " + reply.getMessage());
      }
      return new LeaderNotAvailableException("node " + node + " did not answer (" + reply.failureType() + "): "
          + reply.getMessage());
    }
    return new LeaderNotAvailableException("node " + node + " could not be reached: " + failure.getMessage());
  }

  private static OffsetOutOfRangeException offsetOutOfRange(String encoded) {
    String[] parts = encoded.split(",", 3);
    return new OffsetOutOfRangeException(parts[2], Long.parseLong(parts[0]), Long.parseLong(parts[1]));
  }
}
