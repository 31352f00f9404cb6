package io.streamgate.cluster.groups;

import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.groups.GroupService.CommittedOffset;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The records of {@code __groups}, the one place that knows their bytes: a compacted log keyed by
 * group, UTF-8 keys and JSON values. {@code m/<group>} holds the membership ({@link MembershipRecord}),
 * {@code o/<group>/<topic>/<partition>} a committed offset ({@code {"offset":n}}, with {@code
 * "metadata"} and {@code "leaderEpoch"} only when a Kafka commit gave them, and {@code "topicId"}
 * when the topic's incarnation was known ({@link StampedOffset}), so that an older version reads the
 * offset and ignores them), {@code k/<group>}
 * a Kafka-run group's stable membership ({@link ClassicMembershipRecord}); a null value is a
 * tombstone. Pure: no state, no I/O. What is written here, older coordinators' logs were written in
 * too: change it only compatibly ({@code GroupRecordsTest} pins the bytes).
 */
final class GroupRecords {
  private static final String MEMBERSHIP = "m/";
  private static final String OFFSET = "o/";
  private static final String CLASSIC = "k/";

  private static final Base64.Encoder BASE64 = Base64.getEncoder();
  private static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();

  private GroupRecords() {}

  /** A member as the membership record keeps it: enough to carry on after the coordinator moves. */
  record MemberRecord(String id, List<String> topics, long sessionTimeoutMs, OffsetReset reset, List<TopicPartition> owns) {
    MemberRecord {
      topics = List.copyOf(topics);
      owns = List.copyOf(owns);
    }
  }

  /** A group's membership: its generation, strategy, members with what they own, and the partition counts assigned for. */
  record MembershipRecord(int generation, AssignmentStrategy strategy, List<MemberRecord> members, Map<String, Integer> partitionCounts) {
    MembershipRecord {
      members = List.copyOf(members);
      partitionCounts = Map.copyOf(partitionCounts);
    }
  }

  /** A Kafka member as the classic membership record keeps it: its metadata for the group's protocol, its assignment. */
  record ClassicMemberRecord(String id, Optional<String> instanceId, String clientId, String clientHost, int sessionTimeoutMs,
      int rebalanceTimeoutMs, byte[] metadata, byte[] assignment) {}

  /** A Kafka-run group in a stable generation: enough for its members to carry on after the coordinator moves. */
  record ClassicMembershipRecord(int generation, String protocolType, String protocolName, String leaderId,
      List<ClassicMemberRecord> members) {
    ClassicMembershipRecord {
      members = List.copyOf(members);
    }
  }

  /** One record of {@code __groups}, decoded. */
  sealed interface Entry permits MembershipEntry, OffsetEntry, ClassicEntry {
    String group();
  }

  /** {@code membership} empty: a tombstone (Kafka's members left, or the membership was not kept). */
  record ClassicEntry(String group, Optional<ClassicMembershipRecord> membership) implements Entry {}

  /** {@code membership} empty: a tombstone (the group was deleted, or ended with nothing committed). */
  record MembershipEntry(String group, Optional<MembershipRecord> membership) implements Entry {}

  /** {@code offset} empty: a tombstone. */
  record OffsetEntry(String group, TopicPartition partition, Optional<StampedOffset> offset) implements Entry {}

  /** A record to write: its key, and its value or null for a tombstone. */
  record KeyValue(byte[] key, byte[] value) {}

  static KeyValue membership(String group, MembershipRecord membership) {
    return new KeyValue(membershipKey(group), encode(membership));
  }

  static KeyValue membershipTombstone(String group) {
    return new KeyValue(membershipKey(group), null);
  }

  static KeyValue classic(String group, ClassicMembershipRecord membership) {
    return new KeyValue(classicKey(group), encode(membership));
  }

  static KeyValue classicTombstone(String group) {
    return new KeyValue(classicKey(group), null);
  }

  static KeyValue offset(String group, TopicPartition tp, StampedOffset stamped) {
    CommittedOffset offset = stamped.committed();
    JsonObject value = new JsonObject().put("offset", offset.offset());
    if (!offset.metadata().equals(CommittedOffset.NO_METADATA)) {
      value.put("metadata", offset.metadata());
    }
    if (offset.leaderEpoch() != CommittedOffset.NO_LEADER_EPOCH) {
      value.put("leaderEpoch", offset.leaderEpoch());
    }
    stamped.topicId().ifPresent(id -> value.put("topicId", id.toString()));
    return new KeyValue(offsetKey(group, tp), value.encode().getBytes(StandardCharsets.UTF_8));
  }

  static KeyValue offsetTombstone(String group, TopicPartition tp) {
    return new KeyValue(offsetKey(group, tp), null);
  }

  /** The batch that writes {@code records}, stamped {@code nowMs}. */
  static RecordBatch batch(long nowMs, List<KeyValue> records) {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
    records.forEach(record -> builder.append(nowMs, record.key(), record.value(), List.of()));
    return builder.build();
  }

  /** What {@code record} says; empty for a key of no kind this version knows (skipped, as before). */
  static Optional<Entry> decode(Record record) {
    return decode(record.keyBytes(), record.valueBytes());
  }

  static Optional<Entry> decode(byte[] keyBytes, byte[] value) {
    String key = new String(keyBytes, StandardCharsets.UTF_8);
    if (key.startsWith(MEMBERSHIP)) {
      String group = key.substring(MEMBERSHIP.length());
      return Optional.of(new MembershipEntry(group, Optional.ofNullable(value).map(GroupRecords::decodeMembership)));
    }
    if (key.startsWith(CLASSIC)) {
      String group = key.substring(CLASSIC.length());
      return Optional.of(new ClassicEntry(group, Optional.ofNullable(value).map(GroupRecords::decodeClassic)));
    }
    if (key.startsWith(OFFSET)) {
      String[] parts = key.substring(OFFSET.length()).split("/");
      TopicPartition tp = new TopicPartition(parts[1], Integer.parseInt(parts[2]));
      Optional<StampedOffset> offset = Optional.ofNullable(value).map(GroupRecords::decodeOffset);
      return Optional.of(new OffsetEntry(parts[0], tp, offset));
    }
    return Optional.empty();
  }

  /**
   * A commit written before metadata and leader epochs were kept has neither: "" and -1, as Kafka
   * answers then; one written before topic ids were kept has no id (taken as the current topic's).
   */
  private static StampedOffset decodeOffset(byte[] value) {
    JsonObject json = new JsonObject(new String(value, StandardCharsets.UTF_8));
    CommittedOffset offset = new CommittedOffset(json.getLong("offset"), json.getString("metadata", CommittedOffset.NO_METADATA),
        json.getInteger("leaderEpoch", CommittedOffset.NO_LEADER_EPOCH));
    return new StampedOffset(offset, Optional.ofNullable(json.getString("topicId")).map(TopicId::parse));
  }

  private static byte[] membershipKey(String group) {
    return (MEMBERSHIP + group).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] classicKey(String group) {
    return (CLASSIC + group).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] offsetKey(String group, TopicPartition tp) {
    return (OFFSET + group + "/" + tp.topic() + "/" + tp.partition()).getBytes(StandardCharsets.UTF_8);
  }

  /** Members in the record's order, owned partitions in theirs, partition counts sorted by topic: the same state, the same bytes. */
  private static byte[] encode(MembershipRecord membership) {
    JsonArray members = new JsonArray();
    for (MemberRecord member : membership.members()) {
      JsonArray owns = new JsonArray();
      member.owns().forEach(tp -> owns.add(tp.topic() + "/" + tp.partition()));
      members.add(new JsonObject().put("id", member.id()).put("topics", new JsonArray(member.topics()))
          .put("sessionTimeoutMs", member.sessionTimeoutMs()).put("reset", member.reset().name()).put("owns", owns));
    }
    JsonObject counts = new JsonObject();
    new TreeMap<>(membership.partitionCounts()).forEach(counts::put);
    return new JsonObject().put("generation", membership.generation()).put("strategy", membership.strategy().wireName())
        .put("members", members).put("partitionCounts", counts).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static MembershipRecord decodeMembership(byte[] value) {
    JsonObject json = new JsonObject(new String(value, StandardCharsets.UTF_8));
    List<MemberRecord> members = new ArrayList<>();
    for (Object item : json.getJsonArray("members")) {
      JsonObject m = (JsonObject) item;
      List<String> topics = new ArrayList<>();
      m.getJsonArray("topics").forEach(t -> topics.add((String) t));
      List<TopicPartition> owns = new ArrayList<>();
      for (Object owned : m.getJsonArray("owns")) {
        String text = (String) owned;
        int slash = text.lastIndexOf('/');
        owns.add(new TopicPartition(text.substring(0, slash), Integer.parseInt(text.substring(slash + 1))));
      }
      members.add(new MemberRecord(m.getString("id"), topics, m.getLong("sessionTimeoutMs"), OffsetReset.valueOf(m.getString("reset")),
          owns));
    }
    Map<String, Integer> counts = new TreeMap<>();
    json.getJsonObject("partitionCounts").forEach(e -> counts.put(e.getKey(), ((Number) e.getValue()).intValue()));
    return new MembershipRecord(json.getInteger("generation"), AssignmentStrategy.parse(json.getString("strategy")), members, counts);
  }

  /** Members in the record's order; metadata and assignments base64; an instance id only for a static member. */
  private static byte[] encode(ClassicMembershipRecord membership) {
    JsonArray members = new JsonArray();
    for (ClassicMemberRecord member : membership.members()) {
      JsonObject m = new JsonObject().put("id", member.id());
      member.instanceId().ifPresent(instance -> m.put("instanceId", instance));
      members.add(m.put("clientId", member.clientId()).put("clientHost", member.clientHost())
          .put("sessionTimeoutMs", member.sessionTimeoutMs()).put("rebalanceTimeoutMs", member.rebalanceTimeoutMs())
          .put("metadata", BASE64.encodeToString(member.metadata())).put("assignment", BASE64.encodeToString(member.assignment())));
    }
    return new JsonObject().put("generation", membership.generation()).put("protocolType", membership.protocolType())
        .put("protocol", membership.protocolName()).put("leader", membership.leaderId()).put("members", members).encode()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static ClassicMembershipRecord decodeClassic(byte[] value) {
    JsonObject json = new JsonObject(new String(value, StandardCharsets.UTF_8));
    List<ClassicMemberRecord> members = new ArrayList<>();
    for (Object item : json.getJsonArray("members")) {
      JsonObject m = (JsonObject) item;
      members.add(new ClassicMemberRecord(m.getString("id"), Optional.ofNullable(m.getString("instanceId")), m.getString("clientId"),
          m.getString("clientHost"), m.getInteger("sessionTimeoutMs"), m.getInteger("rebalanceTimeoutMs"),
          BASE64_DECODER.decode(m.getString("metadata")), BASE64_DECODER.decode(m.getString("assignment"))));
    }
    return new ClassicMembershipRecord(json.getInteger("generation"), json.getString("protocolType"), json.getString("protocol"),
        json.getString("leader"), members);
  }
}
