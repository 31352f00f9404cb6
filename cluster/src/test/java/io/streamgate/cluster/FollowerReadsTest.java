package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.TestCluster.Node;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TestBatches;
import io.streamgate.logstore.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads from an in-sync follower in the reader's rack, on three in-process nodes in racks a, b and
 * c: what a follower serves (everything committed, in order, nothing past its high watermark), which
 * replica a read through each node goes to, what the leader names to a Kafka consumer, and that a
 * read the follower cannot answer is the leader's to answer.
 */
class FollowerReadsTest {
  private static final TopicPartition TP = new TopicPartition("near", 0);
  @TempDir Path dataDir;
  private TestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void anInSyncFollowerServesReadersInItsRackWhateverNodeTheyAsk() throws Exception {
    cluster = TestCluster.startInRacks(dataDir, List.of("a", "b", "c"));
    get(cluster.nodes().get(0).service().createTopic(new TopicSpec(TP.topic(), 1, 3, Map.of("min.insync.replicas", "2"))));
    await("every replica in sync on every node").atMost(Duration.ofSeconds(30)).until(() -> cluster.alive().stream()
        .allMatch(node -> TestCluster.sharedState(node, TP).filter(state -> state.hasLeader() && state.isr().size() == 3).isPresent()));
    PartitionState state = TestCluster.sharedState(cluster.nodes().get(0), TP).orElseThrow();
    Node leader = cluster.node(state.leader());
    Node follower = cluster.node(state.isr().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow());
    Node other = cluster.alive().stream().filter(node -> node != leader && node != follower).findFirst().orElseThrow();
    for (int i = 0; i < 10; i++) {
      get(leader.service().append(TP, TestBatches.values(1000 + i, "v" + i), Acks.ALL));
    }
    List<String> written = IntStream.range(0, 10).mapToObj(i -> "v" + i).toList();

    // Through the follower, in its own rack: its replica, once its high watermark caught up (the next fetch answer).
    long before = follower.service().followerReads();
    await("the follower's high watermark").atMost(Duration.ofSeconds(10))
        .until(() -> values(get(follower.service().read(TP, 0, 1 << 20))).size() == 10);
    assertThat(values(get(follower.service().read(TP, 0, 1 << 20)))).isEqualTo(written);
    assertThat(follower.service().followerReads()).isGreaterThan(before);

    // Through the leader and the third node, with the follower's rack: the follower serves, over the event bus.
    for (Node asked : List.of(leader, other)) {
      long served = follower.service().followerReads();
      assertThat(values(get(asked.service().read(TP, 0, 1 << 20, cluster.rack(follower.id()))))).as("through %s", asked)
          .isEqualTo(written);
      assertThat(follower.service().followerReads()).as("through %s", asked).isGreaterThan(served);
    }
    // A reader in the leader's rack, or in a rack without a replica, is served by the leader.
    long served = follower.service().followerReads();
    assertThat(values(get(follower.service().read(TP, 0, 1 << 20, cluster.rack(leader.id()))))).isEqualTo(written);
    assertThat(values(get(other.service().read(TP, 0, 1 << 20, "z")))).isEqualTo(written);
    assertThat(follower.service().followerReads()).isEqualTo(served);
    // Past the follower's log end the leader answers, as it always did: out of range.
    assertThatThrownBy(() -> get(follower.service().read(TP, 50, 1024))).isInstanceOf(OffsetOutOfRangeException.class);

    // A long-poll on the follower wakes when its high watermark passes the offset, and then reads the record.
    CompletableFuture<Void> woken = new CompletableFuture<>();
    Cancellable watch = follower.service().watch(TP, 10, () -> woken.complete(null));
    get(leader.service().append(TP, TestBatches.values(2000, "v10"), Acks.ALL));
    woken.get(10, TimeUnit.SECONDS);
    watch.cancel();
    assertThat(values(get(follower.service().read(TP, 10, 1 << 20)))).containsExactly("v10");

    // Through the third node with the follower's rack: the watch is placed on the follower, over the event bus.
    CompletableFuture<Void> wokenRemotely = new CompletableFuture<>();
    Cancellable remoteWatch = other.service().watch(TP, 11, cluster.rack(follower.id()), () -> wokenRemotely.complete(null));
    get(leader.service().append(TP, TestBatches.values(3000, "v11"), Acks.ALL));
    wokenRemotely.get(10, TimeUnit.SECONDS);
    remoteWatch.cancel();
    long beforeRemote = follower.service().followerReads();
    assertThat(values(get(other.service().read(TP, 11, 1 << 20, cluster.rack(follower.id()))))).containsExactly("v11");
    assertThat(follower.service().followerReads()).isGreaterThan(beforeRemote);
  }

  @Test
  void theLeaderNamesAFollowerInTheConsumersRackThatHoldsTheOffsetAndTheFollowerServesItsFetches() throws Exception {
    cluster = TestCluster.startInRacks(dataDir, List.of("a", "b", "c"));
    get(cluster.nodes().get(0).service().createTopic(new TopicSpec(TP.topic(), 1, 3, Map.of())));
    await("every replica in sync on every node").atMost(Duration.ofSeconds(30)).until(() -> cluster.alive().stream()
        .allMatch(node -> TestCluster.sharedState(node, TP).filter(state -> state.hasLeader() && state.isr().size() == 3).isPresent()));
    PartitionState state = TestCluster.sharedState(cluster.nodes().get(0), TP).orElseThrow();
    Node leader = cluster.node(state.leader());
    Node follower = cluster.node(state.isr().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow());
    for (int i = 0; i < 5; i++) {
      get(leader.service().append(TP, TestBatches.values(1000 + i, "v" + i), Acks.ALL));
    }
    String rack = cluster.rack(follower.id());
    await("the leader heard the follower hold offset 5").atMost(Duration.ofSeconds(10))
        .until(() -> leader.service().preferredReadReplica(TP, rack, 5).isPresent());
    assertThat(leader.service().preferredReadReplica(TP, rack, 0)).contains(follower.id());
    assertThat(leader.service().preferredReadReplica(TP, rack, 6)).as("past the follower's log end").isEmpty();
    assertThat(leader.service().preferredReadReplica(TP, cluster.rack(leader.id()), 0)).as("the leader's own rack").isEmpty();
    assertThat(leader.service().preferredReadReplica(TP, "z", 0)).as("a rack without a replica").isEmpty();
    assertThat(follower.service().preferredReadReplica(TP, rack, 0)).as("asked of a follower").isEmpty();

    await("the follower's high watermark").atMost(Duration.ofSeconds(10))
        .until(() -> TestBatches.copied(get(follower.service().sliceInSync(TP, state.leaderEpoch(), 0, 1 << 20))).records(0).size() == 5);
    assertThat(values(TestBatches.copied(get(follower.service().sliceInSync(TP, state.leaderEpoch(), 0, 1 << 20)))))
        .containsExactly("v0", "v1", "v2", "v3", "v4");
    assertThat(get(follower.service().offsetsInSync(TP, state.leaderEpoch())).latest()).isEqualTo(5);
    assertThat(cause(follower.service().sliceInSync(TP, state.leaderEpoch(), 50, 1024))).isInstanceOf(OffsetNotAvailableException.class);
    assertThat(cause(follower.service().sliceInSync(TP, state.leaderEpoch() + 1, 0, 1024))).isInstanceOf(UnknownLeaderEpochException.class);
  }

  @Test
  void aFollowerLearnsANewHighWatermarkAtOnceNotWhenItsHeldFetchTimesOut() throws Exception {
    cluster = TestCluster.startInRacks(dataDir, List.of("a", "b", "c"));
    get(cluster.nodes().get(0).service().createTopic(new TopicSpec(TP.topic(), 1, 3, Map.of())));
    await("every replica in sync on every node").atMost(Duration.ofSeconds(30)).until(() -> cluster.alive().stream()
        .allMatch(node -> TestCluster.sharedState(node, TP).filter(state -> state.hasLeader() && state.isr().size() == 3).isPresent()));
    PartitionState state = TestCluster.sharedState(cluster.nodes().get(0), TP).orElseThrow();
    Node leader = cluster.node(state.leader());
    Node follower = cluster.node(state.isr().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow());
    // One write at a time into an idle partition: the followers' fetches that confirm it are then held (nothing new to send).
    List<Long> lagsMs = new java.util.ArrayList<>();
    for (int i = 0; i < 15; i++) {
      CompletableFuture<Long> seen = new CompletableFuture<>();
      Cancellable watch = follower.service().watch(TP, i, () -> seen.complete(System.nanoTime()));
      get(leader.service().append(TP, TestBatches.values(1000 + i, "v" + i), Acks.ALL));
      long acknowledged = System.nanoTime();
      lagsMs.add(Math.max(0, seen.get(10, TimeUnit.SECONDS) - acknowledged) / 1_000_000);
      watch.cancel();
    }
    lagsMs.sort(null);
    // Measured on the dev machine: median 0 ms, at most 3; 502 ms (the held fetch's 500 ms) while the leader
    // answered a held fetch only for new records. Half of that leaves room for a loaded machine.
    assertThat(lagsMs.get(lagsMs.size() / 2)).as("median ms from the acknowledgement to the follower's readers, of %s", lagsMs)
        .isLessThan(250L);
  }

  private static List<String> values(ReadResult read) {
    return read.records(read.fetchOffset()).stream().map(record -> TestBatches.string(record.value())).toList();
  }

  /** The future's value; its failure, unwrapped, thrown as it is. */
  private static <T> T get(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = Failures.cause(e.getCause());
      throw cause instanceof Exception exception ? exception : e;
    }
  }

  private static Throwable cause(CompletableFuture<?> future) {
    assertThatThrownBy(() -> get(future)).isNotNull();
    return Failures.cause(future.handle((value, failure) -> failure).join());
  }
}
