package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.TestCluster.Node;
import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TestBatches;
import io.streamgate.logstore.TopicPartition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower that was down while retention deleted, on the leader, the records that would continue
 * its log (issue #12, item 9): three nodes, replication factor 3, a topic with 1 KiB segments and 2
 * KiB of retention. The follower comes back, empties its log, starts at the leader's log start,
 * catches up and rejoins the ISR; its log then holds what the leader's does. Then the same with the
 * follower's data directory wiped while it was down.
 *
 * <p>Retention runs on the store's maintenance schedule (every 10 s), so each round waits for it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FollowerBelowLogStartTest {
  private static final Logger LOG = LoggerFactory.getLogger(FollowerBelowLogStartTest.class);
  private static final TopicPartition TP = new TopicPartition("retained", 0);
  private static final long CALL_TIMEOUT_S = 20;
  /** The maintenance interval (10 s) plus the time to notice a dead node and shrink the ISR, with room for a loaded machine. */
  private static final Duration RETENTION_WAIT = Duration.ofSeconds(45);
  private static final Duration REJOIN_WAIT = Duration.ofSeconds(45);
  private static final String PADDING = "-".repeat(200);

  @TempDir Path dataDir;
  @AutoClose private TestCluster cluster;

  @Test
  void aFollowerAwayWhileRetentionDeletedWhatItLacksStartsOverAtTheLeadersLogStartAndRejoinsTheIsr() throws IOException {
    cluster = TestCluster.start(dataDir, 3);
    get(cluster.nodes().get(0).service().createTopic(new TopicSpec(TP.topic(), 1, 3, Map.of(
        TopicConfigs.MIN_INSYNC_REPLICAS, "2", LogConfig.SEGMENT_BYTES, "1024", LogConfig.RETENTION_BYTES, "2048"))));
    PartitionState state = awaitShared(s -> s.hasLeader() && s.isr().size() == 3);
    String leader = state.leader();
    // A follower other than the controller (node-1), so that its death moves no controller.
    String follower = state.replicas().stream().filter(id -> !id.equals(leader) && !id.equals("node-1")).findFirst()
        .orElseThrow();
    LOG.info("{} leads {}; {} is the follower that goes away", leader, TP, follower);
    int sent = produce(0, 3);
    await().atMost(REJOIN_WAIT).until(() -> log(follower).logEndOffset() == sent);

    // 1. Down while the leader's retention deletes past its log end; back with its log.
    cluster.kill(follower);
    long followerEnd = sent;
    int total = awayWhileRetentionPasses(leader, sent, followerEnd);
    cluster.restart(follower);
    assertRejoinsWithTheLeadersLog(leader, follower);
    total = produce(total, 3);
    assertHoldsTheLeadersLog(leader, follower);

    // 2. Down again, its data directory wiped: back with an empty disk.
    cluster.kill(follower);
    deleteRecursively(cluster.node(follower).dataDir());
    total = awayWhileRetentionPasses(leader, total, 0);
    cluster.restart(follower);
    assertRejoinsWithTheLeadersLog(leader, follower);
    produce(total, 3);
    assertHoldsTheLeadersLog(leader, follower);
  }

  /** Produces until the leader's log start passes {@code followerEnd}, retention having deleted what lies between. */
  private int awayWhileRetentionPasses(String leader, int sent, long followerEnd) {
    int total = produce(sent, 40);
    await().atMost(RETENTION_WAIT).until(() -> log(leader).logStartOffset() > followerEnd);
    LOG.info("{}'s log of {} now starts at {}, past the absent follower's end {}", leader, TP, log(leader).logStartOffset(),
        followerEnd);
    return total;
  }

  /**
   * The follower is back in the ISR, its log ends where the leader's does with the same high
   * watermark, and from the later of the two log starts on, both hold the same batches byte for
   * byte. Its own start is never below the leader's start when it started over (its own retention
   * may have moved it further since).
   */
  private void assertRejoinsWithTheLeadersLog(String leader, String follower) {
    awaitShared(s -> leader.equals(s.leader()) && s.isr().size() == 3);
    assertHoldsTheLeadersLog(leader, follower);
    assertThat(log(follower).logStartOffset()).as("started over at the leader's log start, not below")
        .isGreaterThanOrEqualTo(log(leader).logStartOffset());
  }

  private void assertHoldsTheLeadersLog(String leader, String follower) {
    await().atMost(REJOIN_WAIT).untilAsserted(() -> {
      PartitionLog leaderLog = log(leader);
      PartitionLog followerLog = log(follower);
      assertThat(followerLog.logEndOffset()).isEqualTo(leaderLog.logEndOffset());
      assertThat(followerLog.highWatermark()).isEqualTo(leaderLog.highWatermark());
      long from = Math.max(leaderLog.logStartOffset(), followerLog.logStartOffset());
      assertThat(from).isLessThan(leaderLog.logEndOffset());
      assertThat(raw(followerLog, from)).isEqualTo(raw(leaderLog, from));
      assertThat(offsets(followerLog, from)).as("every offset from %d on, in order", from)
          .isEqualTo(java.util.stream.LongStream.range(from, leaderLog.logEndOffset()).boxed().toList());
    });
    LOG.info("{} back in the ISR of {}; its log holds [{}, {}), the leader's [{}, {})", follower, TP,
        log(follower).logStartOffset(), log(follower).logEndOffset(), log(leader).logStartOffset(), log(leader).logEndOffset());
  }

  /** Appends {@code count} records, one per batch, acks=all, each retried until it is taken (the ISR shrinks after a death). */
  private int produce(int first, int count) {
    Node via = cluster.alive().get(0);
    for (int i = first; i < first + count; i++) {
      String value = "r" + i + PADDING;
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> get(via.service().append(TP, TestBatches.values(System.currentTimeMillis(), value), Acks.ALL)) != null);
    }
    return first + count;
  }

  private PartitionState awaitShared(java.util.function.Predicate<PartitionState> wanted) {
    List<PartitionState> seen = new ArrayList<>(1);
    await().atMost(REJOIN_WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
      PartitionState state = TestCluster.sharedState(cluster.alive().get(0), TP).orElse(null);
      seen.clear();
      seen.add(state);
      return state != null && wanted.test(state);
    });
    return seen.get(0);
  }

  private PartitionLog log(String node) {
    return cluster.node(node).service().logManager().partition(TP);
  }

  private static byte[] raw(PartitionLog log, long from) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    long offset = from;
    long end = log.logEndOffset();
    while (offset < end) {
      ReadResult read = log.read(offset, 1 << 20, end);
      if (read.isEmpty()) {
        break;
      }
      byte[] bytes = new byte[read.batches().remaining()];
      read.batches().duplicate().get(bytes);
      out.writeBytes(bytes);
      offset = read.nextOffset();
    }
    return out.toByteArray();
  }

  /** Every offset from {@code from} to the log end; a read stops at a segment's end, so it reads on. */
  private static List<Long> offsets(PartitionLog log, long from) {
    List<Long> offsets = new ArrayList<>();
    long offset = from;
    long end = log.logEndOffset();
    while (offset < end) {
      ReadResult read = log.read(offset, 1 << 20, end);
      if (read.isEmpty()) {
        break;
      }
      read.records(offset).forEach(record -> offsets.add(record.offset()));
      offset = read.nextOffset();
    }
    return offsets;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  private static <T> T get(CompletableFuture<T> future) {
    try {
      return future.get(CALL_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
