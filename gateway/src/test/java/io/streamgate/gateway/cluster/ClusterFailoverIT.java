package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.LocalCluster.DiskRecord;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.PartitionView;
import io.streamgate.gateway.cluster.LocalCluster.StoredRecord;
import io.streamgate.gateway.cluster.LocalCluster.TopicView;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #4, item 8, and issue #12, item 1: three real nodes; a topic with replication factor 3 and
 * {@code min.insync.replicas=2}; one producer per partition writes continuously with {@code acks=all},
 * a batch of {@value #RECORDS_PER_REQUEST} records per request, each request with its own {@code
 * Idempotency-Key}, retrying the same request (possibly on another node) until it is acknowledged. Meanwhile the test SIGKILLs the leader of partition 0 and the controller
 * in alternate rounds and restarts them. Afterwards every acknowledged record must be stored exactly
 * once at its acknowledged offset, every node must answer the same, and the replicas' files must
 * hold identical record sequences. Failover times (kill → first acknowledged write, sent after the
 * kill, to a partition the killed node led) go to {@code target/failover-times.txt}.
 */
class ClusterFailoverIT {
  private static final String TOPIC = "failover";
  private static final int PARTITIONS = 3;
  private static final int ROUNDS = Integer.getInteger("streamgate.it.failover-rounds", 2);
  /** Records per produce request: a retry must store all of them once, or none. */
  static final int RECORDS_PER_REQUEST = 4;
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(45);
  private static final Duration REJOIN_TIMEOUT = Duration.ofSeconds(90);

  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws IOException, InterruptedException {
    cluster = new LocalCluster("failover", 3);
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
    awaitSettled(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void acknowledgedWritesSurviveRepeatedLeaderAndControllerKills() {
    // A safety net that grows with the rounds (scripts/chaos-idempotent.sh asks for many); the waits
    // inside are bounded far below it.
    assertTimeoutPreemptively(Duration.ofMinutes(2 + ROUNDS), this::killRoundsThenCheckEveryReplica);
  }

  private void killRoundsThenCheckEveryReplica() throws Exception {
    List<Round> rounds = new ArrayList<>();
    Producer producer = new Producer(cluster);
    producer.start();
    try {
      for (int p = 0; p < PARTITIONS; p++) {
        int partition = p;
        awaitProducer(producer, "first acknowledged write to partition " + p, Duration.ofSeconds(30),
            () -> producer.acks(partition).size() > 0);
      }
      for (int r = 1; r <= ROUNDS; r++) {
        rounds.add(killAndRestart(r, r % 2 == 1 ? "leader of partition 0" : "controller", producer));
      }
    } finally {
      producer.stop();
    }
    writeFailoverTimes(rounds);
    System.out.printf("producer: %d acknowledged records (%d per request); %s%n", producer.totalAcks(), RECORDS_PER_REQUEST,
        producer.failureSummary());

    // Settled: every replica back in every ISR, and every node agreeing on the end of every partition.
    awaitSettled(Duration.ofSeconds(90));
    await("every node reports the same latest offsets").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      List<List<Long>> ends = new ArrayList<>();
      for (Node node : cluster.nodes()) {
        TopicView view = TopicView.of(cluster.getJson(node, "/v1/topics/" + TOPIC));
        ends.add(view.partitions().stream().map(PartitionView::latestOffset).toList());
      }
      return ends.stream().distinct().count() == 1;
    });

    List<String> httpProblems = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      List<StoredRecord> fromNode0 = cluster.readPartition(cluster.node(0), TOPIC, p);
      httpProblems.addAll(problems("HTTP read via node-0", p, fromNode0, producer));
      for (Node node : cluster.nodes().subList(1, cluster.nodes().size())) {
        List<StoredRecord> fromNode = cluster.readPartition(node, TOPIC, p);
        if (!fromNode.equals(fromNode0)) {
          httpProblems.add(String.format("HTTP read p%d: %s answers %d records, node-0 %d; first difference: %s", p, node.id,
              fromNode.size(), fromNode0.size(), firstDifference(fromNode0, fromNode)));
        }
      }
    }
    assertNoProblems("records read over HTTP after the cluster settled", httpProblems);

    // The replicas' files, read with the log store itself after a clean stop.
    cluster.stopAll();
    List<String> diskProblems = diskProblems(cluster, TOPIC, PARTITIONS, producer);
    assertNoProblems("the replicas' files after a clean stop", diskProblems);

    assertThat(producer.unexpectedAnswers()).as("answers outside the contract (not 200, not a retriable 503/429, not a "
        + "connection failure) while nodes were killed").isEmpty();
  }

  // ---------------------------------------------------------------------------------------------- rounds

  private record Round(int number, String role, String killedId, List<String> roles, long electedMs,
      Map<Integer, Long> failoverMsByPartition,
      long allPartitionsWritableMs, long rejoinMs) {}

  private Round killAndRestart(int number, String role, Producer producer) throws IOException {
    awaitSettled(Duration.ofSeconds(60)); // each round starts from the steady state, leaders where auto-rebalance puts them
    String victimId;
    if (role.equals("controller")) {
      victimId = cluster.controllerId().orElseThrow(() -> new AssertionError("no node says it is the controller: "
          + cluster.getJsonFromAnyNode("/v1/cluster")));
    } else {
      victimId = Optional.ofNullable(cluster.topic(TOPIC).partition(0).leader())
          .orElseThrow(() -> new AssertionError("partition 0 has no leader: " + cluster.topic(TOPIC).json()));
    }
    TopicView before = cluster.topic(TOPIC);
    List<Integer> led = before.partitions().stream().filter(v -> victimId.equals(v.leader())).map(PartitionView::partition).toList();
    List<String> roles = new ArrayList<>();
    led.forEach(p -> roles.add("leader of " + p));
    if (cluster.controllerId().filter(victimId::equals).isPresent()) {
      roles.add("controller");
    }
    Node victim = cluster.node(victimId);

    long killedAt = System.nanoTime();
    cluster.kill(victim.index);
    // When the cluster itself had new leaders, apart from when clients got through. Short timeouts: a description
    // asked for while a leader is unreachable may hang, and the next one, asked of another node, may not.
    await("round " + number + ": new leaders for " + led + " after " + victimId + " was killed").atMost(FAILOVER_TIMEOUT)
        .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
          TopicView view = TopicView.of(cluster.getJsonFromAnyNode("/v1/topics/" + TOPIC, Duration.ofSeconds(1)));
          return led.stream().allMatch(p -> view.partition(p).leader() != null && !victimId.equals(view.partition(p).leader()));
        });
    long electedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    Map<Integer, Long> ackedAfterKillMs = new java.util.TreeMap<>();
    Map<Integer, Ack> firstAcks = new java.util.TreeMap<>();
    awaitProducer(producer, "round " + number + ": every partition takes acknowledged writes again after " + victimId + " ("
        + roles + ") was killed", FAILOVER_TIMEOUT, () -> {
          for (int p = 0; p < PARTITIONS; p++) {
            if (!ackedAfterKillMs.containsKey(p)) {
              producer.firstAckSentAfter(p, killedAt).ifPresent(ack -> {
                ackedAfterKillMs.put(ack.partition(), TimeUnit.NANOSECONDS.toMillis(ack.ackedAtNanos() - killedAt));
                firstAcks.put(ack.partition(), ack);
              });
            }
          }
          return ackedAfterKillMs.size() == PARTITIONS;
        });
    Map<Integer, Long> failover = new LinkedHashMap<>();
    led.forEach(p -> failover.put(p, ackedAfterKillMs.get(p)));
    long allWritable = ackedAfterKillMs.values().stream().mapToLong(Long::longValue).max().orElse(0);

    long restartAt = System.nanoTime();
    cluster.start(victim.index);
    cluster.awaitTopic(TOPIC, "round " + number + ": " + victimId + " back in the ISR of every partition", REJOIN_TIMEOUT,
        view -> view.partitions().stream().allMatch(v -> v.isr().contains(victimId)));
    long rejoinMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartAt);
    Round round = new Round(number, role, victimId, roles, electedMs, failover, allWritable, rejoinMs);
    System.out.printf("round %d: killed %s (%s) at %tT.%<tL; new leaders described after %d ms; failover ms by partition it led %s; "
        + "first write acknowledged after the kill, ms by partition %s; restarted and back in every ISR after %d ms%n", number,
        victimId, roles, System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), electedMs,
        failover, ackedAfterKillMs, rejoinMs);
    firstAcks.forEach((p, ack) -> System.out.printf("  p%d: %s; attempts of that seq: %s%n", p, ack,
        producer.attemptHistory(p, ack.seq())));
    return round;
  }

  /** Awaits a condition on what the producer saw; on timeout, fails with the producer's failures and the topic as the cluster describes it. */
  private static void awaitProducer(Producer producer, String description, Duration timeout,
      java.util.concurrent.Callable<Boolean> condition) {
    try {
      await(description).atMost(timeout).pollInterval(Duration.ofMillis(20)).until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String view;
      try {
        view = cluster.topic(TOPIC).json().toString() + " cluster " + cluster.getJsonFromAnyNode("/v1/cluster");
      } catch (RuntimeException | AssertionError describeFailed) {
        view = "(no description: " + describeFailed.getMessage() + ")";
      }
      List<String> unexpected = producer.unexpectedAnswers();
      throw new AssertionError(description + ": not within " + timeout + "; acknowledged per partition "
          + producer.ackCounts() + "; " + producer.failureSummary() + "; last unexpected answers "
          + unexpected.subList(Math.max(0, unexpected.size() - 5), unexpected.size()) + "; topic " + view, e);
    }
  }

  private static void writeFailoverTimes(List<Round> rounds) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# round, role killed for, node, its roles, ms until new leaders were described, failover ms per partition it "
        + "led (kill to first acknowledged write sent after it), ms until every partition was writable, ms from restart to back "
        + "in every ISR");
    List<Long> all = new ArrayList<>();
    for (Round r : rounds) {
      lines.add(String.format(Locale.ROOT, "%d\t%s\t%s\t%s\t%d\t%s\t%d\t%d", r.number(), r.role(), r.killedId(), r.roles(),
          r.electedMs(), r.failoverMsByPartition(), r.allPartitionsWritableMs(), r.rejoinMs()));
      all.addAll(r.failoverMsByPartition().values());
    }
    all.sort(null);
    List<Long> elected = rounds.stream().map(Round::electedMs).sorted().toList();
    if (!elected.isEmpty()) {
      lines.add(String.format(Locale.ROOT, "# new leaders described: n=%d median=%d ms max=%d ms", elected.size(),
          elected.get(elected.size() / 2), elected.get(elected.size() - 1)));
    }
    if (!all.isEmpty()) {
      lines.add(String.format(Locale.ROOT, "# failover of led partitions: n=%d median=%d ms max=%d ms", all.size(),
          all.get(all.size() / 2), all.get(all.size() - 1)));
    }
    Files.write(Path.of("target", "failover-times.txt"), lines);
    lines.forEach(System.out::println);
  }

  private static void awaitSettled(Duration timeout) {
    cluster.awaitSettled(TOPIC, PARTITIONS, timeout);
  }

  // ---------------------------------------------------------------------------------------------- checks

  /**
   * What is wrong with the replicas' files of every partition of {@code topic} on the stopped
   * {@code cluster}: a node without a replica, a replica that differs from node-0's, and node-0's
   * records against what {@code producer} was told ({@link #problems}). Empty when all is well.
   */
  static List<String> diskProblems(LocalCluster cluster, String topic, int partitions, Producer producer) {
    List<Map<String, List<DiskRecord>>> replicas = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      replicas.add(new LinkedHashMap<>());
    }
    List<String> diskProblems = new ArrayList<>();
    for (Node node : cluster.nodes()) {
      List<List<DiskRecord>> onDisk = cluster.readFromDisk(node, topic, partitions);
      for (int p = 0; p < partitions; p++) {
        if (onDisk.get(p) == null) {
          diskProblems.add(String.format("on disk p%d: %s holds no replica", p, node.id));
        } else {
          replicas.get(p).put(node.id, onDisk.get(p));
        }
      }
    }
    for (int p = 0; p < partitions; p++) {
      List<DiskRecord> reference = replicas.get(p).get("node-0");
      if (reference == null) {
        continue;
      }
      for (Map.Entry<String, List<DiskRecord>> replica : replicas.get(p).entrySet()) {
        if (!replica.getValue().equals(reference)) {
          diskProblems.add(String.format("on disk p%d: %s holds %d records, node-0 %d; first difference: %s", p, replica.getKey(),
              replica.getValue().size(), reference.size(), firstDifference(reference, replica.getValue())));
        }
      }
      diskProblems.addAll(problems("on disk of node-0", p, reference.stream()
          .map(d -> new StoredRecord(d.offset(), d.keyText(), normalized(d.valueText()))).toList(), producer));
    }
    return diskProblems;
  }

  /**
   * What is wrong with a partition's records against what the producer was told: an acknowledged
   * record missing from its acknowledged offset, acknowledgements out of offset order, a value stored
   * twice, or a record stored that was never acknowledged (allowed only for the request in flight when
   * the producer stopped, since every other one was retried until acknowledged). Empty when all is well.
   */
  static List<String> problems(String where, int partition, List<StoredRecord> stored, Producer producer) {
    List<String> problems = new ArrayList<>();
    Map<Long, StoredRecord> byOffset = new HashMap<>();
    Map<String, List<Long>> offsetsByValue = new LinkedHashMap<>();
    for (StoredRecord r : stored) {
      byOffset.put(r.offset(), r);
      offsetsByValue.computeIfAbsent(r.value(), v -> new ArrayList<>()).add(r.offset());
    }
    List<Ack> acks = producer.acks(partition);
    Map<String, Ack> ackByValue = acks.stream().collect(Collectors.toMap(Ack::value, a -> a));
    offsetsByValue.forEach((value, offsets) -> {
      if (offsets.size() > 1) {
        Ack ack = ackByValue.get(value);
        problems.add(String.format("%s p%d: %s stored %d times, at offsets %s; acknowledged: %s; attempts: %s", where, partition,
            value, offsets.size(), offsets, ack, ack == null ? "?" : producer.attemptHistory(partition, ack.seq())));
      }
    });
    long previous = -1;
    for (Ack ack : acks) {
      if (ack.offset() <= previous) {
        problems.add(String.format("%s p%d: seq %d acknowledged at offset %d, after an earlier seq at offset %d", where, partition,
            ack.seq(), ack.offset(), previous));
      }
      previous = Math.max(previous, ack.offset());
      StoredRecord at = byOffset.get(ack.offset());
      if (at == null || !ack.key().equals(at.key()) || !ack.value().equals(at.value())) {
        problems.add(String.format("%s p%d: %s acknowledged at offset %d (%s) but offset %d holds %s; the value is stored at %s; "
            + "attempts: %s", where, partition, ack.value(), ack.offset(), ack, ack.offset(), at, offsetsByValue.get(ack.value()),
            producer.attemptHistory(partition, ack.seq())));
      }
    }
    List<String> inFlight = producer.inFlightAtStop(partition);
    for (StoredRecord r : stored) {
      if (!ackByValue.containsKey(r.value()) && !inFlight.contains(r.value())) {
        problems.add(String.format("%s p%d: %s stored but never acknowledged (in flight at stop: %s)", where, partition, r,
            inFlight));
      }
    }
    return problems;
  }

  static void assertNoProblems(String what, List<String> problems) {
    problems.forEach(p -> System.out.println("PROBLEM " + p));
    assertThat(problems).as(what + ": %d problem(s)", problems.size()).isEmpty();
  }

  /** JSON text as the HTTP read gives it back (compact), whatever spacing the node stored. */
  static String normalized(String json) {
    try {
      return json == null ? null : LocalCluster.JSON.writeValueAsString(LocalCluster.JSON.readTree(json));
    } catch (IOException e) {
      return json;
    }
  }

  static <T> String firstDifference(List<T> a, List<T> b) {
    if (a == null || b == null) {
      return "a replica is missing";
    }
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      if (!a.get(i).equals(b.get(i))) {
        return "index " + i + ": " + a.get(i) + " vs " + b.get(i);
      }
    }
    return a.size() == b.size() ? "none" : "lengths " + a.size() + " vs " + b.size();
  }

  // ---------------------------------------------------------------------------------------------- producer

  /** An acknowledged write: where it landed, and when the attempt that was acknowledged was sent and answered. */
  record Ack(int partition, long offset, long seq, String key, String value, String via, int attempts, long sentAtNanos,
      long ackedAtNanos) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "seq %d at offset %d via %s after %d attempt(s)", seq, offset, via, attempts);
    }
  }

  /**
   * One thread per partition, each sending {@value #RECORDS_PER_REQUEST} records per request with
   * {@code acks=all} and an explicit partition, and retrying the same request with the same {@code Idempotency-Key} on a
   * retriable failure, moving to the next node, until it is acknowledged.
   */
  static final class Producer {
    /** How long the producer waits for an answer before it retries elsewhere; a client's choice, so a property. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(Long.getLong("streamgate.it.request-timeout-ms", 15_000));
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private final LocalCluster cluster;
    private final String topic;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<List<Ack>> acks = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Map<Integer, List<String>> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> retriableFailures = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<String> unexpected = new CopyOnWriteArrayList<>();
    /** Per partition, for each seq that needed more than one attempt: every attempt's outcome, in order. */
    private final List<Map<Long, List<String[]>>> attempts = new ArrayList<>();
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private volatile boolean stopping;
    private volatile long stopDeadline;
    /** The nodes a retry may move to: every node, unless a test routes as a load balancer does. */
    private volatile java.util.function.Predicate<Node> routable = node -> true;

    Producer(LocalCluster cluster) {
      this(cluster, TOPIC, PARTITIONS);
    }

    Producer(LocalCluster cluster, String topic, int partitions) {
      this.cluster = cluster;
      this.topic = topic;
      for (int p = 0; p < partitions; p++) {
        acks.add(new CopyOnWriteArrayList<>());
        attempts.add(new java.util.concurrent.ConcurrentHashMap<>());
        int partition = p;
        threads.add(new Thread(() -> produce(partition), "producer-p" + p));
      }
    }

    void start() {
      threads.forEach(Thread::start);
    }

    /** A retry moves on to the next node {@code routable} accepts (the next node when it accepts none). */
    Producer routingTo(java.util.function.Predicate<Node> routable) {
      this.routable = routable;
      return this;
    }

    /**
     * Lets every thread finish its request in flight, retrying it for up to {@link #STOP_GRACE}, then
     * stops; a request given up on stays in flight (it may or may not be stored).
     */
    void stop() throws InterruptedException {
      stopDeadline = System.nanoTime() + STOP_GRACE.toNanos();
      stopping = true;
      for (Thread t : threads) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(stopDeadline - System.nanoTime()) + REQUEST_TIMEOUT.toMillis()));
        if (t.isAlive()) {
          t.interrupt();
          t.join(TimeUnit.SECONDS.toMillis(5));
        }
      }
    }

    List<Ack> acks(int partition) {
      return acks.get(partition);
    }

    List<Integer> ackCounts() {
      return acks.stream().map(List::size).toList();
    }

    int totalAcks() {
      return acks.stream().mapToInt(List::size).sum();
    }

    List<String> unexpectedAnswers() {
      return unexpected;
    }

    String failureSummary() {
      return "retriable failures: " + retriableFailures;
    }

    /** How many attempts failed, by what: an HTTP status and problem code, or a connection failure from a node. */
    Map<String, Integer> failureCounts() {
      Map<String, Integer> counts = new java.util.TreeMap<>();
      retriableFailures.forEach((what, count) -> counts.put(what, count.get()));
      return counts;
    }

    /**
     * Every attempt of {@code seq} that failed, and the acknowledged one, runs of the same outcome on
     * the same node folded into one line ("#2-#35 (34x) ... first at T").
     */
    String attemptHistory(int partition, long seq) {
      List<String[]> all = attempts.get(partition).getOrDefault(seq, List.of());
      List<String> folded = new ArrayList<>();
      for (int i = 0; i < all.size();) {
        int j = i;
        while (j + 1 < all.size() && all.get(j + 1)[2].equals(all.get(i)[2])) {
          j++;
        }
        folded.add(all.get(i)[0] + " #" + all.get(i)[1] + (j > i ? "-#" + all.get(j)[1] + " (" + (j - i + 1) + "x)" : "") + " "
            + all.get(i)[2] + (j > i ? "" : all.get(i)[3]));
        i = j + 1;
      }
      return folded.toString();
    }

    /** Records an attempt: when it was sent, and how it ended how long after. */
    private void attempt(int partition, long seq, int attempt, Node node, long sentMillis, String outcome) {
      long tookMs = System.currentTimeMillis() - sentMillis;
      attempts.get(partition).computeIfAbsent(seq, s -> new CopyOnWriteArrayList<>()).add(new String[] {
          String.format(Locale.ROOT, "sent %tT.%<tL", sentMillis), String.valueOf(attempt),
          "via " + node.id + ": " + outcome, " after " + tookMs + " ms"});
    }

    /** The values of the request that was never acknowledged because the producer stopped, if any. */
    List<String> inFlightAtStop(int partition) {
      return inFlight.getOrDefault(partition, List.of());
    }

    /** The first acknowledgement on {@code partition} of an attempt sent at or after {@code nanos}. */
    Optional<Ack> firstAckSentAfter(int partition, long nanos) {
      List<Ack> list = acks.get(partition);
      Ack first = null;
      for (int i = list.size() - 1; i >= 0 && list.get(i).ackedAtNanos() >= nanos; i--) {
        if (list.get(i).sentAtNanos() >= nanos) {
          first = list.get(i);
        }
      }
      return Optional.ofNullable(first);
    }

    private void produce(int partition) {
      List<Node> nodes = cluster.nodes();
      int target = partition % nodes.size(); // each partition's producer starts on a different node: forwarding is exercised
      for (long seq = 0; !stopping; seq++) {
        String idempotencyKey = "failover-" + run + "-p" + partition + "-" + seq;
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < RECORDS_PER_REQUEST; i++) {
          keys.add("p" + partition + "-" + seq + "-" + i);
          values.add("{\"p\":" + partition + ",\"seq\":" + seq + ",\"i\":" + i + "}");
          body.append(i == 0 ? "" : ",").append("{\"key\":\"").append(keys.get(i)).append("\",\"partition\":").append(partition)
              .append(",\"value\":").append(values.get(i)).append("}");
        }
        body.append("]}");
        inFlight.put(partition, values);
        for (int attempt = 1;; attempt++) {
          Node node = nodes.get(target);
          long sentAt = System.nanoTime();
          Optional<Long> offset = send(node, partition, body.toString(), idempotencyKey, seq, attempt);
          if (offset.isPresent()) {
            long ackedAt = System.nanoTime();
            for (int i = 0; i < RECORDS_PER_REQUEST; i++) {
              acks.get(partition).add(new Ack(partition, offset.get() + i, seq, keys.get(i), values.get(i), node.id, attempt, sentAt,
                  ackedAt));
            }
            inFlight.remove(partition);
            break;
          }
          if (Thread.currentThread().isInterrupted() || stopping && System.nanoTime() > stopDeadline) {
            return; // stopping; this seq stays in flight
          }
          target = nextRoutable(nodes, target);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // retry pacing, as a client would back off
        }
      }
    }

    private int nextRoutable(List<Node> nodes, int current) {
      for (int step = 1; step <= nodes.size(); step++) {
        int candidate = (current + step) % nodes.size();
        if (routable.test(nodes.get(candidate))) {
          return candidate;
        }
      }
      return (current + 1) % nodes.size();
    }

    /** The acknowledged offset of the request's first record, or empty after a retriable failure (recorded). */
    private Optional<Long> send(Node node, int partition, String body, String idempotencyKey, long seq, int attempt) {
      long sentMillis = System.currentTimeMillis();
      HttpRequest request = HttpRequest.newBuilder(node.uri("/v1/topics/" + topic + "/records?acks=all")).timeout(REQUEST_TIMEOUT)
          .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        count(e.getClass().getSimpleName() + " from " + node.id);
        attempt(partition, seq, attempt, node, sentMillis, e.toString());
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
      String where = String.format("p%d seq %d attempt %d via %s: HTTP %d %s", partition, seq, attempt, node.id,
          response.statusCode(), response.body());
      try {
        if (response.statusCode() == 200) {
          JsonNode offsets = LocalCluster.JSON.readTree(response.body()).path("offsets");
          for (int i = 0; i < RECORDS_PER_REQUEST; i++) {
            // One request, one batch: its records at consecutive offsets.
            if (offsets.size() != RECORDS_PER_REQUEST || offsets.get(i).path("partition").asInt(-1) != partition
                || offsets.get(i).path("offset").asLong() != offsets.get(0).path("offset").asLong() + i) {
              addUnexpected("wrong offsets in " + where);
              return Optional.empty();
            }
          }
          if (attempt > 1) {
            attempt(partition, seq, attempt, node, sentMillis, "acknowledged at " + offsets.get(0).path("offset").asLong());
          }
          return Optional.of(offsets.get(0).path("offset").asLong());
        }
        attempt(partition, seq, attempt, node, sentMillis, "HTTP " + response.statusCode() + " " + response.body());
        JsonNode problem = LocalCluster.JSON.readTree(response.body());
        boolean retriable = (response.statusCode() == 503 || response.statusCode() == 429) && problem.path("retryable").asBoolean(false);
        if (retriable) {
          count(response.statusCode() + " " + problem.path("code").asText());
        } else {
          addUnexpected(where); // retried all the same: the request may still succeed, and we keep producing
        }
      } catch (IOException e) {
        addUnexpected("unreadable answer " + where);
      }
      return Optional.empty();
    }

    private void addUnexpected(String what) {
      if (unexpected.size() < 200) { // enough to diagnose; a node answering 500 to everything would fill memory
        unexpected.add(String.format(Locale.ROOT, "%tT.%<tL %s", System.currentTimeMillis(), what));
      }
      count("unexpected");
    }

    private void count(String what) {
      retriableFailures.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }
  }
}
