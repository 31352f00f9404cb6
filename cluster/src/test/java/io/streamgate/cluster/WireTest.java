package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.MemberIdRequiredException;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.LogStorageException;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** What one node encodes, the asking node decodes to the same: results, replica fetches, and failures with their type. */
class WireTest {
  @Property
  void appendResultRoundTrips(@ForAll long baseOffset, @ForAll long lastOffset, @ForAll long maxTimestamp, @ForAll int size,
      @ForAll boolean duplicate) {
    AppendResult result = new AppendResult(baseOffset, lastOffset, maxTimestamp, size, duplicate);

    assertThat(Wire.appendResult(Wire.appendResult(result))).isEqualTo(result);
  }

  @Property
  void readResultRoundTripsWithItsBytes(@ForAll long fetchOffset, @ForAll long highWatermark, @ForAll long logStartOffset,
      @ForAll long logEndOffset, @ForAll byte[] batches, @ForAll @IntRange(max = 8) int position) {
    ByteBuffer buffer = ByteBuffer.wrap(batches);
    buffer.position(Math.min(position, batches.length)); // only the remaining bytes are the batches
    ReadResult read = new ReadResult(fetchOffset, buffer, highWatermark, logStartOffset, logEndOffset);

    ReadResult decoded = Wire.readResult(Wire.readResult(read));

    assertThat(decoded.fetchOffset()).isEqualTo(fetchOffset);
    assertThat(decoded.highWatermark()).isEqualTo(highWatermark);
    assertThat(decoded.logStartOffset()).isEqualTo(logStartOffset);
    assertThat(decoded.logEndOffset()).isEqualTo(logEndOffset);
    assertThat(Wire.bytes(decoded.batches())).isEqualTo(Wire.bytes(buffer));
    assertThat(buffer.position()).as("encoding does not consume the caller's buffer").isEqualTo(Math.min(position, batches.length));
  }

  @Property
  void fetchRequestRoundTrips(@ForAll("followers") String follower, @ForAll long maxWaitMs,
      @ForAll("fetchPositions") List<Wire.FetchPosition> partitions) {
    Wire.FetchRequest request = new Wire.FetchRequest(follower, maxWaitMs, partitions);

    assertThat(Wire.fetchRequest(Wire.fetchRequest(request))).isEqualTo(request);
  }

  @Example
  void aFetchFromANodeThatPredatesReportingItsLogStartTopicIdAndHighWatermarkReadsAsUnreported() {
    JsonObject older = new JsonObject().put("follower", "node-2").put("maxWaitMs", 500L).put("partitions", new JsonArray()
        .add(new JsonObject().put("topic", "t").put("partition", 0).put("epoch", 3).put("offset", 42L).put("lastEpoch", 2)));

    assertThat(Wire.fetchRequest(older).partitions()).containsExactly(
        new Wire.FetchPosition(new TopicPartition("t", 0), null, 3, 42, 2, Wire.FetchPosition.LOG_START_UNREPORTED,
            Wire.FetchPosition.HIGH_WATERMARK_UNREPORTED));
  }

  @Property
  void fetchResponseRoundTripsEveryPartitionInOrder(
      @ForAll("fetchedPartitions") List<Wire.FetchedPartition> partitions) {
    List<Wire.FetchedPartition> decoded = Wire.fetchResponse(Wire.fetchResponse(partitions));

    // FetchAnswer's equality compares the records' remaining bytes.
    assertThat(decoded).isEqualTo(partitions);
  }

  @Example
  void fetchResponseBytesAreFixed() {
    // Written field by field: the layout and the error codes must not move, so that nodes of two
    // versions read each other's answers during a rolling upgrade. (The codes changed once, from
    // enum positions to fixed codes, with the error catalogue: see docs/errors.md.)
    byte[] records = {7, 8, 9};
    Buffer expected = Buffer.buffer().appendInt(2)
        .appendInt(6).appendBytes("orders".getBytes(StandardCharsets.UTF_8)).appendInt(3)
        .appendByte((byte) 0).appendLong(42).appendLong(5).appendInt(-1).appendLong(-1)
        .appendInt(records.length).appendBytes(records)
        .appendInt(3).appendBytes("pay".getBytes(StandardCharsets.UTF_8)).appendInt(0)
        .appendByte(Byte.MAX_VALUE).appendLong(-1).appendLong(-1).appendInt(4).appendLong(17)
        .appendInt(0);
    List<Wire.FetchedPartition> answers = List.of(
        new Wire.FetchedPartition(new TopicPartition("orders", 3),
            new Replica.FetchAnswer(Replica.FetchAnswer.Error.NONE, ByteBuffer.wrap(records), 42, 5, -1, -1)),
        new Wire.FetchedPartition(new TopicPartition("pay", 0),
            new Replica.FetchAnswer(Replica.FetchAnswer.Error.DIVERGING, ByteBuffer.allocate(0), -1, -1, 4, 17)));

    assertThat(Wire.fetchResponse(answers).getBytes()).isEqualTo(expected.getBytes());
    assertThat(Wire.fetchResponse(expected)).isEqualTo(answers);
  }

  @Example
  void everyFetchErrorCrossesAsItselfAndAnUnknownCodeIsRefused() {
    for (Replica.FetchAnswer.Error error : Replica.FetchAnswer.Error.values()) {
      assertThat(Wire.fetchError(Wire.fetchErrorCode(error))).isEqualTo(error);
    }
    assertThat(Arrays.stream(Replica.FetchAnswer.Error.values()).map(Wire::fetchErrorCode))
        .as("Kafka's NONE, NOT_LEADER_OR_FOLLOWER, OFFSET_OUT_OF_RANGE and UNKNOWN_TOPIC_ID; a code of our own for DIVERGING")
        .containsExactly((byte) 0, (byte) 6, Byte.MAX_VALUE, (byte) 1, (byte) 100);
    assertThatThrownBy(() -> Wire.fetchError((byte) 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Wire.fetchError((byte) -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void everyCatalogueExceptionCrossesWithItsTypeCodeAndMessage(@ForAll("typed") StreamgateError error,
      @ForAll("messages") String message, @ForAll boolean wrapped) {
    RuntimeException sent = error == StreamgateError.OFFSET_OUT_OF_RANGE ? new OffsetOutOfRangeException(message, 3, 9)
        : error.exception(message).orElseThrow();
    Throwable failure = wrapped ? new CompletionException(new CompletionException(sent)) : sent;

    ReplyException reply = Wire.failure(failure);
    Throwable received = Wire.exception(reply, "node-b");

    assertThat(reply.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    assertThat(reply.failureCode()).isEqualTo(error.code());
    assertThat(received).isExactlyInstanceOf(error.exceptionType().orElseThrow()).hasMessage(message);
    if (sent instanceof OffsetOutOfRangeException range) {
      OffsetOutOfRangeException got = (OffsetOutOfRangeException) received;
      assertThat(got.logStartOffset()).isEqualTo(range.logStartOffset());
      assertThat(got.logEndOffset()).isEqualTo(range.logEndOffset());
    }
  }

  @Example
  void everyCatalogueExceptionCrossesWithItsType() {
    List<StreamgateError> typed = typedErrors();
    assertThat(typed).hasSizeGreaterThan(25);
    for (StreamgateError error : typed) {
      RuntimeException sent = error == StreamgateError.OFFSET_OUT_OF_RANGE ? new OffsetOutOfRangeException("m", 3, 9)
          : error.exception("m").orElseThrow();
      assertThat(Wire.exception(Wire.failure(sent), "node-b")).as("%s", error)
          .isExactlyInstanceOf(error.exceptionType().orElseThrow()).hasMessage("m");
    }
  }

  @Property
  void offsetOutOfRangeKeepsItsOffsets(@ForAll long logStartOffset, @ForAll long logEndOffset, @ForAll("messages") String message) {
    OffsetOutOfRangeException received = (OffsetOutOfRangeException) Wire.exception(
        Wire.failure(new OffsetOutOfRangeException(message, logStartOffset, logEndOffset)), "node-b");

    assertThat(received.logStartOffset()).isEqualTo(logStartOffset);
    assertThat(received.logEndOffset()).isEqualTo(logEndOffset);
    assertThat(received).hasMessage(message);
  }

  @Property
  void anyOtherFailureArrivesAsAClusterExceptionNamingTheNode(@ForAll("messages") String message) {
    Throwable received = Wire.exception(Wire.failure(new IllegalStateException(message)), "node-b");

    assertThat(received).isExactlyInstanceOf(ClusterException.class).hasMessageContaining("node-b").hasMessageContaining(message);
  }

  @Example
  void aStorageErrorOnTheRemoteLeaderArrivesAsAStorageError() {
    Throwable received = Wire.exception(Wire.failure(new LogStorageException("cannot write segment 0 of t-0",
        new java.io.IOException("No space left on device"))), "node-b");

    assertThat(received).isExactlyInstanceOf(LogStorageException.class).hasMessage("cannot write segment 0 of t-0");
  }

  @Example
  void anUnreachableOrSilentNodeIsARetriableLeaderNotAvailable() {
    for (ReplyFailure type : List.of(ReplyFailure.TIMEOUT, ReplyFailure.NO_HANDLERS, ReplyFailure.ERROR)) {
      assertThat(Wire.exception(new ReplyException(type, "x"), "node-b"))
          .isExactlyInstanceOf(LeaderNotAvailableException.class).hasMessageContaining("node-b");
    }
    assertThat(Wire.exception(new java.io.IOException("connection reset"), "node-b"))
        .isExactlyInstanceOf(LeaderNotAvailableException.class).hasMessageContaining("connection reset");
  }

  @Example
  void aCodeThisNodeDoesNotKnowArrivesAsAClusterExceptionWithItsMessage() {
    for (int code : List.of(-2, 0, 9999, 10999, 20000)) {
      assertThat(StreamgateError.forCode(code)).as("code %d", code).isEmpty();
      assertThat(Wire.exception(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, "newer node"), "node-b"))
          .isExactlyInstanceOf(ClusterException.class).hasMessageContaining("node-b").hasMessageContaining("newer node");
    }
  }

  @Example
  void anOffsetOutOfRangeCodeWithoutItsOffsetsArrivesAsAClusterException() {
    for (String message : Arrays.asList("no offsets here", "1,x,m", null)) {
      assertThat(Wire.exception(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, StreamgateError.OFFSET_OUT_OF_RANGE.code(),
          message), "node-b")).isExactlyInstanceOf(ClusterException.class).hasMessageContaining("node-b");
    }
  }

  @Provide
  Arbitrary<String> followers() {
    return Arbitraries.strings().ofMaxLength(20);
  }

  @Provide
  Arbitrary<TopicPartition> partitions() {
    return Combinators.combine(Arbitraries.strings().withCharRange('a', 'z').withChars("._-0123456789").ofMinLength(3)
        .ofMaxLength(30), Arbitraries.integers().between(0, 999)).as(TopicPartition::new);
  }

  @Provide
  Arbitrary<List<Wire.FetchPosition>> fetchPositions() {
    Arbitrary<TopicId> topicIds = Arbitraries.longs().filter(most -> most != 0)
        .flatMap(most -> Arbitraries.longs().map(least -> new TopicId(most, least)));
    return Combinators.combine(partitions(), topicIds, Arbitraries.integers(), Arbitraries.longs(), Arbitraries.integers(),
        Arbitraries.longs(), Arbitraries.longs()).as(Wire.FetchPosition::new).list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<List<Wire.FetchedPartition>> fetchedPartitions() {
    Arbitrary<Replica.FetchAnswer> answers = Combinators.combine(
        Arbitraries.of(Replica.FetchAnswer.Error.class), Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
        Arbitraries.longs(), Arbitraries.longs(), Arbitraries.integers(), Arbitraries.longs())
        .as((error, records, hw, logStart, divergingEpoch, divergingEnd) -> new Replica.FetchAnswer(error, ByteBuffer.wrap(records), hw,
            logStart, divergingEpoch, divergingEnd));
    return Combinators.combine(partitions(), answers).as(Wire.FetchedPartition::new).list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<StreamgateError> typed() {
    return Arbitraries.of(typedErrors());
  }

  /** The entries whose exception crosses nodes: all but MEMBER_ID_REQUIRED, whose new member id is not in its message. */
  private static List<StreamgateError> typedErrors() {
    return Arrays.stream(StreamgateError.values())
        .filter(error -> error.exceptionType().isPresent() && error != StreamgateError.MEMBER_ID_REQUIRED).toList();
  }

  @Example
  void aMemberIdRequiredCrossesUntypedItsIdStayingBehind() {
    // Kafka's classic group calls are answered on the coordinator itself and never forwarded; were one
    // to cross, it would arrive as a plain failure rather than as a MEMBER_ID_REQUIRED without its id.
    ReplyException reply = Wire.failure(new MemberIdRequiredException("join again with member id 'c-1'", "c-1"));
    assertThat(reply.failureCode()).isEqualTo(StreamgateError.MEMBER_ID_REQUIRED.code());
    assertThat(Wire.exception(reply, "node-b")).isExactlyInstanceOf(ClusterException.class).hasMessageContaining("node-b");
  }

  @Provide
  Arbitrary<String> messages() {
    // Commas and digits too: OffsetOutOfRange travels as "start,end,message".
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40), Arbitraries.strings().withChars("0123456789,-").ofMaxLength(12));
  }
}
