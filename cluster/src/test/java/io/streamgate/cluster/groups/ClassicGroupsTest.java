package io.streamgate.cluster.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups.JoinRequest;
import io.streamgate.cluster.groups.ClassicGroups.JoinResult;
import io.streamgate.cluster.groups.ClassicGroups.JoinedMember;
import io.streamgate.cluster.groups.ClassicGroups.LeaveResult;
import io.streamgate.cluster.groups.ClassicGroups.LeavingMember;
import io.streamgate.cluster.groups.ClassicGroups.MemberAssignment;
import io.streamgate.cluster.groups.ClassicGroups.Protocol;
import io.streamgate.cluster.groups.ClassicGroups.SyncRequest;
import io.streamgate.cluster.groups.ClassicGroups.SyncResult;
import io.streamgate.cluster.groups.GroupService.OffsetCommit;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka's classic group protocol on the coordinator, over an in-memory {@code __groups} log and
 * in-memory partitions: joins (MEMBER_ID_REQUIRED, the leader with every member's metadata), syncs,
 * rebalances on a join, a leave, a session that ran out and a member that did not rejoin, static
 * members, the checks of heartbeats, syncs and commits, the committed offsets shared with HTTP, one
 * protocol per group, limits, and a coordinator move.
 */
class ClassicGroupsTest {
  private static final TopicPartition T0 = new TopicPartition("t", 0);
  private static final int SESSION_MS = 10_000;
  /** Small, so that a new group's first rebalance does not wait Kafka's 3 s. */
  private static final long INITIAL_DELAY_MS = 300;
  private static final int MAX_MEMBERS = 5;

  private Vertx vertx;
  private MemoryPartitions partitions;
  private MemoryGroupLog groupLog;
  private GroupCoordinator coordinator;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    partitions = new MemoryPartitions();
    partitions.append(T0, "a", "b", "c", "d", "e");
    groupLog = new MemoryGroupLog();
    coordinator = new GroupCoordinator(vertx, partitions, groupLog, System::currentTimeMillis,
        new ClassicGroupSettings(INITIAL_DELAY_MS, 60_000, MAX_MEMBERS));
    // Loaded before the joins: requests that wait for a load may go on in any order, and tests name the first joiner the leader.
    coordinator.committedOffsets("g").join();
  }

  @AfterEach
  void stop() throws Exception {
    groupLog.releaseRead.countDown();
    coordinator.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static JoinRequest request(String memberId, String client, String type, List<Protocol> protocols, int rebalanceMs,
      Optional<String> instance, boolean requireKnownMemberId) {
    return new JoinRequest("g", memberId, instance, client, "/127.0.0.1", type, protocols, SESSION_MS, rebalanceMs,
        requireKnownMemberId);
  }

  /** A join of protocol type consumer offering range then roundrobin, with metadata naming the client. */
  private static JoinRequest consumerJoin(String memberId, String client) {
    return request(memberId, client, "consumer", protocols(client), 30_000, Optional.empty(), false);
  }

  private static List<Protocol> protocols(String client) {
    return List.of(new Protocol("range", bytes("range-of-" + client)), new Protocol("roundrobin", bytes("rr-of-" + client)));
  }

  private CompletableFuture<JoinResult> join(JoinRequest request) {
    return coordinator.classicJoin(request);
  }

  private CompletableFuture<SyncResult> sync(int generation, String member, Map<String, byte[]> assignments) {
    List<MemberAssignment> list = new ArrayList<>();
    assignments.forEach((id, bytes) -> list.add(new MemberAssignment(id, bytes)));
    return coordinator.classicSync(new SyncRequest("g", generation, member, Optional.empty(), Optional.of("consumer"),
        Optional.of("range"), list));
  }

  private void heartbeat(int generation, String member) throws Exception {
    get(coordinator.classicHeartbeat("g", generation, member, Optional.empty()));
  }

  static <T> T get(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) Failures.cause(e.getCause());
    }
  }

  /** Three members a, b, c of generation 1, synced: a leads and gave each member "assignment-of-<its client>". */
  private record Stable(JoinResult a, JoinResult b, JoinResult c) {
    String[] ids() {
      return new String[] {a.memberId(), b.memberId(), c.memberId()};
    }
  }

  private Stable stableGroupOfThree() throws Exception {
    CompletableFuture<JoinResult> a = join(consumerJoin("", "a"));
    CompletableFuture<JoinResult> b = join(consumerJoin("", "b"));
    CompletableFuture<JoinResult> c = join(consumerJoin("", "c"));
    Stable group = new Stable(get(a), get(b), get(c));
    Map<String, byte[]> assignments = new LinkedHashMap<>();
    assignments.put(group.a().memberId(), bytes("assignment-of-a"));
    assignments.put(group.b().memberId(), bytes("assignment-of-b"));
    assignments.put(group.c().memberId(), bytes("assignment-of-c"));
    CompletableFuture<SyncResult> bSync = sync(1, group.b().memberId(), Map.of());
    CompletableFuture<SyncResult> cSync = sync(1, group.c().memberId(), Map.of());
    get(sync(1, group.a().memberId(), assignments));
    get(bSync);
    get(cSync);
    assertThat(get(coordinator.describe("g")).state()).isEqualTo("Stable");
    return group;
  }

  private String kafkaState() throws Exception {
    return get(coordinator.classicDescribe("g")).state();
  }

  private static byte[] remaining(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  private static List<String> ids(List<JoinedMember> members) {
    return members.stream().map(JoinedMember::memberId).toList();
  }

  // ---------------------------------------------------------------- joins and syncs

  @Test
  void threeMembersJoinOneGenerationTheLeaderGetsEveryMembersMetadataAndEachSyncDeliversItsOwnAssignment() throws Exception {
    JoinRequest first = request("", "client-a", "consumer", protocols("client-a"), 30_000, Optional.empty(), true);
    Throwable refused = Failures.cause(join(first).handle((ok, e) -> e).get(10, TimeUnit.SECONDS));
    assertThat(refused).isInstanceOf(MemberIdRequiredException.class);
    MemberIdRequiredException required = (MemberIdRequiredException) refused;
    assertThat(required.memberId()).startsWith("client-a-");
    assertThat(StreamgateError.forException(required)).isSameAs(StreamgateError.MEMBER_ID_REQUIRED);

    CompletableFuture<JoinResult> a = join(consumerJoin(required.memberId(), "client-a"));
    CompletableFuture<JoinResult> b = join(consumerJoin("", "client-b"));
    CompletableFuture<JoinResult> c = join(consumerJoin("", "client-c"));
    JoinResult ra = get(a);
    JoinResult rb = get(b);
    JoinResult rc = get(c);

    assertThat(ra.memberId()).isEqualTo(required.memberId());
    assertThat(rb.memberId()).startsWith("client-b-");
    for (JoinResult r : List.of(ra, rb, rc)) {
      assertThat(r.generation()).isEqualTo(1);
      assertThat(r.leaderId()).isEqualTo(ra.memberId());
      assertThat(r.protocolType()).isEqualTo("consumer");
      assertThat(r.protocolName()).isEqualTo("range");
      assertThat(r.skipAssignment()).isFalse();
    }
    assertThat(ids(ra.members())).containsExactly(ra.memberId(), rb.memberId(), rc.memberId());
    assertThat(ra.members().stream().map(m -> new String(m.metadata(), StandardCharsets.UTF_8)))
        .containsExactly("range-of-client-a", "range-of-client-b", "range-of-client-c");
    assertThat(rb.members()).isEmpty();
    assertThat(rc.members()).isEmpty();
    assertThat(kafkaState()).isEqualTo("CompletingRebalance");
    assertThat(get(coordinator.describe("g")).state()).isEqualTo("Rebalancing");

    // Followers wait for the leader's sync; the leader's hands each its own bytes.
    CompletableFuture<SyncResult> bSync = sync(1, rb.memberId(), Map.of());
    CompletableFuture<SyncResult> cSync = sync(1, rc.memberId(), Map.of());
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !bSync.isDone() && !cSync.isDone());
    Map<String, byte[]> assignments = Map.of(ra.memberId(), bytes("A"), rb.memberId(), bytes("B"), rc.memberId(), new byte[] {0, 1, 2});
    SyncResult aSync = get(sync(1, ra.memberId(), assignments));

    assertThat(aSync.assignment()).isEqualTo(bytes("A"));
    assertThat(get(bSync).assignment()).isEqualTo(bytes("B"));
    assertThat(get(cSync).assignment()).isEqualTo(new byte[] {0, 1, 2});
    assertThat(get(cSync).protocolName()).isEqualTo("range");
    assertThat(get(coordinator.describe("g")).state()).isEqualTo("Stable");
    assertThat(get(coordinator.describe("g")).generation()).isEqualTo(1);
    // A sync in the stable generation answers the same bytes again (a lost answer).
    assertThat(get(sync(1, rb.memberId(), Map.of())).assignment()).isEqualTo(bytes("B"));
  }

  @Test
  void kafkasOwnRangeAssignorWorksFromTheLeadersAnswerAndEachMemberReadsItsOwnPartitions() throws Exception {
    // The bytes are Kafka's: subscriptions made by ConsumerProtocol, the leader's assignment made by
    // Kafka's RangeAssignor from the metadata the join handed it, read back by each member.
    byte[] subscription = remaining(ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of("t"))));
    List<CompletableFuture<JoinResult>> joins = new ArrayList<>();
    for (String client : List.of("a", "b", "c")) {
      joins.add(join(request("", client, "consumer", List.of(new Protocol("range", subscription)), 30_000, Optional.empty(), false)));
    }
    JoinResult leader = get(joins.get(0));
    Map<String, ConsumerPartitionAssignor.Subscription> subscriptions = new LinkedHashMap<>();
    for (JoinedMember member : leader.members()) {
      subscriptions.put(member.memberId(), ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(member.metadata())));
    }
    org.apache.kafka.common.Node broker = new org.apache.kafka.common.Node(0, "127.0.0.1", 1);
    List<org.apache.kafka.common.PartitionInfo> sixPartitions = new ArrayList<>();
    for (int p = 0; p < 6; p++) {
      sixPartitions.add(new org.apache.kafka.common.PartitionInfo("t", p, broker, new org.apache.kafka.common.Node[] {broker},
          new org.apache.kafka.common.Node[] {broker}));
    }
    org.apache.kafka.common.Cluster metadata = new org.apache.kafka.common.Cluster("c", List.of(broker), sixPartitions, Set.of(), Set.of());
    Map<String, ConsumerPartitionAssignor.Assignment> assigned = new org.apache.kafka.clients.consumer.RangeAssignor()
        .assign(metadata, new ConsumerPartitionAssignor.GroupSubscription(subscriptions)).groupAssignment();
    Map<String, byte[]> assignments = new LinkedHashMap<>();
    assigned.forEach((member, assignment) -> assignments.put(member, remaining(ConsumerProtocol.serializeAssignment(assignment))));

    List<CompletableFuture<SyncResult>> syncs = new ArrayList<>();
    for (CompletableFuture<JoinResult> joined : joins) {
      String member = get(joined).memberId();
      syncs.add(sync(1, member, member.equals(leader.memberId()) ? assignments : Map.of()));
    }
    List<org.apache.kafka.common.TopicPartition> everyOne = new ArrayList<>();
    for (CompletableFuture<SyncResult> synced : syncs) {
      List<org.apache.kafka.common.TopicPartition> own = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(get(synced).assignment()))
          .partitions();
      assertThat(own).hasSize(2);
      everyOne.addAll(own);
    }
    assertThat(everyOne).containsExactlyInAnyOrderElementsOf(
        sixPartitions.stream().map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList());
  }

  @Test
  void theProtocolIsTheOneMostMembersPreferAmongThoseAllSupport() throws Exception {
    JoinRequest a = request("", "a", "consumer", List.of(new Protocol("sticky", bytes("s")), new Protocol("range", bytes("r"))),
        30_000, Optional.empty(), false);
    JoinRequest b = request("", "b", "consumer", List.of(new Protocol("roundrobin", bytes("rr")), new Protocol("range", bytes("r"))),
        30_000, Optional.empty(), false);
    JoinRequest c = request("", "c", "consumer", List.of(new Protocol("range", bytes("r")), new Protocol("sticky", bytes("s")),
        new Protocol("roundrobin", bytes("rr"))), 30_000, Optional.empty(), false);
    CompletableFuture<JoinResult> ra = join(a);
    CompletableFuture<JoinResult> rb = join(b);
    CompletableFuture<JoinResult> rc = join(c);
    // Only range is supported by all three.
    assertThat(get(ra).protocolName()).isEqualTo("range");
    assertThat(get(rb).protocolName()).isEqualTo("range");
    assertThat(get(rc).protocolName()).isEqualTo("range");
  }

  @Test
  void aFourthMemberMakesEveryoneRejoinAndTheNewGenerationHasAllFour() throws Exception {
    Stable group = stableGroupOfThree();
    CompletableFuture<JoinResult> d = join(consumerJoin("", "d"));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !d.isDone());
    assertThat(kafkaState()).isEqualTo("PreparingRebalance");
    assertThat(get(coordinator.describe("g")).state()).isEqualTo("Rebalancing");
    for (String id : group.ids()) {
      assertThatThrownBy(() -> heartbeat(1, id)).isInstanceOf(RebalanceInProgressException.class);
    }
    // A follower's sync during the rebalance is refused the same way; its commit in the generation it
    // still consumes in is taken, as Kafka does (clients commit what they processed before rejoining).
    assertThatThrownBy(() -> get(sync(1, group.b().memberId(), Map.of()))).isInstanceOf(RebalanceInProgressException.class);
    get(coordinator.classicCommit("g", 1, group.b().memberId(), Optional.empty(), List.of(new OffsetCommit(T0, 1))));
    assertThat(get(coordinator.committedOffsets("g"))).containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(1)));

    CompletableFuture<JoinResult> a = join(consumerJoin(group.a().memberId(), "a"));
    CompletableFuture<JoinResult> b = join(consumerJoin(group.b().memberId(), "b"));
    assertThat(d).isNotDone();
    CompletableFuture<JoinResult> c = join(consumerJoin(group.c().memberId(), "c"));

    for (JoinResult r : List.of(get(a), get(b), get(c), get(d))) {
      assertThat(r.generation()).isEqualTo(2);
      assertThat(r.leaderId()).isEqualTo(group.a().memberId());
    }
    // Joined but not yet given its assignment (CompletingRebalance): a commit is refused until the sync.
    assertThat(kafkaState()).isEqualTo("CompletingRebalance");
    assertThatThrownBy(() -> get(coordinator.classicCommit("g", 2, group.b().memberId(), Optional.empty(),
        List.of(new OffsetCommit(T0, 2))))).isInstanceOf(RebalanceInProgressException.class);
    assertThat(ids(get(a).members())).containsExactlyInAnyOrder(group.a().memberId(), group.b().memberId(), group.c().memberId(),
        get(d).memberId());
    assertThat(get(d).members()).isEmpty();
    // The old generation is over.
    assertThatThrownBy(() -> heartbeat(1, group.b().memberId())).isInstanceOf(RebalanceConflictException.class);
    heartbeat(2, group.b().memberId());
  }

  @Test
  void aMemberThatStopsHeartbeatingIsRemovedAfterItsSessionAndTheOthersRebalance() throws Exception {
    // c's session is 1 s; a's and b's 5 s, so that their heartbeats keep them in even on a slow machine.
    CompletableFuture<JoinResult> a = join(session("", "a", 5_000));
    CompletableFuture<JoinResult> b = join(session("", "b", 5_000));
    CompletableFuture<JoinResult> c = join(session("", "c", 1_000));
    String idA = get(a).memberId();
    String idB = get(b).memberId();
    String idC = get(c).memberId();
    CompletableFuture<SyncResult> syncB = sync(1, idB, Map.of());
    CompletableFuture<SyncResult> syncC = sync(1, idC, Map.of());
    get(sync(1, idA, Map.of(idA, bytes("A"), idB, bytes("B"), idC, bytes("C"))));
    get(syncB);
    get(syncC);

    // a and b keep heartbeating, c does not: after c's session the group rebalances.
    await().pollInterval(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(() -> rebalancing(idA) & rebalancing(idB));
    assertThatThrownBy(() -> heartbeat(1, idC)).isInstanceOf(MemberNotFoundException.class);
    CompletableFuture<JoinResult> rejoinA = join(session(idA, "a", 5_000));
    CompletableFuture<JoinResult> rejoinB = join(session(idB, "b", 5_000));
    assertThat(get(rejoinA).generation()).isEqualTo(2);
    assertThat(ids(get(rejoinA).members())).containsExactly(idA, idB);
    assertThat(get(rejoinB).generation()).isEqualTo(2);
  }

  /** Heartbeats; whether the answer was "rebalancing" (any other failure fails the test). */
  private boolean rebalancing(String member) throws Exception {
    try {
      heartbeat(1, member);
      return false;
    } catch (RebalanceInProgressException e) {
      return true;
    }
  }

  private static JoinRequest session(String memberId, String client, int sessionMs) {
    return new JoinRequest("g", memberId, Optional.empty(), client, "/127.0.0.1", "consumer", protocols(client), sessionMs, 30_000,
        false);
  }

  @Test
  void aLeaveRebalancesAndAnUnknownMemberLeavingIsTold() throws Exception {
    Stable group = stableGroupOfThree();
    List<LeaveResult> left = get(coordinator.classicLeave("g", List.of(new LeavingMember(group.b().memberId(), Optional.empty()),
        new LeavingMember("nobody", Optional.empty()))));

    assertThat(left).containsExactly(new LeaveResult(group.b().memberId(), Optional.empty(), Optional.empty()),
        new LeaveResult("nobody", Optional.empty(), Optional.of(StreamgateError.UNKNOWN_MEMBER_ID)));
    assertThatThrownBy(() -> heartbeat(1, group.a().memberId())).isInstanceOf(RebalanceInProgressException.class);
    assertThatThrownBy(() -> heartbeat(1, group.b().memberId())).isInstanceOf(MemberNotFoundException.class);
    CompletableFuture<JoinResult> a = join(consumerJoin(group.a().memberId(), "a"));
    CompletableFuture<JoinResult> c = join(consumerJoin(group.c().memberId(), "c"));
    assertThat(get(a).generation()).isEqualTo(2);
    assertThat(ids(get(a).members())).containsExactly(group.a().memberId(), group.c().memberId());
    assertThat(get(c).leaderId()).isEqualTo(group.a().memberId());
  }

  @Test
  void theLeaderLeavingHandsLeadershipToAnotherMember() throws Exception {
    Stable group = stableGroupOfThree();
    get(coordinator.classicLeave("g", List.of(new LeavingMember(group.a().memberId(), Optional.empty()))));
    CompletableFuture<JoinResult> b = join(consumerJoin(group.b().memberId(), "b"));
    CompletableFuture<JoinResult> c = join(consumerJoin(group.c().memberId(), "c"));
    assertThat(get(b).leaderId()).isEqualTo(group.b().memberId());
    assertThat(ids(get(b).members())).containsExactly(group.b().memberId(), group.c().memberId());
    assertThat(get(c).members()).isEmpty();
  }

  @Test
  void aCommitWhoseGroupsPartitionMovedAwayIsRefusedNotCoordinatorSoTheClientFindsTheNewCoordinator() throws Exception {
    Stable group = stableGroupOfThree();
    groupLog.appendsNotLed.set(1); // the __groups partition was handed off while the commit was written
    assertThatThrownBy(() -> get(coordinator.classicCommit("g", 1, group.a().memberId(), Optional.empty(),
        List.of(new OffsetCommit(T0, 1))))).isInstanceOf(NotCoordinatorException.class);
    assertThat(get(coordinator.committedOffsets("g"))).isEmpty();
  }

  @Test
  void theLastMemberLeavingEmptiesTheGroupWhichThenTakesCommitsWithoutAMember() throws Exception {
    Stable group = stableGroupOfThree();
    get(coordinator.classicCommit("g", 1, group.a().memberId(), Optional.empty(), List.of(new OffsetCommit(T0, 1))));
    assertThatThrownBy(() -> get(coordinator.classicCommit("g", -1, "", Optional.empty(), List.of(new OffsetCommit(T0, 2)))))
        .isInstanceOf(MemberNotFoundException.class);
    get(coordinator.classicLeave("g", List.of(new LeavingMember(group.a().memberId(), Optional.empty()),
        new LeavingMember(group.b().memberId(), Optional.empty()), new LeavingMember(group.c().memberId(), Optional.empty()))));

    // Kept for its committed offset, with no members: Empty.
    assertThat(get(coordinator.describe("g")).state()).isEqualTo("Empty");
    assertThat(kafkaState()).isEqualTo("Empty");
    assertThat(get(coordinator.describe("g")).members()).isEmpty();
    // Its protocol type stays its members', as Kafka's DescribeGroups and ListGroups show an empty group.
    assertThat(get(coordinator.classicDescribe("g")).protocolType()).isEqualTo("consumer");
    assertThat(get(coordinator.classicList())).contains(new ClassicGroups.ListedGroup("g", "consumer", "Empty"));
    get(coordinator.classicCommit("g", -1, "", Optional.empty(), List.of(new OffsetCommit(T0, 2))));
    assertThat(get(coordinator.committedOffsets("g"))).isEqualTo(Map.of(T0, GroupService.CommittedOffset.of(2)));
    // An empty commit without a member makes no group.
    get(coordinator.classicCommit("fresh", -1, "", Optional.empty(), List.of()));
    assertThat(get(coordinator.classicDescribe("fresh")).state()).isEqualTo("Dead");
    // And it takes HTTP members now; run over HTTP, it shows no Kafka protocol type, also once empty again.
    GroupService.Membership http = get(coordinator.join("g", List.of("t"), OffsetReset.EARLIEST, 30_000,
        AssignmentStrategy.COOPERATIVE_STICKY));
    assertThat(http.assignment()).containsExactly(T0);
    assertThat(get(coordinator.classicDescribe("g")).protocolType()).isEmpty();
    get(coordinator.leave("g", http.memberId()));
    assertThat(get(coordinator.classicDescribe("g")).protocolType()).isEmpty();
    assertThat(get(coordinator.classicList())).contains(new ClassicGroups.ListedGroup("g", "", "Empty"));
  }

  @Test
  void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsRemoved() throws Exception {
    // Rebalance timeout 1 s for everyone; sessions are long, so only the rebalance removes c.
    CompletableFuture<JoinResult> a = join(request("", "a", "consumer", protocols("a"), 1_000, Optional.empty(), false));
    CompletableFuture<JoinResult> b = join(request("", "b", "consumer", protocols("b"), 1_000, Optional.empty(), false));
    CompletableFuture<JoinResult> c = join(request("", "c", "consumer", protocols("c"), 1_000, Optional.empty(), false));
    String idA = get(a).memberId();
    String idB = get(b).memberId();
    String idC = get(c).memberId();

    // Still generation 1 but not synced: a rejoin with new metadata rebalances; c never rejoins.
    CompletableFuture<JoinResult> rejoinA = join(request(idA, "a", "consumer", protocols("a2"), 1_000, Optional.empty(), false));
    CompletableFuture<JoinResult> rejoinB = join(request(idB, "b", "consumer", protocols("b"), 1_000, Optional.empty(), false));
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !rejoinA.isDone());

    JoinResult second = get(rejoinA);
    assertThat(second.generation()).isEqualTo(2);
    assertThat(ids(second.members())).containsExactly(idA, idB);
    assertThat(get(rejoinB).generation()).isEqualTo(2);
    assertThatThrownBy(() -> heartbeat(2, idC)).isInstanceOf(MemberNotFoundException.class);
  }

  @Test
  void membersThatDoNotSyncWithinTheRebalanceTimeoutAreRemoved() throws Exception {
    CompletableFuture<JoinResult> a = join(request("", "a", "consumer", protocols("a"), 1_000, Optional.empty(), false));
    CompletableFuture<JoinResult> b = join(request("", "b", "consumer", protocols("b"), 1_000, Optional.empty(), false));
    String idA = get(a).memberId();
    String idB = get(b).memberId();
    // b waits for a leader that never syncs: after the rebalance timeout a is removed and b told to rejoin.
    CompletableFuture<SyncResult> waiting = sync(1, idB, Map.of());
    assertThatThrownBy(() -> get(waiting)).isInstanceOf(RebalanceInProgressException.class);
    assertThatThrownBy(() -> heartbeat(1, idA)).isInstanceOf(MemberNotFoundException.class);
    JoinResult alone = get(join(request(idB, "b", "consumer", protocols("b"), 1_000, Optional.empty(), false)));
    assertThat(alone.generation()).isEqualTo(2);
    assertThat(alone.leaderId()).isEqualTo(idB);
  }

  // ---------------------------------------------------------------- checks

  @Test
  void wrongGenerationsAndUnknownMembersAreRefusedOnHeartbeatSyncAndCommit() throws Exception {
    Stable group = stableGroupOfThree();
    String b = group.b().memberId();
    List<OffsetCommit> offsets = List.of(new OffsetCommit(T0, 3));

    assertThatThrownBy(() -> heartbeat(0, b)).isInstanceOf(RebalanceConflictException.class);
    assertThatThrownBy(() -> heartbeat(1, "nobody")).isInstanceOf(MemberNotFoundException.class);
    assertThatThrownBy(() -> get(sync(2, b, Map.of()))).isInstanceOf(RebalanceConflictException.class);
    assertThatThrownBy(() -> get(sync(1, "nobody", Map.of()))).isInstanceOf(MemberNotFoundException.class);
    assertThatThrownBy(() -> get(coordinator.classicCommit("g", 7, b, Optional.empty(), offsets)))
        .isInstanceOf(RebalanceConflictException.class);
    assertThatThrownBy(() -> get(coordinator.classicCommit("g", 1, "nobody", Optional.empty(), offsets)))
        .isInstanceOf(MemberNotFoundException.class);
    assertThatThrownBy(() -> get(coordinator.classicJoin(consumerJoin("nobody", "x")))).isInstanceOf(MemberNotFoundException.class);
    assertThatThrownBy(() -> get(coordinator.classicHeartbeat("other", 1, b, Optional.empty())))
        .isInstanceOf(MemberNotFoundException.class);
    assertThat(groupLog.offsetRecords()).isEmpty();
    assertThat(StreamgateError.forException(new RebalanceConflictException("m"))).isSameAs(StreamgateError.ILLEGAL_GENERATION);
  }

  @Test
  void offsetsCommittedByMembersAreWhatCommittedOffsetsAndDescribeShow() throws Exception {
    // What a Kafka consumer sends, made by Kafka's own ConsumerProtocol.
    byte[] subscription = remaining(ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of("t"))));
    byte[] assignment = remaining(ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(
        List.of(new org.apache.kafka.common.TopicPartition("t", 0)))));
    String id = get(join(request("", "a", "consumer", List.of(new Protocol("range", subscription)), 30_000, Optional.empty(), false)))
        .memberId();
    get(sync(1, id, Map.of(id, assignment)));

    get(coordinator.classicCommit("g", 1, id, Optional.empty(), List.of(new OffsetCommit(T0, 3))));

    assertThat(get(coordinator.committedOffsets("g"))).isEqualTo(Map.of(T0, GroupService.CommittedOffset.of(3)));
    GroupService.GroupDescription description = get(coordinator.describe("g"));
    assertThat(description.state()).isEqualTo("Stable");
    assertThat(description.generation()).isEqualTo(1);
    assertThat(description.members()).containsExactly(new GroupService.MemberDescription(id, List.of("t"), SESSION_MS, List.of(T0)));
    assertThat(description.offsets()).containsExactly(new GroupService.PartitionLag(T0, Optional.of(3L), 5, 2));
    assertThat(groupLog.records("o/g/t/0")).extracting(Map.Entry::getValue)
        .containsExactly("{\"offset\":3,\"topicId\":\"" + TopicId.derived("t") + "\"}");
    assertThat(get(coordinator.list())).containsExactly(new GroupService.GroupSummary("g", "Stable", 1, 1));
    // As Kafka's DescribeGroups and ListGroups show it: the bytes as sent, the client as it named itself.
    ClassicGroups.ClassicGroupDescription kafkaView = get(coordinator.classicDescribe("g"));
    assertThat(kafkaView.state()).isEqualTo("Stable");
    assertThat(kafkaView.protocolType()).isEqualTo("consumer");
    assertThat(kafkaView.protocolName()).isEqualTo("range");
    assertThat(kafkaView.members()).hasSize(1);
    assertThat(kafkaView.members().get(0).clientId()).isEqualTo("a");
    assertThat(kafkaView.members().get(0).clientHost()).isEqualTo("/127.0.0.1");
    assertThat(kafkaView.members().get(0).metadata()).isEqualTo(subscription);
    assertThat(kafkaView.members().get(0).assignment()).isEqualTo(assignment);
    assertThat(get(coordinator.classicList())).containsExactly(new ClassicGroups.ListedGroup("g", "consumer", "Stable"));
    assertThat(get(coordinator.classicDescribe("nothing"))).isEqualTo(new ClassicGroups.ClassicGroupDescription("nothing", "Dead", "",
        "", List.of()));
    // Not empty: deleting it or resetting its offsets is refused, as for an HTTP group.
    assertThatThrownBy(() -> get(coordinator.delete("g"))).isInstanceOf(GroupNotEmptyException.class);
    assertThatThrownBy(() -> get(coordinator.commitWithoutMember("g", List.of(new OffsetCommit(T0, 1)))))
        .isInstanceOf(GroupNotEmptyException.class);
  }

  @Test
  void anHttpJoinToAKafkaGroupAndAKafkaJoinToAnHttpGroupAreRefused() throws Exception {
    get(join(consumerJoin("", "a")));
    assertThatThrownBy(() -> get(coordinator.join("g", List.of("t"), OffsetReset.EARLIEST, 30_000,
        AssignmentStrategy.COOPERATIVE_STICKY))).isInstanceOf(InconsistentGroupProtocolException.class);
    assertThat(StreamgateError.forException(new InconsistentGroupProtocolException("m")).httpStatus()).isEqualTo(409);

    get(coordinator.join("h", List.of("t"), OffsetReset.EARLIEST, 30_000, AssignmentStrategy.COOPERATIVE_STICKY));
    assertThatThrownBy(() -> get(join(new JoinRequest("h", "", Optional.empty(), "k", "/127.0.0.1", "consumer", protocols("k"),
        SESSION_MS, 30_000, false)))).isInstanceOf(InconsistentGroupProtocolException.class);
    assertThat(get(coordinator.describe("h")).members()).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"consumer", "connect", "stream"})
  void everyProtocolTypeIsServedAlikeWithOpaqueBytes(String type) throws Exception {
    byte[] metadata = {(byte) 0xff, 0, 1, 2, 3};
    byte[] assignment = {9, 8, 7, 0, (byte) 0x80};
    JoinRequest a = new JoinRequest("g", "", Optional.empty(), "a", "/127.0.0.1", type, List.of(new Protocol("p", metadata)),
        SESSION_MS, 30_000, false);
    JoinResult joined = get(join(a));
    assertThat(joined.protocolType()).isEqualTo(type);
    assertThat(joined.members().get(0).metadata()).isEqualTo(metadata);
    SyncResult synced = get(coordinator.classicSync(new SyncRequest("g", 1, joined.memberId(), Optional.empty(), Optional.of(type),
        Optional.of("p"), List.of(new MemberAssignment(joined.memberId(), assignment)))));
    assertThat(synced.assignment()).isEqualTo(assignment);

    // Another protocol type, or no protocol in common, is refused.
    assertThatThrownBy(() -> get(join(new JoinRequest("g", "", Optional.empty(), "b", "/127.0.0.1", type + "x",
        List.of(new Protocol("p", metadata)), SESSION_MS, 30_000, false)))).isInstanceOf(InconsistentGroupProtocolException.class);
    assertThatThrownBy(() -> get(join(new JoinRequest("g", "", Optional.empty(), "b", "/127.0.0.1", type,
        List.of(new Protocol("q", metadata)), SESSION_MS, 30_000, false)))).isInstanceOf(InconsistentGroupProtocolException.class);
    // A describe of another type than consumer shows the member, with nothing decoded.
    if (!type.equals("consumer")) {
      assertThat(get(coordinator.describe("g")).members())
          .containsExactly(new GroupService.MemberDescription(joined.memberId(), List.of(), SESSION_MS, List.of()));
    }
  }

  // ---------------------------------------------------------------- static members

  @Test
  void aStaticMembersNewInstanceReplacesItWithoutARebalanceAndTheOldIdIsFenced() throws Exception {
    CompletableFuture<JoinResult> a = join(request("", "a", "consumer", protocols("a"), 30_000, Optional.of("instance-a"), true));
    CompletableFuture<JoinResult> b = join(consumerJoin("", "b"));
    String oldA = get(a).memberId();
    String idB = get(b).memberId();
    assertThat(oldA).startsWith("instance-a-");
    CompletableFuture<SyncResult> syncB = sync(1, idB, Map.of());
    get(sync(1, oldA, Map.of(oldA, bytes("A"), idB, bytes("B"))));
    get(syncB);

    // a restarts: same instance id, no member id, same protocols.
    JoinResult replaced = get(join(request("", "a", "consumer", protocols("a"), 30_000, Optional.of("instance-a"), true)));

    assertThat(replaced.memberId()).isNotEqualTo(oldA).startsWith("instance-a-");
    assertThat(replaced.generation()).isEqualTo(1);
    assertThat(replaced.leaderId()).isEqualTo(replaced.memberId());
    assertThat(replaced.skipAssignment()).isTrue();
    assertThat(ids(replaced.members())).containsExactly(replaced.memberId(), idB);
    assertThat(get(coordinator.classicSync(new SyncRequest("g", 1, replaced.memberId(), Optional.of("instance-a"),
        Optional.empty(), Optional.empty(), List.of()))).assignment()).isEqualTo(bytes("A"));
    // No rebalance: b carries on in generation 1. The old instance is fenced.
    heartbeat(1, idB);
    assertThat(get(coordinator.describe("g")).state()).isEqualTo("Stable");
    assertThatThrownBy(() -> get(coordinator.classicHeartbeat("g", 1, oldA, Optional.of("instance-a"))))
        .isInstanceOf(FencedInstanceIdException.class);
    assertThatThrownBy(() -> get(coordinator.classicCommit("g", 1, oldA, Optional.of("instance-a"), List.of(new OffsetCommit(T0, 1)))))
        .isInstanceOf(FencedInstanceIdException.class);
    assertThatThrownBy(() -> get(join(request(oldA, "a", "consumer", protocols("a"), 30_000, Optional.of("instance-a"), true))))
        .isInstanceOf(FencedInstanceIdException.class);
    // A static member leaves by its instance id alone.
    assertThat(get(coordinator.classicLeave("g", List.of(new LeavingMember("", Optional.of("instance-a"))))))
        .containsExactly(new LeaveResult("", Optional.of("instance-a"), Optional.empty()));
    assertThatThrownBy(() -> heartbeat(1, idB)).isInstanceOf(RebalanceInProgressException.class);
  }

  @Test
  void aStaticMembersNewInstanceWithOtherProtocolsRebalances() throws Exception {
    CompletableFuture<JoinResult> a = join(request("", "a", "consumer", protocols("a"), 30_000, Optional.of("instance-a"), false));
    CompletableFuture<JoinResult> b = join(consumerJoin("", "b"));
    String oldA = get(a).memberId();
    String idB = get(b).memberId();
    CompletableFuture<SyncResult> syncB = sync(1, idB, Map.of());
    get(sync(1, oldA, Map.of(oldA, bytes("A"), idB, bytes("B"))));
    get(syncB);

    CompletableFuture<JoinResult> replaced = join(request("", "a", "consumer", protocols("a-changed"), 30_000,
        Optional.of("instance-a"), false));
    assertThatThrownBy(() -> heartbeat(1, idB)).isInstanceOf(RebalanceInProgressException.class);
    CompletableFuture<JoinResult> rejoinB = join(consumerJoin(idB, "b"));
    assertThat(get(replaced).generation()).isEqualTo(2);
    assertThat(get(rejoinB).generation()).isEqualTo(2);
    assertThat(get(replaced).leaderId()).isEqualTo(get(replaced).memberId());
  }

  // ---------------------------------------------------------------- limits

  @Test
  void aGroupTakesAtMostItsMaximumOfMembersCountingHandedOutIds() throws Exception {
    List<CompletableFuture<JoinResult>> joins = new ArrayList<>();
    for (int i = 0; i < MAX_MEMBERS - 1; i++) {
      joins.add(join(consumerJoin("", "c" + i)));
    }
    // The fifth place goes to a handed-out member id.
    assertThatThrownBy(() -> get(join(request("", "p", "consumer", protocols("p"), 30_000, Optional.empty(), true))))
        .isInstanceOf(MemberIdRequiredException.class);
    assertThatThrownBy(() -> get(join(consumerJoin("", "late")))).isInstanceOf(GroupMaxSizeReachedException.class);
    for (CompletableFuture<JoinResult> joined : joins) {
      assertThat(get(joined).generation()).isEqualTo(1);
    }
  }

  @Test
  void aHandedOutMemberIdNotJoinedWithWithinItsSessionExpiresAndItsGroupWithIt() throws Exception {
    JoinRequest first = new JoinRequest("g", "", Optional.empty(), "a", "/127.0.0.1", "consumer", protocols("a"), 1_000, 30_000, true);
    Throwable refused = Failures.cause(join(first).handle((ok, e) -> e).get(10, TimeUnit.SECONDS));
    String handedOut = ((MemberIdRequiredException) refused).memberId();
    // The group exists (empty) for as long as the id is pending, and ends with it: a client asking for
    // ids of ever new groups leaves nothing behind.
    assertThat(kafkaState()).isEqualTo("Empty");
    await().atMost(Duration.ofSeconds(10)).until(() -> kafkaState().equals("Dead"));
    assertThatThrownBy(() -> get(join(new JoinRequest("g", handedOut, Optional.empty(), "a", "/127.0.0.1", "consumer", protocols("a"),
        1_000, 30_000, true)))).isInstanceOf(MemberNotFoundException.class);
  }

  @Test
  void oversizedMetadataAssignmentsAndSessionsAreRefusedAndChangeNothing() throws Exception {
    byte[] big = new byte[ClassicMembership.MAX_METADATA_BYTES + 1];
    assertThatThrownBy(() -> get(join(request("", "a", "consumer", List.of(new Protocol("range", big)), 30_000, Optional.empty(),
        false)))).isInstanceOf(InvalidGroupRequestException.class);
    assertThatThrownBy(() -> get(join(new JoinRequest("g", "", Optional.empty(), "a", "/127.0.0.1", "consumer", protocols("a"),
        999, 30_000, false)))).isInstanceOf(InvalidSessionTimeoutException.class);
    assertThatThrownBy(() -> get(join(new JoinRequest("g", "", Optional.empty(), "a".repeat(256), "/127.0.0.1", "consumer",
        protocols("a"), SESSION_MS, 30_000, false)))).isInstanceOf(InvalidGroupRequestException.class);
    assertThatThrownBy(() -> get(coordinator.describe("g"))).isInstanceOf(GroupNotFoundException.class);

    CompletableFuture<JoinResult> a = join(consumerJoin("", "a"));
    CompletableFuture<JoinResult> b = join(consumerJoin("", "b"));
    String idA = get(a).memberId();
    String idB = get(b).memberId();
    CompletableFuture<SyncResult> syncB = sync(1, idB, Map.of());
    byte[] tooLarge = new byte[ClassicMembership.MAX_ASSIGNMENT_BYTES + 1];
    assertThatThrownBy(() -> get(sync(1, idA, Map.of(idA, bytes("A"), idB, tooLarge)))).isInstanceOf(InvalidGroupRequestException.class);
    assertThat(syncB).isNotDone();
    assertThat(kafkaState()).isEqualTo("CompletingRebalance");
    assertThat(get(coordinator.describe("g")).state()).isEqualTo("Rebalancing");
    get(sync(1, idA, Map.of(idA, bytes("A"), idB, bytes("B"))));
    assertThat(get(syncB).assignment()).isEqualTo(bytes("B"));
    assertThat(get(sync(1, idA, Map.of())).assignment()).isEqualTo(bytes("A"));
  }

  // ---------------------------------------------------------------- the coordinator

  @Test
  void afterACoordinatorMoveTheMembersOfAStableGenerationCarryOnAndTheOffsetsRemain() throws Exception {
    Stable group = stableGroupOfThree();
    get(coordinator.classicCommit("g", 1, group.a().memberId(), Optional.empty(), List.of(new OffsetCommit(T0, 4))));
    CompletableFuture<JoinResult> waiting = join(consumerJoin("", "d"));

    moveCoordinator(waiting);

    // The new coordinator has the stable generation 1 from the log: heartbeats, syncs and commits go on.
    for (String id : group.ids()) {
      heartbeat(1, id);
    }
    assertThat(get(sync(1, group.b().memberId(), Map.of())).assignment()).isEqualTo(bytes("assignment-of-b"));
    get(coordinator.classicCommit("g", 1, group.c().memberId(), Optional.empty(), List.of(new OffsetCommit(T0, 5))));
    assertThat(get(coordinator.committedOffsets("g"))).isEqualTo(Map.of(T0, GroupService.CommittedOffset.of(5)));
    ClassicGroups.ClassicGroupDescription restored = get(coordinator.classicDescribe("g"));
    assertThat(restored.state()).isEqualTo("Stable");
    assertThat(restored.protocolName()).isEqualTo("range");
    assertThat(restored.members()).extracting(ClassicGroups.DescribedMember::memberId).containsExactly(group.ids());
    assertThat(restored.members().get(0).metadata()).isEqualTo(bytes("range-of-a"));
    // And the leader is the leader: a new member makes everyone rejoin, into generation 2.
    CompletableFuture<JoinResult> d = join(consumerJoin("", "d"));
    List<CompletableFuture<JoinResult>> rejoins = new ArrayList<>();
    for (String client : List.of("a", "b", "c")) {
      String id = client.equals("a") ? group.a().memberId() : client.equals("b") ? group.b().memberId() : group.c().memberId();
      rejoins.add(join(consumerJoin(id, client)));
    }
    assertThat(get(d).generation()).isEqualTo(2);
    assertThat(get(rejoins.get(0)).leaderId()).isEqualTo(group.a().memberId());
    assertThat(get(rejoins.get(0)).members()).hasSize(4);
  }

  @Test
  void aGenerationTooLargeToRecordIsNotRecordedItsMembersJoinAgainAfterAMove() throws Exception {
    // Three members of 200 KiB metadata each: more than a record of __groups is given.
    byte[] large = new byte[200 * 1024];
    List<CompletableFuture<JoinResult>> joins = new ArrayList<>();
    for (String client : List.of("a", "b", "c")) {
      joins.add(join(request("", client, "connect", List.of(new Protocol("p", large)), 30_000, Optional.empty(), false)));
    }
    String leader = get(joins.get(0)).memberId();
    get(coordinator.classicSync(new SyncRequest("g", 1, leader, Optional.empty(), Optional.empty(), Optional.empty(), List.of())));
    assertThat(kafkaState()).isEqualTo("Stable");
    assertThat(groupLog.records("k/g")).isNotEmpty().extracting(Map.Entry::getValue).containsOnlyNulls();

    moveCoordinator(null);

    assertThatThrownBy(() -> heartbeat(1, leader)).isInstanceOf(MemberNotFoundException.class);
    assertThat(get(join(consumerJoin("", "a"))).generation()).isEqualTo(1);
  }

  @Test
  void aGroupWhoseKafkaMembersAllLeftIsNotRestoredWithThem() throws Exception {
    Stable group = stableGroupOfThree();
    get(coordinator.classicCommit("g", 1, group.a().memberId(), Optional.empty(), List.of(new OffsetCommit(T0, 2))));
    get(coordinator.classicLeave("g", List.of(new LeavingMember(group.a().memberId(), Optional.empty()),
        new LeavingMember(group.b().memberId(), Optional.empty()), new LeavingMember(group.c().memberId(), Optional.empty()))));
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      List<Map.Entry<String, String>> records = groupLog.records("k/g");
      return !records.isEmpty() && records.get(records.size() - 1).getValue() == null;
    });

    moveCoordinator(null);

    assertThat(kafkaState()).isEqualTo("Empty");
    assertThat(get(coordinator.committedOffsets("g"))).isEqualTo(Map.of(T0, GroupService.CommittedOffset.of(2)));
    assertThatThrownBy(() -> heartbeat(1, group.a().memberId())).isInstanceOf(MemberNotFoundException.class);
  }

  /**
   * Another node leads the group's partition for a while ({@code waiting}, a join there, is answered
   * NOT_COORDINATOR), then this node again in a new epoch: it rebuilds the groups from the log.
   */
  private void moveCoordinator(CompletableFuture<JoinResult> waiting) throws Exception {
    groupLog.epoch = -1;
    if (waiting != null) {
      assertThatThrownBy(() -> get(waiting)).isInstanceOf(NotCoordinatorException.class);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> get(coordinator.classicHeartbeat("g", 1, "m",
        Optional.empty()))).isInstanceOf(NotCoordinatorException.class));
    assertThat(StreamgateError.forException(new NotCoordinatorException("m")).retryable()).isTrue();
    // Until the tick has forgotten the old epoch's groups, a request could still see them: wait for the reload.
    int readsBefore = groupLog.reads.get();
    groupLog.epoch = 2;
    await().atMost(Duration.ofSeconds(10)).ignoreException(CoordinatorLoadInProgressException.class)
        .untilAsserted(() -> {
          get(coordinator.committedOffsets("g"));
          assertThat(groupLog.reads.get()).isGreaterThan(readsBefore);
        });
  }

  @Test
  void theMemberDescriptionsOfConsumerBytesThatDoNotReadShowNothing() {
    assertThat(ConsumerProtocolBytes.subscribedTopics(new byte[] {0, 1, 0x7f, 0x7f, 0x7f, 0x7f})).isEmpty();
    assertThat(ConsumerProtocolBytes.assignedPartitions(new byte[] {0, 0, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, (byte) 0xff})).isEmpty();
    assertThat(ConsumerProtocolBytes.assignedPartitions(new byte[0])).isEmpty();
    ByteBuffer oneTopic = ByteBuffer.allocate(13).putShort((short) 0).putInt(1).putShort((short) 1).put((byte) 't').putInt(0);
    assertThat(ConsumerProtocolBytes.subscribedTopics(oneTopic.array())).containsExactly("t");
  }
}
