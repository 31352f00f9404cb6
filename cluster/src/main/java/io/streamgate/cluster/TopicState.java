package io.streamgate.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A topic as the cluster agrees on it: its definition and the state of each partition, in one
 * value so that a change is one compare-and-set. {@code version} rises with every change; a deleted
 * topic stays as a tombstone so that a node which slept through the deletion cannot bring the topic
 * back when it returns.
 */
public record TopicState(TopicMetadata topic, List<PartitionState> partitions, long version, boolean deleted) {
  public TopicState {
    partitions = List.copyOf(partitions);
  }

  public String name() {
    return topic.name();
  }

  public PartitionState partition(int partition) {
    return partitions.get(partition);
  }

  /** The next version, with partition {@code p} changed. */
  public TopicState withPartition(int p, UnaryOperator<PartitionState> change) {
    List<PartitionState> changed = new ArrayList<>(partitions);
    changed.set(p, change.apply(partitions.get(p)));
    return new TopicState(topic, changed, version + 1, deleted);
  }

  public TopicState next(TopicMetadata newTopic, List<PartitionState> newPartitions) {
    return new TopicState(newTopic, newPartitions, version + 1, false);
  }

  public TopicState tombstone() {
    return new TopicState(topic, List.of(), version + 1, true);
  }

  public String toJson() {
    JsonArray parts = new JsonArray();
    for (PartitionState p : partitions) {
      parts.add(new JsonObject().put("leader", p.leader()).put("leaderEpoch", p.leaderEpoch())
          .put("replicas", new JsonArray(p.replicas())).put("isr", new JsonArray(p.isr())));
    }
    return new JsonObject()
        .put("name", topic.name())
        .put("partitionCount", topic.partitions())
        .put("replicationFactor", topic.replicationFactor())
        .put("config", new JsonObject(Map.copyOf(topic.config())))
        .put("partitions", parts)
        .put("version", version)
        .put("deleted", deleted)
        .encode();
  }

  public static TopicState fromJson(String json) {
    JsonObject o = new JsonObject(json);
    List<PartitionState> parts = new ArrayList<>();
    for (Object item : o.getJsonArray("partitions")) {
      JsonObject p = (JsonObject) item;
      parts.add(new PartitionState(p.getString("leader"), p.getInteger("leaderEpoch"), strings(p.getJsonArray("replicas")),
          strings(p.getJsonArray("isr"))));
    }
    Map<String, String> config = new java.util.LinkedHashMap<>();
    o.getJsonObject("config").forEach(e -> config.put(e.getKey(), String.valueOf(e.getValue())));
    TopicMetadata topic = new TopicMetadata(o.getString("name"), o.getInteger("partitionCount"),
        o.getInteger("replicationFactor"), config);
    return new TopicState(topic, parts, o.getLong("version"), o.getBoolean("deleted"));
  }

  private static List<String> strings(JsonArray array) {
    List<String> list = new ArrayList<>();
    array.forEach(v -> list.add((String) v));
    return list;
  }
}
