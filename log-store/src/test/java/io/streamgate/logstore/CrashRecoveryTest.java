package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.streamgate.logstore.format.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that appends with {@code flush.policy=always} (SIGKILL, at a random moment), then
 * reopens its data directory and checks that every acknowledged batch is there, at the offset it
 * was acknowledged with, byte for byte; that the log holds offsets 0..end-1 with no gap and nothing
 * but whole, intact batches the child really appended; and that appends continue at the end. Many
 * rounds on one data directory, each child continuing the log the previous rounds left.
 *
 * <p>The child is {@link CrashAppender}. Reproduce a run with {@code -Dstreamgate.crash.seed=N}
 * (the timing of the kills still varies from run to run).
 */
class CrashRecoveryTest {
  private static final int ROUNDS = Integer.getInteger("streamgate.crash.rounds", 20);
  private static final int THREADS = 4;
  /** The thread number the test itself uses for the batches it appends between rounds. */
  private static final int PARENT_THREAD = 99;
  private static final int SIGKILL_EXIT_CODE = 128 + 9;

  @TempDir Path tmp;
  private Process child;

  /** A batch by who appended it: round, thread, sequence number in that thread. */
  private record BatchId(int round, int thread, int seq) {}

  @AfterEach
  void killChild() throws InterruptedException {
    if (child != null) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void acknowledgedAppendsSurviveSigkill() throws Exception {
    long seed = Long.getLong("streamgate.crash.seed", new Random().nextLong());
    System.out.println("CrashRecoveryTest seed=" + seed + " (rerun with -Dstreamgate.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    Path dataDir = tmp.resolve("data");
    Map<Integer, Long> roundSeeds = new HashMap<>();
    Map<BatchId, Long> acknowledged = new HashMap<>();
    long logEnd = 0;
    long totalTruncated = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long roundSeed = random.nextLong();
      roundSeeds.put(round, roundSeed);
      // One round in six kills the child while it opens (and maybe recovers) the store.
      int target = random.nextInt(6) == 0 ? 0 : 1 + random.nextInt(150);
      long checkpointIntervalMs = List.of(20L, 200L, 60_000L).get(random.nextInt(3));
      String context = "seed=" + seed + " round=" + round + " target=" + target + " checkpointIntervalMs=" + checkpointIntervalMs;

      List<String> output = runAndKill(dataDir, round, roundSeed, target, checkpointIntervalMs, context);
      Map<BatchId, long[]> acksThisRound = parseAcks(output, round, roundSeed, logEnd, context);
      acksThisRound.forEach((id, offsets) -> acknowledged.put(id, offsets[0]));

      LogManager manager = LogManager.open(LogManagerConfig.defaults(dataDir));
      boolean crashAtEnd = random.nextBoolean();
      try {
        long truncated = manager.truncatedAtRecovery().values().stream().mapToLong(Long::longValue).sum();
        totalTruncated += truncated;
        Optional<PartitionLog> maybeLog = manager.get(CrashAppender.TP);
        if (maybeLog.isEmpty()) {
          // Killed before it created the partition: nothing may have been acknowledged.
          assertThat(acknowledged).as("%s: acknowledged, yet no partition", context).isEmpty();
          continue;
        }
        PartitionLog log = maybeLog.get();
        assertThat(log.highWatermark()).as(context).isLessThanOrEqualTo(log.logEndOffset());
        log.updateHighWatermark(log.logEndOffset());
        Map<BatchId, Long> found = verifyLog(log, roundSeeds, context);
        acknowledged.forEach((id, baseOffset) -> assertThat(found.get(id))
            .as("%s: acknowledged batch %s at offset %d", context, id, baseOffset).isEqualTo(baseOffset));
        verifyThreadsOfRound(found, acksThisRound, round, context);
        System.out.printf("round %2d: killed after %d acks%s; log end %d in %d segments; recovery cut %d bytes%n", round,
            acksThisRound.size(), output.stream().anyMatch(line -> line.startsWith("START")) ? "" : " (while opening)",
            log.logEndOffset(), log.segmentCount(), truncated);
        logEnd = appendFromTest(log, round, roundSeed, 1 + random.nextInt(3), acknowledged, context);
      } finally {
        if (crashAtEnd) {
          manager.crashForTesting();
        } else {
          manager.close();
        }
      }
    }
    System.out.println("CrashRecoveryTest: " + ROUNDS + " rounds, log end " + logEnd + ", " + acknowledged.size()
        + " acknowledged batches, " + totalTruncated + " bytes cut by recovery");
  }

  /**
   * Starts a child for {@code round}, waits until it has acknowledged {@code target} batches (or, for
   * 0, until it starts opening the store), kills it with SIGKILL, and returns the lines it printed.
   * Its stdout goes to a file, not a pipe: killing a {@link Process} closes its pipes, and lines not
   * yet read from one would be lost, so acknowledgements would go missing.
   */
  private List<String> runAndKill(Path dataDir, int round, long roundSeed, int target, long checkpointIntervalMs,
      String context) throws Exception {
    Path stdout = tmp.resolve("child-" + round + ".out");
    Path stderr = tmp.resolve("child-" + round + ".err");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), CrashAppender.class.getName(),
        dataDir.toString(), String.valueOf(round), String.valueOf(roundSeed), String.valueOf(THREADS),
        String.valueOf(checkpointIntervalMs))
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    child = builder.start();
    try {
      await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
          .until(() -> !child.isAlive() || reached(completeLines(stdout), target));
      if (!child.isAlive()) {
        fail("%s: the child exited by itself with %d before it was killed; stderr:%n%s", context, child.exitValue(),
            Files.readString(stderr));
      }
    } finally {
      ProcessHandle handle = child.toHandle();
      child.destroyForcibly();
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("%s: child still running after SIGKILL", context).isTrue();
      assertThat(handle.isAlive()).as(context).isFalse();
    }
    assertThat(child.exitValue()).as("%s: the child's exit code shows SIGKILL; its stderr:%n%s", context,
        Files.readString(stderr)).isEqualTo(SIGKILL_EXIT_CODE);
    child = null;
    return completeLines(stdout);
  }

  private static boolean reached(List<String> lines, int target) {
    if (target == 0) {
      return lines.contains("OPENING");
    }
    return lines.stream().filter(line -> line.startsWith("ACK ")).count() >= target;
  }

  /** The lines of {@code file} that end in a newline: a kill may cut the last one short. */
  private static List<String> completeLines(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
  }

  /**
   * The child's acknowledgements, as {base, last} per batch; checks that it started at the log end
   * the test left and that each thread's acknowledgements run 0, 1, 2, ... in offset order.
   */
  private static Map<BatchId, long[]> parseAcks(List<String> output, int round, long roundSeed, long logEnd, String context) {
    Map<BatchId, long[]> acks = new HashMap<>();
    Map<Integer, Long> lastBaseByThread = new HashMap<>();
    Map<Integer, Integer> nextSeqByThread = new HashMap<>();
    for (String line : output) {
      String[] parts = line.split(" ");
      if (parts[0].equals("START")) {
        assertThat(Long.parseLong(parts[1])).as("%s: the child's log end at start", context).isEqualTo(logEnd);
      } else if (parts[0].equals("ACK")) {
        int thread = Integer.parseInt(parts[1]);
        int seq = Integer.parseInt(parts[2]);
        long base = Long.parseLong(parts[3]);
        long last = Long.parseLong(parts[4]);
        assertThat(seq).as("%s: %s", context, line).isEqualTo(nextSeqByThread.getOrDefault(thread, 0));
        nextSeqByThread.put(thread, seq + 1);
        assertThat(base).as("%s: %s", context, line).isGreaterThanOrEqualTo(logEnd)
            .isGreaterThan(lastBaseByThread.getOrDefault(thread, -1L));
        lastBaseByThread.put(thread, base);
        assertThat(last - base + 1).as("%s: %s", context, line)
            .isEqualTo(CrashAppender.records(roundSeed, round, thread, seq).size());
        acks.put(new BatchId(round, thread, seq), new long[] {base, last});
      }
    }
    return acks;
  }

  /**
   * Reads the whole log and checks each record against what its key says it is: offsets 0..end-1
   * with no gap, batches whole and in record order, each batch at most once, every byte as appended.
   * Returns where each batch starts.
   */
  private static Map<BatchId, Long> verifyLog(PartitionLog log, Map<Integer, Long> roundSeeds, String context) {
    long end = log.logEndOffset();
    assertThat(log.logStartOffset()).as(context).isZero();
    Map<BatchId, Long> found = new HashMap<>();
    BatchId current = null;
    List<ExpectedRecord> expected = List.of();
    int nextIndex = 0;
    long next = 0;
    while (next < end) {
      List<Record> records = log.read(next, 256 * 1024).records(next);
      assertThat(records).as("%s: a read at %d below the log end %d", context, next, end).isNotEmpty();
      for (Record record : records) {
        assertThat(record.offset()).as("%s: offsets continue without a gap", context).isEqualTo(next);
        int[] id = CrashAppender.identity(record.keyBytes());
        assertThat(id).as("%s: record at %d has a key the test wrote", context, next).isNotNull();
        BatchId batch = new BatchId(id[0], id[1], id[2]);
        if (id[3] == 0) {
          assertThat(nextIndex).as("%s: batch %s is whole before %s at %d", context, current, batch, next)
              .isEqualTo(expected.size());
          assertThat(found.put(batch, next)).as("%s: batch %s appears twice", context, batch).isNull();
          assertThat(roundSeeds).as(context).containsKey(batch.round());
          current = batch;
          expected = CrashAppender.records(roundSeeds.get(batch.round()), batch.round(), batch.thread(), batch.seq());
          nextIndex = 0;
        } else {
          assertThat(batch).as("%s: record at %d continues batch %s", context, next, current).isEqualTo(current);
        }
        assertThat(id[3]).as("%s: record order in batch %s", context, batch).isEqualTo(nextIndex);
        ExpectedRecord want = expected.get(id[3]);
        if (!want.matches(record)) {
          fail("%s: %s", context, want.describeMismatch(record));
        }
        nextIndex++;
        next++;
      }
    }
    assertThat(nextIndex).as("%s: the last batch %s is whole", context, current).isEqualTo(expected.size());
    assertThat(log.read(end, 1024).isEmpty()).as(context).isTrue();
    return found;
  }

  /**
   * Each child thread appends one batch at a time, so the log holds its batches 0..n-1 in order,
   * where n is its acknowledged count, or one more that was written but killed before its ack.
   */
  private static void verifyThreadsOfRound(Map<BatchId, Long> found, Map<BatchId, long[]> acks, int round, String context) {
    for (int thread = 0; thread < THREADS; thread++) {
      int t = thread;
      TreeMap<Integer, Long> bySeq = new TreeMap<>();
      found.forEach((id, base) -> {
        if (id.round() == round && id.thread() == t) {
          bySeq.put(id.seq(), base);
        }
      });
      long ackedCount = acks.keySet().stream().filter(id -> id.thread() == t).count();
      assertThat(bySeq.size()).as("%s: batches of thread %d in the log, %d acknowledged", context, t, ackedCount)
          .isBetween((int) ackedCount, (int) ackedCount + 1);
      if (!bySeq.isEmpty()) {
        assertThat(bySeq.lastKey()).as("%s: thread %d's batches are 0..n-1", context, t).isEqualTo(bySeq.size() - 1);
        List<Long> bases = new ArrayList<>(bySeq.values());
        assertThat(bases).as("%s: thread %d's batches in order", context, t).isSorted();
      }
    }
  }

  /** Appends a few batches from the test itself; they must land at the log end, one after the other. */
  private static long appendFromTest(PartitionLog log, int round, long roundSeed, int batches,
      Map<BatchId, Long> acknowledged, String context) throws Exception {
    long end = log.logEndOffset();
    for (int seq = 0; seq < batches; seq++) {
      AppendResult result = log.append(CrashAppender.batch(roundSeed, round, PARENT_THREAD, seq)).get(10, TimeUnit.SECONDS);
      assertThat(result.baseOffset()).as("%s: the test's append %d continues at the log end", context, seq).isEqualTo(end);
      acknowledged.put(new BatchId(round, PARENT_THREAD, seq), end);
      end = result.lastOffset() + 1;
    }
    assertThat(log.logEndOffset()).as(context).isEqualTo(end);
    log.updateHighWatermark(end);
    List<Record> appended = log.read(end - 1, 1024).records(end - 1);
    assertThat(appended).as(context).hasSize(1);
    return end;
  }
}
