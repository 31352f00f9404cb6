package io.streamgate.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.IdempotencyKeyReusedException;
import io.streamgate.cluster.InternalTopicException;
import io.streamgate.cluster.InvalidPartitionsException;
import io.streamgate.cluster.InvalidReplicationFactorException;
import io.streamgate.cluster.InvalidTimestampException;
import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.InvalidTopicNameException;
import io.streamgate.cluster.LeaderNotAvailableException;
import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.NotLeaderException;
import io.streamgate.cluster.ReplicationTimeoutException;
import io.streamgate.cluster.TopicExistsException;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.CoordinatorLoadInProgressException;
import io.streamgate.cluster.groups.GroupNotEmptyException;
import io.streamgate.cluster.groups.GroupNotFoundException;
import io.streamgate.cluster.groups.InvalidGroupRequestException;
import io.streamgate.cluster.groups.MemberNotFoundException;
import io.streamgate.cluster.groups.RebalanceConflictException;
import io.streamgate.logstore.CorruptRecordException;
import io.streamgate.logstore.InvalidConfigException;
import io.streamgate.logstore.InvalidRecordException;
import io.streamgate.logstore.LogClosedException;
import io.streamgate.logstore.LogStorageException;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.RecordTooLargeException;
import io.streamgate.logstore.WriteQueueFullException;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The reason code each failure disconnects an MQTT 5 client with, and whose fault it is. */
class MqttFailuresTest {
  private static final Map<RuntimeException, MqttDisconnectReasonCode> REASONS = Map.ofEntries(
      Map.entry(new RecordTooLargeException("m"), MqttDisconnectReasonCode.PACKET_TOO_LARGE),
      Map.entry(new InternalTopicException("m"), MqttDisconnectReasonCode.NOT_AUTHORIZED),
      Map.entry(new InvalidTopicException("m"), MqttDisconnectReasonCode.TOPIC_NAME_INVALID),
      Map.entry(new InvalidTopicNameException("m"), MqttDisconnectReasonCode.TOPIC_NAME_INVALID),
      Map.entry(new InvalidPartitionsException("m"), MqttDisconnectReasonCode.TOPIC_NAME_INVALID),
      Map.entry(new InvalidReplicationFactorException("m"), MqttDisconnectReasonCode.TOPIC_NAME_INVALID),
      Map.entry(new TopicNotFoundException("m"), MqttDisconnectReasonCode.TOPIC_NAME_INVALID),
      Map.entry(new InvalidRecordException("m"), MqttDisconnectReasonCode.PAYLOAD_FORMAT_INVALID),
      Map.entry(new NotEnoughReplicasException("m"), MqttDisconnectReasonCode.SERVER_BUSY),
      Map.entry(new ReplicationTimeoutException("m"), MqttDisconnectReasonCode.SERVER_BUSY),
      Map.entry(new LeaderNotAvailableException("m"), MqttDisconnectReasonCode.SERVER_BUSY),
      Map.entry(new NotLeaderException("m"), MqttDisconnectReasonCode.SERVER_BUSY),
      Map.entry(new CoordinatorLoadInProgressException("m"), MqttDisconnectReasonCode.SERVER_BUSY),
      Map.entry(new WriteQueueFullException("m"), MqttDisconnectReasonCode.SERVER_BUSY),
      Map.entry(new OffsetOutOfRangeException("m", 0, 1), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new PartitionNotFoundException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new CorruptRecordException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new InvalidConfigException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new LogStorageException("m", null), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new LogClosedException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new InvalidTimestampException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new IdempotencyKeyReusedException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new TopicExistsException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new InvalidGroupRequestException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new GroupNotFoundException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new MemberNotFoundException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new RebalanceConflictException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new GroupNotEmptyException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new ClusterException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      Map.entry(new IllegalStateException("m"), MqttDisconnectReasonCode.UNSPECIFIED_ERROR),
      // What the decoder (or MqttFrameCheck) could not read, and the MQTT edge's own refusals.
      Map.entry(new TooLongFrameException("m"), MqttDisconnectReasonCode.PACKET_TOO_LARGE),
      Map.entry(new DecoderException("m"), MqttDisconnectReasonCode.MALFORMED_PACKET),
      Map.entry(new MqttRefusal(MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID, "m"), MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID));

  @Test
  void eachFailureHasItsReasonCodeWrappedOrNot() {
    REASONS.forEach((failure, reason) -> {
      assertThat(MqttFailures.reason(failure)).as("%s", failure.getClass().getSimpleName()).isEqualTo(reason);
      assertThat(MqttFailures.reason(new CompletionException(failure))).as("wrapped %s", failure.getClass().getSimpleName())
          .isEqualTo(reason);
    });
  }

  @Test
  void everyCatalogueEntrysReasonIsAnMqttDisconnectReasonCode() {
    for (StreamgateError error : StreamgateError.values()) {
      assertThat(MqttFailures.reason(error).value() & 0xff).as("%s", error).isEqualTo(error.mqttReason());
    }
  }

  @Test
  void busyAndUnspecifiedAreTheNodesFaultEverythingElseTheClients() {
    REASONS.forEach((failure, reason) -> assertThat(MqttFailures.isClientError(failure)).as("%s", failure.getClass().getSimpleName())
        .isEqualTo(reason != MqttDisconnectReasonCode.SERVER_BUSY && reason != MqttDisconnectReasonCode.UNSPECIFIED_ERROR));
  }
}
