package io.streamgate.cluster;

import static io.streamgate.cluster.ClusterServiceTest.get;
import static io.streamgate.cluster.ClusterServiceTest.readAll;
import static io.streamgate.cluster.ClusterServiceTest.spec;
import static io.streamgate.cluster.ClusterServiceTest.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.TestCluster.Node;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TestBatches;
import io.streamgate.logstore.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request that meets a partition between leaders is held by the node it reached until a leader
 * takes it ({@link PartitionRouter}), not answered "leader not available": what an HTTP or MQTT
 * client would otherwise see as a 503 while a dead leader's partitions move.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeadershipGapTest {
  @TempDir Path dataDir;

  @AutoClose private TestCluster cluster;

  @Test
  void writesAndReadsSentWhileTheLeaderIsDeadAreHeldUntilTheNewLeaderAnswersThem() {
    TopicPartition tp = new TopicPartition("gap", 0);
    String dead = leaderOfATopicHoldingBefore(tp);
    Node via = cluster.others(dead).get(0);

    cluster.kill(dead);
    // Sent at once: the metadata still names the dead node, which this node no longer reaches. A
    // plain batch (no idempotency id), so the node must hold it without sending it anywhere.
    CompletableFuture<AppendResult> write = via.service().append(tp, TestBatches.values(System.currentTimeMillis(), "during"),
        Acks.ALL);
    CompletableFuture<ReadResult> read = via.service().read(tp, 0, 1 << 20);

    long heldBefore = via.service().requestsHeldThenAnswered();
    AppendResult written = get(write);
    assertThat(written.baseOffset()).isEqualTo(1);
    // Answered by the new leader, before or after it took the write.
    assertThat(values(get(read).records(0))).startsWith("before");
    assertThat(TestCluster.sharedState(via, tp).orElseThrow().leader()).isNotEqualTo(dead);
    await().atMost(Duration.ofSeconds(5)).until(() -> via.service().requestsHeldThenAnswered() >= heldBefore + 2);
    assertThat(via.service().requestsHeldThenRefused()).isZero();
    for (Node reader : cluster.alive()) {
      assertThat(values(readAll(reader, tp))).as("read through %s", reader).containsExactly("before", "during");
    }
  }

  @Test
  void aHeldWriteWhoseCallerGaveUpIsNotMadeOnceTheNewLeaderIsThere() {
    TopicPartition tp = new TopicPartition("abandoned", 0);
    String dead = leaderOfATopicHoldingBefore(tp);
    Node via = cluster.others(dead).get(0);

    cluster.kill(dead);
    CompletableFuture<AppendResult> abandoned = via.service().append(tp,
        TestBatches.values(System.currentTimeMillis(), "abandoned"), Acks.ALL);
    // As an HTTP client's closed connection makes the node do: the write is held (no leader to ask).
    assertThat(abandoned.cancel(false)).isTrue();

    get(via.service().append(tp, TestBatches.values(System.currentTimeMillis(), "after"), Acks.ALL));
    // The abandoned write's next retry would come within the backoff's cap (0.4 s) of the new leader.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(values(readAll(via, tp))).containsExactly("before", "after"));
  }

  /**
   * Starts the cluster and creates {@code tp}'s topic (3 replicas, min.insync.replicas 2) holding
   * one record, "before"; answers its leader once every replica is in sync.
   */
  private String leaderOfATopicHoldingBefore(TopicPartition tp) {
    cluster = TestCluster.start(dataDir, 3);
    Node admin = cluster.nodes().get(0);
    get(admin.service().createTopic(spec(tp.topic(), 1, 3, 2)));
    get(admin.service().append(tp, TestBatches.values(System.currentTimeMillis(), "before"), Acks.ALL));
    return await().atMost(Duration.ofSeconds(20)).until(() -> TestCluster.sharedState(admin, tp).orElseThrow(),
        state -> state.hasLeader() && state.isr().size() == 3).leader();
  }
}
