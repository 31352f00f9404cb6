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
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.WriteQueueFullException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

  // ---------------------------------------------------------------- replica fetch

  /** One partition of a follower's fetch: the epoch it follows in, where its log ends, and the epoch of its last batch. */
  record FetchPosition(TopicPartition partition, int epoch, long offset, int lastEpoch) {}

  /** A follower's fetch, which the leader may hold up to {@code maxWaitMs} while nothing is new. */
  record FetchRequest(String follower, long maxWaitMs, List<FetchPosition> partitions) {}

  /** The leader's answer for one partition of a fetch, in the order the fetch asked. */
  record FetchedPartition(TopicPartition partition, Replica.FetchAnswer answer) {}

  static JsonObject fetchRequest(FetchRequest request) {
    JsonArray partitions = new JsonArray();
    for (FetchPosition p : request.partitions()) {
      partitions.add(new JsonObject().put("topic", p.partition().topic()).put("partition", p.partition().partition())
          .put("epoch", p.epoch()).put("offset", p.offset()).put("lastEpoch", p.lastEpoch()));
    }
    return new JsonObject().put("follower", request.follower()).put("maxWaitMs", request.maxWaitMs())
        .put("partitions", partitions);
  }

  static FetchRequest fetchRequest(JsonObject json) {
    JsonArray partitions = json.getJsonArray("partitions");
    List<FetchPosition> positions = new ArrayList<>(partitions.size());
    for (int i = 0; i < partitions.size(); i++) {
      JsonObject p = partitions.getJsonObject(i);
      positions.add(new FetchPosition(new TopicPartition(p.getString("topic"), p.getInteger("partition")),
          p.getInteger("epoch"), p.getLong("offset"), p.getInteger("lastEpoch")));
    }
    return new FetchRequest(json.getString("follower"), json.getLong("maxWaitMs", 0L), positions);
  }

  /*
   * A fetch response, big-endian: int32 count, then per partition int32 topic length, the topic
   * (UTF-8), and the fixed part below, then the records (the batches as stored). The offsets are
   * relative to the fixed part's start, each derived from the field before it.
   */
  private static final int FETCH_TOPIC_LENGTH_LENGTH = Integer.BYTES;
  private static final int FETCH_PARTITION_OFFSET = 0;
  private static final int FETCH_ERROR_OFFSET = FETCH_PARTITION_OFFSET + Integer.BYTES;
  private static final int FETCH_HIGH_WATERMARK_OFFSET = FETCH_ERROR_OFFSET + Byte.BYTES;
  private static final int FETCH_LOG_START_OFFSET = FETCH_HIGH_WATERMARK_OFFSET + Long.BYTES;
  private static final int FETCH_DIVERGING_EPOCH_OFFSET = FETCH_LOG_START_OFFSET + Long.BYTES;
  private static final int FETCH_DIVERGING_END_OFFSET = FETCH_DIVERGING_EPOCH_OFFSET + Integer.BYTES;
  private static final int FETCH_RECORDS_LENGTH_OFFSET = FETCH_DIVERGING_END_OFFSET + Long.BYTES;
  /** The records follow the fixed part. */
  private static final int FETCH_FIXED_LENGTH = FETCH_RECORDS_LENGTH_OFFSET + Integer.BYTES;

  static Buffer fetchResponse(List<FetchedPartition> partitions) {
    Buffer out = Buffer.buffer();
    out.appendInt(partitions.size());
    for (FetchedPartition p : partitions) {
      Replica.FetchAnswer a = p.answer();
      byte[] topic = p.partition().topic().getBytes(StandardCharsets.UTF_8);
      byte[] records = bytes(a.records());
      ByteBuffer fixed = ByteBuffer.allocate(FETCH_FIXED_LENGTH)
          .putInt(FETCH_PARTITION_OFFSET, p.partition().partition())
          .put(FETCH_ERROR_OFFSET, fetchErrorCode(a.error()))
          .putLong(FETCH_HIGH_WATERMARK_OFFSET, a.highWatermark())
          .putLong(FETCH_LOG_START_OFFSET, a.logStartOffset())
          .putInt(FETCH_DIVERGING_EPOCH_OFFSET, a.divergingEpoch())
          .putLong(FETCH_DIVERGING_END_OFFSET, a.divergingEndOffset())
          .putInt(FETCH_RECORDS_LENGTH_OFFSET, records.length);
      out.appendInt(topic.length).appendBytes(topic).appendBytes(fixed.array()).appendBytes(records);
    }
    return out;
  }

  static List<FetchedPartition> fetchResponse(Buffer in) {
    int count = in.getInt(0);
    int pos = Integer.BYTES;
    List<FetchedPartition> partitions = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int topicLength = in.getInt(pos);
      pos += FETCH_TOPIC_LENGTH_LENGTH;
      String topic = new String(in.getBytes(pos, pos + topicLength), StandardCharsets.UTF_8);
      pos += topicLength;
      int recordsLength = in.getInt(pos + FETCH_RECORDS_LENGTH_OFFSET);
      int recordsStart = pos + FETCH_FIXED_LENGTH;
      Replica.FetchAnswer answer = new Replica.FetchAnswer(fetchError(in.getByte(pos + FETCH_ERROR_OFFSET)),
          ByteBuffer.wrap(in.getBytes(recordsStart, recordsStart + recordsLength)),
          in.getLong(pos + FETCH_HIGH_WATERMARK_OFFSET), in.getLong(pos + FETCH_LOG_START_OFFSET),
          in.getInt(pos + FETCH_DIVERGING_EPOCH_OFFSET), in.getLong(pos + FETCH_DIVERGING_END_OFFSET));
      partitions.add(new FetchedPartition(new TopicPartition(topic, in.getInt(pos + FETCH_PARTITION_OFFSET)), answer));
      pos = recordsStart + recordsLength;
    }
    return partitions;
  }

  /** The byte a fetch answer's error travels as; {@link #fetchError} reads it back. */
  static byte fetchErrorCode(Replica.FetchAnswer.Error error) {
    return (byte) error.ordinal();
  }

  static Replica.FetchAnswer.Error fetchError(byte code) {
    Replica.FetchAnswer.Error[] errors = Replica.FetchAnswer.Error.values();
    if (code < 0 || code >= errors.length) {
      throw new IllegalArgumentException("unknown fetch error code " + code);
    }
    return errors[code];
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
