package io.streamgate.cluster.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicState;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.metadata.MetadataCommand.AllocateProducerIds;
import io.streamgate.cluster.metadata.MetadataCommand.ChangeIsr;
import io.streamgate.cluster.metadata.MetadataCommand.CreateAcls;
import io.streamgate.cluster.metadata.MetadataCommand.CreateApiKey;
import io.streamgate.cluster.metadata.MetadataCommand.CreateTopic;
import io.streamgate.cluster.metadata.MetadataCommand.ElectLeader;
import io.streamgate.cluster.metadata.MetadataCommand.Fence;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataReply.Accepted;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.ApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Voters of the metadata quorum in one JVM: what they agree on, under closes, restarts and a lost majority. */
class MetadataQuorumTest {
  @TempDir Path root;
  private TestQuorum quorum;

  @AfterEach
  void closeQuorum() {
    if (quorum != null) {
      quorum.close();
    }
  }

  static CreateTopic create(String name) {
    // An id fixed by the name: a test compares the commands each voter heard with this one.
    return new CreateTopic(TopicId.derived(name), new TopicMetadata(name, 1, 3, Map.of("retention.ms", "60000")),
        List.of(new PartitionState("n0", 0, List.of("n0", "n1", "n2"), List.of("n0", "n1", "n2"))));
  }

  /** An election in partition t-0 of {@link #create}, every replica kept in sync. */
  static ElectLeader elect(int expectedEpoch, String newLeader) {
    return new ElectLeader("t", 0, expectedEpoch, newLeader, List.of("n0", "n1", "n2"), null);
  }

  static MetadataReply submit(MetadataQuorum voter, MetadataCommand command) throws Exception {
    return commit(voter, command).reply();
  }

  static Committed commit(MetadataQuorum voter, MetadataCommand command) throws Exception {
    return voter.submit(command).get(TestQuorum.REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
  }

  @Test
  void createsAreSeenByEveryVoterInLogOrder() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    // Each proposed through another voter: followers forward to the leader.
    for (int i = 0; i < 3; i++) {
      assertThat(submit(quorum.voter(i), create("t" + i))).isEqualTo(new Accepted(1));
    }
    await().atMost(TestQuorum.AWAIT).until(() -> Stream.of(0, 1, 2).allMatch(i -> quorum.heard(i).commands.size() == 3));
    for (int i = 0; i < 3; i++) {
      assertThat(quorum.heard(i).commands).containsExactly(create("t0"), create("t1"), create("t2"));
      assertThat(quorum.heard(i).indexes).isEqualTo(quorum.heard(0).indexes).isSorted();
      assertThat(quorum.voter(i).state().topic("t1")).map(TopicState::version).contains(1L);
    }
  }

  @Test
  void eachCommitCarriesTheLogIndexItWasAppliedAt() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    List<Committed> commits = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      // Through each voter in turn; a refused command is an entry of the log too.
      commits.add(commit(quorum.voter(i % 3), i == 3 ? create("t0") : create("t" + i)));
    }
    assertThat(commits.get(3).reply()).isInstanceOf(Refused.class);
    assertThat(commits).extracting(Committed::logIndex).doesNotHaveDuplicates().isSorted()
        .allSatisfy(index -> assertThat(index).isPositive());
    await().atMost(TestQuorum.AWAIT).until(() -> Stream.of(0, 1, 2).allMatch(i -> quorum.heard(i).commands.size() == 6));
    for (int i = 0; i < 3; i++) {
      // The index the proposer was told is the one every voter's listener heard the command at.
      assertThat(quorum.heard(i).indexes).containsExactlyElementsOf(commits.stream().map(Committed::logIndex).toList());
    }
    assertThat(quorum.voter(0).appliedIndex()).isGreaterThanOrEqualTo(commits.get(5).logIndex());
  }

  @Test
  void everyVoterKnowsTheLeaderAndAClosedOneKnowsNone() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    int leader = quorum.awaitLeader();
    String leaderId = "n" + leader;
    await().atMost(TestQuorum.AWAIT).until(() -> Stream.of(0, 1, 2)
        .allMatch(i -> quorum.voter(i).leaderId().equals(Optional.of(leaderId))));
    assertThat(Stream.of(0, 1, 2).filter(i -> quorum.voter(i).isLeader())).containsExactly(leader);

    MetadataQuorum closed = quorum.voter(leader);
    quorum.stop(leader);
    assertThat(closed.isLeader()).isFalse();
    assertThat(closed.leaderId()).isEmpty();
    int next = quorum.awaitLeader();
    assertThat(next).isNotEqualTo(leader);
    int other = 3 - leader - next;
    await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(other).leaderId().equals(Optional.of("n" + next)));
  }

  @Test
  void aVoterNotStartedKnowsNoLeader() {
    MetadataQuorum idle = new MetadataQuorum(MetadataQuorumConfig.of("n0", root,
        List.of(new MetadataQuorumConfig.Voter("n0", "127.0.0.1", 1))));
    assertThat(idle.isLeader()).isFalse();
    assertThat(idle.leaderId()).isEmpty();
  }

  @Test
  void ofTwoElectionsFromTheSameEpochExactlyOneWins() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    submit(quorum.voter(0), create("t"));

    CompletableFuture<Committed> toN1 = quorum.voter(1).submit(elect(0, "n1"));
    CompletableFuture<Committed> toN2 = quorum.voter(2).submit(elect(0, "n2"));
    List<MetadataReply> replies = List.of(toN1.get(15, TimeUnit.SECONDS).reply(), toN2.get(15, TimeUnit.SECONDS).reply());

    assertThat(replies).filteredOn(MetadataReply::accepted).containsExactly(new Accepted(1));
    assertThat(replies).filteredOn(reply -> !reply.accepted())
        .singleElement().extracting(reply -> ((Refused) reply).reason()).isEqualTo(Reason.STALE_EPOCH);
    String winner = replies.get(0).accepted() ? "n1" : "n2";
    await().atMost(TestQuorum.AWAIT).untilAsserted(() -> {
      for (int i = 0; i < 3; i++) {
        PartitionState partition = quorum.voter(i).state().topic("t").orElseThrow().partition(0);
        assertThat(partition.leader()).isEqualTo(winner);
        assertThat(partition.leaderEpoch()).isEqualTo(1);
      }
    });
  }

  @Test
  void aFencedElectionRacingARenewalIsDecidedByLogOrder() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    submit(quorum.voter(0), create("t"));
    assertThat(submit(quorum.voter(0), new RegisterNode("n0", "127.0.0.1:1"))).isEqualTo(new Accepted(1));
    long renewals = 0;
    int epoch = 0;
    for (int round = 0; round < 6; round++) {
      // The controller judged n0 at `renewals`; n0 renews at the same time, through another voter.
      CompletableFuture<Committed> renewal = quorum.voter(1).submit(new RenewLease("n0", 1));
      CompletableFuture<Committed> election = quorum.voter(2).submit(new ElectLeader("t", 0, epoch, "n" + (1 + round % 2),
          List.of("n1", "n2"), new Fence("n0", 1, renewals)));
      Committed renewed = renewal.get(TestQuorum.REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      Committed elected = election.get(TestQuorum.REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      renewals++;
      assertThat(renewed.reply()).isEqualTo(new Accepted(renewals));
      if (renewed.logIndex() < elected.logIndex()) {
        assertThat(elected.reply()).isInstanceOfSatisfying(Refused.class,
            r -> assertThat(r.reason()).isEqualTo(Reason.STALE_LEASE));
      } else {
        epoch++;
        assertThat(elected.reply()).isEqualTo(new Accepted(epoch));
      }
    }
    int finalEpoch = epoch;
    await().atMost(TestQuorum.AWAIT).untilAsserted(() -> {
      for (int i = 0; i < 3; i++) {
        assertThat(quorum.voter(i).state().topic("t").orElseThrow().partition(0).leaderEpoch()).isEqualTo(finalEpoch);
        assertThat(quorum.voter(i).state().node("n0")).contains(new NodeState("n0", "127.0.0.1:1", 1, 6));
      }
    });
  }

  @Test
  void anIsrChangeFromAStaleEpochIsRefused() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    submit(quorum.voter(0), create("t"));
    assertThat(submit(quorum.voter(0), elect(0, "n1"))).isEqualTo(new Accepted(1));

    // The deposed leader n0, still in epoch 0, tries to shrink the ISR to itself.
    MetadataReply stale = submit(quorum.voter(1), new ChangeIsr("t", 0, 0, List.of("n0")));
    assertThat(stale).isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).isEqualTo(Reason.STALE_EPOCH));
    assertThat(submit(quorum.voter(2), new ChangeIsr("t", 0, 1, List.of("n1", "n2")))).isEqualTo(new Accepted(3));
    await().atMost(TestQuorum.AWAIT).untilAsserted(() -> {
      for (int i = 0; i < 3; i++) {
        assertThat(quorum.voter(i).state().topic("t").orElseThrow().partition(0).isr()).containsExactly("n1", "n2");
      }
    });
  }

  @Test
  void whenTheLeaderClosesANewOneIsElectedAndWritesGoOn() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    int leader = quorum.awaitLeader();
    submit(quorum.voter(leader), create("before"));

    quorum.stop(leader);
    int survivor = (leader + 1) % 3;
    assertThat(submit(quorum.voter(survivor), create("after"))).isEqualTo(new Accepted(1));

    assertThat(quorum.awaitLeader()).isNotEqualTo(leader);
    for (int i = 0; i < 3; i++) {
      if (i != leader) {
        int voter = i;
        await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(voter).state().topic("after").isPresent());
        assertThat(quorum.voter(i).state().topics().keySet()).containsExactly("after", "before");
      }
    }
  }

  /**
   * A stopping node's voter that leads the log hands it over before it stops (issue #17): renewals
   * sent through it, one after another as a node renews, go on committing while the leadership
   * moves, none failing and none waiting for the request timeout (5 s: a request refused while the
   * leader steps down is sent again); and it stands in no election afterwards: once the new leader is
   * gone too, the third voter leads, never it (without the pause, either of the two may win). A
   * renewal may wait an election timeout (1–2 s here) when the transfer loses Ratis' race: an entry
   * appended after the transferee was found up to date makes the others refuse its election, and the
   * log is leaderless until the third voter times out (2 runs of 6 while writing this), as when a
   * leader closes.
   */
  @Test
  void aLeaderThatStepsAsideHandsTheLogOverWithoutAGapInRenewalsAndDoesNotWinItBack() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    int stepping = quorum.awaitLeader();
    assertThat(submit(quorum.voter(stepping), new RegisterNode("n0", "127.0.0.1:1"))).isEqualTo(new Accepted(1));
    List<Long> renewalMillis = new CopyOnWriteArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean renewing = new AtomicBoolean(true);
    CompletableFuture<Void> renewer = CompletableFuture.runAsync(() -> {
      while (renewing.get()) {
        long startedNs = System.nanoTime();
        try {
          assertThat(submit(quorum.voter(stepping), new RenewLease("n0", 1))).isInstanceOf(Accepted.class);
        } catch (Exception | AssertionError e) {
          failures.add(e);
          return;
        }
        renewalMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNs));
      }
    });
    await().atMost(TestQuorum.AWAIT).until(() -> renewalMillis.size() >= 20 || !failures.isEmpty());

    assertThat(quorum.voter(stepping).stepAside(10_000).get(15, TimeUnit.SECONDS)).as("handed over").isTrue();
    int successor = quorum.awaitLeader();
    assertThat(successor).isNotEqualTo(stepping);
    await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(stepping).leaderId().equals(Optional.of("n" + successor)));
    int renewedBefore = renewalMillis.size();
    await().atMost(TestQuorum.AWAIT).until(() -> renewalMillis.size() >= renewedBefore + 20 || !failures.isEmpty());
    renewing.set(false);
    renewer.get(TestQuorum.REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    assertThat(failures).as("renewals through the voter that stepped aside").isEmpty();
    assertThat(renewalMillis.stream().mapToLong(Long::longValue).max().orElseThrow())
        .as("the longest renewal (ms) while the leadership moved: %s", renewalMillis)
        .isLessThan(MetadataQuorumConfig.ELECTION_TIMEOUT_MAX.toMillis() + 1_000);

    quorum.stop(successor);
    int third = 3 - stepping - successor;
    await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(third).isLeader() || quorum.voter(stepping).isLeader());
    assertThat(quorum.voter(stepping).isLeader()).as("the voter that stepped aside leads again").isFalse();
    assertThat(submit(quorum.voter(stepping), new RenewLease("n0", 1))).isInstanceOf(Accepted.class);
  }

  @Test
  void aColdRestartOfEveryVoterKeepsTheState() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    submit(quorum.voter(0), create("t"));
    submit(quorum.voter(1), elect(0, "n2"));
    // Every voter applied both (a follower may apply after the proposer heard the reply).
    await().atMost(TestQuorum.AWAIT).until(() -> Stream.of(0, 1, 2).allMatch(i -> quorum.voter(i).state().topic("t")
        .map(topic -> topic.partition(0).leaderEpoch() == 1).orElse(false)));
    MetadataState before = quorum.voter(0).state();
    assertThat(List.of(quorum.voter(1).state(), quorum.voter(2).state())).containsOnly(before);

    quorum.close();
    quorum.startAll();

    quorum.awaitLeader();
    // A stale command is still refused and the current one accepted: the epochs survived.
    assertThat(submit(quorum.voter(2), elect(0, "n1"))).isInstanceOf(Refused.class);
    assertThat(submit(quorum.voter(2), elect(1, "n1"))).isEqualTo(new Accepted(2));
    await().atMost(TestQuorum.AWAIT).untilAsserted(() -> {
      for (int i = 0; i < 3; i++) {
        TopicState topic = quorum.voter(i).state().topic("t").orElseThrow();
        assertThat(topic.version()).isEqualTo(before.topic("t").orElseThrow().version() + 1);
        assertThat(topic.partition(0).leader()).isEqualTo("n1");
      }
    });
  }

  @Test
  void aMinorityCannotCommitAndCommitsResumeWhenAMajorityIsBack() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    int leader = quorum.awaitLeader();
    submit(quorum.voter(leader), create("before"));
    int left = (leader + 1) % 3;
    int away = (leader + 2) % 3;
    quorum.stop(leader);
    quorum.stop(away);

    CompletableFuture<Committed> alone = quorum.voter(left).submit(create("during"));
    // Fails by itself, within its own timeout (the get's bound is only a backstop).
    assertThatThrownBy(() -> alone.get(TestQuorum.REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(NotEnoughReplicasException.class)
        .satisfies(e -> assertThat(StreamgateError.forException(e).retryable()).isTrue());
    assertThat(quorum.voter(left).state().topic("during")).isEmpty();

    quorum.start(away);
    assertThat(submit(quorum.voter(left), create("after"))).isEqualTo(new Accepted(1));
    await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(away).state().topic("after").isPresent());
    // The failed write was never acknowledged; it may or may not have committed later, but at most once.
    assertThat(quorum.heard(left).commands).filteredOn(create("during")::equals).hasSizeLessThanOrEqualTo(1);
  }

  @Test
  void oneVoterCommitsAloneAndKeepsItsStateOverARestart() throws Exception {
    quorum = new TestQuorum(root, 1, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    assertThat(submit(quorum.voter(0), create("t"))).isEqualTo(new Accepted(1));
    assertThat(submit(quorum.voter(0), elect(0, "n1"))).isEqualTo(new Accepted(1));

    quorum.stop(0);
    quorum.start(0);

    await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(0).state().topic("t").isPresent());
    assertThat(quorum.voter(0).state().topic("t").orElseThrow().partition(0).leader()).isEqualTo("n1");
    assertThat(submit(quorum.voter(0), elect(1, "n2"))).isEqualTo(new Accepted(2));

    MetadataQuorum closed = quorum.voter(0);
    quorum.stop(0);
    assertThat(closed.submit(elect(2, "n0"))).failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(ClusterException.class);
  }

  @Test
  void aSnapshotIsTakenAndTheStateRestoredFromIt() throws Exception {
    quorum = new TestQuorum(root, 1, 5).startAll();
    quorum.awaitLeader();
    assertThat(submit(quorum.voter(0), new AllocateProducerIds(1000))).isEqualTo(new Accepted(0));
    AclBinding acl = new AclBinding(ResourceType.GROUP, "g", PatternType.PREFIXED, "User:a", "*", AclOperation.READ,
        AclPermission.DENY);
    ApiKey key = new ApiKey("k1", Principal.user("a"), 7, new byte[] {1, 2, 3});
    assertThat(submit(quorum.voter(0), new CreateAcls(List.of(acl)))).isEqualTo(new Accepted(1));
    assertThat(submit(quorum.voter(0), new CreateApiKey(key))).isEqualTo(new Accepted(1));
    for (int i = 0; i < 12; i++) {
      assertThat(submit(quorum.voter(0), create("t" + i))).isEqualTo(new Accepted(1));
    }
    MetadataState before = quorum.voter(0).state();
    await().atMost(TestQuorum.AWAIT).until(() -> snapshots(quorum.dataDir(0)) >= 1);

    quorum.stop(0);
    quorum.start(0);

    // Loaded from the snapshot, then the entries after it replayed.
    await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(0).state().equals(before));
    assertThat(quorum.heard(0).restored).isNotEmpty();
    assertThat(quorum.heard(0).restored.get(0).topics()).containsKey("t0");
    assertThat(submit(quorum.voter(0), create("t0"))).isInstanceOfSatisfying(Refused.class,
        r -> assertThat(r.reason()).isEqualTo(Reason.TOPIC_EXISTS));
    // The producer ids handed out before the snapshot stay handed out.
    assertThat(quorum.heard(0).restored.get(0).nextProducerId()).isEqualTo(1000);
    assertThat(submit(quorum.voter(0), new AllocateProducerIds(1))).isEqualTo(new Accepted(1000));
    // So do the ACLs and keys made before it.
    assertThat(quorum.heard(0).restored.get(0).acls()).containsExactly(acl);
    assertThat(quorum.heard(0).restored.get(0).apiKeys()).containsExactly(Map.entry("k1", key));
  }

  @Test
  void aVoterClosedWhileOthersWroteCatchesUpWhenItReturns() throws Exception {
    quorum = new TestQuorum(root, 3, 5).startAll();
    int leader = quorum.awaitLeader();
    int behind = (leader + 1) % 3;
    quorum.stop(behind);
    for (int i = 0; i < 12; i++) {
      assertThat(submit(quorum.voter(leader), create("t" + i))).isEqualTo(new Accepted(1));
    }
    await().atMost(TestQuorum.AWAIT).until(() -> snapshots(quorum.dataDir(leader)) >= 1);

    quorum.start(behind);

    // From the leader's log: it keeps the segment it writes to, however many snapshots it took, so
    // with this little metadata nothing is purged and no snapshot is sent (that path is untested).
    await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(behind).state().topic("t11").isPresent());
    assertThat(quorum.voter(behind).state()).isEqualTo(quorum.voter(leader).state());
    assertThat(quorum.heard(behind).commands).hasSize(12);
  }

  @Test
  void aVoterThatMissedThePurgedLogCatchesUpFromTheLeadersSnapshot() throws Exception {
    // Small segments, so that the entries the closed voter misses are purged behind a snapshot.
    quorum = new TestQuorum(root, 3, 5, 1024).startAll();
    int leader = quorum.awaitLeader();
    int behind = (leader + 1) % 3;
    quorum.stop(behind);
    for (int i = 0; i < 30; i++) {
      assertThat(submit(quorum.voter(leader), create("t" + i))).isEqualTo(new Accepted(1));
    }
    await().atMost(TestQuorum.AWAIT).until(() -> snapshots(quorum.dataDir(leader)) >= 1);

    quorum.start(behind);

    await().atMost(TestQuorum.AWAIT).until(() -> quorum.voter(behind).state().topic("t29").isPresent());
    assertThat(quorum.voter(behind).state()).isEqualTo(quorum.voter(leader).state());
    assertThat(quorum.heard(behind).restored).isNotEmpty(); // it was sent the snapshot, not the whole log
  }

  private static long snapshots(Path dataDir) throws IOException {
    try (Stream<Path> files = Files.walk(dataDir.resolve("meta/raft"))) {
      return files.filter(file -> file.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).count();
    }
  }
}
