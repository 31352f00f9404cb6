package io.streamgate.gateway.mqtt;

/**
 * The names Streamgate gives things at its MQTT edge, in one place for both directions: the record
 * headers in which {@link MqttIngest} keeps what a PUBLISH said besides its payload, and from which
 * {@link MqttMessages} makes the PUBLISH a subscriber gets; and the prefix of the client ids the
 * server assigns. Records written over HTTP carry none of these headers (their MQTT topic is their key).
 */
final class MqttNames {
  /** Header: the MQTT topic name the message was published to (UTF-8). */
  static final String TOPIC_HEADER = "mqtt.topic";
  /** Header: the QoS it was published with, {@code 0}, {@code 1} or {@code 2}. */
  static final String QOS_HEADER = "mqtt.qos";
  /** Header: the client id of the publisher (UTF-8); No Local subscriptions skip their own. */
  static final String CLIENT_ID_HEADER = "mqtt.clientId";
  /** Header, only on messages published with RETAIN: Retain As Published subscriptions pass the flag on. */
  static final String RETAIN_HEADER = "mqtt.retain";
  /** Client ids the server assigns to clients that sent an empty one (§3.1.3.1) start with this. */
  static final String ASSIGNED_CLIENT_ID_PREFIX = "streamgate-";

  private MqttNames() {}
}
