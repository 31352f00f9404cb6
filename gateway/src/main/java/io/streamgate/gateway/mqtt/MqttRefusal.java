package io.streamgate.gateway.mqtt;

import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;

/**
 * Why the node ends a client's connection: the reason code an MQTT 5 client is told in the
 * DISCONNECT (an MQTT 3.1.1 connection is simply closed, the only reaction that protocol has).
 */
final class MqttRefusal extends RuntimeException {
  private final MqttDisconnectReasonCode reason;

  MqttRefusal(MqttDisconnectReasonCode reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  MqttDisconnectReasonCode reason() {
    return reason;
  }
}
