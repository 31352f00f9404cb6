package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.errors.StreamgateError;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;

/**
 * The one place that turns a failure into the MQTT 5 reason code a client is disconnected with
 * (MQTT 5.0 §3.14.2.1), and tells the client's faults from the node's: the error catalogue's
 * reason code, but for the MQTT edge's own refusals and what its decoder cannot read.
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
    return reason(StreamgateError.forException(cause));
  }

  /** The reason code of a catalogue entry (a number there: the cluster knows no MQTT types). */
  static MqttDisconnectReasonCode reason(StreamgateError error) {
    return MqttDisconnectReasonCode.valueOf((byte) error.mqttReason());
  }

  /** Whether the client caused it (bad input, a refused topic), rather than the node (a retriable or internal error). */
  static boolean isClientError(Throwable failure) {
    MqttDisconnectReasonCode reason = reason(failure);
    return reason != MqttDisconnectReasonCode.SERVER_BUSY && reason != MqttDisconnectReasonCode.UNSPECIFIED_ERROR;
  }

}
