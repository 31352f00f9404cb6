package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.StoredRecord;
import io.streamgate.gateway.cluster.LocalCluster.TopicView;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Consumer groups across coordinator failovers, on three real nodes. A topic of 6 partitions with
 * replication factor 3 and {@code min.insync.replicas=2} is filled, and written to throughout with
 * {@code acks=all}. Two REST members of one group consume it, each through a different node: each
 * keeps the cursor of its last answer, processes the answer's records (noting partition, offset and
 * value), then commits {@code {"cursor": ...}}; a request that fails retriably (503, connection
 * refused or reset, timeout) is sent again unchanged to another live node; a member told 404
 * {@code member-not-found} joins again and goes on with the join answer's cursor.
 *
 * <p>The nodes run without auto-rebalance, so leadership stays where a failover put it. Each round
 * SIGKILLs the group's coordinator, the leader of {@code __groups} partition {@code crc32(group) % 16}
 * (so successive rounds hit different nodes: the coordinator alone, then with the controller and a
 * member's entry node), measures the time until members poll and commit again, and restarts it.
 * Then a member stalls past its session (it is dropped, gets 404, joins again), and {@code POST
 * /v1/cluster/rebalance} moves the coordinator back in good order. Afterwards, once producing has
 * stopped and the group has no lag: every record of the topic was processed at least once; a record
 * processed twice was not committed when it was delivered again; committed offsets never went
 * backwards (across each move in particular); no two members were told they own one partition in one
 * generation; every node describes the group alike. Times go to {@code target/group-failover-times.txt}.
 *
 * <p>A second test holds a long-poll at the coordinator while its leadership moves in good order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GroupFailoverIT {
  private static final String TOPIC = "group-failover";
  private static final int PARTITIONS = 6;
  private static final String GROUP = "failover-group";
  private static final String GROUPS_TOPIC = "__groups";
  private static final int GROUPS_PARTITIONS = 16;
  /** Three by default: without auto-rebalance the coordinator moves on each kill, so the kills hit different nodes. */
  private static final int ROUNDS = Integer.getInteger("streamgate.it.group-failover-rounds", 3);
  private static final int PREFILL_PER_PARTITION = 200;
  private static final long SESSION_TIMEOUT_MS = 10_000;
  private static final int MAX_RECORDS = 100;
  private static final long POLL_WAIT_MS = 500;
  /** How long a client waits for an answer before it retries elsewhere. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RETRY_PAUSE = Duration.ofMillis(50);
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(45);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws IOException, InterruptedException {
    // Without auto-rebalance, leadership stays where a failover put it: each round's kill hits the node that
    // took over last time, and the orderly move back (POST /v1/cluster/rebalance) happens when the test says.
    cluster = new LocalCluster("group-failover", 3, "--auto-rebalance", "false");
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
    cluster.awaitSettled(TOPIC, PARTITIONS, SETTLE_TIMEOUT);
    // The first group request creates __groups (the group does not exist yet: 404).
    HttpResponse<String> describe = cluster.get(cluster.node(0), "/v1/groups/" + GROUP);
    assertThat(describe.statusCode()).as("%s", describe.body()).isEqualTo(404);
    cluster.awaitSettled(GROUPS_TOPIC, GROUPS_PARTITIONS, SETTLE_TIMEOUT);
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The {@code __groups} partition whose leader coordinates {@code group}. */
  static int coordinatorPartition(String group) {
    CRC32 crc = new CRC32();
    crc.update(group.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % GROUPS_PARTITIONS);
  }

  @Test
  @Order(1)
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a safety net; the waits inside are bounded far below it
  void membersKeepConsumingAndCommitsSurviveCoordinatorKills() throws Exception {
    Checks checks = new Checks();
    Producer producer = new Producer();
    producer.prefill();
    int groupsPartition = coordinatorPartition(GROUP);
    // Member A enters through the coordinator's node, so the first kill also cuts A's connection; B through another.
    Node coordinator = cluster.node(Optional.ofNullable(cluster.topic(GROUPS_TOPIC).partition(groupsPartition).leader())
        .orElseThrow(() -> new AssertionError(GROUPS_TOPIC + "-" + groupsPartition + " has no leader")));
    int homeOfB = coordinator.index == 0 ? 1 : 0;
    List<Member> members = List.of(new Member("A", coordinator.index, checks), new Member("B", homeOfB, checks));
    List<Round> rounds = new ArrayList<>();
    try {
      producer.start();
      members.forEach(Member::start);
      for (int r = 1; r <= ROUNDS; r++) {
        rounds.add(killCoordinator(r, groupsPartition, members, checks));
      }
      stallPastSession(members.get(1), members, checks);
      rounds.add(preferredLeadersBack(ROUNDS + 1, groupsPartition, members, checks));
      writeTimes(rounds);
      producer.stop();
      checkAfterwards(checks, producer, members);
    } finally {
      producer.stop();
      for (Member m : members) {
        m.stop();
      }
    }
  }

  private void checkAfterwards(Checks checks, Producer producer, List<Member> members) throws Exception {
    System.out.printf("producer: %d acknowledged records; %s%n", producer.totalAcks(), producer.failureSummary());

    // Drain: every partition committed up to its end.
    JsonNode[] last = new JsonNode[1];
    try {
      await("the group drains to lag 0").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
          .until(() -> {
            long sent = System.nanoTime();
            last[0] = cluster.getJsonFromAnyNode("/v1/groups/" + GROUP, Duration.ofSeconds(3));
            checks.observe(last[0], sent, System.nanoTime(), "drain");
            boolean allCommitted = true;
            for (JsonNode o : last[0].path("offsets")) {
              allCommitted &= !o.path("committed").isNull() && o.path("committed").asLong() == o.path("latest").asLong();
            }
            return last[0].path("lag").asLong(-1) == 0 && last[0].path("offsets").size() == PARTITIONS && allCommitted;
          });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the group did not drain; last description " + last[0] + "; members " + members, e);
    }
    for (Member m : members) {
      m.stop();
    }

    // Every node describes the group alike (members have stopped; sessions last long enough for this).
    Map<String, String> byNode = new TreeMap<>();
    await("every node describes " + GROUP + " alike").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> {
          byNode.clear();
          for (Node node : cluster.nodes()) {
            byNode.put(node.id, cluster.getJson(node, "/v1/groups/" + GROUP).toString());
          }
          return byNode.values().stream().distinct().count() == 1;
        });
    System.out.println("GET /v1/groups/" + GROUP + " from every node: " + byNode.values().iterator().next());

    // Every record of the topic processed at least once, with the value stored at its offset.
    List<String> problems = new ArrayList<>(checks.violations);
    long stored = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      List<StoredRecord> records = cluster.readPartition(cluster.node(0), TOPIC, p);
      stored += records.size();
      Map<Long, String> byOffset = new HashMap<>();
      for (StoredRecord r : records) {
        byOffset.put(r.offset(), r.value());
        Processed seen = checks.processed.get(key(p, r.offset()));
        if (seen == null) {
          problems.add(String.format("p%d offset %d (%s) was never processed", p, r.offset(), r.value()));
        } else if (!seen.value.equals(r.value())) {
          problems.add(String.format("p%d offset %d processed as %s but stored as %s", p, r.offset(), seen.value, r.value()));
        }
      }
      for (Map.Entry<Long, String> ack : producer.acks.get(p).entrySet()) {
        if (!ack.getValue().equals(byOffset.get(ack.getKey()))) {
          problems.add(String.format("p%d: %s acknowledged at offset %d, which holds %s", p, ack.getValue(), ack.getKey(),
              byOffset.get(ack.getKey())));
        }
      }
    }
    problems.addAll(checks.committedWentBackwards());
    long twice = checks.processed.values().stream().filter(v -> v.times.get() > 1).count();
    System.out.printf("records: %d stored, %d processed, %d of them more than once; "
        + "%d deliveries in all; rejoins after 404: %s; retried requests: %s%n", stored, checks.processed.size(), twice,
        checks.deliveries.get(), members.stream().map(m -> m.name + "=" + m.rejoins.get()).toList(), checks.retries);

    problems.forEach(p -> System.out.println("PROBLEM " + p));
    assertThat(problems).as("%d problem(s)", problems.size()).isEmpty();
    assertThat(checks.unexpected).as("answers outside the contract (not 2xx, not a retriable 503/429, not 404 "
        + "member-not-found, not a connection failure or timeout)").isEmpty();
    assertThat(stored).isGreaterThan((long) PARTITIONS * PREFILL_PER_PARTITION);

    // The members leave, and every node describes the group as empty.
    for (Member m : members) {
      m.leave();
    }
    await("every node describes " + GROUP + " as empty").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> {
          for (Node node : cluster.nodes()) {
            JsonNode d = cluster.getJson(node, "/v1/groups/" + GROUP);
            if (!d.path("state").asText().equals("Empty") || !d.path("members").isEmpty()) {
              return false;
            }
          }
          return true;
        });
  }

  /**
   * A poll waiting at the coordinator when its leadership moves in good order (here {@code POST
   * /v1/cluster/rebalance}): "a long-poll in progress keeps its member alive", so the member, which
   * polls with a timeout longer than its session, must still be a member afterwards: its waiting poll
   * is answered (or fails retriably, and the retry reaches the new coordinator), and its next poll
   * is not a 404.
   */
  @Test
  @Order(2)
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aMemberWhosePollWaitsWhileTheCoordinatorMovesStaysAMember() throws Exception {
    String group = "long-poll-group";
    String topic = "long-poll-idle";
    int groupsPartition = coordinatorPartition(group);
    cluster.createTopic(cluster.node(0), topic, 1, 3, Map.of());
    cluster.awaitInSync(topic, 1, SETTLE_TIMEOUT);
    cluster.awaitInSync(GROUPS_TOPIC, GROUPS_PARTITIONS, SETTLE_TIMEOUT);
    String preferred = cluster.topic(GROUPS_TOPIC).partition(groupsPartition).replicas().get(0);
    if (preferred.equals(coordinatorId(groupsPartition))) {
      // Without auto-rebalance, a kill and a restart leave the coordinator on another replica.
      Node node = cluster.node(preferred);
      cluster.kill(node.index);
      await("a coordinator other than " + preferred).atMost(FAILOVER_TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> {
            String leader = coordinatorId(groupsPartition);
            return leader != null && !leader.equals(preferred);
          });
      cluster.start(node.index);
      cluster.awaitInSync(GROUPS_TOPIC, GROUPS_PARTITIONS, Duration.ofSeconds(90));
      cluster.awaitInSync(topic, 1, Duration.ofSeconds(90));
    }
    String coordinator = coordinatorId(groupsPartition);
    // The member talks to the third node: its polls are forwarded to the coordinator, old and new.
    Node entry = cluster.nodes().stream().filter(n -> !n.id.equals(coordinator) && !n.id.equals(preferred)).findFirst().orElseThrow();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    Answer joined = send(http, request(entry, "/v1/groups/" + group + "/members").header("Content-Type", "application/json")
        .POST(json("{\"topics\":[\"" + topic + "\"],\"autoOffsetReset\":\"earliest\",\"sessionTimeoutMs\":2000}")).build());
    assertThat(joined.status()).as("join: %s", joined.describe()).isEqualTo(201);
    String member = joined.json().path("memberId").asText();
    String memberPath = "/v1/groups/" + group + "/members/" + member + "/records?timeoutMs=";
    String cursor = joined.json().path("cursor").asText();
    Answer first = send(http, request(entry, memberPath + "0&cursor=" + cursor).GET().build());
    assertThat(first.status()).as("first poll: %s", first.describe()).isEqualTo(200);
    cursor = first.json().path("cursor").asText();

    long pollTimeoutMs = 8000; // longer than the session: the waiting poll alone keeps the member alive
    java.util.concurrent.CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(
        request(entry, memberPath + pollTimeoutMs + "&cursor=" + cursor).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    await("the poll waits").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> !waiting.isDone());
    long movedAt = System.nanoTime();
    HttpResponse<String> rebalanced = cluster.post(cluster.node(preferred), "/v1/cluster/rebalance", Map.of());
    assertThat(rebalanced.statusCode()).as("POST /v1/cluster/rebalance: %s", rebalanced.body()).isEqualTo(200);
    await("the coordinator moves from " + coordinator + " to " + preferred).atMost(FAILOVER_TIMEOUT).pollInterval(Duration.ofMillis(50))
        .ignoreExceptions().until(() -> preferred.equals(coordinatorId(groupsPartition)));
    long describedMs = millisSince(movedAt);
    // Anyone asking about the group (an operator, another member) has the new coordinator load it from the log.
    await("the new coordinator describes " + group).atMost(FAILOVER_TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> cluster.getJson(cluster.node(preferred), "/v1/groups/" + group).path("members").size() == 1);

    // As a client: the waiting poll's answer, then polls (a retriable failure retried with the same cursor) until one is answered.
    List<String> answers = new ArrayList<>();
    HttpResponse<String> waited = waiting.get(40, TimeUnit.SECONDS);
    long waitedMs = millisSince(movedAt);
    answers.add("waiting poll: " + waited.statusCode() + " after " + waitedMs + " ms from the move");
    if (waited.statusCode() == 200) {
      cursor = LocalCluster.JSON.readTree(waited.body()).path("cursor").asText();
    }
    Answer next = null;
    for (int attempt = 0; attempt < 100; attempt++) {
      next = send(http, request(entry, memberPath + "0&cursor=" + cursor).GET().build());
      answers.add("poll: " + next.describe());
      if (!next.retriable()) {
        break;
      }
      LockSupport.parkNanos(RETRY_PAUSE.toNanos());
    }
    System.out.printf("long-poll across an orderly coordinator move %s -> %s (described after %d ms): %s%n", coordinator, preferred,
        describedMs, answers);
    send(http, request(entry, "/v1/groups/" + group + "/members/" + member).DELETE().build());
    assertThat(waited.statusCode()).as("the poll waiting at %s while it stopped coordinating: %s", coordinator, waited.body())
        .isIn(200, 503);
    assertThat(waitedMs).as("ms from the move until the poll waiting at the old coordinator (for up to %d ms) was answered; %s",
        pollTimeoutMs, answers).isLessThan(pollTimeoutMs / 2);
    assertThat(next.status()).as("the member's next poll after its waiting poll was answered (%s): %s", answers, next.describe())
        .isEqualTo(200);
  }

  // ---------------------------------------------------------------------------------------------- rounds

  /**
   * One coordinator move: how it was caused, the coordinator before and after, its other roles, and
   * the milliseconds from the cause until the new coordinator was described, until the first poll and
   * the first commit sent after it were answered, and until the first commit of records delivered after
   * it; then (kills) from the restart until every replica was in sync again; and the longest pause
   * between answered polls from the cause until the end of the round.
   */
  private record Round(int number, String cause, String from, List<String> roles, String to, long describedMs, long pollMs,
      long commitMs, long recordsMs, long restartMs, long longestPollGapMs) {}

  /** Both members commit records (answers polled after now), so the group runs normally before the next move. */
  private void awaitProgress(String what, List<Member> members, Checks checks) {
    long from = System.nanoTime();
    await(what + ": both members commit records").atMost(FAILOVER_TIMEOUT).pollInterval(Duration.ofMillis(50))
        .until(() -> members.stream().allMatch(m -> checks.firstRecordsCommitted(from, m.name).isPresent()));
  }

  private static String coordinatorId(int groupsPartition) {
    return cluster.topic(GROUPS_TOPIC).partition(groupsPartition).leader();
  }

  /** {@link #describe}, asked again after a retriable 503 (a lease renewed late on a starved machine) for up to 30 s. */
  private static JsonNode describeInQuiet(Checks checks, String why) {
    JsonNode[] description = new JsonNode[1];
    await(why + ": the group described").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> {
          description[0] = describe(checks, why);
          return true;
        });
    return description[0];
  }

  private static JsonNode describe(Checks checks, String why) {
    long sent = System.nanoTime();
    JsonNode description = cluster.getJsonFromAnyNode("/v1/groups/" + GROUP, Duration.ofSeconds(3));
    checks.observe(description, sent, System.nanoTime(), why);
    return description;
  }

  private Round killCoordinator(int number, int groupsPartition, List<Member> members, Checks checks) throws IOException {
    cluster.awaitInSync(TOPIC, PARTITIONS, SETTLE_TIMEOUT);
    cluster.awaitInSync(GROUPS_TOPIC, GROUPS_PARTITIONS, SETTLE_TIMEOUT);
    awaitProgress("round " + number, members, checks);

    String victimId = Optional.ofNullable(coordinatorId(groupsPartition))
        .orElseThrow(
            () -> new AssertionError(GROUPS_TOPIC + "-" + groupsPartition + " has no leader: " + cluster.topic(GROUPS_TOPIC).json()));
    List<String> roles = new ArrayList<>();
    cluster.topic(TOPIC).partitions().stream().filter(v -> victimId.equals(v.leader()))
        .forEach(v -> roles.add("leader of " + TOPIC + "-" + v.partition()));
    if (cluster.controllerId().filter(victimId::equals).isPresent()) {
      roles.add("controller");
    }
    members.stream().filter(m -> m.home == cluster.node(victimId).index).forEach(m -> roles.add("entry node of member " + m.name));
    Node victim = cluster.node(victimId);
    JsonNode before = describeInQuiet(checks, "round " + number + " before the kill");

    long killedAt = System.nanoTime();
    cluster.kill(victim.index);
    Moved moved = afterMove(number, "the kill of " + victimId + " " + roles, killedAt, victimId, groupsPartition, before, checks);

    long restartAt = System.nanoTime();
    cluster.start(victim.index);
    cluster.awaitInSync(TOPIC, PARTITIONS, Duration.ofSeconds(90));
    cluster.awaitInSync(GROUPS_TOPIC, GROUPS_PARTITIONS, Duration.ofSeconds(90));
    long restartMs = millisSince(restartAt);
    awaitProgress("round " + number + " after " + victimId + " is back", members, checks);
    long gap = checks.longestGap("poll", killedAt, System.nanoTime());
    Round round = new Round(number, "SIGKILL", victimId, roles, moved.to(), moved.describedMs(), moved.pollMs(), moved.commitMs(),
        moved.recordsMs(), restartMs, gap);
    System.out.printf("round %d: SIGKILL of coordinator %s (also %s); new coordinator %s described after %d ms; first poll "
        + "answered %d ms, first commit %d ms, first commit of records delivered after the kill %d ms after the kill; "
        + "restarted and every replica in sync after %d ms; longest pause between answered polls %d ms%n", number, victimId,
        roles, moved.to(), moved.describedMs(), moved.pollMs(), moved.commitMs(), moved.recordsMs(), restartMs, gap);
    return round;
  }

  /**
   * A member stops between two polls for longer than its session (a stalled client): the group drops
   * it, the other member takes its partitions, and when it resumes its poll is answered 404
   * {@code member-not-found}, so it joins again and goes on with the new member's cursor.
   */
  private void stallPastSession(Member member, List<Member> members, Checks checks) {
    awaitProgress("stall", members, checks);
    String stalledId = member.memberId;
    long stalledAt = System.nanoTime();
    java.util.concurrent.CountDownLatch resume = member.stall();
    try {
      await("member " + member.name + " dropped from the group after its session").atMost(Duration.ofMillis(SESSION_TIMEOUT_MS + 20_000))
          .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            JsonNode d = describe(checks, "while " + member.name + " stalls");
            for (JsonNode m : d.path("members")) {
              if (m.path("memberId").asText().equals(stalledId)) {
                return false;
              }
            }
            return true;
          });
    } finally {
      resume.countDown();
    }
    long droppedMs = millisSince(stalledAt);
    long resumedAt = System.nanoTime();
    await("member " + member.name + " joins again after 404 member-not-found").atMost(FAILOVER_TIMEOUT).pollInterval(Duration.ofMillis(50))
        .until(() -> member.rejoins.get() > 0 && !stalledId.equals(member.memberId));
    awaitProgress("after " + member.name + " joined again", members, checks);
    System.out.printf("stall: member %s stopped polling; dropped from the group after %d ms (session %d ms); after it resumed, joined "
        + "again and both members committed records within %d ms%n", member.name, droppedMs, SESSION_TIMEOUT_MS, millisSince(resumedAt));
  }

  /** The orderly move: {@code POST /v1/cluster/rebalance} gives leadership back to the preferred replicas, the coordinator's too. */
  private Round preferredLeadersBack(int number, int groupsPartition, List<Member> members, Checks checks) throws Exception {
    awaitProgress("rebalance", members, checks);
    String from = coordinatorId(groupsPartition);
    String preferred = cluster.topic(GROUPS_TOPIC).partition(groupsPartition).replicas().get(0);
    JsonNode before = describeInQuiet(checks, "before the rebalance");
    long movedAt = System.nanoTime();
    HttpResponse<String> rebalanced = cluster.post(cluster.node(preferred), "/v1/cluster/rebalance", Map.of());
    assertThat(rebalanced.statusCode()).as("POST /v1/cluster/rebalance: %s", rebalanced.body()).isEqualTo(200);
    Moved moved = from.equals(preferred) ? null
        : afterMove(number, "POST /v1/cluster/rebalance", movedAt, from, groupsPartition, before, checks);
    cluster.awaitSettled(TOPIC, PARTITIONS, SETTLE_TIMEOUT);
    cluster.awaitSettled(GROUPS_TOPIC, GROUPS_PARTITIONS, SETTLE_TIMEOUT);
    awaitProgress("after the rebalance", members, checks);
    long gap = checks.longestGap("poll", movedAt, System.nanoTime());
    if (moved == null) {
      System.out.printf("rebalance: the coordinator %s was the preferred replica already; longest pause between answered polls "
          + "%d ms%n", from, gap);
      return new Round(number, "rebalance", from, List.of(), from, -1, -1, -1, -1, -1, gap);
    }
    System.out.printf("rebalance: coordinator %s -> %s described after %d ms; first poll answered %d ms, first commit %d ms, "
        + "first commit of records delivered after the move %d ms after POST /v1/cluster/rebalance; longest pause between "
        + "answered polls %d ms%n", from, moved.to(), moved.describedMs(), moved.pollMs(), moved.commitMs(), moved.recordsMs(), gap);
    return new Round(number, "rebalance", from, List.of(), moved.to(), moved.describedMs(), moved.pollMs(), moved.commitMs(),
        moved.recordsMs(), -1, gap);
  }

  private record Moved(String to, long describedMs, long pollMs, long commitMs, long recordsMs) {}

  /**
   * After the coordinator {@code from} lost its place at {@code at}: waits for the new one, for the
   * members to poll and commit again, and checks that the new coordinator's committed offsets are
   * none behind what {@code before} (described before the move) showed.
   */
  private Moved afterMove(int number, String cause, long at, String from, int groupsPartition, JsonNode before, Checks checks) {
    String[] to = new String[1];
    await("round " + number + ": a new coordinator after " + cause).atMost(FAILOVER_TIMEOUT)
        .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
          String leader = TopicView.of(cluster.getJsonFromAnyNode("/v1/topics/" + GROUPS_TOPIC, Duration.ofSeconds(1)))
              .partition(groupsPartition).leader();
          to[0] = leader;
          return leader != null && !leader.equals(from);
        });
    long describedMs = millisSince(at);
    await("round " + number + ": members poll and commit records again after " + cause).atMost(FAILOVER_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> checks.firstSuccess("poll", at, null).isPresent() && checks.firstRecordsCommitted(at, null).isPresent());
    long pollMs = TimeUnit.NANOSECONDS.toMillis(checks.firstSuccess("poll", at, null).orElseThrow().answered() - at);
    long commitMs = TimeUnit.NANOSECONDS.toMillis(checks.firstSuccess("commit", at, null).orElseThrow().answered() - at);
    long recordsMs = TimeUnit.NANOSECONDS.toMillis(checks.firstRecordsCommitted(at, null).orElseThrow().answered() - at);

    JsonNode[] after = new JsonNode[1];
    await("round " + number + ": the group described by its new coordinator").atMost(FAILOVER_TIMEOUT)
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
          after[0] = describe(checks, "round " + number + " after " + cause);
          return true;
        });
    Map<Integer, Long> committedBefore = committed(before);
    Map<Integer, Long> committedAfter = committed(after[0]);
    committedBefore.forEach((p, offset) -> {
      Long now = committedAfter.get(p);
      if (now == null || now < offset) {
        checks.violations.add(String.format("round %d: p%d committed %d before %s, %s after (before: %s; after: %s)", number, p,
            offset, cause, now, before, after[0]));
      }
    });
    return new Moved(to[0], describedMs, pollMs, commitMs, recordsMs);
  }

  private static Map<Integer, Long> committed(JsonNode description) {
    Map<Integer, Long> committed = new TreeMap<>();
    for (JsonNode o : description.path("offsets")) {
      if (TOPIC.equals(o.path("topic").asText()) && !o.path("committed").isNull() && o.has("committed")) {
        committed.put(o.path("partition").asInt(), o.path("committed").asLong());
      }
    }
    return committed;
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static void writeTimes(List<Round> rounds) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# round, cause, coordinator before, its other roles, coordinator after; ms from the cause until: the new "
        + "coordinator was described, the first poll sent after it was answered, the first commit sent after it was answered, "
        + "the first commit of records delivered after it was answered; ms from the restart until every replica was in sync; "
        + "longest pause between answered polls in the round, ms (-1: not applicable)");
    for (Round r : rounds) {
      lines.add(String.format(Locale.ROOT, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d", r.number(), r.cause(), r.from(), r.roles(),
          r.to(), r.describedMs(), r.pollMs(), r.commitMs(), r.recordsMs(), r.restartMs(), r.longestPollGapMs()));
    }
    List<Long> kills = rounds.stream().filter(r -> r.cause().equals("SIGKILL")).map(Round::recordsMs).sorted().toList();
    if (!kills.isEmpty()) {
      lines.add(String.format(Locale.ROOT, "# coordinator failover after SIGKILL (kill to the first commit of records delivered "
          + "after it): n=%d median=%d ms max=%d ms", kills.size(), kills.get(kills.size() / 2), kills.get(kills.size() - 1)));
    }
    Files.write(Path.of("target", "group-failover-times.txt"), lines);
    lines.forEach(System.out::println);
  }

  // ---------------------------------------------------------------------------------------------- what was seen

  private static long key(int partition, long offset) {
    return ((long) partition << 48) | offset;
  }

  private static final class Processed {
    final String value;
    final AtomicInteger times = new AtomicInteger();

    Processed(String value) {
      this.value = value;
    }
  }

  /** A request that was answered with success: which, by whom, sent and answered when, and whether it carried records. */
  record Success(String op, String member, long sent, long answered, boolean records) {}

  /** A description of the group: when it was asked for and answered, and the committed offsets it gave. */
  record Described(String why, long sent, long answered, Map<Integer, Long> committed) {}

  /** What the members and the test saw, shared between their threads. */
  static final class Checks {
    final Map<Long, Processed> processed = new ConcurrentHashMap<>();
    /** Per partition, the highest committed offset a description has shown. */
    final Map<Integer, AtomicLong> committedKnown = new ConcurrentHashMap<>();
    final List<Success> successes = new CopyOnWriteArrayList<>();
    final List<Described> described = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final List<String> unexpected = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> retries = new ConcurrentHashMap<>();
    final AtomicLong deliveries = new AtomicLong();
    /** "generation/partition" → the member a poll answer of that generation said owns it. */
    final Map<String, String> owners = new ConcurrentHashMap<>();

    Checks() {
      for (int p = 0; p < PARTITIONS; p++) {
        committedKnown.put(p, new AtomicLong(-1));
      }
    }

    Map<Integer, Long> committedSnapshot() {
      Map<Integer, Long> snapshot = new HashMap<>();
      committedKnown.forEach((p, v) -> snapshot.put(p, v.get()));
      return snapshot;
    }

    void observe(JsonNode description, long sent, long answered, String why) {
      Map<Integer, Long> committed = committed(description);
      described.add(new Described(why, sent, answered, committed));
      committed.forEach((p, offset) -> committedKnown.get(p).accumulateAndGet(offset, Math::max));
    }

    void delivered(String member, int partition, long offset, String value, Map<Integer, Long> committedWhenPolled) {
      deliveries.incrementAndGet();
      Processed seen = processed.computeIfAbsent(key(partition, offset), k -> new Processed(value));
      int times = seen.times.incrementAndGet();
      if (!seen.value.equals(value)) {
        violations.add(String.format("p%d offset %d delivered to %s as %s, earlier as %s", partition, offset, member, value, seen.value));
      }
      long committed = committedWhenPolled.getOrDefault(partition, -1L);
      if (times > 1 && offset < committed) {
        violations.add(String.format("p%d offset %d delivered again (time %d) to %s although offset %d was committed before the "
            + "poll was sent", partition, offset, times, member, committed));
      }
    }

    /**
     * A poll answer: within one generation no two members may be told they own one partition, and
     * an answer carries records only of partitions its assignment lists.
     */
    void owns(String member, int generation, JsonNode assignment, JsonNode records) {
      java.util.Set<Integer> owned = new java.util.HashSet<>();
      for (JsonNode tp : assignment) {
        int partition = tp.path("partition").asInt();
        owned.add(partition);
        String other = owners.putIfAbsent(generation + "/" + partition, member);
        if (other != null && !other.equals(member)) {
          violations.add(String.format("generation %d: p%d assigned to %s and to %s", generation, partition, other, member));
        }
      }
      for (JsonNode r : records) {
        if (!owned.contains(r.path("partition").asInt())) {
          violations.add(String.format("%s got a record of p%d in generation %d, whose assignment is %s", member,
              r.path("partition").asInt(), generation, assignment));
        }
      }
    }

    void succeeded(String op, String member, long sent, boolean records) {
      successes.add(new Success(op, member, sent, System.nanoTime(), records));
    }

    /** The first success of {@code op} (by {@code member}, or anyone) sent at or after {@code since}, by answer time. */
    Optional<Success> firstSuccess(String op, long since, String member) {
      return successes.stream().filter(s -> s.op().equals(op) && s.sent() >= since && (member == null || s.member().equals(member)))
          .min((a, b) -> Long.compare(a.answered(), b.answered()));
    }

    /** The first commit (by {@code member}, or anyone) of records whose poll was sent at or after {@code since}. */
    Optional<Success> firstRecordsCommitted(long since, String member) {
      return firstSuccess("commit-records", since, member);
    }

    /** The longest time in [from, to] between answers of {@code op} (from any member). */
    long longestGap(String op, long from, long to) {
      List<Long> times = new ArrayList<>();
      times.add(from);
      successes.stream().filter(s -> s.op().equals(op) && s.answered() >= from && s.answered() <= to).map(Success::answered)
          .sorted().forEach(times::add);
      times.add(to);
      long gap = 0;
      for (int i = 1; i < times.size(); i++) {
        gap = Math.max(gap, times.get(i) - times.get(i - 1));
      }
      return TimeUnit.NANOSECONDS.toMillis(gap);
    }

    /** Descriptions that show a partition's committed offset lower than one answered before they were asked for. */
    List<String> committedWentBackwards() {
      List<String> problems = new ArrayList<>();
      List<Described> byAnswer = new ArrayList<>(described);
      byAnswer.sort((a, b) -> Long.compare(a.answered(), b.answered()));
      List<Described> bySent = new ArrayList<>(described);
      bySent.sort((a, b) -> Long.compare(a.sent(), b.sent()));
      Map<Integer, Described> highest = new HashMap<>(); // per partition, the description with the highest committed offset so far
      int next = 0;
      for (Described later : bySent) {
        while (next < byAnswer.size() && byAnswer.get(next).answered() < later.sent()) {
          Described earlier = byAnswer.get(next++);
          earlier.committed().forEach((p, offset) -> highest.merge(p, earlier,
              (known, candidate) -> candidate.committed().get(p) > known.committed().get(p) ? candidate : known));
        }
        highest.forEach((p, earlier) -> {
          Long now = later.committed().get(p);
          long before = earlier.committed().get(p);
          if ((now == null || now < before) && problems.size() < 50) {
            problems.add(String.format("p%d committed %d (described %s), then %s (described %s, asked for %d ms later)", p, before,
                earlier.why(), now, later.why(), TimeUnit.NANOSECONDS.toMillis(later.sent() - earlier.answered())));
          }
        });
      }
      return problems;
    }

    void retried(String what) {
      retries.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }

    void unexpected(String what) {
      if (unexpected.size() < 200) {
        unexpected.add(String.format(Locale.ROOT, "%tT.%<tL %s", System.currentTimeMillis(), what));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- HTTP

  /** An answer: status (-1: no answer, {@code error} says why) and body. */
  record Answer(int status, String body, String error) {
    JsonNode json() {
      try {
        return LocalCluster.JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    String code() {
      try {
        return LocalCluster.JSON.readTree(body).path("code").asText("");
      } catch (IOException | RuntimeException e) {
        return "";
      }
    }

    /** A failure a client retries unchanged, elsewhere: no answer, or a 503/429 the server calls retryable. */
    boolean retriable() {
      if (status == -1) {
        return true;
      }
      if (status != 503 && status != 429) {
        return false;
      }
      try {
        return LocalCluster.JSON.readTree(body).path("retryable").asBoolean(false);
      } catch (IOException e) {
        return false;
      }
    }

    String describe() {
      return status == -1 ? error : status + " " + body;
    }
  }

  private static Answer send(HttpClient http, HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), null);
    } catch (IOException e) {
      return new Answer(-1, "", e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, "", "interrupted");
    }
  }

  private static HttpRequest.Builder request(Node node, String path) {
    return HttpRequest.newBuilder(node.uri(path)).timeout(REQUEST_TIMEOUT);
  }

  private static HttpRequest.BodyPublisher json(String body) {
    return HttpRequest.BodyPublishers.ofString(body);
  }

  /** The next node to try after {@code failed}: the next live one in index order, else the next one. */
  private static Node next(Node failed) {
    List<Node> nodes = cluster.nodes();
    for (int i = 1; i <= nodes.size(); i++) {
      Node candidate = nodes.get((failed.index + i) % nodes.size());
      if (candidate.alive()) {
        return candidate;
      }
    }
    return nodes.get((failed.index + 1) % nodes.size());
  }

  // ---------------------------------------------------------------------------------------------- members

  /**
   * A group member on its own thread, talking to its home node while that runs. Loop: poll with the
   * cursor of the last answer; process the records; commit the answer's cursor; learn the committed
   * offsets from a description.
   */
  final class Member {
    final String name;
    final int home;
    final Checks checks;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    final AtomicInteger rejoins = new AtomicInteger();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile String memberId;
    private volatile java.util.concurrent.CountDownLatch stalled;
    private String cursor;
    private Node node;

    Member(String name, int home, Checks checks) {
      this.name = name;
      this.home = home;
      this.checks = checks;
      this.thread = new Thread(this::run, "member-" + name);
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stopping = true;
      thread.join(REQUEST_TIMEOUT.toMillis() * 3);
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(5_000);
      }
    }

    /** Makes the member stop before its next poll until the latch returned is counted down. */
    java.util.concurrent.CountDownLatch stall() {
      java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
      stalled = latch;
      return latch;
    }

    void leave() {
      if (memberId != null) {
        send(http, request(cluster.node(home), "/v1/groups/" + GROUP + "/members/" + memberId).DELETE().build());
      }
    }

    @Override
    public String toString() {
      return name + "(" + memberId + " via " + (node == null ? "?" : node.id) + ")";
    }

    private void run() {
      node = cluster.node(home);
      try {
        join();
        while (!stopping) {
          java.util.concurrent.CountDownLatch stall = stalled;
          if (stall != null) {
            stall.await(); // a stalled client: released by the test once the group has dropped it
            stalled = null;
          }
          if (cluster.node(home).alive()) {
            node = cluster.node(home);
          }
          Map<Integer, Long> committedWhenPolled = checks.committedSnapshot();
          String path = "/v1/groups/" + GROUP + "/members/" + memberId + "/records?maxRecords=" + MAX_RECORDS + "&timeoutMs="
              + POLL_WAIT_MS + "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
          Optional<Outcome> polled = call("poll", () -> request(node, path).timeout(REQUEST_TIMEOUT.plusMillis(POLL_WAIT_MS)).GET()
              .build());
          if (polled.isEmpty()) {
            continue; // rejoined, or stopping
          }
          long pollSent = polled.get().sent();
          JsonNode answer = polled.get().answer().json();
          JsonNode records = answer.path("records");
          checks.owns(memberId, answer.path("generation").asInt(), answer.path("assignment"), records);
          for (JsonNode r : records) {
            checks.delivered(memberId, r.path("partition").asInt(), r.path("offset").asLong(),
                LocalCluster.JSON.writeValueAsString(r.path("value")), committedWhenPolled);
          }
          String answerCursor = answer.path("cursor").asText();
          cursor = answerCursor;
          String body = LocalCluster.JSON.writeValueAsString(Map.of("cursor", answerCursor));
          Optional<Outcome> committed = call("commit", () -> request(node, "/v1/groups/" + GROUP + "/members/" + memberId + "/commit")
              .header("Content-Type", "application/json").POST(json(body)).build());
          if (committed.isEmpty()) {
            continue;
          }
          if (!records.isEmpty()) {
            checks.succeeded("commit-records", name, pollSent, true);
          }
          long describeSent = System.nanoTime();
          Answer described = send(http, request(node, "/v1/groups/" + GROUP).GET().build());
          if (described.status() == 200) {
            checks.observe(described.json(), describeSent, System.nanoTime(), "after a commit by " + name);
          }
        }
      } catch (Exception | AssertionError e) {
        checks.unexpected("member " + name + " stopped: " + e);
      }
    }

    private void join() {
      String body = "{\"topics\":[\"" + TOPIC + "\"],\"autoOffsetReset\":\"earliest\",\"sessionTimeoutMs\":" + SESSION_TIMEOUT_MS + "}";
      while (!stopping) {
        Answer a = send(http, request(node, "/v1/groups/" + GROUP + "/members").header("Content-Type", "application/json")
            .POST(json(body)).build());
        if (a.status() == 201) {
          memberId = a.json().path("memberId").asText();
          cursor = a.json().path("cursor").asText();
          return;
        }
        failed("join", a);
      }
    }

    /**
     * Sends the request {@code make} builds (for the current node) until it succeeds: retriable
     * failures go unchanged to the next live node. Empty when the member was gone (it has joined
     * again) or the member is stopping. On success, the answer and when the attempt that succeeded was sent.
     */
    private Optional<Outcome> call(String op, java.util.function.Supplier<HttpRequest> make) {
      while (!stopping) {
        long sent = System.nanoTime();
        Answer a = send(http, make.get());
        if (a.status() == 200) {
          checks.succeeded(op, name, sent, false);
          return Optional.of(new Outcome(a, sent));
        }
        if (a.status() == 404 && a.code().equals("member-not-found")) {
          checks.retried(op + ": 404 member-not-found");
          rejoins.incrementAndGet();
          join();
          return Optional.empty();
        }
        failed(op, a);
      }
      return Optional.empty();
    }

    private void failed(String op, Answer a) {
      if (a.retriable()) {
        checks.retried(op + ": " + (a.status() == -1 ? a.error().replaceAll(":.*", "") : a.status() + " " + a.code()) + " via " + node.id);
      } else {
        checks.unexpected(name + " " + op + " via " + node.id + ": " + a.describe());
      }
      node = next(node);
      LockSupport.parkNanos(RETRY_PAUSE.toNanos()); // retry pacing, as a client backs off
    }
  }

  /** A successful answer, and when the attempt that got it was sent. */
  private record Outcome(Answer answer, long sent) {}

  // ---------------------------------------------------------------------------------------------- producer

  /**
   * One thread per partition, each writing two records per request with {@code acks=all}, an explicit
   * partition and its own {@code Idempotency-Key}, about five requests a second, retrying a failed
   * request unchanged on the next node until it is acknowledged.
   */
  final class Producer {
    final List<Map<Long, String>> acks = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private volatile boolean stopping;

    Producer() {
      for (int p = 0; p < PARTITIONS; p++) {
        acks.add(new ConcurrentHashMap<>());
        int partition = p;
        threads.add(new Thread(() -> produce(partition), "producer-p" + p));
      }
    }

    /** {@link #PREFILL_PER_PARTITION} records in each partition, before the members start. */
    void prefill() {
      for (int p = 0; p < PARTITIONS; p++) {
        send(p, -1, PREFILL_PER_PARTITION, cluster.node(p % 3));
      }
    }

    void start() {
      threads.forEach(Thread::start);
    }

    void stop() throws InterruptedException {
      stopping = true;
      for (Thread t : threads) {
        t.join(REQUEST_TIMEOUT.toMillis() * 4);
        if (t.isAlive()) {
          t.interrupt();
          t.join(5_000);
        }
      }
    }

    long totalAcks() {
      return acks.stream().mapToLong(Map::size).sum();
    }

    String failureSummary() {
      return "retried produce requests: " + failures;
    }

    private void produce(int partition) {
      Node node = cluster.node(partition % 3);
      for (long batch = 0; !stopping; batch++) {
        node = send(partition, batch, 2, node);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // the production rate
      }
    }

    /** Sends one request of {@code count} records until acknowledged (or the test stops); returns the node that took it. */
    private Node send(int partition, long batch, int count, Node node) {
      StringBuilder body = new StringBuilder("{\"records\":[");
      List<String> values = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String value = "{\"p\":" + partition + ",\"b\":" + batch + ",\"i\":" + i + "}";
        values.add(value);
        body.append(i == 0 ? "" : ",").append("{\"partition\":").append(partition).append(",\"value\":").append(value).append('}');
      }
      body.append("]}");
      String idempotencyKey = "gfail-" + run + "-" + partition + "-" + batch;
      for (int attempt = 1; !(stopping && attempt > 200); attempt++) {
        Answer a = GroupFailoverIT.send(http, request(node, "/v1/topics/" + TOPIC + "/records?acks=all")
            .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey).POST(json(body.toString())).build());
        if (a.status() == 200) {
          JsonNode offsets = a.json().path("offsets");
          for (int i = 0; i < offsets.size(); i++) {
            acks.get(partition).put(offsets.get(i).path("offset").asLong(), values.get(i));
          }
          return node;
        }
        failures.computeIfAbsent(a.retriable() ? (a.status() == -1 ? a.error().replaceAll(":.*", "") : a.status() + " " + a.code())
            : "unexpected " + a.describe(), k -> new AtomicInteger()).incrementAndGet();
        if (Thread.currentThread().isInterrupted()) {
          return node;
        }
        node = next(node);
        LockSupport.parkNanos(RETRY_PAUSE.toNanos());
      }
      return node;
    }
  }
}
