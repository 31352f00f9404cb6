package io.streamgate.cluster;

import io.streamgate.cluster.groups.AssignmentStrategy;
import io.streamgate.cluster.groups.ClassicGroupSettings;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.GroupCoordinator;
import io.streamgate.cluster.groups.GroupLog;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Consumer groups over the cluster: each request goes to its group's coordinator, the leader of
 * {@code __groups} partition {@link GroupCoordinator#partitionFor}, in this process or over the
 * event bus (JSON requests; poll answers carry their record batches as raw bytes). Creates
 * {@code __groups} (compacted, replicated up to 3 times) the first time a group is used.
 */
final class ClusteredGroupService implements GroupService, AutoCloseable {

  private final NodeRequests nodeRequests;
  private final String nodeId;
  private final ClusterMetadata metadata;
  private final Supplier<CompletableFuture<Void>> ensureTopic;
  private final GroupCoordinator coordinator;
  private final long forwardTimeoutMs;
  private final MessageConsumer<JsonObject> consumer;
  private final ClassicGroups classic = new Classic();

  ClusteredGroupService(Vertx vertx, String nodeId, ClusterMetadata metadata, ReplicaManager replicas,
      PartitionService partitions, NodeRequests nodeRequests, Supplier<CompletableFuture<Void>> ensureTopic,
      long forwardTimeoutMs, ClassicGroupSettings classicGroups) {
    this.nodeRequests = nodeRequests;
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.ensureTopic = ensureTopic;
    this.forwardTimeoutMs = forwardTimeoutMs;
    this.coordinator = new GroupCoordinator(vertx, partitions, new LocalGroupLog(replicas), System::currentTimeMillis,
        classicGroups);
    this.consumer = vertx.eventBus().consumer(Wire.address(nodeId, Wire.GROUPS), this::serve);
  }

  /** The partition lags of the groups this node coordinates ({@link GroupCoordinator#coordinatedLags}). */
  CompletableFuture<Map<String, List<PartitionLag>>> coordinatedLags() {
    return coordinator.coordinatedLags();
  }

  /** The {@code __groups} topic a cluster of {@code nodes} in {@code racks} starts with. */
  static TopicState groupsTopic(List<String> nodes, Map<String, String> racks) {
    return TopicAdmin.compactedInternalTopic(GroupCoordinator.TOPIC, GroupCoordinator.PARTITIONS, nodes, racks);
  }

  // ---------------------------------------------------------------- the coordinator's log

  /** The {@code __groups} partitions this node leads, as the coordinator needs them. */
  private record LocalGroupLog(ReplicaManager replicas) implements GroupLog {
    @Override
    public OptionalInt leaderEpoch(int partition) {
      return replicas.replica(tp(partition)).filter(Replica::isLeader).map(r -> OptionalInt.of(r.epoch())).orElse(OptionalInt.empty());
    }

    @Override
    public List<RecordBatch> readAll(int partition) {
      PartitionLog log = replicas.leader(tp(partition)).log();
      List<RecordBatch> batches = new ArrayList<>();
      long offset = log.logStartOffset();
      long end = log.logEndOffset();
      while (offset < end) {
        ReadResult read = log.read(offset, 4 * 1024 * 1024, end);
        if (read.isEmpty()) {
          break;
        }
        batches.addAll(read.batchList());
        offset = read.nextOffset();
      }
      return batches;
    }

    @Override
    public CompletableFuture<AppendResult> append(int partition, RecordBatch batch) {
      return replicas.append(tp(partition), batch, Acks.ALL);
    }

    private static TopicPartition tp(int partition) {
      return new TopicPartition(GroupCoordinator.TOPIC, partition);
    }
  }

  // ---------------------------------------------------------------- Kafka's classic protocol, on the coordinator

  /** The same groups for Kafka's classic protocol: served by the local coordinator only (Kafka clients find it first). */
  ClassicGroups classic() {
    return classic;
  }

  private final class Classic implements ClassicGroups {
    @Override
    public CompletableFuture<Optional<String>> coordinatorNode(String group) {
      try {
        GroupCoordinator.validateName(group);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
      return ensureTopic.get().thenApply(ready -> metadata.topic(GroupCoordinator.TOPIC)
          .map(t -> t.partition(GroupCoordinator.partitionFor(group)))
          .filter(PartitionState::hasLeader)
          .map(PartitionState::leader));
    }

    @Override
    public CompletableFuture<JoinResult> join(JoinRequest request) {
      return coordinator.classicJoin(request);
    }

    @Override
    public CompletableFuture<SyncResult> sync(SyncRequest request) {
      return coordinator.classicSync(request);
    }

    @Override
    public CompletableFuture<Void> heartbeat(String group, int generation, String memberId, Optional<String> groupInstanceId) {
      return coordinator.classicHeartbeat(group, generation, memberId, groupInstanceId);
    }

    @Override
    public CompletableFuture<List<LeaveResult>> leave(String group, List<LeavingMember> members) {
      return coordinator.classicLeave(group, members);
    }

    @Override
    public CompletableFuture<Void> commit(String group, int generation, String memberId, Optional<String> groupInstanceId,
        List<OffsetCommit> offsets) {
      return coordinator.classicCommit(group, generation, memberId, groupInstanceId, offsets);
    }

    @Override
    public CompletableFuture<ClassicGroupDescription> describe(String group) {
      return coordinator.classicDescribe(group);
    }

    @Override
    public CompletableFuture<List<ListedGroup>> list() {
      return coordinator.classicList();
    }
  }

  // ---------------------------------------------------------------- routing

  /** Runs {@code local} if this node coordinates {@code group}, else sends {@code request} to the coordinator. */
  private <T> CompletableFuture<T> route(String group, Function<GroupService, CompletableFuture<T>> local, JsonObject request,
      Function<Object, T> decode) {
    try {
      GroupCoordinator.validateName(group);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return ensureTopic.get().thenCompose(ready -> {
      PartitionState state = metadata.topic(GroupCoordinator.TOPIC)
          .map(t -> t.partition(GroupCoordinator.partitionFor(group)))
          .orElseThrow(() -> new LeaderNotAvailableException("the " + GroupCoordinator.TOPIC + " topic is being created"));
      if (!state.hasLeader()) {
        throw new LeaderNotAvailableException("group '" + group + "' has no coordinator: no in-sync replica of "
            + GroupCoordinator.TOPIC + "-" + GroupCoordinator.partitionFor(group) + " is alive");
      }
      if (nodeId.equals(state.leader())) {
        return local.apply(coordinator);
      }
      return request(state.leader(), request.put("group", group)).thenApply(decode);
    });
  }

  private CompletableFuture<Object> request(String node, JsonObject request) {
    long timeout = request.getLong("timeoutMs", 0L) + forwardTimeoutMs;
    return nodeRequests.request(node, Wire.GROUPS, request, new DeliveryOptions().setSendTimeout(timeout));
  }

  /** A request another node forwarded to this coordinator. */
  private void serve(Message<JsonObject> message) {
    JsonObject r = message.body();
    String group = r.getString("group");
    CompletableFuture<?> result;
    try {
      result = switch (r.getString("op")) {
        case "join" -> coordinator.join(group, strings(r.getJsonArray("topics")), OffsetReset.valueOf(r.getString("reset")),
            r.getLong("sessionTimeoutMs"), AssignmentStrategy.parse(r.getString("strategy"))).thenApply(ClusteredGroupService::json);
        case "poll" -> coordinator.poll(group, r.getString("member"), r.getInteger("maxRecords"), r.getInteger("maxBytes"),
            r.getLong("timeoutMs"), Optional.ofNullable(r.getString("cursor"))).thenApply(ClusteredGroupService::encode);
        case "commit" -> coordinator.commit(group, r.getString("member"), commits(r.getJsonArray("offsets")),
            Optional.ofNullable(r.getString("cursor")),
            r.containsKey("generation") ? OptionalInt.of(r.getInteger("generation")) : OptionalInt.empty())
            .thenApply(ClusteredGroupService::json);
        case "commitWithoutMember" -> coordinator.commitWithoutMember(group, commits(r.getJsonArray("offsets")).orElseThrow())
            .thenApply(done -> new JsonObject());
        case "committed" -> coordinator.committedOffsets(group).thenApply(ClusteredGroupService::offsets);
        case "leave" -> coordinator.leave(group, r.getString("member")).thenApply(done -> new JsonObject());
        case "describe" -> coordinator.describe(group).thenApply(ClusteredGroupService::json);
        case "list" -> coordinator.list().thenApply(ClusteredGroupService::json);
        case "reset" -> coordinator.resetOffsets(group, r.getString("topic"), target(r)).thenApply(done -> new JsonObject());
        case "delete" -> coordinator.delete(group).thenApply(done -> new JsonObject());
        case "deleteOffsets" -> coordinator.deleteOffsets(group, partitions(r.getJsonArray("partitions")))
            .thenApply(refused -> new JsonObject().put("refused", partitions(List.copyOf(refused))));
        default -> CompletableFuture.failedFuture(new IllegalArgumentException("unknown group operation " + r.getString("op")));
      };
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    Wire.reply(message, result);
  }

  // ---------------------------------------------------------------- the operations

  @Override
  public CompletableFuture<Membership> join(String group, List<String> topics, OffsetReset reset, long sessionTimeoutMs,
      AssignmentStrategy strategy) {
    return route(group, c -> c.join(group, topics, reset, sessionTimeoutMs, strategy),
        new JsonObject().put("op", "join").put("topics", new JsonArray(topics)).put("reset", reset.name())
            .put("sessionTimeoutMs", sessionTimeoutMs).put("strategy", strategy.wireName()),
        reply -> membership((JsonObject) reply));
  }

  @Override
  public CompletableFuture<PollResult> poll(String group, String memberId, int maxRecords, int maxBytes, long timeoutMs,
      Optional<String> cursor) {
    JsonObject request = new JsonObject().put("op", "poll").put("member", memberId).put("maxRecords", maxRecords)
        .put("maxBytes", maxBytes).put("timeoutMs", timeoutMs);
    cursor.ifPresent(c -> request.put("cursor", c));
    return route(group, c -> c.poll(group, memberId, maxRecords, maxBytes, timeoutMs, cursor), request,
        reply -> decode((Buffer) reply));
  }

  @Override
  public CompletableFuture<Membership> commit(String group, String memberId, Optional<List<OffsetCommit>> offsets,
      Optional<String> cursor, OptionalInt generation) {
    JsonObject request = new JsonObject().put("op", "commit").put("member", memberId);
    offsets.ifPresent(list -> request.put("offsets", commitsJson(list)));
    cursor.ifPresent(c -> request.put("cursor", c));
    generation.ifPresent(g -> request.put("generation", g));
    return route(group, c -> c.commit(group, memberId, offsets, cursor, generation), request, reply -> membership((JsonObject) reply));
  }

  @Override
  public CompletableFuture<Void> commitWithoutMember(String group, List<OffsetCommit> offsets) {
    return route(group, c -> c.commitWithoutMember(group, offsets),
        new JsonObject().put("op", "commitWithoutMember").put("offsets", commitsJson(offsets)), reply -> null);
  }

  @Override
  public CompletableFuture<Map<TopicPartition, CommittedOffset>> committedOffsets(String group) {
    return route(group, c -> c.committedOffsets(group), new JsonObject().put("op", "committed"),
        reply -> commits(((JsonObject) reply).getJsonArray("offsets")).orElseThrow().stream()
            .collect(Collectors.toMap(OffsetCommit::partition, o -> new CommittedOffset(o.offset(), o.metadata(), o.leaderEpoch()))));
  }

  @Override
  public CompletableFuture<Void> leave(String group, String memberId) {
    return route(group, c -> c.leave(group, memberId), new JsonObject().put("op", "leave").put("member", memberId), reply -> null);
  }

  @Override
  public CompletableFuture<GroupDescription> describe(String group) {
    return route(group, c -> c.describe(group), new JsonObject().put("op", "describe"), reply -> description((JsonObject) reply));
  }

  @Override
  public CompletableFuture<Void> resetOffsets(String group, String topic, ResetTarget target) {
    JsonObject request = new JsonObject().put("op", "reset").put("topic", topic);
    target.edge().ifPresent(e -> request.put("edge", e.name()));
    target.offset().ifPresent(o -> request.put("offset", o));
    target.timestamp().ifPresent(t -> request.put("timestamp", t));
    return route(group, c -> c.resetOffsets(group, topic, target), request, reply -> null);
  }

  @Override
  public CompletableFuture<Void> delete(String group) {
    return route(group, c -> c.delete(group), new JsonObject().put("op", "delete"), reply -> null);
  }

  @Override
  public CompletableFuture<Set<TopicPartition>> deleteOffsets(String group, List<TopicPartition> partitions) {
    return route(group, c -> c.deleteOffsets(group, partitions),
        new JsonObject().put("op", "deleteOffsets").put("partitions", partitions(partitions)),
        reply -> new LinkedHashSet<>(partitions(((JsonObject) reply).getJsonArray("refused"))));
  }

  /** Every group, asked of every live node (each knows the groups it coordinates). */
  @Override
  public CompletableFuture<List<GroupSummary>> list() {
    List<CompletableFuture<List<GroupSummary>>> answers = new ArrayList<>();
    for (String node : metadata.reachableNodes()) {
      answers.add(node.equals(nodeId) ? coordinator.list()
          : request(node, new JsonObject().put("op", "list")).thenApply(reply -> summaries((JsonObject) reply)));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> answers.stream()
        .flatMap(a -> a.join().stream()).sorted((a, b) -> a.group().compareTo(b.group())).toList());
  }

  // ---------------------------------------------------------------- JSON and binary forms

  private static JsonObject json(Membership m) {
    return new JsonObject().put("memberId", m.memberId()).put("generation", m.generation()).put("assignment", partitions(m.assignment()));
  }

  private static Membership membership(JsonObject json) {
    return new Membership(json.getString("memberId"), json.getInteger("generation"), partitions(json.getJsonArray("assignment")));
  }

  private static JsonArray partitions(List<TopicPartition> list) {
    JsonArray array = new JsonArray();
    list.forEach(tp -> array.add(new JsonObject().put("topic", tp.topic()).put("partition", tp.partition())));
    return array;
  }

  private static List<TopicPartition> partitions(JsonArray array) {
    List<TopicPartition> list = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      JsonObject o = array.getJsonObject(i);
      list.add(new TopicPartition(o.getString("topic"), o.getInteger("partition")));
    }
    return list;
  }

  private static List<String> strings(JsonArray array) {
    List<String> list = new ArrayList<>();
    array.forEach(v -> list.add((String) v));
    return list;
  }

  private static JsonObject offsets(Map<TopicPartition, CommittedOffset> offsets) {
    return new JsonObject().put("offsets", commitsJson(offsets.entrySet().stream()
        .map(e -> new OffsetCommit(e.getKey(), e.getValue().offset(), e.getValue().metadata(), e.getValue().leaderEpoch()))
        .toList()));
  }

  /** Commits as {@link #commits} reads them; Kafka's metadata and leader epoch only when given (a node that predates them ignores them). */
  private static JsonArray commitsJson(List<OffsetCommit> commits) {
    JsonArray array = new JsonArray();
    for (OffsetCommit o : commits) {
      JsonObject commit = new JsonObject().put("topic", o.partition().topic()).put("partition", o.partition().partition())
          .put("offset", o.offset());
      if (!o.metadata().equals(CommittedOffset.NO_METADATA)) {
        commit.put("metadata", o.metadata());
      }
      if (o.leaderEpoch() != CommittedOffset.NO_LEADER_EPOCH) {
        commit.put("leaderEpoch", o.leaderEpoch());
      }
      array.add(commit);
    }
    return array;
  }

  private static Optional<List<OffsetCommit>> commits(JsonArray array) {
    if (array == null) {
      return Optional.empty();
    }
    List<OffsetCommit> list = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      JsonObject o = array.getJsonObject(i);
      list.add(new OffsetCommit(new TopicPartition(o.getString("topic"), o.getInteger("partition")), o.getLong("offset"),
          o.getString("metadata", CommittedOffset.NO_METADATA), o.getInteger("leaderEpoch", CommittedOffset.NO_LEADER_EPOCH)));
    }
    return Optional.of(list);
  }

  private static ResetTarget target(JsonObject r) {
    return new ResetTarget(Optional.ofNullable(r.getString("edge")).map(OffsetReset::valueOf), Optional.ofNullable(r.getLong("offset")),
        Optional.ofNullable(r.getLong("timestamp")));
  }

  /** A poll answer: {@code [int length][JSON]} then each partition's batches as {@code [int length][bytes]}. */
  private static Buffer encode(PollResult result) {
    JsonArray parts = new JsonArray();
    for (PartitionRecords r : result.records()) {
      parts.add(new JsonObject().put("topic", r.partition().topic()).put("partition", r.partition().partition())
          .put("fetchOffset", r.fetchOffset()).put("nextOffset", r.nextOffset()).put("highWatermark", r.highWatermark()));
    }
    JsonArray resets = new JsonArray();
    for (PositionReset reset : result.resets()) {
      resets.add(new JsonObject().put("topic", reset.partition().topic()).put("partition", reset.partition().partition())
          .put("from", reset.from()).put("to", reset.to()).put("policy", reset.policy().name()));
    }
    byte[] meta = new JsonObject().put("membership", json(result.membership())).put("cursor", result.cursor()).put("records", parts)
        .put("resets", resets).encode().getBytes(StandardCharsets.UTF_8);
    Buffer out = Buffer.buffer().appendInt(meta.length).appendBytes(meta);
    for (PartitionRecords r : result.records()) {
      byte[] bytes = Wire.bytes(r.batches());
      out.appendInt(bytes.length).appendBytes(bytes);
    }
    return out;
  }

  private static PollResult decode(Buffer in) {
    int metaLength = in.getInt(0);
    JsonObject meta = new JsonObject(in.getString(4, 4 + metaLength, "UTF-8"));
    int pos = 4 + metaLength;
    List<PartitionRecords> records = new ArrayList<>();
    JsonArray parts = meta.getJsonArray("records");
    for (int i = 0; i < parts.size(); i++) {
      JsonObject p = parts.getJsonObject(i);
      int length = in.getInt(pos);
      ByteBuffer batches = ByteBuffer.wrap(in.getBytes(pos + 4, pos + 4 + length));
      pos += 4 + length;
      records.add(new PartitionRecords(new TopicPartition(p.getString("topic"), p.getInteger("partition")), p.getLong("fetchOffset"),
          p.getLong("nextOffset"), p.getLong("highWatermark"), batches));
    }
    List<PositionReset> resets = new ArrayList<>();
    // Absent in the answer of a node that predates resets (a rolling upgrade).
    JsonArray resetList = meta.getJsonArray("resets", new JsonArray());
    for (int i = 0; i < resetList.size(); i++) {
      JsonObject r = resetList.getJsonObject(i);
      resets.add(new PositionReset(new TopicPartition(r.getString("topic"), r.getInteger("partition")), r.getLong("from"),
          r.getLong("to"), OffsetReset.valueOf(r.getString("policy"))));
    }
    return new PollResult(membership(meta.getJsonObject("membership")), meta.getString("cursor"), records, resets);
  }

  private static JsonObject json(GroupDescription d) {
    JsonArray members = new JsonArray();
    d.members().forEach(m -> members.add(new JsonObject().put("memberId", m.memberId()).put("topics", new JsonArray(m.topics()))
        .put("sessionTimeoutMs", m.sessionTimeoutMs()).put("assignment", partitions(m.assignment()))));
    JsonArray offsets = new JsonArray();
    d.offsets().forEach(o -> offsets.add(new JsonObject().put("topic", o.partition().topic()).put("partition", o.partition().partition())
        .put("committed", o.committed().orElse(null)).put("latest", o.latest()).put("lag", o.lag())));
    return new JsonObject().put("group", d.group()).put("state", d.state()).put("generation", d.generation())
        .put("strategy", d.strategy().wireName()).put("members", members).put("offsets", offsets);
  }

  private static GroupDescription description(JsonObject json) {
    List<MemberDescription> members = new ArrayList<>();
    for (int i = 0; i < json.getJsonArray("members").size(); i++) {
      JsonObject m = json.getJsonArray("members").getJsonObject(i);
      members.add(new MemberDescription(m.getString("memberId"), strings(m.getJsonArray("topics")), m.getLong("sessionTimeoutMs"),
          partitions(m.getJsonArray("assignment"))));
    }
    List<PartitionLag> offsets = new ArrayList<>();
    for (int i = 0; i < json.getJsonArray("offsets").size(); i++) {
      JsonObject o = json.getJsonArray("offsets").getJsonObject(i);
      offsets.add(new PartitionLag(new TopicPartition(o.getString("topic"), o.getInteger("partition")),
          Optional.ofNullable(o.getLong("committed")), o.getLong("latest"), o.getLong("lag")));
    }
    return new GroupDescription(json.getString("group"), json.getString("state"), json.getInteger("generation"),
        AssignmentStrategy.parse(json.getString("strategy")), members, offsets);
  }

  private static JsonObject json(List<GroupSummary> list) {
    JsonArray groups = new JsonArray();
    list.forEach(g -> groups.add(new JsonObject().put("group", g.group()).put("state", g.state()).put("generation", g.generation())
        .put("members", g.members())));
    return new JsonObject().put("groups", groups);
  }

  private static List<GroupSummary> summaries(JsonObject json) {
    List<GroupSummary> list = new ArrayList<>();
    JsonArray groups = json.getJsonArray("groups");
    for (int i = 0; i < groups.size(); i++) {
      JsonObject g = groups.getJsonObject(i);
      list.add(new GroupSummary(g.getString("group"), g.getString("state"), g.getInteger("generation"), g.getInteger("members")));
    }
    return list;
  }

  @Override
  public void close() {
    consumer.unregister();
    coordinator.close();
  }
}
