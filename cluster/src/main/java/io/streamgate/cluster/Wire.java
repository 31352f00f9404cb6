package io.streamgate.cluster;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

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
  static final String DELETE_RECORDS = "delete-records";
  static final String FETCH = "replica-fetch";
  static final String GROUPS = "groups";
  /** How far the replicas that moves add are behind the partitions this node leads ({@link PartitionMoves}). */
  static final String MOVE_LAGS = "move-lags";

  // ---------------------------------------------------------------- results

  static JsonObject appendResult(AppendResult result) {
    return new JsonObject().put("baseOffset", result.baseOffset()).put("lastOffset", result.lastOffset())
        .put("maxTimestamp", result.maxTimestamp()).put("size", result.sizeInBytes()).put("duplicate", result.duplicate());
  }

  static AppendResult appendResult(JsonObject json) {
    // A node from before duplicates were told sends no "duplicate": it wrote the batch.
    return new AppendResult(json.getLong("baseOffset"), json.getLong("lastOffset"), json.getLong("maxTimestamp"),
        json.getInteger("size"), json.getBoolean("duplicate", false));
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

  /**
   * One partition of a follower's fetch: the topic incarnation its replica belongs to (the leader
   * answers UNKNOWN_TOPIC_ID unless its own is the same; null from a node that predates topic ids,
   * which is served as before), the epoch it follows in, where its log ends, the epoch of
   * its last batch, where its log starts (the leader answers a deletion once every ISR member's
   * start has passed it), and the high watermark it knows (the leader does not hold a fetch while its
   * own is higher: the follower's readers wait for it).
   */
  record FetchPosition(TopicPartition partition, TopicId topicId, int epoch, long offset, int lastEpoch, long logStartOffset,
      long highWatermark) {
    /** The log start of a fetch from a node that predates reporting it (a rolling upgrade). */
    static final long LOG_START_UNREPORTED = -1;
    /** The high watermark of a fetch from a node that predates reporting it: its fetch is held as before. */
    static final long HIGH_WATERMARK_UNREPORTED = -1;
  }

  /** A follower's fetch, which the leader may hold up to {@code maxWaitMs} while nothing is new. */
  record FetchRequest(String follower, long maxWaitMs, List<FetchPosition> partitions) {}

  /** The leader's answer for one partition of a fetch, in the order the fetch asked. */
  record FetchedPartition(TopicPartition partition, Replica.FetchAnswer answer) {}

  static JsonObject fetchRequest(FetchRequest request) {
    JsonArray partitions = new JsonArray();
    for (FetchPosition p : request.partitions()) {
      partitions.add(new JsonObject().put("topic", p.partition().topic())
          .put("topicId", p.topicId() == null ? null : p.topicId().toString())
          .put("partition", p.partition().partition()).put("epoch", p.epoch()).put("offset", p.offset()).put("lastEpoch", p.lastEpoch())
          .put("logStart", p.logStartOffset()).put("highWatermark", p.highWatermark()));
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
          p.getString("topicId") == null ? null : TopicId.parse(p.getString("topicId")), p.getInteger("epoch"), p.getLong("offset"),
          p.getInteger("lastEpoch"),
          p.getLong("logStart", FetchPosition.LOG_START_UNREPORTED),
          p.getLong("highWatermark", FetchPosition.HIGH_WATERMARK_UNREPORTED)));
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
    return error.code();
  }

  static Replica.FetchAnswer.Error fetchError(byte code) {
    for (Replica.FetchAnswer.Error error : Replica.FetchAnswer.Error.values()) {
      if (error.code() == code) {
        return error;
      }
    }
    throw new IllegalArgumentException("unknown fetch error code " + code);
  }

  static JsonArray moveLags(List<PartitionMoves.Lag> lags) {
    JsonArray json = new JsonArray();
    for (PartitionMoves.Lag lag : lags) {
      json.add(new JsonObject().put("topic", lag.partition().topic()).put("partition", lag.partition().partition())
          .put("follower", lag.follower()).put("records", lag.records()).put("bytes", lag.bytes()));
    }
    return json;
  }

  static List<PartitionMoves.Lag> moveLags(JsonArray json) {
    List<PartitionMoves.Lag> lags = new ArrayList<>();
    for (int i = 0; i < json.size(); i++) {
      JsonObject lag = json.getJsonObject(i);
      lags.add(new PartitionMoves.Lag(new TopicPartition(lag.getString("topic"), lag.getInteger("partition")),
          lag.getString("follower"), lag.getLong("records"), lag.getLong("bytes")));
    }
    return lags;
  }

  // ---------------------------------------------------------------- failures

  /** Answers {@code message} with {@code result}'s value, or with its failure as {@link #failure} encodes it. */
  static void reply(Message<?> message, CompletableFuture<?> result) {
    result.whenComplete((value, failure) -> {
      if (failure == null) {
        message.reply(value);
      } else {
        ReplyException encoded = failure(failure);
        message.fail(encoded.failureCode(), encoded.getMessage());
      }
    });
  }

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
