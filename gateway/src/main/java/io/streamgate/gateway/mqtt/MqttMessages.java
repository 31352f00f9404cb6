package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Records as the MQTT messages a subscriber gets, and nothing else: pure functions, safe on any
 * thread. A record's MQTT topic is its {@link MqttNames#TOPIC_HEADER} header, else its key; it goes
 * out at the lower of the subscription's QoS and the QoS it was published with
 * ({@link MqttNames#QOS_HEADER}; records written over HTTP count as QoS 1), with its value as the
 * payload, and as MQTT 5 properties only the Subscription Identifiers of the subscriptions it matched.
 * A message over the client's Maximum Packet Size is not made (§3.1.2.11.4).
 *
 * <p>The work is in two steps so that the costly one can leave the event loop: {@link #decode}
 * (decompression, headers, UTF-8 checks; runs where {@link io.streamgate.gateway.RecordDecoding}
 * puts it) and {@link #forSubscriptions} (matching the connection's subscriptions; on its loop).
 */
final class MqttMessages {
  private static final byte[] NO_PAYLOAD = new byte[0];

  private MqttMessages() {}

  /**
   * A record with a valid MQTT topic, and what delivery needs of its headers.
   *
   * @param publisher the publishing client's id; null if not published over MQTT
   * @param publishedRetained whether it was published with RETAIN
   * @param publishedAtMostOnce whether it was published at QoS 0
   */
  record Decoded(Record record, String topic, String publisher, boolean publishedRetained, boolean publishedAtMostOnce) {}

  /** The decoded records of a read from {@code from} on, in offset order, and the offset to read next. */
  record Chunk(List<Decoded> records, long nextOffset) {}

  /** Decodes a read made at {@code from}: its records with an MQTT topic; the next offset is past every batch read. */
  static Chunk decode(ReadResult result, long from) {
    List<Decoded> records = new ArrayList<>();
    long next = from;
    for (RecordBatch batch : result.batchList()) {
      for (Record record : batch.records()) {
        if (record.offset() < next) {
          continue;
        }
        next = record.offset() + 1;
        Decoded decoded = decode(record);
        if (decoded != null) {
          records.add(decoded);
        }
      }
      next = Math.max(next, batch.nextOffset());
    }
    return new Chunk(records, next);
  }

  /** The record's MQTT attributes; null if it has no MQTT topic (neither header nor key is a valid topic name). */
  static Decoded decode(Record record) {
    String topic = mqttTopic(record);
    if (topic == null) {
      return null;
    }
    return new Decoded(record, topic, header(record, MqttNames.CLIENT_ID_HEADER), header(record, MqttNames.RETAIN_HEADER) != null,
        "0".equals(header(record, MqttNames.QOS_HEADER)));
  }

  /**
   * The message a record makes for a client with these (non-shared) subscriptions, or null if none
   * wants it: at the highest QoS granted among those it matches, with all their Subscription
   * Identifiers; RETAIN if one of them is Retain As Published and it was published retained. No
   * Local subscriptions skip the client's own messages.
   */
  static MqttOutgoing forSubscriptions(Collection<MqttSubscriptions.Subscription> subscriptions, String clientId,
      TopicPartition partition, Decoded record, long maxPacketBytes) {
    String logTopic = partition.topic();
    boolean own = clientId.equals(record.publisher());
    MqttQoS granted = null;
    boolean retainAsPublished = false;
    List<Integer> subscriptionIds = null;  // made only when a subscription has an identifier: this runs per record
    for (MqttSubscriptions.Subscription subscription : subscriptions) {
      if ((!own || !subscription.noLocal()) && subscription.logTopics().contains(logTopic)
          && MqttTopics.matches(subscription.filter(), record.topic())) {
        if (granted == null || subscription.qos().value() > granted.value()) {
          granted = subscription.qos();
        }
        retainAsPublished |= subscription.retainAsPublished();
        if (subscription.subscriptionId() > 0) {
          if (subscriptionIds == null) {
            subscriptionIds = new ArrayList<>(2);
          }
          subscriptionIds.add(subscription.subscriptionId());
        }
      }
    }
    boolean retain = retainAsPublished && record.publishedRetained();
    return granted == null ? null : message(partition, record, granted, retain,
        subscriptionIds == null ? List.of() : subscriptionIds, maxPacketBytes);
  }

  /** The message a record makes for a shared subscription of {@code filter}, or null if it does not match. */
  static MqttOutgoing forShare(TopicPartition partition, Record record, String filter, MqttQoS granted, int subscriptionId,
      long maxPacketBytes) {
    Decoded decoded = decode(record);
    return decoded != null && MqttTopics.matches(filter, decoded.topic())
        ? message(partition, decoded, granted, false, ids(subscriptionId), maxPacketBytes) : null;
  }

  /**
   * A retained message for a subscription that matched it (§3.3.1.3): RETAIN set, at the lower of
   * the subscription's and the message's QoS; null if over the client's maximum packet size.
   */
  static MqttOutgoing forRetained(MqttRetained.Message message, MqttQoS subscriptionQos, int subscriptionId, long maxPacketBytes) {
    MqttQoS qos = message.qos().value() < subscriptionQos.value() ? message.qos() : subscriptionQos;
    return fits(message.topic(), message.payload().length, maxPacketBytes)
        ? new MqttOutgoing(message.topic(), message.payload(), qos, null, -1, true, ids(subscriptionId), null) : null;
  }

  /** A stored session's unacknowledged message, sent again at QoS 1; null if the record has no MQTT topic. */
  static MqttOutgoing forResend(TopicPartition partition, long offset, Record record) {
    String topic = mqttTopic(record);
    return topic == null ? null : new MqttOutgoing(topic, payload(record), MqttQoS.AT_LEAST_ONCE, partition, offset);
  }

  /** The PUBLISH's properties: the Subscription Identifiers of the subscriptions it matched (§3.3.2.3.8). */
  static MqttProperties properties(MqttOutgoing message) {
    if (message.subscriptionIds().isEmpty()) {
      return MqttProperties.NO_PROPERTIES;
    }
    MqttProperties properties = new MqttProperties();
    message.subscriptionIds().forEach(id -> properties.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, id)));
    return properties;
  }

  /**
   * Whether a PUBLISH of this topic and payload fits in {@code maxPacketBytes}, counted high: fixed
   * header (up to 5) + topic length (2) + topic (up to 3 bytes a char) + packet id (2) + empty properties (1).
   */
  static boolean fits(String topic, int payloadBytes, long maxPacketBytes) {
    return payloadBytes + topic.length() * 3L + 10 <= maxPacketBytes;
  }

  private static MqttOutgoing message(TopicPartition partition, Decoded record, MqttQoS granted, boolean retain,
      List<Integer> subscriptionIds, long maxPacketBytes) {
    byte[] payload = payload(record.record());
    if (!fits(record.topic(), payload.length, maxPacketBytes)) {
      return null;
    }
    MqttQoS qos = record.publishedAtMostOnce() ? MqttQoS.AT_MOST_ONCE : granted;
    return new MqttOutgoing(record.topic(), payload, qos, partition, record.record().offset(), retain, subscriptionIds, null);
  }

  private static List<Integer> ids(int subscriptionId) {
    return subscriptionId > 0 ? List.of(subscriptionId) : List.of();
  }

  private static byte[] payload(Record record) {
    return record.value() == null ? NO_PAYLOAD : record.valueBytes();
  }

  /** The MQTT topic a record is published under: its topic header, else its key; null if neither is a topic name. */
  private static String mqttTopic(Record record) {
    String topic = header(record, MqttNames.TOPIC_HEADER);
    if (topic == null) {
      topic = utf8(record.key());
    }
    return topic != null && MqttTopics.isValidName(topic) ? topic : null;
  }

  private static String header(Record record, String key) {
    for (Header header : record.headers()) {
      if (header.key().equals(key) && header.value() != null) {
        return utf8(ByteBuffer.wrap(header.value()));
      }
    }
    return null;
  }

  private static String utf8(ByteBuffer bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.duplicate()).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
