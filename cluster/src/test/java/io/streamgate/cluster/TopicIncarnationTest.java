package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TestBatches;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower that slept through its topic's deletion and re-creation under the same name (issue
 * #17, item 5): three nodes, replication factor 3. The follower comes back with its replica of the
 * old topic on disk; it must drop it and copy the new topic from its leader, so that its log is the
 * leader's byte for byte and holds not one record of the old topic (both topics start at offset 0
 * in leader epoch 0, so the logs' histories alone cannot tell them apart: only the topic id can).
 *
 * <p>To have the follower a replica of the new topic (replicas are placed on live nodes only) yet
 * back with the old one's log, the test keeps a copy of its old partition directory while it is down,
 * lets it take part in the re-creation, and puts the old directory back before its last restart: on
 * disk what a node down across both changes has.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TopicIncarnationTest {
  private static final TopicPartition TP = new TopicPartition("reborn", 0);
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir Path dataDir;
  @TempDir Path kept;
  @AutoClose private TestCluster cluster;

  @Test
  void aFollowerBackWithTheOldTopicsReplicaDropsItAndCopiesTheNewTopic() throws IOException {
    cluster = TestCluster.start(dataDir, 3);
    TopicId oldId = create();
    PartitionState state = awaitShared(s -> s.hasLeader() && s.isr().size() == 3);
    // A follower other than the controller (node-1), so that its restarts move no controller.
    String follower = state.replicas().stream().filter(id -> !id.equals(state.leader()) && !id.equals("node-1")).findFirst()
        .orElseThrow();
    produce("old", 6);
    await().atMost(WAIT).until(() -> log(follower).logEndOffset() == 6);

    cluster.kill(follower);
    Path oldReplica = partitionDir(follower);
    copy(oldReplica, kept);
    cluster.restart(follower);

    get(cluster.alive().get(0).service().deleteTopic(TP.topic()));
    TopicId newId = create();
    assertThat(newId).isNotEqualTo(oldId);
    awaitShared(s -> s.hasLeader() && s.isr().size() == 3);
    produce("new", 3);
    await().atMost(WAIT).until(() -> log(follower).logEndOffset() == 3);

    cluster.kill(follower);
    deleteRecursively(oldReplica);
    copy(kept, oldReplica);
    cluster.restart(follower);

    PartitionState after = awaitShared(s -> s.hasLeader() && !s.leader().equals(follower) && s.isr().size() == 3);
    produce("newer", 2);
    await().atMost(WAIT).untilAsserted(() -> {
      PartitionLog leaderLog = log(after.leader());
      PartitionLog followerLog = log(follower);
      assertThat(followerLog.logEndOffset()).isEqualTo(leaderLog.logEndOffset()).isEqualTo(5);
      assertThat(raw(followerLog)).isEqualTo(raw(leaderLog));
    });
    assertThat(values(log(follower))).containsExactly("new-0", "new-1", "new-2", "newer-0", "newer-1");
    assertThat(log(follower).topicId()).contains(newId.toString());
  }

  private TopicId create() {
    TopicDescription created = get(cluster.alive().get(0).service().createTopic(new TopicSpec(TP.topic(), 1, 3,
        Map.of(TopicConfigs.MIN_INSYNC_REPLICAS, "2"))));
    return created.id();
  }

  /** Appends {@code count} records, one per batch, acks=all, each retried until it is taken. */
  private void produce(String prefix, int count) {
    TestCluster.Node via = cluster.alive().get(0);
    for (int i = 0; i < count; i++) {
      String value = prefix + "-" + i;
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> get(via.service().append(TP, TestBatches.values(System.currentTimeMillis(), value), Acks.ALL)) != null);
    }
  }

  private PartitionState awaitShared(Predicate<PartitionState> wanted) {
    List<PartitionState> seen = new ArrayList<>(1);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
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

  private Path partitionDir(String node) {
    return cluster.node(node).dataDir().resolve("log").resolve(TP.directoryName());
  }

  private static byte[] raw(PartitionLog log) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long offset = log.logStartOffset();
    long end = log.logEndOffset();
    while (offset < end) {
      ReadResult read = log.read(offset, 1 << 20, end);
      byte[] bytes = new byte[read.batches().remaining()];
      read.batches().duplicate().get(bytes);
      out.writeBytes(bytes);
      offset = read.nextOffset();
    }
    return out.toByteArray();
  }

  private static List<String> values(PartitionLog log) {
    List<String> values = new ArrayList<>();
    ReadResult read = log.read(log.logStartOffset(), 1 << 20, log.logEndOffset());
    for (Record record : read.records(log.logStartOffset())) {
      values.add(new String(record.valueBytes(), StandardCharsets.UTF_8));
    }
    return values;
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.sorted().toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
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
      return future.get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
