package io.streamgate.cluster.groups;

import static io.streamgate.cluster.groups.GroupCoordinatorTest.failure;
import static io.streamgate.cluster.groups.GroupCoordinatorTest.get;
import static io.streamgate.cluster.groups.GroupCoordinatorTest.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.groups.GroupService.GroupDescription;
import io.streamgate.cluster.groups.GroupService.MemberDescription;
import io.streamgate.cluster.groups.GroupService.Membership;
import io.streamgate.cluster.groups.GroupService.OffsetCommit;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.cluster.groups.GroupService.PollResult;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's membership, commits and loads over an in-memory {@code __groups} log and
 * in-memory partitions, with a clock the test moves: joins and the hand-off of a moved partition,
 * session expiry, leaving, refused commits, a load in progress or failed, and a leader change.
 * (The same behaviours run end to end, over HTTP and Hazelcast, in the gateway's group tests.)
 */
class GroupMembershipTest {
  private static final TopicPartition T0 = new TopicPartition("t", 0);
  private static final TopicPartition T1 = new TopicPartition("t", 1);
  private static final long SESSION_MS = 1000;

  private Vertx vertx;
  private MemoryPartitions partitions;
  private MemoryGroupLog groupLog;
  private final AtomicLong now = new AtomicLong(1_000_000);
  private GroupCoordinator coordinator;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    partitions = new MemoryPartitions();
    partitions.partitionCount.put("t", 2);
    groupLog = new MemoryGroupLog();
    coordinator = new GroupCoordinator(vertx, partitions, groupLog, now::get);
  }

  @AfterEach
  void stop() throws Exception {
    groupLog.releaseRead.countDown();
    coordinator.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private CompletableFuture<Membership> joining() {
    return coordinator.join("g", List.of("t"), OffsetReset.EARLIEST, SESSION_MS, AssignmentStrategy.COOPERATIVE_STICKY);
  }

  private Membership join() throws Exception {
    return get(joining());
  }

  private PollResult poll(String member) throws Exception {
    return get(coordinator.poll("g", member, 100, 1 << 20, 0, Optional.empty()));
  }

  private List<String> members() throws Exception {
    return get(coordinator.describe("g")).members().stream().map(MemberDescription::memberId).toList();
  }

  /** The value of the last membership record of group g (null: a tombstone). */
  private String lastMembershipRecord() {
    List<Map.Entry<String, String>> records = groupLog.records("m/g");
    assertThat(records).isNotEmpty();
    return records.get(records.size() - 1).getValue();
  }

  @Test
  void aMovedPartitionReachesTheJoinerOnlyOnceItsOwnerHasSeenTheRebalance() throws Exception {
    Membership first = join();
    assertThat(first.assignment()).containsExactly(T0, T1);
    assertThat(first.generation()).isEqualTo(1);

    Membership second = join();
    assertThat(second.generation()).isEqualTo(2);
    assertThat(second.assignment()).as("the moved partition waits for its owner").isEmpty();
    assertThat(get(coordinator.describe("g")).state()).isEqualTo("Rebalancing");
    assertThat(lastMembershipRecord()).contains("\"generation\":2").contains(first.memberId()).contains(second.memberId());

    List<TopicPartition> kept = poll(first.memberId()).membership().assignment();
    assertThat(kept).hasSize(1);
    List<TopicPartition> given = poll(second.memberId()).membership().assignment();
    assertThat(given).hasSize(1).doesNotContainAnyElementsOf(kept);
    GroupDescription group = get(coordinator.describe("g"));
    assertThat(group.state()).isEqualTo("Stable");
    assertThat(group.generation()).isEqualTo(2);
  }

  @Test
  void aMemberWhoseSessionRunsOutIsRemovedAndItsPartitionsMoveOn() throws Exception {
    // The idle member never polls: the partition moving to the other waits for it until its session ends.
    String idle = join().memberId();
    String alive = join().memberId();
    assertThat(poll(alive).membership().assignment()).hasSize(0);
    now.addAndGet(600);
    // A commit of nothing is a heartbeat.
    get(coordinator.commit("g", alive, Optional.of(List.of()), Optional.empty(), OptionalInt.empty()));
    now.addAndGet(600);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(members()).containsExactly(alive));
    PollResult answer = poll(alive);
    assertThat(answer.membership().assignment()).containsExactly(T0, T1);
    assertThat(lastMembershipRecord()).doesNotContain(idle).contains(alive);
    assertThat(failure(coordinator.poll("g", idle, 100, 1 << 20, 0, Optional.empty()))).isInstanceOf(MemberNotFoundException.class);
  }

  @Test
  void aWaitingPollKeepsItsMemberAlivePastItsSession() throws Exception {
    String member = join().memberId();
    poll(member);
    CompletableFuture<PollResult> waiting = coordinator.poll("g", member, 100, 1 << 20, 30_000, Optional.empty());
    now.addAndGet(10 * SESSION_MS);
    // Several expiry ticks pass (every 250 ms) with the session long over: the poll still waits.
    await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

    partitions.append(T1, "a");
    assertThat(values(get(waiting))).containsExactly("a");
    assertThat(members()).containsExactly(member);
  }

  @Test
  void theLastMemberLeavingEndsAGroupWithNothingCommitted() throws Exception {
    String member = join().memberId();
    get(coordinator.leave("g", member));

    assertThat(failure(coordinator.describe("g"))).isInstanceOf(GroupNotFoundException.class);
    assertThat(lastMembershipRecord()).as("a tombstone").isNull();
    assertThat(failure(coordinator.poll("g", member, 100, 1 << 20, 0, Optional.empty()))).isInstanceOf(MemberNotFoundException.class);
    assertThat(failure(coordinator.leave("g", member))).isInstanceOf(MemberNotFoundException.class);
  }

  @Test
  void commitsThatAMemberMayNotMakeAreRefusedAndWriteNothing() throws Exception {
    partitions.append(T0, "a", "b", "c");
    partitions.append(T1, "x");
    Membership first = join();
    String second = join().memberId();
    List<TopicPartition> owned = poll(first.memberId()).membership().assignment();
    TopicPartition notOwned = owned.contains(T0) ? T1 : T0;
    TopicPartition mine = owned.get(0);

    assertThat(failure(coordinator.commit("g", first.memberId(), Optional.of(List.of(new OffsetCommit(notOwned, 1))),
        Optional.empty(), OptionalInt.empty()))).isInstanceOf(RebalanceConflictException.class);
    assertThat(failure(coordinator.commit("g", first.memberId(), Optional.of(List.of(new OffsetCommit(mine, 1))),
        Optional.empty(), OptionalInt.of(first.generation())))).as("generation 1 is over").isInstanceOf(RebalanceConflictException.class);
    assertThat(failure(coordinator.commit("g", first.memberId(), Optional.of(List.of(new OffsetCommit(mine, -1))),
        Optional.empty(), OptionalInt.empty()))).isInstanceOf(InvalidGroupRequestException.class);
    assertThat(failure(coordinator.commit("g", "nobody", Optional.empty(), Optional.empty(), OptionalInt.empty())))
        .isInstanceOf(MemberNotFoundException.class);
    assertThat(groupLog.offsetRecords()).isEmpty();

    get(coordinator.commit("g", first.memberId(), Optional.of(List.of(new OffsetCommit(mine, 1))), Optional.empty(),
        OptionalInt.of(2)));
    assertThat(groupLog.records("o/"))
        .containsExactly(Map.entry("o/g/t/" + mine.partition(), "{\"offset\":1,\"topicId\":\"" + TopicId.derived("t") + "\"}"));
    assertThat(get(coordinator.describe("g")).offsets()).filteredOn(lag -> lag.partition().equals(mine))
        .singleElement().satisfies(lag -> assertThat(lag.committed()).hasValue(1L));
    assertThat(members()).containsExactlyInAnyOrder(first.memberId(), second);
  }

  @Test
  void aRequestWhilePartitionsGroupsLoadIsAnsweredRetryAfterTheWaitAndServedOnceLoaded() throws Exception {
    groupLog.record("o/g/t/0", "{\"offset\":0}");
    groupLog.slowPartition = GroupCoordinator.partitionFor("g");

    assertThat(failure(joining())).isInstanceOf(CoordinatorLoadInProgressException.class)
        .hasMessageContaining("still loading");
    groupLog.releaseRead.countDown();
    assertThat(join().assignment()).containsExactly(T0, T1);
    assertThat(groupLog.reads.get()).as("one load, which the second request waited for").isEqualTo(1);
  }

  @Test
  void aFailedLoadIsLoadedAgainByTheNextRequest() throws Exception {
    groupLog.record("o/g/t/1", "{\"offset\":7}");
    groupLog.failingReads.set(1);

    assertThat(failure(joining())).isInstanceOf(CoordinatorLoadInProgressException.class);
    join();
    assertThat(groupLog.reads.get()).isEqualTo(2);
    assertThat(get(coordinator.describe("g")).offsets()).filteredOn(lag -> lag.partition().equals(T1))
        .singleElement().satisfies(lag -> assertThat(lag.committed()).hasValue(7L));
  }

  @Test
  void aNewLeaderEpochEndsWaitingPollsAndTheGroupIsRebuiltFromItsLog() throws Exception {
    partitions.append(T0, "a");
    Membership joined = join();
    String member = joined.memberId();
    assertThat(values(poll(member))).containsExactly("a");
    get(coordinator.commit("g", member, Optional.empty(), Optional.empty(), OptionalInt.empty()));
    CompletableFuture<PollResult> waiting = coordinator.poll("g", member, 100, 1 << 20, 30_000, Optional.empty());
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

    groupLog.epoch = 2; // this node leads the partition again, in a new epoch: what it had in memory is stale
    assertThat(values(get(waiting))).as("answered at once, empty").isEmpty();

    partitions.append(T1, "b");
    List<String> after = new ArrayList<>(values(poll(member)));
    assertThat(groupLog.reads.get()).as("rebuilt from the log").isEqualTo(2);
    assertThat(after).as("from the commit: nothing skipped, nothing read twice").containsExactly("b");
    assertThat(get(coordinator.describe("g")).generation()).isEqualTo(joined.generation());
  }
}
