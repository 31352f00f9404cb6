package io.streamgate.gateway.mqtt;

import io.streamgate.logstore.TopicPartition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a persistent MQTT session keeps between connections (§4.1): its subscriptions, where each
 * subscribed partition's delivery stands (the first record not yet sent), the QoS 1 messages sent and
 * not acknowledged (by packet id and the record they carry), and the QoS 2 packet ids received and not
 * yet released. Stored as JSON in {@code __mqtt_sessions}. Immutable.
 *
 * @param savedAt when it was written (ms since the epoch)
 * @param expiryMs how long after {@code savedAt} it may be dropped
 */
record MqttSessionState(long savedAt, long expiryMs, List<Subscription> subscriptions, Map<TopicPartition, Long> positions,
    List<Inflight> inflight, Set<Integer> unreleased) {

  /** A topic filter and its options. */
  record Subscription(String filter, int qos, boolean noLocal, boolean retainAsPublished, int subscriptionId) {}

  /** A QoS 1 message awaiting its PUBACK: its packet id and the record it carries. */
  record Inflight(int packetId, TopicPartition partition, long offset) {}

  MqttSessionState {
    subscriptions = List.copyOf(subscriptions);
    positions = Map.copyOf(positions);
    inflight = List.copyOf(inflight);
    unreleased = Set.copyOf(unreleased);
  }

  boolean expired(long now) {
    return savedAt + expiryMs < now;
  }

  byte[] toBytes() {
    JsonArray subs = new JsonArray();
    subscriptions.forEach(s -> subs.add(new JsonObject().put("filter", s.filter()).put("qos", s.qos()).put("noLocal", s.noLocal())
        .put("retainAsPublished", s.retainAsPublished()).put("subscriptionId", s.subscriptionId())));
    JsonArray at = new JsonArray();
    positions
        .forEach((tp, offset) -> at.add(new JsonObject().put("topic", tp.topic()).put("partition", tp.partition()).put("offset", offset)));
    JsonArray sent = new JsonArray();
    inflight.forEach(i -> sent.add(new JsonObject().put("packetId", i.packetId()).put("topic", i.partition().topic())
        .put("partition", i.partition().partition()).put("offset", i.offset())));
    return new JsonObject().put("savedAt", savedAt).put("expiryMs", expiryMs).put("subscriptions", subs).put("positions", at)
        .put("inflight", sent).put("unreleased", new JsonArray(new ArrayList<>(unreleased))).toBuffer().getBytes();
  }

  static MqttSessionState fromBytes(byte[] bytes) {
    JsonObject json = new JsonObject(io.vertx.core.buffer.Buffer.buffer(bytes));
    List<Subscription> subscriptions = new ArrayList<>();
    json.getJsonArray("subscriptions").forEach(o -> {
      JsonObject s = (JsonObject) o;
      subscriptions.add(new Subscription(s.getString("filter"), s.getInteger("qos"), s.getBoolean("noLocal"),
          s.getBoolean("retainAsPublished", false), s.getInteger("subscriptionId", 0)));
    });
    Map<TopicPartition, Long> positions = new HashMap<>();
    json.getJsonArray("positions").forEach(o -> {
      JsonObject p = (JsonObject) o;
      positions.put(new TopicPartition(p.getString("topic"), p.getInteger("partition")), p.getLong("offset"));
    });
    List<Inflight> inflight = new ArrayList<>();
    json.getJsonArray("inflight").forEach(o -> {
      JsonObject i = (JsonObject) o;
      inflight.add(new Inflight(i.getInteger("packetId"), new TopicPartition(i.getString("topic"), i.getInteger("partition")),
          i.getLong("offset")));
    });
    Set<Integer> unreleased = new HashSet<>();
    json.getJsonArray("unreleased").forEach(id -> unreleased.add(((Number) id).intValue()));
    return new MqttSessionState(json.getLong("savedAt"), json.getLong("expiryMs"), subscriptions, positions, inflight, unreleased);
  }
}
