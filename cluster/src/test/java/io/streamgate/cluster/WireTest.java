package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** What one node encodes, the asking node decodes to the same: results, and failures with their type. */
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
  Arbitrary<Function<String, RuntimeException>> typed() {
    return Arbitraries.of(TYPED);
  }

  @Provide
  Arbitrary<String> messages() {
    // Commas and digits too: OffsetOutOfRange travels as "start,end,message".
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40), Arbitraries.strings().withChars("0123456789,-").ofMaxLength(12));
  }
}
