package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.InternalTopicException;
import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.RetriableClusterException;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.logstore.InvalidRecordException;
import io.streamgate.logstore.RecordTooLargeException;
import io.streamgate.logstore.WriteQueueFullException;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;

/**
 * The one place that turns a failure into the MQTT 5 reason code a client is disconnected with
 * (MQTT 5.0 §3.14.2.1), and tells the client's faults from the node's.
 */
final class MqttFailures {
  private MqttFailures() {}

  static MqttDisconnectReasonCode reason(Throwable failure) {
    Throwable cause = Failures.cause(failure);
    if (cause instanceof MqttRefusal refusal) {
      return refusal.reason();
    }
    // What the decoder (or MqttFrameCheck) could not read.
    if (cause instanceof TooLongFrameException) {
      return MqttDisconnectReasonCode.PACKET_TOO_LARGE;
    }
    if (cause instanceof DecoderException) {
      return MqttDisconnectReasonCode.MALFORMED_PACKET;
    }
    if (cause instanceof RecordTooLargeException) {
      return MqttDisconnectReasonCode.PACKET_TOO_LARGE;
    }
    if (cause instanceof InternalTopicException) {
      return MqttDisconnectReasonCode.NOT_AUTHORIZED;
    }
    if (cause instanceof InvalidTopicException || cause instanceof TopicNotFoundException) {
      return MqttDisconnectReasonCode.TOPIC_NAME_INVALID;
    }
    if (cause instanceof InvalidRecordException) {
      return MqttDisconnectReasonCode.PAYLOAD_FORMAT_INVALID;
    }
    if (cause instanceof RetriableClusterException || cause instanceof WriteQueueFullException) {
      return MqttDisconnectReasonCode.SERVER_BUSY;
    }
    return MqttDisconnectReasonCode.UNSPECIFIED_ERROR;
  }

  /** Whether the client caused it (bad input, a refused topic), rather than the node (a retriable or internal error). */
  static boolean isClientError(Throwable failure) {
    MqttDisconnectReasonCode reason = reason(failure);
    return reason != MqttDisconnectReasonCode.SERVER_BUSY && reason != MqttDisconnectReasonCode.UNSPECIFIED_ERROR;
  }

}
