package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
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
  /** Every failure that must cross typed (Wire's list, restated so a type dropped from it fails here). */
  private static final List<Function<String, RuntimeException>> TYPED = List.of(
      TopicNotFoundException::new, PartitionNotFoundException::new, NotLeaderException::new,
      NotEnoughReplicasException::new, LeaderNotAvailableException::new, ReplicationTimeoutException::new,
      message -> new OffsetOutOfRangeException(message, 3, 9), RecordTooLargeException::new, InvalidRecordException::new,
      CorruptRecordException::new, InvalidConfigException::new, WriteQueueFullException::new, LogClosedException::new,
      InvalidGroupRequestException::new, GroupNotFoundException::new, MemberNotFoundException::new,
      RebalanceConflictException::new, GroupNotEmptyException::new, InvalidTopicNameException::new,
      InvalidTimestampException::new, IdempotencyKeyReusedException::new, CoordinatorLoadInProgressException::new);

  @Property
  void appendResultRoundTrips(@ForAll long baseOffset, @ForAll long lastOffset, @ForAll long maxTimestamp, @ForAll int size) {
    AppendResult result = new AppendResult(baseOffset, lastOffset, maxTimestamp, size);

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

  @Property
  void fetchResponseRoundTripsEveryPartitionInOrder(
      @ForAll("fetchedPartitions") List<Wire.FetchedPartition> partitions) {
    List<Wire.FetchedPartition> decoded = Wire.fetchResponse(Wire.fetchResponse(partitions));

    // FetchAnswer's equality compares the records' remaining bytes.
    assertThat(decoded).isEqualTo(partitions);
  }

  @Example
  void fetchResponseBytesAreTheOnesNodesBeforeTheLayoutSentAndRead() {
    // Written field by field as ReplicaManager wrote it before the layout moved here: a node of
    // either version must read the other's answers during a rolling upgrade.
    byte[] records = {7, 8, 9};
    Buffer expected = Buffer.buffer().appendInt(2)
        .appendInt(6).appendBytes("orders".getBytes(StandardCharsets.UTF_8)).appendInt(3)
        .appendByte((byte) 0).appendLong(42).appendLong(5).appendInt(-1).appendLong(-1)
        .appendInt(records.length).appendBytes(records)
        .appendInt(3).appendBytes("pay".getBytes(StandardCharsets.UTF_8)).appendInt(0)
        .appendByte((byte) 2).appendLong(-1).appendLong(-1).appendInt(4).appendLong(17)
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
    assertThatThrownBy(() -> Wire.fetchError((byte) Replica.FetchAnswer.Error.values().length))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Wire.fetchError((byte) -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void everyTypedFailureCrossesWithItsTypeAndMessage(@ForAll("typed") Function<String, RuntimeException> type,
      @ForAll("messages") String message, @ForAll boolean wrapped) {
    RuntimeException sent = type.apply(message);
    Throwable failure = wrapped ? new CompletionException(new CompletionException(sent)) : sent;

    ReplyException reply = Wire.failure(failure);
    Throwable received = Wire.exception(reply, "node-b");

    assertThat(reply.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    assertThat(received).isExactlyInstanceOf(sent.getClass()).hasMessage(message);
    if (sent instanceof OffsetOutOfRangeException range) {
      OffsetOutOfRangeException got = (OffsetOutOfRangeException) received;
      assertThat(got.logStartOffset()).isEqualTo(range.logStartOffset());
      assertThat(got.logEndOffset()).isEqualTo(range.logEndOffset());
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
  void anUnreachableOrSilentNodeIsARetriableLeaderNotAvailable() {
    for (ReplyFailure type : List.of(ReplyFailure.TIMEOUT, ReplyFailure.NO_HANDLERS, ReplyFailure.ERROR)) {
      assertThat(Wire.exception(new ReplyException(type, "x"), "node-b"))
          .isExactlyInstanceOf(LeaderNotAvailableException.class).hasMessageContaining("node-b");
    }
    assertThat(Wire.exception(new java.io.IOException("connection reset"), "node-b"))
        .isExactlyInstanceOf(LeaderNotAvailableException.class).hasMessageContaining("connection reset");
  }

  @Example
  void aCodeFromAnUnknownTypeIsNotMistakenForAKnownOne() {
    assertThat(Wire.exception(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, TYPED.size(), "newer node"), "node-b"))
        .isExactlyInstanceOf(ClusterException.class);
    assertThat(Wire.exception(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, -1, "?"), "node-b"))
        .isExactlyInstanceOf(ClusterException.class);
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
    return Combinators.combine(partitions(), Arbitraries.integers(), Arbitraries.longs(), Arbitraries.integers())
        .as(Wire.FetchPosition::new).list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<List<Wire.FetchedPartition>> fetchedPartitions() {
    Arbitrary<Replica.FetchAnswer> answers = Combinators.combine(
        Arbitraries.of(Replica.FetchAnswer.Error.class), Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
        Arbitraries.longs(), Arbitraries.longs(), Arbitraries.integers(), Arbitraries.longs())
        .as((error, records, hw, logStart, divergingEpoch, divergingEnd) ->
            new Replica.FetchAnswer(error, ByteBuffer.wrap(records), hw, logStart, divergingEpoch, divergingEnd));
    return Combinators.combine(partitions(), answers).as(Wire.FetchedPartition::new).list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<Function<String, RuntimeException>> typed() {
    return Arbitraries.of(TYPED);
  }

  @Provide
  Arbitrary<String> messages() {
    // Commas and digits too: OffsetOutOfRange travels as "start,end,message".
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40), Arbitraries.strings().withChars("0123456789,-").ofMaxLength(12));
  }
}
