package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.EpochEndOffset;
import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.ManualClock;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ProducerIds;
import io.streamgate.logstore.TestBatches;
import io.streamgate.logstore.TestStores;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication protocol between two replicas of one partition, driven by hand (no network): the
 * test plays the fetcher, passing each fetch answer from leader to follower.
 */
class ReplicaTest {
  private static final TopicPartition TP = new TopicPartition("t", 0);
  private static final TopicId TOPIC_ID = TopicId.random();
  private static final long COMMIT_TIMEOUT_MS = 10_000;

  @TempDir Path dir;
  private final AtomicLong now = new AtomicLong(1_000_000);
  private LogManager storeA;
  private LogManager storeB;
  private Replica a;
  private Replica b;
  private final ExecutorService windowLoader = Executors.newSingleThreadExecutor();

  @BeforeEach
  void open() {
    ManualClock clock = new ManualClock(1_000_000);
    storeA = LogManager.open(TestStores.config(dir.resolve("a"), clock));
    storeB = LogManager.open(TestStores.config(dir.resolve("b"), clock));
    a = new Replica(TOPIC_ID, TP, storeA.create(TP, LogConfig.DEFAULT), "a", now::get, windowLoader);
    b = new Replica(TOPIC_ID, TP, storeB.create(TP, LogConfig.DEFAULT), "b", now::get, windowLoader);
  }

  @AfterEach
  void close() {
    storeA.close();
    storeB.close();
    windowLoader.shutdownNow();
  }

  private static PartitionState led(String leader, int epoch, List<String> isr) {
    return new PartitionState(leader, epoch, List.of("a", "b"), isr);
  }

  /**
   * One fetch of {@code follower} from {@code leader}, applied; returns what the leader answered. As
   * {@code ReplicaManager} does, it waits until the leader's epoch is recorded in its log.
   */
  private static Replica.FetchAnswer fetch(Replica leader, String followerId, Replica follower) throws Exception {
    leader.leaderEpochRecorded().get(10, TimeUnit.SECONDS);
    String leaderId = followerId.equals("a") ? "b" : "a";
    Replica.FetchAnswer answer = leader.serveFetch(followerId, follower.epoch(), follower.log().logEndOffset(),
        follower.log().latestEpoch(), follower.log().logStartOffset(), 1024 * 1024).answer();
    switch (answer.error()) {
      case NONE -> follower.appendFetched(leaderId, follower.epoch(), answer.records(), answer.highWatermark())
          .get(10, TimeUnit.SECONDS);
      case DIVERGING -> follower.truncateToDivergence(leaderId, follower.epoch(), answer.divergingEpoch(),
          answer.divergingEndOffset()).get(10, TimeUnit.SECONDS);
      case OUT_OF_RANGE -> follower.startAtLeaderLogStart(leaderId, follower.epoch(), answer.logStartOffset())
          .get(10, TimeUnit.SECONDS);
      default -> {
      }
    }
    return answer;
  }

  /** Everything in the replica's log, committed or not. */
  private static List<String> logged(Replica replica) {
    return TestStores.values(replica.log().read(0, 1024 * 1024, Long.MAX_VALUE).records());
  }

  private static AppendResult appendAsLeader(Replica leader, RecordBatch batch) throws Exception {
    return leader.appendAsLeader(batch, Acks.LEADER, 1, COMMIT_TIMEOUT_MS).get(10, TimeUnit.SECONDS);
  }

  @Test
  void anAcksAllWriteCompletesOnceTheFollowerHasReportedIt() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));

    CompletableFuture<AppendResult> write = a.appendAsLeader(TestBatches.values(1, "x", "y"), Acks.ALL, 2, COMMIT_TIMEOUT_MS);
    // The append reaches the log on the writer thread; the follower's fetch must find it there.
    await().atMost(Duration.ofSeconds(10)).until(() -> a.log().logEndOffset() == 2);
    fetch(a, "b", b);
    assertThat(write).as("the follower has the records, but the leader has not heard so").isNotDone();
    assertThat(a.log().highWatermark()).isZero();

    fetch(a, "b", b);
    assertThat(write.get(10, TimeUnit.SECONDS).lastOffset()).isEqualTo(1);
    assertThat(a.log().highWatermark()).isEqualTo(2);
    // The follower learns the high watermark with its next fetch, and never passes the leader's.
    assertThat(b.log().highWatermark()).isLessThanOrEqualTo(2);
    fetch(a, "b", b);
    assertThat(b.log().highWatermark()).isEqualTo(2);
    assertThat(logged(b)).containsExactly("x", "y");
  }

  @Test
  void aNewLeaderServesReadsOnlyOnceItsHighWatermarkReachedTheStartOfItsEpoch() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    assertThat(a.servesReads()).as("a partition's first leader follows no one").isTrue();
    for (String value : List.of("x0", "x1", "x2")) {
      appendAsLeader(a, TestBatches.values(1, value));
    }
    fetch(a, "b", b); // b holds all three, but learnt the high watermark of before them

    b.becomeLeader(led("b", 1, List.of("a", "b")));
    a.becomeFollower(led("b", 1, List.of("a", "b")));
    b.leaderEpochRecorded().get(10, TimeUnit.SECONDS);
    assertThat(b.log().highWatermark()).isZero();
    assertThat(b.servesReads()).as("records an earlier leader may have acknowledged lie above its high watermark")
        .isFalse();

    fetch(b, "a", a); // a's first fetch in epoch 1 confirms them
    assertThat(b.log().highWatermark()).isEqualTo(3);
    assertThat(b.servesReads()).isTrue();
  }

  @Test
  void aReadWaitsForANewLeaderToServeReadsAndIsRefusedOnlyAfterItsWait() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    for (String value : List.of("x0", "x1", "x2")) {
      appendAsLeader(a, TestBatches.values(1, value));
    }
    fetch(a, "b", b);
    b.becomeLeader(led("b", 1, List.of("a", "b")));
    a.becomeFollower(led("b", 1, List.of("a", "b")));
    b.leaderEpochRecorded().get(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> b.awaitServesReads(50).get(10, TimeUnit.SECONDS)).as("no follower fetched within the wait")
        .hasCauseInstanceOf(LeaderNotAvailableException.class);
    CompletableFuture<Void> read = b.awaitServesReads(10_000);
    assertThat(read).isNotDone();
    fetch(b, "a", a); // a's first fetch in epoch 1 confirms the records of epoch 0
    read.get(10, TimeUnit.SECONDS);
    assertThat(b.servesReads()).isTrue();
  }

  @Test
  void belowMinInsyncReplicasAnAcksAllWriteIsRefusedAndNothingIsWritten() {
    a.becomeLeader(led("a", 0, List.of("a")));

    assertThatThrownBy(() -> a.appendAsLeader(TestBatches.values(1, "x"), Acks.ALL, 2, COMMIT_TIMEOUT_MS))
        .isInstanceOf(NotEnoughReplicasException.class);
    assertThat(a.log().logEndOffset()).isZero();
  }

  @Test
  void anAcksAllWriteFailsAsNotLeaderWhenLeadershipMovesBeforeItIsCommitted() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    CompletableFuture<AppendResult> write = a.appendAsLeader(TestBatches.values(1, "x"), Acks.ALL, 2, COMMIT_TIMEOUT_MS);

    a.becomeFollower(led("b", 1, List.of("a", "b")));

    assertThatThrownBy(() -> write.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NotLeaderException.class);
  }

  @Test
  void aFollowerTruncatesWhatTheNewLeaderNeverHadThenTakesTheNewHistory() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    for (String value : List.of("a0", "a1", "a2")) {
      appendAsLeader(a, TestBatches.values(1, value));
    }
    fetch(a, "b", b);
    // Two more that only the old leader ever gets (acks=1: never committed).
    for (String value : List.of("a3", "a4")) {
      appendAsLeader(a, TestBatches.values(1, value));
    }

    // b is elected in epoch 1 and writes its own offsets 3..5.
    b.becomeLeader(led("b", 1, List.of("b")));
    a.becomeFollower(led("b", 1, List.of("b")));
    for (String value : List.of("b3", "b4", "b5")) {
      appendAsLeader(b, TestBatches.values(1, value));
    }

    Replica.FetchAnswer first = fetch(b, "a", a);
    assertThat(first.error()).isEqualTo(Replica.FetchAnswer.Error.DIVERGING);
    assertThat(first.divergingEpoch()).isZero();
    assertThat(first.divergingEndOffset()).isEqualTo(3);
    assertThat(a.log().logEndOffset()).isEqualTo(3);

    assertThat(fetch(b, "a", a).error()).isEqualTo(Replica.FetchAnswer.Error.NONE);
    assertThat(logged(a)).containsExactly("a0", "a1", "a2", "b3", "b4", "b5");
    assertThat(a.log().endOffsetForEpoch(0).orElseThrow().endOffset()).isEqualTo(3);
    assertThat(a.log().latestEpoch()).isEqualTo(1);
  }

  @Test
  void aFetchFromAStaleEpochIsRefusedAndADeposedLeaderTakesNoWrites() throws Exception {
    a.becomeLeader(led("a", 2, List.of("a", "b")));
    b.becomeFollower(led("a", 1, List.of("a", "b")));

    assertThat(fetch(a, "b", b).error()).isEqualTo(Replica.FetchAnswer.Error.NOT_LEADER);
    a.becomeFollower(led("b", 3, List.of("a", "b")));
    assertThatThrownBy(() -> a.appendAsLeader(TestBatches.values(1, "x"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS))
        .isInstanceOf(NotLeaderException.class);
  }

  @Test
  void aRetriedIdempotentBatchIsWrittenOnceAlsoAfterTheLeaderChanges() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));

    AppendResult written = appendAsLeader(a, idempotent(42, 0, "once"));
    assertThat(appendAsLeader(a, idempotent(42, 0, "once"))).isEqualTo(written);
    assertThat(a.log().logEndOffset()).isEqualTo(1);
    // Another sequence of the same producer is another batch.
    appendAsLeader(a, idempotent(42, 1, "second"));

    fetch(a, "b", b);
    b.becomeLeader(led("b", 1, List.of("b")));
    assertThat(appendAsLeader(b, idempotent(42, 0, "once")).baseOffset()).isEqualTo(written.baseOffset());
    assertThat(logged(b)).containsExactly("once", "second");
  }

  /**
   * Issue #12, item 1. A follower has taken in a fetched idempotent batch, but its writer has not
   * written it yet, when it becomes leader; the retry of that batch (the deposed leader's own
   * forward, or the client's) reaches it at once. The retry must find the copied batch, not write
   * the records a second time after it.
   */
  @Test
  void aRetryReachingANewLeaderWhileItsCopyOfTheBatchIsStillBeingWrittenIsNotWrittenAgain() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    AppendResult first = appendAsLeader(a, idempotent(42, 0, "r0", "r1", "r2", "r3"));
    Replica.FetchAnswer answer =
        a.serveFetch("b", b.epoch(), b.log().logEndOffset(), b.log().latestEpoch(), b.log().logStartOffset(), 1024 * 1024)
            .answer();

    CountDownLatch release = holdWriter(storeB);
    CompletableFuture<Void> copied;
    CompletableFuture<AppendResult> retry;
    try {
      copied = b.appendFetched("a", 0, answer.records(), answer.highWatermark());
      b.becomeLeader(led("b", 1, List.of("b")));
      retry = b.appendAsLeader(idempotent(42, 0, "r0", "r1", "r2", "r3"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS);
    } finally {
      release.countDown();
    }
    copied.get(10, TimeUnit.SECONDS);
    assertThat(retry.get(10, TimeUnit.SECONDS)).isEqualTo(first);
    assertThat(logged(b)).containsExactly("r0", "r1", "r2", "r3");
  }

  /** A truncation not yet written when the replica starts leading: the retry of a batch it cuts must be written. */
  @Test
  void aRetryReachingANewLeaderWhileItsTruncationIsStillBeingWrittenIsWritten() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, TestBatches.values(1, "base"));
    fetch(a, "b", b);
    appendAsLeader(a, idempotent(9, 0, "uncommitted"));
    fetch(a, "b", b);
    assertThat(logged(b)).containsExactly("base", "uncommitted");

    // a, deposed, never had it committed; its successor cuts it from b's log.
    CountDownLatch release = holdWriter(storeB);
    CompletableFuture<Long> cut;
    CompletableFuture<AppendResult> retry;
    try {
      b.becomeFollower(led("c", 1, List.of("b", "c")));
      cut = b.truncateToDivergence("c", 1, 0, 1);
      b.becomeLeader(led("b", 2, List.of("b")));
      retry = b.appendAsLeader(idempotent(9, 0, "uncommitted"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS);
    } finally {
      release.countDown();
    }
    assertThat(cut.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(retry.get(10, TimeUnit.SECONDS).baseOffset()).isEqualTo(1);
    assertThat(logged(b)).containsExactly("base", "uncommitted");
  }

  /**
   * Stops {@code store}'s writer thread (one per store) until the returned latch is counted down:
   * it runs a completion that waits. A completion that ran on this thread instead (the append was
   * done before it was attached) does not wait, and another append is tried.
   */
  private static CountDownLatch holdWriter(LogManager store) {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread test = Thread.currentThread();
    PartitionLog other = store.create(new TopicPartition("hold", 0), LogConfig.DEFAULT);
    AtomicBoolean attached = new AtomicBoolean();
    while (!attached.get()) {
      attached.set(true);
      other.append(TestBatches.values(1, "hold")).thenRun(() -> {
        if (Thread.currentThread() == test) {
          attached.set(false);
          return;
        }
        held.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> held.getCount() == 0);
    return release;
  }

  /**
   * Issue #12, item 2: an id reused for other records is refused, writing nothing, by the leader that
   * wrote the first batch, by a follower that copied it and then leads, and after a restart.
   */
  @Test
  void anIdempotentIdReusedForOtherRecordsIsRefusedOnEveryReplicaAndNothingIsWritten() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    AppendResult first = appendAsLeader(a, idempotent(5, 0, "one"));

    assertThatThrownBy(() -> a.appendAsLeader(idempotent(5, 0, "one", "two", "three"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS))
        .isInstanceOf(IdempotencyKeyReusedException.class);
    assertThat(appendAsLeader(a, idempotent(5, 0, "one"))).isEqualTo(first);

    fetch(a, "b", b);
    b.becomeLeader(led("b", 1, List.of("b")));
    assertThatThrownBy(() -> b.appendAsLeader(idempotent(5, 0, "two"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS))
        .isInstanceOf(IdempotencyKeyReusedException.class);
    Replica restarted = new Replica(TOPIC_ID, TP, b.log(), "b", now::get, windowLoader);
    restarted.becomeLeader(led("b", 2, List.of("b")));
    restarted.idempotencyWindowLoaded().get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> restarted.appendAsLeader(idempotent(5, 0, "one", "two"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS))
        .isInstanceOf(IdempotencyKeyReusedException.class);
    assertThat(appendAsLeader(restarted, idempotent(5, 0, "one"))).isEqualTo(first);
    assertThat(logged(a)).containsExactly("one");
    assertThat(logged(b)).containsExactly("one");
  }

  @Test
  void aFingerprintComparesKeysValuesAndHeadersButNotTimestamps() {
    RecordBatch batch = new RecordBatchBuilder(Compression.NONE).producer(1, (short) 0, 0)
        .append(100, TestBatches.utf8("k"), TestBatches.utf8("v"), List.of(new Header("h", TestBatches.utf8("1")))).build();
    RecordBatch laterStamp = new RecordBatchBuilder(Compression.NONE).producer(1, (short) 0, 0)
        .append(900, TestBatches.utf8("k"), TestBatches.utf8("v"), List.of(new Header("h", TestBatches.utf8("1")))).build();
    RecordBatch otherHeader = new RecordBatchBuilder(Compression.NONE).producer(1, (short) 0, 0)
        .append(100, TestBatches.utf8("k"), TestBatches.utf8("v"), List.of(new Header("h", TestBatches.utf8("2")))).build();
    RecordBatch keyAsValue = new RecordBatchBuilder(Compression.NONE).producer(1, (short) 0, 0)
        .append(100, null, TestBatches.utf8("kv"), List.of(new Header("h", TestBatches.utf8("1")))).build();

    long fingerprint = IdempotencyWindow.fingerprint(batch);
    assertThat(IdempotencyWindow.fingerprint(laterStamp)).isEqualTo(fingerprint);
    assertThat(IdempotencyWindow.fingerprint(otherHeader)).isNotEqualTo(fingerprint);
    assertThat(IdempotencyWindow.fingerprint(keyAsValue)).isNotEqualTo(fingerprint);
  }

  @Test
  void theIdempotencyWindowIsRebuiltFromTheLogWhenAReplicaStarts() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    AppendResult written = appendAsLeader(a, idempotent(7, 0, "kept"));

    Replica reopened = new Replica(TOPIC_ID, TP, a.log(), "a", now::get, windowLoader);
    reopened.becomeLeader(led("a", 1, List.of("a")));
    assertThat(appendAsLeader(reopened, idempotent(7, 0, "kept"))).isEqualTo(written);
    assertThat(a.log().logEndOffset()).isEqualTo(1);
  }

  /**
   * Issue #13: the window's rebuild (up to 200,000 records) ran in the constructor, on the metadata
   * thread that opens replicas, holding every other metadata change meanwhile. Now it runs on the
   * window loader, held here; idempotent appends taken meanwhile wait for it, in order.
   */
  @Test
  void theMetadataThreadIsFreeWhileAWindowIsRebuiltAndARetryMeanwhileIsNotWrittenTwice() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    AppendResult written = appendAsLeader(a, idempotent(7, 0, "kept"));
    HeldExecutor held = new HeldExecutor();
    ExecutorService metadataThread = Executors.newSingleThreadExecutor();
    try {
      Replica reopened = metadataThread.submit(() -> {
        Replica replica = new Replica(TOPIC_ID, TP, a.log(), "a", now::get, held);
        replica.becomeLeader(led("a", 1, List.of("a")));
        return replica;
      }).get(10, TimeUnit.SECONDS);
      assertThat(metadataThread.submit(() -> "another metadata change").get(10, TimeUnit.SECONDS))
          .isEqualTo("another metadata change");
      assertThat(held.pending()).as("the rebuild waits on the window loader").isEqualTo(1);

      CompletableFuture<AppendResult> retry = reopened.appendAsLeader(idempotent(7, 0, "kept"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS);
      CompletableFuture<AppendResult> next = reopened.appendAsLeader(idempotent(7, 1, "next"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS);
      CompletableFuture<AppendResult> after = reopened.appendAsLeader(idempotent(7, 2, "after"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS);
      assertThat(retry).as("an idempotent append waits for the window").isNotDone();
      held.release();

      assertThat(retry.get(10, TimeUnit.SECONDS)).isEqualTo(written);
      assertThat(next.get(10, TimeUnit.SECONDS).baseOffset()).isEqualTo(1);
      assertThat(after.get(10, TimeUnit.SECONDS).baseOffset()).isEqualTo(2);
      assertThat(logged(reopened)).containsExactly("kept", "next", "after");
    } finally {
      metadataThread.shutdownNow();
    }
  }

  /**
   * A truncation made while the window is rebuilt, its cut not yet written when the rebuild reads
   * the log: the rebuild must not bring the cut batch back, or its retry, taken as leader, is
   * answered with the offsets of a record no longer there.
   */
  @Test
  void aBatchCutWhileTheWindowIsRebuiltIsNotBroughtBackByTheRebuild() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, TestBatches.values(1, "base"));
    fetch(a, "b", b);
    appendAsLeader(a, idempotent(9, 0, "uncommitted"));
    fetch(a, "b", b);

    HeldExecutor held = new HeldExecutor();
    Replica reopened = new Replica(TOPIC_ID, TP, b.log(), "b", now::get, held);
    reopened.becomeFollower(led("c", 1, List.of("b", "c")));
    CountDownLatch release = holdWriter(storeB);
    CompletableFuture<Long> cut;
    try {
      cut = reopened.truncateToDivergence("c", 1, 0, 1);
      held.release(); // reads both batches: the writer has not cut yet
    } finally {
      release.countDown();
    }
    assertThat(cut.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    reopened.idempotencyWindowLoaded().get(10, TimeUnit.SECONDS);

    reopened.becomeLeader(led("b", 2, List.of("b")));
    assertThat(appendAsLeader(reopened, idempotent(9, 0, "uncommitted")).baseOffset()).isEqualTo(1);
    assertThat(logged(reopened)).containsExactly("base", "uncommitted");
  }

  /** An idempotent batch copied as follower while the window is rebuilt stays in it: its retry is not written again. */
  @Test
  void aBatchCopiedWhileTheWindowIsRebuiltStaysInIt() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, idempotent(3, 0, "old"));
    fetch(a, "b", b);

    HeldExecutor held = new HeldExecutor();
    Replica reopened = new Replica(TOPIC_ID, TP, b.log(), "b", now::get, held);
    reopened.becomeFollower(led("a", 0, List.of("a", "b")));
    AppendResult copied = appendAsLeader(a, idempotent(3, 1, "copied"));
    fetch(a, "b", reopened);
    held.release();
    reopened.idempotencyWindowLoaded().get(10, TimeUnit.SECONDS);

    reopened.becomeLeader(led("b", 1, List.of("b")));
    assertThat(appendAsLeader(reopened, idempotent(3, 1, "copied"))).isEqualTo(copied);
    assertThat(appendAsLeader(reopened, idempotent(3, 0, "old")).baseOffset()).isEqualTo(0);
    assertThat(logged(reopened)).containsExactly("old", "copied");
  }

  /** A replica that stops leading while its window loads fails the appends waiting for it as not-leader, and writes none. */
  @Test
  void anAppendWaitingForTheWindowFailsAsNotLeaderWhenTheReplicaStopsLeading() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    appendAsLeader(a, idempotent(7, 0, "kept"));
    HeldExecutor held = new HeldExecutor();
    Replica reopened = new Replica(TOPIC_ID, TP, a.log(), "a", now::get, held);
    reopened.becomeLeader(led("a", 1, List.of("a")));
    CompletableFuture<AppendResult> waiting = reopened.appendAsLeader(idempotent(7, 1, "new"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS);

    reopened.becomeFollower(led("b", 2, List.of("a", "b")));
    assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NotLeaderException.class);
    held.release();
    reopened.idempotencyWindowLoaded().get(10, TimeUnit.SECONDS);
    assertThat(logged(reopened)).containsExactly("kept");
  }

  /** Runs the tasks given to it only when released, on the releasing thread. */
  private static final class HeldExecutor implements Executor {
    private final List<Runnable> tasks = new CopyOnWriteArrayList<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    int pending() {
      return tasks.size();
    }

    void release() {
      List<Runnable> run = List.copyOf(tasks);
      tasks.clear();
      run.forEach(Runnable::run);
    }
  }

  @Test
  void aTruncatedIdempotentBatchIsForgottenSoItsRetryWrites() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, TestBatches.values(1, "base"));
    fetch(a, "b", b);
    appendAsLeader(a, idempotent(9, 0, "lost"));

    b.becomeLeader(led("b", 1, List.of("b")));
    a.becomeFollower(led("b", 1, List.of("b")));
    fetch(b, "a", a);
    assertThat(a.log().logEndOffset()).isEqualTo(1);

    a.becomeLeader(led("a", 2, List.of("a")));
    assertThat(appendAsLeader(a, idempotent(9, 0, "lost")).baseOffset()).isEqualTo(1);
    assertThat(logged(a)).containsExactly("base", "lost");
  }

  @Test
  void aDeletionIsAnsweredOnceEveryIsrFollowerHasReportedItsLogStartThere() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, TestBatches.values(1, "x", "y", "z"));
    fetch(a, "b", b);
    fetch(a, "b", b);
    assertThat(a.log().deleteRecordsBefore(2).get(10, TimeUnit.SECONDS)).isEqualTo(2);

    CompletableFuture<Long> deleted = a.awaitIsrLogStart(2, COMMIT_TIMEOUT_MS);
    // The next answer carries the leader's log start; the follower moves its own to it.
    Replica.FetchAnswer answer = fetch(a, "b", b);
    b.followLeaderLogStart(answer.logStartOffset()).get(10, TimeUnit.SECONDS);
    assertThat(b.log().logStartOffset()).isEqualTo(2);
    assertThat(deleted).as("the follower has moved its start, but the leader has not heard so").isNotDone();

    fetch(a, "b", b);
    assertThat(deleted.get(10, TimeUnit.SECONDS)).isEqualTo(2);
  }

  @Test
  void aFollowerDroppedFromTheIsrNoLongerHoldsADeletionUp() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, TestBatches.values(1, "x", "y"));
    fetch(a, "b", b);
    fetch(a, "b", b);
    a.log().deleteRecordsBefore(1).get(10, TimeUnit.SECONDS);

    CompletableFuture<Long> deleted = a.awaitIsrLogStart(1, COMMIT_TIMEOUT_MS);
    assertThat(deleted).isNotDone();
    a.becomeLeader(led("a", 0, List.of("a")));
    assertThat(deleted.get(10, TimeUnit.SECONDS)).isEqualTo(1);
  }

  @Test
  void aDeletionTheIsrDoesNotConfirmInTimeFailsAsTimedOutAndOneWhoseLeaderIsDeposedAsNotLeader() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, TestBatches.values(1, "x", "y"));
    fetch(a, "b", b);
    fetch(a, "b", b);
    a.log().deleteRecordsBefore(1).get(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> a.awaitIsrLogStart(1, 50).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(
        ReplicationTimeoutException.class);
    CompletableFuture<Long> deposed = a.awaitIsrLogStart(1, COMMIT_TIMEOUT_MS);
    a.becomeFollower(led("b", 1, List.of("a", "b")));
    assertThatThrownBy(() -> deposed.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NotLeaderException.class);
  }

  @Test
  void aFollowerThatStopsFetchingIsReportedLaggingAfterTheLagLimit() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    fetch(a, "b", b);
    appendAsLeader(a, TestBatches.values(1, "x"));

    now.addAndGet(5_000);
    assertThat(a.laggingFollowers(10_000)).isEmpty();
    now.addAndGet(6_000);
    assertThat(a.laggingFollowers(10_000)).containsExactly("b");
    // Asked once; not again until that ISR change is done.
    assertThat(a.laggingFollowers(10_000)).isEmpty();
    a.isrChangeDone(true);
    assertThat(a.laggingFollowers(10_000)).containsExactly("b");
  }

  @Test
  void aFollowerOutsideTheIsrJoinsOnceItHasReachedTheHighWatermark() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    b.becomeFollower(led("a", 0, List.of("a")));
    appendAsLeader(a, TestBatches.values(1, "x", "y"));

    assertThat(a.serveFetch("b", 0, 0, -1, 0, 1024).joinsIsr()).isFalse();
    assertThat(a.serveFetch("b", 0, 2, 0, 0, 1024).joinsIsr()).isTrue();
    assertThat(a.serveFetch("b", 0, 2, 0, 0, 1024).joinsIsr()).as("already asked").isFalse();
  }

  /**
   * Found in GroupFailoverIT's node logs: every change to one partition of a topic applies every
   * partition's state again, unchanged; that ended the others' pending ISR changes, so a leader
   * asked again on the next fetch (159 proposals for 16 partitions after a restart, a flood that
   * delayed lease renewals past the lease) and stopped counting the joining follower.
   */
  @Test
  void aPendingIsrChangeOutlivesItsUnchangedStateAppliedAgainAndEndsWhenTheIsrMoves() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    b.becomeFollower(led("a", 0, List.of("a")));
    appendAsLeader(a, TestBatches.values(1, "x", "y"));
    assertThat(a.serveFetch("b", 0, 2, 0, 0, 1024).joinsIsr()).isTrue();

    a.becomeLeader(led("a", 0, List.of("a")));
    assertThat(a.serveFetch("b", 0, 2, 0, 0, 1024).joinsIsr()).as("still asked").isFalse();
    appendAsLeader(a, TestBatches.values(1, "z"));
    assertThat(a.log().highWatermark()).as("b, joining, still counts and lacks offset 2").isEqualTo(2);

    a.becomeLeader(led("a", 0, List.of("a", "b")));
    a.serveFetch("b", 0, 3, 0, 0, 1024);
    assertThat(a.log().highWatermark()).isEqualTo(3);
    assertThat(a.laggingFollowers(Long.MAX_VALUE)).isEmpty();
  }

  /** The addition was written, but a later change took the follower out again before this leader saw either. */
  @Test
  void aWrittenIsrAdditionOvertakenByALaterChangeIsAskedForAgain() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    b.becomeFollower(led("a", 0, List.of("a")));
    appendAsLeader(a, TestBatches.values(1, "x", "y"));
    assertThat(a.serveFetch("b", 0, 2, 0, 0, 1024).joinsIsr()).isTrue();
    a.isrChangeDone(true);

    a.becomeLeader(led("a", 0, List.of("a")));
    assertThat(a.serveFetch("b", 0, 2, 0, 0, 1024).joinsIsr()).isTrue();
  }

  /**
   * Found by scripts/chaos-idempotent.sh: a follower's addition to the ISR was written, the
   * controller elected it at once, and records the leader had committed meanwhile without it (its
   * state still held the old ISR) were cut: acknowledged writes lost. Counted from the moment it asks.
   */
  @Test
  void aFollowerAskedIntoTheIsrCountsForTheHighWatermarkBeforeTheChangeArrives() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    b.becomeFollower(led("a", 0, List.of("a")));
    appendAsLeader(a, TestBatches.values(1, "x", "y"));
    assertThat(a.serveFetch("b", 0, 2, 0, 0, 1024).joinsIsr()).isTrue();
    a.isrChangeDone(true);  // written; the new state has not reached the leader yet

    appendAsLeader(a, TestBatches.values(1, "z"));
    assertThat(a.log().highWatermark()).as("b, about to be in the ISR, lacks offset 2").isEqualTo(2);
    a.serveFetch("b", 0, 3, 0, 0, 1024);
    assertThat(a.log().highWatermark()).isEqualTo(3);
  }

  // ---------------------------------------------------------------- a follower below the leader's log start

  /** Leader a, epoch 0, ISR a alone: ten records in five batches, the first eight then deleted (as retention does). */
  private void leaderWhoseLogStartsAtEight() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    for (int i = 0; i < 10; i += 2) {
      appendAsLeader(a, TestBatches.values(1, "r" + i, "r" + (i + 1)));
    }
    assertThat(a.log().deleteRecordsBefore(8).get(10, TimeUnit.SECONDS)).isEqualTo(8);
  }

  /** Fetches until b has the leader's log end and has been taken into the ISR; b's log is then the leader's from its start. */
  private void assertCatchesUpFrom(long leaderStart, long followerStart) throws Exception {
    for (int i = 0; i < 5 && b.log().logEndOffset() < a.log().logEndOffset(); i++) {
      assertThat(fetch(a, "b", b).error()).isNotEqualTo(Replica.FetchAnswer.Error.DIVERGING);
    }
    assertThat(b.log().logStartOffset()).isEqualTo(followerStart);
    assertThat(b.log().logEndOffset()).isEqualTo(a.log().logEndOffset());
    assertThat(a.serveFetch("b", b.epoch(), b.log().logEndOffset(), b.log().latestEpoch(), b.log().logStartOffset(), 1024).joinsIsr())
        .as("caught up: the leader takes it into the ISR").isTrue();
    fetch(a, "b", b);
    assertThat(b.log().highWatermark()).isEqualTo(a.log().highWatermark());
    assertThat(TestStores.values(b.log().read(leaderStart, 1 << 20, Long.MAX_VALUE).records()))
        .isEqualTo(TestStores.values(a.log().read(leaderStart, 1 << 20, Long.MAX_VALUE).records()));
    assertThat(a.log().endOffsetForEpoch(b.log().latestEpoch()))
        .as("b's last epoch ends, in the leader's history, at b's log end: nothing diverges")
        .contains(new EpochEndOffset(b.log().latestEpoch(), b.log().logEndOffset()));
  }

  @Test
  void aFollowerWhoseLogEndsBelowTheLeadersLogStartStartsOverThere() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    b.becomeFollower(led("a", 0, List.of("a")));
    appendAsLeader(a, TestBatches.values(1, "r0", "r1"));
    fetch(a, "b", b);
    assertThat(b.log().logEndOffset()).isEqualTo(2);
    for (int i = 2; i < 10; i += 2) {
      appendAsLeader(a, TestBatches.values(1, "r" + i, "r" + (i + 1)));
    }
    a.log().deleteRecordsBefore(8).get(10, TimeUnit.SECONDS);

    Replica.FetchAnswer answer = fetch(a, "b", b);

    assertThat(answer.error()).isEqualTo(Replica.FetchAnswer.Error.OUT_OF_RANGE);
    assertThat(answer.logStartOffset()).isEqualTo(8);
    assertThat(b.log().logStartOffset()).isEqualTo(8);
    assertThat(b.log().logEndOffset()).isEqualTo(8);
    assertCatchesUpFrom(8, 8);
  }

  @Test
  void aFollowerWithAnEmptyLogStartsAtTheLeadersLogStart() throws Exception {
    leaderWhoseLogStartsAtEight();
    b.becomeFollower(led("a", 0, List.of("a")));

    assertThat(fetch(a, "b", b).error()).isEqualTo(Replica.FetchAnswer.Error.OUT_OF_RANGE);

    assertCatchesUpFrom(8, 8);
  }

  @Test
  void aFollowerBelowTheLogStartStartsOverEvenWhenItsHistoryIsOneTheLeaderNeverHad() throws Exception {
    // b led in epoch 5 and wrote records no one else has; a leads again in epoch 6, its own records
    // all from epoch 0, so b's last epoch is unknown to it.
    b.becomeLeader(led("b", 5, List.of("b")));
    appendAsLeader(b, TestBatches.values(1, "lost0", "lost1"));
    leaderWhoseLogStartsAtEight();
    a.becomeLeader(led("a", 6, List.of("a")));
    b.becomeFollower(led("a", 6, List.of("a")));

    a.leaderEpochRecorded().get(10, TimeUnit.SECONDS);
    Replica.FetchAnswer answer = a.serveFetch("b", 6, 2, 5, 0, 1024).answer();

    assertThat(answer.error()).as("not DIVERGING: a cut to 8 would leave b's log ending at 2")
        .isEqualTo(Replica.FetchAnswer.Error.OUT_OF_RANGE);
    assertThat(b.startAtLeaderLogStart("a", 6, answer.logStartOffset()).get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(b.log().latestEpoch()).as("the epoch history went with the records").isEqualTo(-1);
    assertCatchesUpFrom(8, 8);
  }

  @Test
  void aFollowerWhoseLogEndIsPastTheLeadersLogStartKeepsItsOwnStartAndContinues() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    b.becomeFollower(led("a", 0, List.of("a")));
    for (int i = 0; i < 10; i += 2) {
      appendAsLeader(a, TestBatches.values(1, "r" + i, "r" + (i + 1)));
    }
    fetch(a, "b", b);
    long bEnd = b.log().logEndOffset();
    assertThat(bEnd).isEqualTo(10);
    appendAsLeader(a, TestBatches.values(1, "r10", "r11"));
    a.log().deleteRecordsBefore(8).get(10, TimeUnit.SECONDS);

    assertThat(fetch(a, "b", b).error()).isEqualTo(Replica.FetchAnswer.Error.NONE);

    assertThat(b.startAtLeaderLogStart("a", 0, 8).get(10, TimeUnit.SECONDS)).as("nothing to do").isFalse();
    assertCatchesUpFrom(8, 0);
    assertThat(logged(b)).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11");
  }

  @Test
  void aFollowerThatStartedOverForgetsTheIdempotencyIdsOfItsOldRecords() throws Exception {
    // b holds an idempotent batch only it has (it led in epoch 5); after starting over at the
    // leader's log start, leading, it must write a retry of that batch, not answer its old offsets.
    b.becomeLeader(led("b", 5, List.of("b")));
    appendAsLeader(b, idempotent(11, 0, "only-on-b"));
    leaderWhoseLogStartsAtEight();
    a.becomeLeader(led("a", 6, List.of("a")));
    b.becomeFollower(led("a", 6, List.of("a")));
    assertThat(fetch(a, "b", b).error()).isEqualTo(Replica.FetchAnswer.Error.OUT_OF_RANGE);
    fetch(a, "b", b);
    assertThat(b.log().logEndOffset()).isEqualTo(10);

    b.becomeLeader(led("b", 7, List.of("b")));
    assertThat(appendAsLeader(b, idempotent(11, 0, "only-on-b")).baseOffset()).isEqualTo(10);
  }

  // ---------------------------------------------------------------- a leader that has not written in its epoch yet

  /**
   * Issue #12 item 9, follow-up. Retention emptied a's log (start = end = 10); b, with an empty disk,
   * started over there and caught up at once, so it holds no record and knows no epoch, and is
   * elected before it appends anything. a, deposed, follows it: its log ends at b's log start, in a's
   * last epoch 0. Nothing diverges; a must fetch and rejoin the ISR (with the ISR at b alone, an
   * acks=all write under min.insync.replicas=2 waits for that).
   */
  @Test
  void aFollowerWhoseLogEndsAtTheLogStartOfALeaderThatNeverAppendedCatchesUp() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a")));
    for (int i = 0; i < 10; i += 2) {
      appendAsLeader(a, TestBatches.values(1, "r" + i, "r" + (i + 1)));
    }
    assertThat(a.log().deleteRecordsBefore(10).get(10, TimeUnit.SECONDS)).isEqualTo(10);
    b.becomeFollower(led("a", 0, List.of("a")));
    assertThat(fetch(a, "b", b).error()).isEqualTo(Replica.FetchAnswer.Error.OUT_OF_RANGE);
    assertThat(b.log().logStartOffset()).isEqualTo(10);
    assertThat(b.log().latestEpoch()).as("b copied no batch").isEqualTo(-1);

    b.becomeLeader(led("b", 1, List.of("b")));
    a.becomeFollower(led("b", 1, List.of("b")));
    b.leaderEpochRecorded().get(10, TimeUnit.SECONDS);
    Replica.FetchResult result = b.serveFetch("a", 1, a.log().logEndOffset(), a.log().latestEpoch(), a.log().logStartOffset(), 1024);

    assertThat(result.answer().error()).as("a's log ends at b's log start: nothing to cut, nothing to answer but records")
        .isEqualTo(Replica.FetchAnswer.Error.NONE);
    assertThat(result.joinsIsr()).as("caught up: back into the ISR").isTrue();
    b.becomeLeader(led("b", 1, List.of("a", "b")));
    CompletableFuture<AppendResult> write = b.appendAsLeader(TestBatches.values(1, "w"), Acks.ALL, 2, COMMIT_TIMEOUT_MS);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.log().logEndOffset() == 11);
    fetch(b, "a", a);
    fetch(b, "a", a);
    assertThat(write.get(10, TimeUnit.SECONDS).baseOffset()).isEqualTo(10);
    assertThat(TestStores.values(a.log().read(10, 1024, Long.MAX_VALUE).records())).containsExactly("w");
  }

  /**
   * Issue #12 item 9, follow-up. b, elected in epoch 2, has appended nothing in it; its latest epoch
   * is 0. a, deposed, holds records of epoch 1 that b never copied (acks=1, never committed) after the
   * committed ones of epoch 0. a must cut exactly its epoch-1 records: as an ISR member it must never
   * hold less than what is committed, or b's death would elect a log that lost acknowledged writes.
   */
  @Test
  void aFollowerHoldingAnEpochItsNewLeaderNeverSawCutsOnlyThatEpoch() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    for (String value : List.of("a0", "a1", "a2")) {
      appendAsLeader(a, TestBatches.values(1, value));
    }
    fetch(a, "b", b);
    fetch(a, "b", b);
    assertThat(b.log().highWatermark()).as("a0..a2 are committed").isEqualTo(3);
    a.becomeLeader(led("a", 1, List.of("a", "b")));
    b.becomeFollower(led("a", 1, List.of("a", "b")));
    for (String value : List.of("a3", "a4")) {
      appendAsLeader(a, TestBatches.values(1, value));
    }

    b.becomeLeader(led("b", 2, List.of("a", "b")));
    a.becomeFollower(led("b", 2, List.of("a", "b")));
    Replica.FetchAnswer answer = fetch(b, "a", a);

    assertThat(answer.error()).isEqualTo(Replica.FetchAnswer.Error.DIVERGING);
    assertThat(a.log().logEndOffset()).as("a, in the ISR, still holds every committed record").isEqualTo(3);
    assertThat(logged(a)).containsExactly("a0", "a1", "a2");
    assertThat(fetch(b, "a", a).error()).isEqualTo(Replica.FetchAnswer.Error.NONE);
    appendAsLeader(b, TestBatches.values(1, "b3"));
    fetch(b, "a", a);
    assertThat(logged(a)).containsExactly("a0", "a1", "a2", "b3");
  }

  /**
   * a led in epoch 1 and appended nothing in it, so its history ends with epoch 1 at its log end;
   * b, which never heard of epoch 1, leads in epoch 2. a's last epoch is 1: b answers it as diverging
   * at a's log end, and a, cutting nothing, must forget epoch 1 there, or it would ask with it again
   * at every fetch.
   */
  @Test
  void aDeposedLeaderThatAppendedNothingInItsEpochForgetsThatEpochAndCatchesUp() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, TestBatches.values(1, "x", "y"));
    fetch(a, "b", b);
    a.becomeLeader(led("a", 1, List.of("a", "b")));
    a.leaderEpochRecorded().get(10, TimeUnit.SECONDS);
    assertThat(a.log().latestEpoch()).as("recorded at the log end before any append").isEqualTo(1);
    assertThat(a.log().endOffsetForEpoch(0)).contains(new EpochEndOffset(0, 2));

    b.becomeLeader(led("b", 2, List.of("a", "b")));
    a.becomeFollower(led("b", 2, List.of("a", "b")));
    Replica.FetchAnswer answer = fetch(b, "a", a);

    assertThat(answer.error()).isEqualTo(Replica.FetchAnswer.Error.DIVERGING);
    assertThat(answer.divergingEpoch()).isZero();
    assertThat(answer.divergingEndOffset()).isEqualTo(2);
    assertThat(a.log().logEndOffset()).isEqualTo(2);
    assertThat(a.log().latestEpoch()).as("the empty epoch 1 is forgotten").isZero();
    assertThat(fetch(b, "a", a).error()).isEqualTo(Replica.FetchAnswer.Error.NONE);
    appendAsLeader(b, TestBatches.values(1, "z"));
    fetch(b, "a", a);
    assertThat(logged(a)).containsExactly("x", "y", "z");
  }

  // ---------------------------------------------------------------- issue #14: divergence after a split

  /**
   * The history both sides of a split share: a leads epochs 0..3 with b following, two records in
   * each (epoch e holds offsets 2e and 2e + 1), all of them copied to b and committed.
   */
  private void commonHistoryInEpochsZeroToThree() throws Exception {
    for (int epoch = 0; epoch <= 3; epoch++) {
      a.becomeLeader(led("a", epoch, List.of("a", "b")));
      b.becomeFollower(led("a", epoch, List.of("a", "b")));
      appendAsLeader(a, TestBatches.values(1, "c" + 2 * epoch, "c" + (2 * epoch + 1)));
      fetch(a, "b", b);
      fetch(a, "b", b);
    }
    assertThat(b.log().highWatermark()).isEqualTo(8);
    assertThat(logged(b)).isEqualTo(logged(a));
  }

  /** Leads alone in {@code epoch}, on one side of a split, and appends {@code values} there, one batch each. */
  private static void leadAloneAndAppend(Replica replica, String id, int epoch, String... values) throws Exception {
    replica.becomeLeader(new PartitionState(id, epoch, List.of("a", "b"), List.of(id)));
    for (String value : values) {
      appendAsLeader(replica, TestBatches.values(1, value));
    }
  }

  /** The log's batches as "epoch:first value" pairs: records and the epochs they were written in. */
  private static List<String> batches(Replica replica) {
    return replica.log().read(0, 1024 * 1024, Long.MAX_VALUE).batchList().stream()
        .map(batch -> batch.partitionLeaderEpoch() + ":" + TestStores.values(batch.records()).get(0)).toList();
  }

  /**
   * Issue #14 item 3 (what a 3-way split showed). After epochs 0..3 in common, a's side led in
   * epochs 5 and 6, b's in epoch 4: each history holds epochs the other never had, and a's are newer
   * than any of b's. When the sides are one again, a follows b in epoch 4 and asks with its last
   * epoch, 6. b, knowing no epoch as new, answered "undefined" (-1) and a truncated to its log start,
   * cutting the 8 common records too, to fetch them all again. The largest epoch b has at or below
   * 6 is 4, which a never had: a must cut to the end of its own epoch 3, the last they share, and
   * take b's epoch-4 records from there.
   */
  @Test
  void aFollowerWhoseNewerEpochsTheLeaderNeverHadTruncatesToTheLastCommonEpochNotToZero() throws Exception {
    commonHistoryInEpochsZeroToThree();
    leadAloneAndAppend(a, "a", 5, "a8", "a9");
    leadAloneAndAppend(a, "a", 6, "a10");
    leadAloneAndAppend(b, "b", 4, "b8", "b9", "b10");

    a.becomeFollower(led("b", 4, List.of("b")));
    Replica.FetchAnswer answer = fetch(b, "a", a);

    assertThat(answer.error()).isEqualTo(Replica.FetchAnswer.Error.DIVERGING);
    assertThat(answer.divergingEpoch()).as("the largest epoch b has at or below a's last, 6").isEqualTo(4);
    assertThat(answer.divergingEndOffset()).isEqualTo(11);
    assertThat(a.log().logEndOffset()).as("the end of epoch 3, the last both have").isEqualTo(8);
    assertThat(logged(a)).containsExactly("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7");
    assertCatchesUpToAnIdenticalLog();
  }

  /**
   * Issue #14 item 3, Kafka's KIP-279 step. After epochs 0..3 in common, a's side led in epoch 5,
   * b's in epochs 4 and 6. a follows b in epoch 6 and asks with its last epoch, 5: b answers with
   * epoch 4, ending at 9, which a never had. Cutting at 9 kept a's epoch-5 record at offset 8, where
   * b holds its epoch-4 record, and b gave the same answer at every fetch. a must cut to the end of
   * its own largest epoch below 4 (epoch 3, at 8) and ask again with that epoch.
   */
  @Test
  void aFollowerLackingTheEpochTheLeaderAnswersCutsToItsOwnEarlierEpochAndAsksAgain() throws Exception {
    commonHistoryInEpochsZeroToThree();
    leadAloneAndAppend(a, "a", 5, "a8", "a9", "a10");
    leadAloneAndAppend(b, "b", 4, "b8");
    leadAloneAndAppend(b, "b", 6, "b9", "b10");

    a.becomeFollower(led("b", 6, List.of("b")));
    Replica.FetchAnswer answer = fetch(b, "a", a);

    assertThat(answer.error()).isEqualTo(Replica.FetchAnswer.Error.DIVERGING);
    assertThat(answer.divergingEpoch()).isEqualTo(4);
    assertThat(answer.divergingEndOffset()).isEqualTo(9);
    assertThat(a.log().logEndOffset()).as("a's epoch 5 starts at 8: nothing of it may stay").isEqualTo(8);
    assertThat(a.log().latestEpoch()).isEqualTo(3);
    assertCatchesUpToAnIdenticalLog();
  }

  /**
   * The KIP-279 step repeated: after epochs 0..3 in common, a led in epochs 5 and 7, b in 4, 6 and
   * 8, each epoch one the other never had. Asked with 7, b answers 6 (to 11); a cuts its epoch 7
   * (to 9) and asks with 5; b answers 4 (to 9); a cuts its epoch 5 (to 8) and asks with 3, which
   * both have.
   */
  @Test
  void aFollowerWalksDownEpochByEpochToTheLastCommonOne() throws Exception {
    commonHistoryInEpochsZeroToThree();
    leadAloneAndAppend(a, "a", 5, "a8");
    leadAloneAndAppend(a, "a", 7, "a9");
    leadAloneAndAppend(b, "b", 4, "b8");
    leadAloneAndAppend(b, "b", 6, "b9", "b10");
    leadAloneAndAppend(b, "b", 8, "b11");

    a.becomeFollower(led("b", 8, List.of("b")));
    Replica.FetchAnswer first = fetch(b, "a", a);
    assertThat(List.of(first.divergingEpoch(), first.divergingEndOffset())).containsExactly(6, 11L);
    assertThat(a.log().logEndOffset()).isEqualTo(9);
    Replica.FetchAnswer second = fetch(b, "a", a);
    assertThat(List.of(second.divergingEpoch(), second.divergingEndOffset())).containsExactly(4, 9L);
    assertThat(a.log().logEndOffset()).isEqualTo(8);
    assertThat(a.log().latestEpoch()).isEqualTo(3);
    assertCatchesUpToAnIdenticalLog();
  }

  /**
   * With no common epoch (every epoch a holds is older than b's whole history), a is cut to where
   * b's history starts: here b's log start, for b started over there (as after retention emptied
   * its leader's log), knowing no epoch before its own 5.
   */
  @Test
  void withNoCommonEpochTheFollowerIsCutToWhereTheLeadersHistoryStarts() throws Exception {
    commonHistoryInEpochsZeroToThree();
    leadAloneAndAppend(a, "a", 4, "a8");
    b.log().truncateFullyAndStartAt(8).get(10, TimeUnit.SECONDS);
    leadAloneAndAppend(b, "b", 5, "b8");

    a.becomeFollower(led("b", 5, List.of("b")));
    Replica.FetchAnswer answer = fetch(b, "a", a);

    assertThat(answer.error()).isEqualTo(Replica.FetchAnswer.Error.DIVERGING);
    assertThat(answer.divergingEpoch()).as("b knows no epoch at or below 4: a's own, ending where b's history starts")
        .isEqualTo(4);
    assertThat(answer.divergingEndOffset()).isEqualTo(8);
    assertThat(a.log().logEndOffset()).isEqualTo(8);
    assertThat(fetch(b, "a", a).error()).isEqualTo(Replica.FetchAnswer.Error.NONE);
    assertThat(TestStores.values(a.log().read(8, 1024, Long.MAX_VALUE).records())).containsExactly("b8");
  }

  /**
   * a fetches from b until an answer brings no record and nothing diverges (a bounded number of
   * rounds); a's log end never drops below the common 8 records, and both logs end with the same
   * records in the same epochs.
   */
  private void assertCatchesUpToAnIdenticalLog() throws Exception {
    for (int round = 0; round < 5 && !batches(a).equals(batches(b)); round++) {
      fetch(b, "a", a);
      assertThat(a.log().logEndOffset()).as("a never cuts the common history").isGreaterThanOrEqualTo(8);
    }
    assertThat(batches(a)).isEqualTo(batches(b));
    assertThat(logged(a)).startsWith("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7").isEqualTo(logged(b));
    Replica.FetchAnswer settled = fetch(b, "a", a);
    assertThat(settled.error()).isEqualTo(Replica.FetchAnswer.Error.NONE);
    assertThat(settled.records().hasRemaining()).isFalse();
  }

  /**
   * The epoch is recorded on the log's writer. Until it is, the new leader answers no fetch (it
   * would answer from the old history), and an append it takes meanwhile is written after the
   * record: the epoch starts where that append's records go.
   */
  @Test
  void aNewLeaderAnswersNoFetchBeforeItsEpochIsRecordedAndItsFirstAppendFollowsTheRecord() throws Exception {
    a.becomeLeader(led("a", 0, List.of("a", "b")));
    b.becomeFollower(led("a", 0, List.of("a", "b")));
    appendAsLeader(a, TestBatches.values(1, "x"));
    fetch(a, "b", b);
    a.becomeFollower(led("b", 1, List.of("a", "b")));

    CountDownLatch release = holdWriter(storeB);
    CompletableFuture<AppendResult> write;
    try {
      b.becomeLeader(led("b", 1, List.of("a", "b")));
      assertThat(b.leaderEpochRecorded()).isNotDone();
      assertThat(b.serveFetch("a", 1, 1, 0, 0, 1024).answer().error()).isEqualTo(Replica.FetchAnswer.Error.NOT_LEADER);
      write = b.appendAsLeader(TestBatches.values(1, "y"), Acks.LEADER, 1, COMMIT_TIMEOUT_MS);
    } finally {
      release.countDown();
    }
    b.leaderEpochRecorded().get(10, TimeUnit.SECONDS);
    assertThat(write.get(10, TimeUnit.SECONDS).baseOffset()).isEqualTo(1);
    assertThat(b.log().endOffsetForEpoch(0)).as("epoch 1 starts at offset 1").contains(new EpochEndOffset(0, 1));
    assertThat(fetch(b, "a", a).error()).isEqualTo(Replica.FetchAnswer.Error.NONE);
    assertThat(logged(a)).containsExactly("x", "y");
  }

  private static RecordBatch idempotent(long producerId, int sequence, String... values) {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE)
        .producer(ProducerIds.forIdempotencyKey(producerId), (short) 0, sequence);
    for (String value : values) {
      builder.append(1, null, TestBatches.utf8(value), List.of());
    }
    return builder.build();
  }
}
