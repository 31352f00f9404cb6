package io.streamgate.cluster.groups;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.groups.GroupService.OffsetCommit;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.cluster.groups.GroupService.PollResult;
import io.streamgate.cluster.groups.GroupService.PositionReset;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's handling of positions outside a partition's log, over an in-memory partition
 * and an in-memory {@code __groups} log: what a client names past the log end is refused and moves
 * nothing; what is found outside the log when read resets by the member's policy and is reported.
 */
class GroupCoordinatorTest {
  private static final TopicPartition T0 = new TopicPartition("t", 0);

  private Vertx vertx;
  private MemoryPartitions partitions;
  private MemoryGroupLog groupLog;
  private GroupCoordinator coordinator;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    partitions = new MemoryPartitions();
    groupLog = new MemoryGroupLog();
  }

  @AfterEach
  void stop() throws Exception {
    groupLog.releaseRead.countDown();
    if (coordinator != null) {
      coordinator.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void startCoordinator() {
    coordinator = new GroupCoordinator(vertx, partitions, groupLog, System::currentTimeMillis);
  }

  private String join(OffsetReset reset) throws Exception {
    return get(coordinator.join("g", List.of("t"), reset, 30_000, AssignmentStrategy.COOPERATIVE_STICKY)).memberId();
  }

  private PollResult poll(String member, Optional<String> cursor) throws Exception {
    return get(coordinator.poll("g", member, 100, 1 << 20, 0, cursor));
  }

  static List<String> values(PollResult answer) {
    List<String> values = new ArrayList<>();
    for (GroupService.PartitionRecords part : answer.records()) {
      for (RecordBatch batch : RecordBatch.iterate(part.batches().duplicate())) {
        for (Record record : batch.records()) {
          if (record.offset() >= part.fetchOffset() && record.offset() < part.nextOffset()) {
            values.add(new String(record.valueBytes(), StandardCharsets.UTF_8));
          }
        }
      }
    }
    return values;
  }

  private Optional<Long> committed() throws Exception {
    return get(coordinator.describe("g")).offsets().get(0).committed();
  }

  @Test
  void aGroupOfAnotherPartitionIsServedWhileOnePartitionsGroupsLoad() throws Exception {
    partitions.append(T0, "a");
    groupLog.record("o/g/t/0", "{\"offset\":1}");
    String other = IntStream.range(0, 100).mapToObj(i -> "other-" + i)
        .filter(name -> GroupCoordinator.partitionFor(name) != GroupCoordinator.partitionFor("g")).findFirst().orElseThrow();
    groupLog.slowPartition = GroupCoordinator.partitionFor("g");
    startCoordinator();

    CompletableFuture<GroupService.Membership> waiting = coordinator.join("g", List.of("t"), OffsetReset.EARLIEST, 30_000,
        AssignmentStrategy.COOPERATIVE_STICKY);
    assertThat(groupLog.readStarted.await(10, TimeUnit.SECONDS)).isTrue();

    // The groups thread is not held by the load: another partition's group joins meanwhile.
    assertThat(get(coordinator.join(other, List.of("t"), OffsetReset.EARLIEST, 30_000, AssignmentStrategy.COOPERATIVE_STICKY))
        .assignment()).containsExactly(T0);
    assertThat(waiting).isNotDone();

    groupLog.releaseRead.countDown();
    assertThat(get(waiting).assignment()).containsExactly(T0);
    assertThat(committed()).contains(1L);
  }

  @Test
  void aCommittedOffsetPastTheLogEndResetsToTheEarliestOnceAndIsReported() throws Exception {
    partitions.append(T0, "a", "b", "c", "d", "e");
    // What an earlier version let a client commit: 1000, on a log that ends at 5.
    groupLog.record("o/g/t/0", "{\"offset\":1000}");
    startCoordinator();
    String member = join(OffsetReset.EARLIEST);

    PollResult first = poll(member, Optional.empty());
    assertThat(values(first)).containsExactly("a", "b", "c", "d", "e");
    assertThat(first.resets()).containsExactly(new PositionReset(T0, 1000, 0, OffsetReset.EARLIEST));
    PollResult second = poll(member, Optional.empty());
    assertThat(values(second)).isEmpty();
    assertThat(second.resets()).isEmpty();

    get(coordinator.commit("g", member, Optional.empty(), Optional.empty(), OptionalInt.empty()));
    assertThat(committed()).hasValue(5L);
  }

  @Test
  void aCommittedOffsetPastTheLogEndResetsToTheLatestAndNewRecordsArrive() throws Exception {
    partitions.append(T0, "a", "b", "c");
    groupLog.record("o/g/t/0", "{\"offset\":" + Long.MAX_VALUE + "}");
    startCoordinator();
    String member = join(OffsetReset.LATEST);

    PollResult first = poll(member, Optional.empty());
    assertThat(values(first)).isEmpty();
    assertThat(first.resets()).containsExactly(new PositionReset(T0, Long.MAX_VALUE, 3, OffsetReset.LATEST));
    partitions.append(T0, "d");
    assertThat(values(poll(member, Optional.empty()))).containsExactly("d");
  }

  @Test
  void aPositionBelowTheLogStartResetsByThePolicy() throws Exception {
    partitions.append(T0, "a", "b", "c", "d");
    groupLog.record("o/g/t/0", "{\"offset\":1}");
    partitions.deleteBefore(T0, 3);
    startCoordinator();
    String member = join(OffsetReset.EARLIEST);

    PollResult answer = poll(member, Optional.empty());
    assertThat(values(answer)).containsExactly("d");
    assertThat(answer.resets()).containsExactly(new PositionReset(T0, 1, 3, OffsetReset.EARLIEST));
  }

  @Test
  void offsetsAndCursorsPastTheLogEndAreRefusedAndMoveNothing() throws Exception {
    partitions.append(T0, "a", "b", "c", "d", "e");
    startCoordinator();
    String member = join(OffsetReset.EARLIEST);
    PollResult first = get(coordinator.poll("g", member, 2, 1 << 20, 0, Optional.empty()));
    assertThat(values(first)).containsExactly("a", "b");
    int generation = first.membership().generation();

    assertThat(failure(coordinator.commit("g", member, Optional.of(List.of(new OffsetCommit(T0, 6))), Optional.empty(),
        OptionalInt.empty()))).isInstanceOf(InvalidGroupRequestException.class).hasMessageContaining("past its log end, 5");
    String forged = Cursor.encode(new Cursor.Position(generation, Map.of(T0, 1000L)));
    assertThat(failure(coordinator.commit("g", member, Optional.empty(), Optional.of(forged), OptionalInt.empty())))
        .isInstanceOf(InvalidGroupRequestException.class);
    assertThat(failure(coordinator.poll("g", member, 100, 1 << 20, 0, Optional.of(forged))))
        .isInstanceOf(InvalidGroupRequestException.class);
    assertThat(groupLog.offsetRecords()).isEmpty();

    // The member's position did not move: it goes on after what it was delivered.
    assertThat(values(poll(member, Optional.empty()))).containsExactly("c", "d", "e");
    get(coordinator.commit("g", member, Optional.of(List.of(new OffsetCommit(T0, 5))), Optional.empty(), OptionalInt.empty()));
    assertThat(committed()).hasValue(5L);
    // A cursor within the log reads from where it says.
    String back = Cursor.encode(new Cursor.Position(generation, Map.of(T0, 3L)));
    assertThat(values(poll(member, Optional.of(back)))).containsExactly("d", "e");
  }

  @Test
  void commitsAreLoadedFromTheGroupLogByTheNextCoordinator() throws Exception {
    partitions.append(T0, "a", "b", "c", "d", "e");
    startCoordinator();
    String member = join(OffsetReset.EARLIEST);
    PollResult first = get(coordinator.poll("g", member, 3, 1 << 20, 0, Optional.empty()));
    assertThat(values(first)).containsExactly("a", "b", "c");
    get(coordinator.commit("g", member, Optional.empty(), Optional.of(first.cursor()), OptionalInt.empty()));
    assertThat(groupLog.offsetRecords()).containsExactly("o/g/t/0");

    // A new coordinator (another node took over the group's partition) rebuilds the group from the log.
    coordinator.close();
    startCoordinator();

    assertThat(committed()).hasValue(3L);
    GroupService.GroupDescription group = get(coordinator.describe("g"));
    assertThat(group.members()).extracting(GroupService.MemberDescription::memberId).containsExactly(member);
    assertThat(group.generation()).isEqualTo(first.membership().generation());
    // The member goes on from its commit: what it read since is neither lost nor read twice here.
    assertThat(values(poll(member, Optional.empty()))).containsExactly("d", "e");
  }

  @Test
  void aLeavingMembersPartitionGoesToTheOtherFromItsCommitInANewGeneration() throws Exception {
    partitions.append(T0, "a", "b", "c", "d");
    startCoordinator();
    String first = join(OffsetReset.EARLIEST);
    PollResult read = get(coordinator.poll("g", first, 2, 1 << 20, 0, Optional.empty()));
    assertThat(values(read)).containsExactly("a", "b");
    int before = read.membership().generation();
    get(coordinator.commit("g", first, Optional.empty(), Optional.of(read.cursor()), OptionalInt.empty()));

    String second = join(OffsetReset.EARLIEST);
    PollResult idle = poll(second, Optional.empty());
    assertThat(idle.membership().assignment()).as("sticky: the partition stays with its owner").isEmpty();
    assertThat(values(idle)).isEmpty();
    assertThat(values(poll(first, Optional.empty()))).as("the owner goes on").containsExactly("c", "d");

    get(coordinator.leave("g", first));

    PollResult taken = poll(second, Optional.empty());
    assertThat(taken.membership().assignment()).containsExactly(T0);
    assertThat(taken.membership().generation()).isGreaterThan(before);
    // From the commit: what the leaver read and did not commit is read again, nothing is skipped.
    assertThat(values(taken)).containsExactly("c", "d");
    assertThat(failure(coordinator.commit("g", second, Optional.of(List.of(new OffsetCommit(T0, 4))), Optional.empty(),
        OptionalInt.of(before)))).isInstanceOf(RebalanceConflictException.class);
    assertThat(failure(coordinator.poll("g", first, 100, 1 << 20, 0, Optional.empty()))).isInstanceOf(MemberNotFoundException.class);
    assertThat(get(coordinator.describe("g")).members()).hasSize(1);
  }

  @Test
  void aGroupWithoutMembersTakesCommitsWithoutAMemberWhichSurviveACoordinatorMoveAndAreWhereAMemberStarts() throws Exception {
    partitions.append(T0, "a", "b", "c");
    startCoordinator();
    assertThat(get(coordinator.committedOffsets("g"))).as("a group that does not exist").isEmpty();

    // As a Kafka client that only assign()s its partitions commits: no member, generation -1.
    get(coordinator.commitWithoutMember("g", List.of(new OffsetCommit(T0, 1))));
    assertThat(get(coordinator.committedOffsets("g"))).containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(1)));
    assertThat(groupLog.offsetRecords()).hasSize(1);

    // A new coordinator rebuilds the group from its log.
    coordinator.close();
    startCoordinator();
    assertThat(get(coordinator.committedOffsets("g"))).containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(1)));
    String member = join(OffsetReset.EARLIEST);
    assertThat(values(poll(member, Optional.empty()))).containsExactly("b", "c");
  }

  @Test
  void deletedOffsetsAreGoneAfterACoordinatorMoveAndAConsumedTopicsOffsetsAreKept() throws Exception {
    TopicPartition other = new TopicPartition("u", 0);
    partitions.append(T0, "a", "b", "c");
    startCoordinator();
    get(coordinator.commitWithoutMember("g", List.of(new OffsetCommit(T0, 1), new OffsetCommit(other, 2))));

    assertThat(get(coordinator.deleteOffsets("g", List.of(other)))).isEmpty();
    assertThat(get(coordinator.committedOffsets("g"))).containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(1)));
    coordinator.close();
    startCoordinator();
    assertThat(get(coordinator.committedOffsets("g"))).as("rebuilt from the log")
        .containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(1)));

    // A member consumes "t": its offsets stay, and the member's place with them.
    join(OffsetReset.EARLIEST);
    assertThat(get(coordinator.deleteOffsets("g", List.of(T0)))).containsExactly(T0);
    assertThat(get(coordinator.committedOffsets("g"))).containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(1)));
    assertThat(failure(coordinator.deleteOffsets("never-made", List.of(T0)))).isInstanceOf(GroupNotFoundException.class);
  }

  @Test
  void anEmptyGroupWhoseLastOffsetIsDeletedIsGoneAndAPartitionWithoutAnOffsetIsNotRefused() throws Exception {
    partitions.append(T0, "a");
    startCoordinator();
    get(coordinator.commitWithoutMember("g", List.of(new OffsetCommit(T0, 1))));

    assertThat(get(coordinator.deleteOffsets("g", List.of(T0, new TopicPartition("u", 3))))).isEmpty();
    assertThat(failure(coordinator.describe("g"))).isInstanceOf(GroupNotFoundException.class);
    coordinator.close();
    startCoordinator();
    assertThat(failure(coordinator.describe("g"))).as("rebuilt from the log").isInstanceOf(GroupNotFoundException.class);
  }

  @Test
  void aGroupWithMembersRefusesCommitsWithoutAMemberAndKeepsItsOffsets() throws Exception {
    partitions.append(T0, "a", "b", "c");
    startCoordinator();
    String member = join(OffsetReset.EARLIEST);
    get(coordinator.commit("g", member, Optional.of(List.of(new OffsetCommit(T0, 2))), Optional.empty(), OptionalInt.empty()));

    assertThat(failure(coordinator.commitWithoutMember("g", List.of(new OffsetCommit(T0, 0)))))
        .isInstanceOf(GroupNotEmptyException.class);
    assertThat(get(coordinator.committedOffsets("g"))).containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(2)));
    assertThat(groupLog.offsetRecords()).hasSize(1);
  }

  @Test
  void aNegativeCommitIsKeptAsKafkaKeepsItAndCountsAsNoneAlsoAfterACoordinatorMove() throws Exception {
    partitions.append(T0, "a", "b", "c");
    startCoordinator();
    get(coordinator.commitWithoutMember("g", List.of(new OffsetCommit(T0, 2))));

    // kafkajs's admin.resetOffsets commits -2 (earliest): Kafka stores it and OffsetFetch answers it;
    // Kafka's clients read any negative commit as none, and so do descriptions and HTTP members.
    get(coordinator.commitWithoutMember("g", List.of(new OffsetCommit(T0, -2))));
    assertThat(get(coordinator.committedOffsets("g"))).containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(-2)));
    assertThat(get(coordinator.describe("g")).offsets()).singleElement().satisfies(lag -> assertThat(lag.committed()).isEmpty());

    coordinator.close();
    startCoordinator();
    assertThat(get(coordinator.committedOffsets("g"))).as("rebuilt from the log")
        .containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(-2)));
    String member = join(OffsetReset.EARLIEST);
    assertThat(values(poll(member, Optional.empty()))).as("where the member's reset policy says").containsExactly("a", "b", "c");
  }

  @Test
  void aCommitOfATopicDeletedAndCreatedAgainIsNoCommitWhileOneFromBeforeTopicIdsStillCounts() throws Exception {
    partitions.append(T0, "a", "b", "c", "d");
    // What a version before topic ids wrote: no id, taken as the current topic's.
    groupLog.record("o/g/t/0", "{\"offset\":2}");
    startCoordinator();
    assertThat(get(coordinator.committedOffsets("g"))).containsExactly(Map.entry(T0, GroupService.CommittedOffset.of(2)));
    String member = join(OffsetReset.EARLIEST);
    assertThat(values(poll(member, Optional.empty()))).containsExactly("c", "d");
    get(coordinator.commit("g", member, Optional.empty(), Optional.empty(), OptionalInt.empty()));
    get(coordinator.leave("g", member));
    assertThat(committed()).hasValue(4L);

    partitions.recreate("t");
    partitions.append(T0, "v", "w", "x", "y", "z");

    // Offset 4 lies inside the new topic's log: only its id tells it is the old topic's.
    assertThat(get(coordinator.committedOffsets("g"))).isEmpty();
    assertThat(get(coordinator.describe("g")).offsets()).as("no lag of a commit that is none").isEmpty();
    String next = join(OffsetReset.EARLIEST);
    PollResult answer = poll(next, Optional.empty());
    assertThat(values(answer)).as("from the start, by the reset policy").containsExactly("v", "w", "x", "y", "z");
    assertThat(answer.resets()).as("no position was moved: there was none").isEmpty();
    get(coordinator.leave("g", next));

    // The next coordinator reads the id from the log and ignores the old commit alike.
    coordinator.close();
    startCoordinator();
    assertThat(get(coordinator.committedOffsets("g"))).isEmpty();
    assertThat(values(poll(join(OffsetReset.EARLIEST), Optional.empty()))).containsExactly("v", "w", "x", "y", "z");
  }

  @Test
  void aCursorOfATopicDeletedAndCreatedAgainIsRefusedAndOneFromBeforeTopicIdsIsHonoured() throws Exception {
    partitions.append(T0, "a", "b", "c");
    startCoordinator();
    String member = join(OffsetReset.EARLIEST);
    PollResult first = get(coordinator.poll("g", member, 2, 1 << 20, 0, Optional.empty()));
    assertThat(values(first)).containsExactly("a", "b");
    int generation = first.membership().generation();

    partitions.recreate("t");
    partitions.append(T0, "x", "y", "z");

    assertThat(failure(coordinator.poll("g", member, 100, 1 << 20, 0, Optional.of(first.cursor()))))
        .isInstanceOf(InvalidGroupRequestException.class).hasMessageContaining("earlier topic 't'");
    assertThat(failure(coordinator.commit("g", member, Optional.empty(), Optional.of(first.cursor()), OptionalInt.empty())))
        .isInstanceOf(InvalidGroupRequestException.class).hasMessageContaining("earlier topic 't'");
    assertThat(groupLog.offsetRecords()).isEmpty();

    // A cursor as made before topic ids names none, and is taken as it says.
    String withoutIds = Cursor.encode(new Cursor.Position(generation, Map.of(T0, 1L)));
    PollResult answer = poll(member, Optional.of(withoutIds));
    assertThat(values(answer)).containsExactly("y", "z");
    // The new answer's cursor is of the topic now, and is honoured.
    assertThat(values(poll(member, Optional.of(answer.cursor())))).isEmpty();
    get(coordinator.commit("g", member, Optional.empty(), Optional.of(answer.cursor()), OptionalInt.empty()));
    assertThat(committed()).hasValue(3L);
  }

  @Test
  void aMemberThatStaysWhileItsTopicIsDeletedAndCreatedAgainStartsItByItsResetPolicyAndCommitsNothingOfTheOld() throws Exception {
    partitions.append(T0, "a", "b", "c", "d");
    startCoordinator();
    String member = join(OffsetReset.EARLIEST);
    assertThat(values(get(coordinator.poll("g", member, 3, 1 << 20, 0, Optional.empty())))).containsExactly("a", "b", "c");

    partitions.recreate("t");
    partitions.append(T0, "v", "w", "x", "y", "z");

    // Position 3, delivered in the old topic, lies inside the new log: without its incarnation it would be read from.
    get(coordinator.commit("g", member, Optional.empty(), Optional.empty(), OptionalInt.empty()));
    assertThat(groupLog.offsetRecords()).as("nothing delivered of the topic now").isEmpty();
    assertThat(values(poll(member, Optional.empty()))).containsExactly("v", "w", "x", "y", "z");
  }

  static <T> T get(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("failed: " + Failures.cause(e.getCause()), Failures.cause(e.getCause()));
    }
  }

  static Throwable failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return Failures.cause(e.getCause());
    }
    throw new AssertionError("expected a failure, got " + future.join());
  }
}
