package io.streamgate.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.ClusterFailoverIT.Ack;
import io.streamgate.gateway.cluster.ClusterFailoverIT.Producer;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.PartitionView;
import io.streamgate.gateway.cluster.LocalCluster.StoredRecord;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Issue #14, item 5: three real nodes, each in a network namespace of its own ({@link
 * NetworkPartition}), links cut and healed with iptables while {@link ClusterFailoverIT}'s producer
 * writes with {@code acks=all} ({@code min.insync.replicas=2}, an {@code Idempotency-Key} per
 * request, retried through every node) and a probe sends {@code acks=1} writes straight to the node
 * that is cut off. Each scenario starts a fresh cluster, cuts, heals, waits until the cluster has
 * settled, and checks: no acknowledged {@code acks=all} record lost or stored twice, the replicas'
 * files identical, and no {@code acks=1} write sent after the heal acknowledged and then lost.
 *
 * <p>It also checks the lease rules: the node cut off never acknowledges a write in its old leader
 * epoch once the majority has named another leader (two leaders at once; {@link TwoLeaderCheck},
 * which tells the node's own acknowledgements from the new leader's that it forwards), and none after
 * the heal that is then lost (stale metadata). Part of {@code mvn verify}, where the machine can make network namespaces (root, {@code
 * unshare}, {@code iptables}; skipped elsewhere, or with {@code -Dstreamgate.it.partitions=false}):
 * the controller isolated 10 s and a leader's link flapping 3 times 3 s, issue #14's two checks.
 * {@code scripts/partition-tests.sh} ({@code -Dstreamgate.it.partitions=all}) runs all four with
 * the long cuts (30 s; 5 times 4 s), repeated. One line per scenario, starting {@code PARTITION-SCENARIO},
 * gives the figures.
 */
@DisabledIfSystemProperty(named = "streamgate.it.partitions", matches = "false")
class NetworkPartitionIT {
  private static final String TOPIC = "acks-all";
  private static final String PROBE_TOPIC = "probe";
  private static final int PARTITIONS = 3;
  private static final Duration CUT = Duration.ofSeconds(Long.getLong("streamgate.it.partition-cut-s", 10));
  /** How often, and for how long each time, the flapping link is cut. */
  private static final int FLAPS = Integer.getInteger("streamgate.it.partition-flaps", 3);
  private static final Duration FLAP = Duration.ofSeconds(Long.getLong("streamgate.it.partition-flap-s", 3));
  /** How long the probe goes on writing to the node after the heal: a rejoined node acting on stale metadata. */
  private static final Duration PROBE_AFTER_HEAL = Duration.ofSeconds(5);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);

  /**
   * Which node's link to the cut-off leader flaps: {@code next} (the default), the next node by index, the controller
   * or not as it happens; {@code controller}, the controller (the metadata log's leader), through which the leader's
   * lease renewals go, so that its lease lapses and the majority takes over (the CI run of 2026-12-07).
   */
  private static final String FLAP_PEER = System.getProperty("streamgate.it.flap-peer", "next");

  /** How a scenario cuts the network, given the node it is about and the controller; returns when the network is whole again. */
  private interface Cut {
    void run(NetworkPartition network, Node victim, Node controller) throws Exception;
  }

  @Test
  @EnabledIfSystemProperty(named = "streamgate.it.partitions", matches = "all")
  void leaderIsolated() {
    scenario("leader-isolated", Role.LEADER, (network, victim, controller) -> {
      network.isolate(victim.index);
      NetworkPartition.hold(CUT);
      network.heal();
    });
  }

  @Test
  void controllerIsolated() {
    scenario("controller-isolated", Role.CONTROLLER, (network, victim, controller) -> {
      network.isolate(victim.index);
      NetworkPartition.hold(CUT);
      network.heal();
    });
  }

  @Test
  @EnabledIfSystemProperty(named = "streamgate.it.partitions", matches = "all")
  void threeWaySplit() {
    scenario("three-way-split", Role.LEADER, (network, victim, controller) -> {
      network.split(Set.of(0), Set.of(1), Set.of(2));
      NetworkPartition.hold(CUT);
      network.heal();
    });
  }

  @Test
  void flappingLinkBetweenLeaderAndFollower() {
    scenario("flapping-link", Role.LEADER, (network, victim, controller) -> network.flap(victim.index,
        "controller".equals(FLAP_PEER) ? controller.index : (victim.index + 1) % 3, FLAPS, FLAP, FLAP));
  }

  private enum Role {
    LEADER,
    CONTROLLER
  }

  @BeforeAll
  static void networkNamespacesCanBeMade() {
    assumeTrue(NetworkPartition.available(), "needs root, unshare, nsenter, ip and iptables");
  }

  private void scenario(String name, Role role, Cut cut) {
    assertTimeoutPreemptively(Duration.ofMinutes(6), () -> {
      try (NetworkPartition network = new NetworkPartition(3);
          // Without auto-rebalance: a preferred-leader move right after the heal is a voluntary move,
          // whose short overlap can lose an acks=1 write (docs/replication.md, known gaps) and is no
          // partition's doing.
          LocalCluster cluster = new LocalCluster("partition-" + name, 3, network, "--auto-rebalance", "false")) {
        run(name, role, cut, network, cluster);
      }
    });
  }

  private void run(String name, Role role, Cut cut, NetworkPartition network, LocalCluster cluster) throws Exception {
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
    cluster.createTopic(cluster.node(0), PROBE_TOPIC, PARTITIONS, 3, Map.of());
    cluster.awaitSettled(TOPIC, PARTITIONS, Duration.ofSeconds(60));
    cluster.awaitSettled(PROBE_TOPIC, PARTITIONS, Duration.ofSeconds(60));

    String controllerId = cluster.controllerId().orElseThrow(() -> new AssertionError("no controller"));
    // A leader that is not the controller too (the controller is also a preferred leader), so the two roles are cut apart.
    String victimId = role == Role.CONTROLLER ? controllerId : cluster.topic(TOPIC).partitions().stream()
        .map(PartitionView::leader).filter(leader -> !controllerId.equals(leader)).findFirst()
        .orElseThrow(() -> new AssertionError("the controller " + controllerId + " leads every partition"));
    Node victim = cluster.node(victimId);
    List<Integer> led = cluster.topic(TOPIC).partitions().stream().filter(v -> victimId.equals(v.leader()))
        .map(PartitionView::partition).toList();
    int probePartition = cluster.topic(PROBE_TOPIC).partitions().stream().filter(v -> victimId.equals(v.leader()))
        .map(PartitionView::partition).findFirst()
        .orElseThrow(() -> new AssertionError(victimId + " leads no partition of " + PROBE_TOPIC));

    Producer producer = new Producer(cluster, TOPIC, PARTITIONS);
    Probe probe = new Probe(victim, probePartition);
    TakeoverWatch takeover = new TakeoverWatch(cluster, victimId, led, probePartition);
    long cutAt;
    long healedAt;
    producer.start();
    try {
      await(producer, "first acknowledged write to every partition");
      probe.start();
      NetworkPartition.hold(Duration.ofSeconds(2)); // some writes before the cut
      cutAt = System.nanoTime();
      takeover.start();
      System.out.printf("%s: cutting at %tT.%<tL; %s (%s, leader of %s; controller %s); probe to its partition %d of %s%n",
          name, System.currentTimeMillis(), victimId, role, led, controllerId, probePartition, PROBE_TOPIC);
      cut.run(network, victim, cluster.node(controllerId));
      healedAt = System.nanoTime();
      takeover.stop(); // a new leader described after the heal is no takeover by a majority
      System.out.printf("%s: healed at %tT.%<tL (%d ms after the cut)%n", name, System.currentTimeMillis(),
          TimeUnit.NANOSECONDS.toMillis(healedAt - cutAt));
      NetworkPartition.hold(PROBE_AFTER_HEAL);
      probe.stop();
      await(producer, "an acknowledged write to every partition after the heal", healedAt);
    } finally {
      takeover.stop();
      probe.stop();
      producer.stop();
    }

    cluster.awaitInSync(TOPIC, PARTITIONS, SETTLE_TIMEOUT);
    cluster.awaitInSync(PROBE_TOPIC, PARTITIONS, SETTLE_TIMEOUT);

    // acks=all: what every acknowledgement promised, over HTTP (through node-0, from each leader).
    List<String> problems = new ArrayList<>();
    List<List<StoredRecord>> storedByPartition = new ArrayList<>();
    int lost = 0;
    int duplicated = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      List<StoredRecord> stored = cluster.readPartition(cluster.node(0), TOPIC, p);
      storedByPartition.add(stored);
      problems.addAll(ClusterFailoverIT.problems("HTTP read via node-0", p, stored, producer));
      lost += lostDetails(producer.acks(p), stored, cutAt, healedAt).size();
      duplicated += stored.size() - (int) stored.stream().map(StoredRecord::value).distinct().count();
    }
    // acks=1: the probes the cut-off node acknowledged that are not where it said.
    List<StoredRecord> probed = cluster.readPartition(cluster.node(0), PROBE_TOPIC, probePartition);
    List<Ack> probeAcks = probe.acks();
    int probeLost = lostDetails(probeAcks, probed, cutAt, healedAt).size();
    int probeLostAfterHeal = lostDetails(probeAcks.stream().filter(a -> a.sentAtNanos() >= healedAt).toList(), probed, cutAt, healedAt)
        .size();

    // The client's view of the takeover: the first acks=all write, sent after the cut, acknowledged on a partition the victim led.
    Optional<Long> firstAckMs = led.stream().map(p -> producer.firstAckSentAfter(p, cutAt)).flatMap(Optional::stream)
        .map(a -> TimeUnit.NANOSECONDS.toMillis(a.ackedAtNanos() - cutAt)).min(Long::compare);
    Optional<Long> newLeadersMs = takeover.describedAtNanos().map(t -> TimeUnit.NANOSECONDS.toMillis(t - cutAt));

    cluster.stopAll();
    // Two leaders: the cut-off node acknowledged writes in its old epoch after the majority had described another
    // leader of the probed partition. Each acknowledgement is attributed by the epoch stamped on its batch: a 200
    // from the cut-off node after the takeover may be the new leader's, forwarded (TwoLeaderCheck).
    TwoLeaderCheck.Verdict twoLeaders = TwoLeaderCheck.check(probeAcks,
        cluster.readEpochsFromDisk(cluster.node(0), PROBE_TOPIC, probePartition), cutAt, healedAt,
        takeover.probeSupersededAtNanos());
    Optional<Long> lastProbeAckMs = twoLeaders.lastOldLeadershipAckNanos().map(t -> TimeUnit.NANOSECONDS.toMillis(t - cutAt));
    Optional<Long> twoLeadersMs = twoLeaders.twoLeadersNanos().map(TimeUnit.NANOSECONDS::toMillis);
    Optional<Long> probeTakeoverMs = takeover.probeSupersededAtNanos().map(t -> TimeUnit.NANOSECONDS.toMillis(t - cutAt));
    List<String> diskProblems = ClusterFailoverIT.diskProblems(cluster, TOPIC, PARTITIONS, producer);
    System.out.printf(Locale.ROOT, "PARTITION-SCENARIO %s victim=%s(%s) acknowledged=%d lost=%d duplicated=%d "
        + "acks1-answered-during-cut=%d acks1-acknowledged-during-cut=%d acks1-old-leadership-epoch=%s acks1-lost=%d "
        + "acks1-lost-sent-after-heal=%d "
        + "majority-new-leader-ms=%s probe-new-leader-ms=%s first-acks-all-after-cut-ms=%s old-leader-last-acks1-ack-ms=%s "
        + "two-leaders-ms=%s two-leaders-acks=%d ambiguous-acks=%d replicas-identical=%s unexpected-answers=%d%n", name, victimId,
        role, producer.totalAcks(), lost, duplicated,
        probeAcks.stream().filter(a -> a.sentAtNanos() >= cutAt && a.ackedAtNanos() < healedAt).count(),
        twoLeaders.oldLeadership().stream().filter(a -> a.ackedAtNanos() < healedAt).count(),
        twoLeaders.oldEpoch().map(String::valueOf).orElse("unknown"), probeLost, probeLostAfterHeal, text(newLeadersMs),
        text(probeTakeoverMs), text(firstAckMs), text(lastProbeAckMs), text(twoLeadersMs), twoLeaders.overlapping().size(),
        twoLeaders.ambiguous().size(), diskProblems.isEmpty() ? "yes" : "no", producer.unexpectedAnswers().size());
    for (int p = 0; p < PARTITIONS; p++) {
      lostDetails(producer.acks(p), storedByPartition.get(p), cutAt, healedAt).forEach(l -> System.out.println("LOST acks=all " + l));
    }
    lostDetails(probeAcks, probed, cutAt, healedAt).forEach(l -> System.out.println("LOST acks=1 probe " + l));
    twoLeaders.overlapping().forEach(a -> System.out.println("TWO LEADERS acks=1 probe " + timing(a, cutAt)));
    twoLeaders.ambiguous().forEach(a -> System.out.println("AMBIGUOUS acks=1 probe " + timing(a, cutAt)));

    List<String> all = new ArrayList<>(problems);
    all.addAll(diskProblems);
    // Not 200, not a retriable 503/429, not a dropped connection: outside the contract, cut network or not.
    producer.unexpectedAnswers().forEach(answer -> all.add("unexpected answer to the acks=all producer: " + answer));
    // acks=1 writes the cut-off leader acknowledged before its lease ran out are lost, as acks=1
    // writes are when a leader fails (they are counted, not refused); any later one would be a
    // second leader or stale metadata.
    if (probeLostAfterHeal > 0) {
      all.add(String.format("%d acks=1 write(s) sent after the heal through %s acknowledged and lost", probeLostAfterHeal,
          victimId));
    }
    if (!twoLeaders.overlapping().isEmpty()) {
      all.add(String.format("%s acknowledged %d acks=1 write(s) in its old epoch %s, sent after the majority had named "
          + "another leader, for up to %d ms after", victimId, twoLeaders.overlapping().size(),
          twoLeaders.oldEpoch().map(String::valueOf).orElse("(unknown)"), twoLeadersMs.orElse(0L)));
    }
    ClusterFailoverIT.assertNoProblems(name + ": acknowledged acks=all records over HTTP, the replicas' files, acks=1 probes", all);
  }

  private static String timing(Ack a, long cutAt) {
    return String.format(Locale.ROOT, "p%d %s %s: sent %+d ms, acknowledged %+d ms from the cut", a.partition(), a, a.value(),
        TimeUnit.NANOSECONDS.toMillis(a.sentAtNanos() - cutAt), TimeUnit.NANOSECONDS.toMillis(a.ackedAtNanos() - cutAt));
  }

  private static String text(Optional<Long> ms) {
    return ms.map(String::valueOf).orElse("none");
  }

  /** Acknowledged records not stored at their acknowledged offset, with when they were sent and acknowledged. */
  private static List<String> lostDetails(List<Ack> acks, List<StoredRecord> stored, long cutAt, long healedAt) {
    Map<Long, String> valueAt = new HashMap<>();
    stored.forEach(r -> valueAt.put(r.offset(), r.value()));
    return acks.stream().filter(a -> !a.value().equals(valueAt.get(a.offset())))
        .map(a -> String.format(Locale.ROOT, "p%d %s %s: sent %+d ms, acknowledged %+d ms from the cut (heal at %+d ms); offset holds %s",
            a.partition(), a, a.value(), TimeUnit.NANOSECONDS.toMillis(a.sentAtNanos() - cutAt),
            TimeUnit.NANOSECONDS.toMillis(a.ackedAtNanos() - cutAt), TimeUnit.NANOSECONDS.toMillis(healedAt - cutAt),
            valueAt.get(a.offset())))
        .toList();
  }

  private static void await(Producer producer, String description) {
    await(producer, description, Long.MIN_VALUE);
  }

  /** Until every partition has an acknowledgement of an attempt sent at or after {@code sentAfterNanos}. */
  private static void await(Producer producer, String description, long sentAfterNanos) {
    org.awaitility.Awaitility.await(description).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          for (int p = 0; p < PARTITIONS; p++) {
            if (sentAfterNanos == Long.MIN_VALUE ? producer.acks(p).isEmpty() : producer.firstAckSentAfter(p, sentAfterNanos).isEmpty()) {
              return false;
            }
          }
          return true;
        });
  }

  /**
   * From the cut to the heal: asks the nodes other than the cut-off one, every 100 ms, for the
   * topic's leaders, until one describes every partition the cut-off node led with another leader: when the majority
   * took over, as the cluster says it. The same for the probed partition of the probe topic, described with another
   * leader or none (either is a later epoch than the one the cut-off node led in): from then on, an acknowledgement
   * the cut-off node made in its old epoch is a second leader's.
   */
  private static final class TakeoverWatch {
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Long describedAtNanos;
    private volatile Long probeSupersededAtNanos;

    TakeoverWatch(LocalCluster cluster, String victimId, List<Integer> led, int probePartition) {
      this.thread = new Thread(() -> {
        while (!stopping && ((describedAtNanos == null && !led.isEmpty()) || probeSupersededAtNanos == null)) {
          for (Node node : cluster.nodes()) {
            if (node.id.equals(victimId)) {
              continue;
            }
            try {
              if (describedAtNanos == null && !led.isEmpty()) {
                LocalCluster.TopicView view = describe(cluster, node, TOPIC);
                if (view != null
                    && led.stream().allMatch(p -> view.partition(p).leader() != null && !victimId.equals(view.partition(p).leader()))) {
                  describedAtNanos = System.nanoTime();
                }
              }
              if (probeSupersededAtNanos == null) {
                LocalCluster.TopicView view = describe(cluster, node, PROBE_TOPIC);
                if (view != null && !victimId.equals(view.partition(probePartition).leader())) {
                  probeSupersededAtNanos = System.nanoTime();
                }
              }
            } catch (IOException noAnswer) {
              // asked again at the next turn
            } catch (InterruptedException e) {
              return;
            }
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // polling pace
        }
      }, "takeover-watch");
    }

    /** The topic as the node describes it, or null if it answers otherwise than 200. */
    private static LocalCluster.TopicView describe(LocalCluster cluster, Node node, String topic)
        throws IOException, InterruptedException {
      HttpResponse<String> response = cluster.get(node, "/v1/topics/" + topic, Duration.ofSeconds(1));
      return response.statusCode() == 200 ? LocalCluster.TopicView.of(LocalCluster.JSON.readTree(response.body())) : null;
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stopping = true;
      thread.join(5_000);
    }

    Optional<Long> describedAtNanos() {
      return Optional.ofNullable(describedAtNanos);
    }

    /** When a node of the majority first described the probed partition with a leader other than the cut-off node. */
    Optional<Long> probeSupersededAtNanos() {
      return Optional.ofNullable(probeSupersededAtNanos);
    }
  }

  /**
   * One record per request with {@code acks=1}, straight to one node (no retry elsewhere), for one
   * partition, every 50 ms: what a cut-off leader acknowledges, and whether it survives the heal.
   */
  private static final class Probe {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private final Node node;
    private final int partition;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;

    Probe(Node node, int partition) {
      this.node = node;
      this.partition = partition;
      this.thread = new Thread(this::probe, "probe-" + node.id);
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stopping = true;
      thread.join(REQUEST_TIMEOUT.toMillis() * 3);
    }

    List<Ack> acks() {
      return acks;
    }

    private void probe() {
      String run = Long.toString(System.currentTimeMillis(), 36);
      for (long seq = 0; !stopping; seq++) {
        String key = "probe-" + run + "-" + seq;
        String value = "{\"probe\":\"" + key + "\"}";
        String body = "{\"records\":[{\"key\":\"" + key + "\",\"partition\":" + partition + ",\"value\":" + value + "}]}";
        long sentAt = System.nanoTime();
        try {
          HttpResponse<String> response = http.send(HttpRequest.newBuilder(node.uri("/v1/topics/" + PROBE_TOPIC
              + "/records?acks=1")).timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200) {
            JsonNode offset = LocalCluster.JSON.readTree(response.body()).path("offsets").path(0);
            acks.add(new Ack(partition, offset.path("offset").asLong(), seq, key, value, node.id, 1, sentAt, System.nanoTime()));
          }
        } catch (IOException refusedOrTimedOut) {
          // not acknowledged: nothing was promised
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // pacing
      }
    }
  }
}
