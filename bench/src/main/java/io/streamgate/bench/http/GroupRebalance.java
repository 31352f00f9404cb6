package io.streamgate.bench.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * {@code group-rebalance}: how long a consumer group takes to rebalance. {@code --members} members
 * of a fresh group long-poll {@code --topic} (best idle, so that only the rebalances show; each poll
 * waits up to {@code --poll-timeout-ms}) with {@code --session-timeout-ms}; member {@code i} talks to
 * {@code --url} number {@code i mod n}. Once the group is stable, each of {@code --trials} trials:
 * <ol>
 *   <li><b>join</b>: a new member joins; measured until its first answer (the join's or a poll's)
 *       with a non-empty assignment, and until the group is stable again;</li>
 *   <li><b>member gone</b>: a member (in turn) stops polling, without leaving, as a crashed client
 *       does, right after a poll answer; measured from then until every partition is owned again by
 *       the live members (its session expires, the coordinator rebalances, and the waiting polls of
 *       the others answer at once with the new assignment).</li>
 * </ol>
 * Stable: every live member's latest poll answer is of one generation (after the trial's change),
 * their assignments are disjoint, and together they cover every partition. All of this is observed
 * from the members' own poll answers; nothing else asks the server. The members leave at the end.
 */
final class GroupRebalance {
  private GroupRebalance() {}

  static void run(Args args) throws Exception {
    List<URI> urls = GroupConsume.urls(args.required("url"));
    String topic = args.required("topic");
    int members = args.integer("members", 4);
    int trials = args.integer("trials", 5);
    long sessionTimeoutMs = args.longValue("session-timeout-ms", 3000);
    long pollTimeoutMs = args.longValue("poll-timeout-ms", 1000);
    String group = args.string("group", "rebalance-" + Long.toString(System.nanoTime(), 36));
    double stepTimeout = args.decimal("step-timeout", 30);
    args.checkAllRead();
    if (members < 1) {
      throw new IllegalArgumentException("--members must be at least 1");
    }

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    String base = Load.basePath(urls.get(0));
    JsonObject description = new JsonObject(send(http, HttpRequest.newBuilder(urls.get(0).resolve(base + "/v1/topics/" + topic))
        .GET().build(), 200));
    int partitions = description.getJsonArray("partitions").size();
    Bench bench = new Bench(http, urls, base, topic, group, partitions, sessionTimeoutMs, pollTimeoutMs, (long) (stepTimeout * 1e9));
    List<Long> joinAssigned = new ArrayList<>();
    List<Long> joinStable = new ArrayList<>();
    List<Long> goneOwned = new ArrayList<>();
    long initialMs;
    try {
      long started = System.nanoTime();
      for (int i = 0; i < members; i++) {
        bench.add();
      }
      bench.awaitStable(0, "the first " + members + " members");
      initialMs = (System.nanoTime() - started) / 1_000_000;
      for (int t = 0; t < trials; t++) {
        // join
        int generation = bench.generation();
        long joinAt = System.nanoTime();
        Member joining = bench.add();
        bench.await("trial " + (t + 1) + ": the new member's first non-empty assignment", () -> joining.firstAssignedNanos > 0);
        joinAssigned.add(joining.firstAssignedNanos - joinAt);
        bench.awaitStable(generation + 1, "trial " + (t + 1) + " after a join");
        joinStable.add(bench.stableAt - joinAt);
        // a member gone (in turn, not the newest)
        Member victim = bench.live().get(t % (bench.live().size() - 1));
        int before = bench.generation();
        victim.crash();
        bench.await("trial " + (t + 1) + ": member " + victim.index + " stopped polling", () -> victim.stoppedNanos > 0);
        bench.awaitStable(before + 1, "trial " + (t + 1) + " after member " + victim.index + " stopped polling");
        goneOwned.add(bench.stableAt - victim.stoppedNanos);
        System.err.printf(Locale.ROOT, "[group-rebalance] trial %d: join -> first assignment %.0f ms, -> stable %.0f ms; member gone ->"
            + " every partition owned again %.0f ms%n", t + 1, joinAssigned.get(t) / 1e6, joinStable.get(t) / 1e6, goneOwned.get(t) / 1e6);
      }
    } finally {
      bench.close();
    }
    new Result("group-rebalance").put("url", String.join(",", urls.stream().map(URI::toString).toList())).put("topic", topic)
        .put("partitions", partitions).put("members", members).put("trials", trials).put("sessionTimeoutMs", sessionTimeoutMs)
        .put("pollTimeoutMs", pollTimeoutMs).put("initialStableMs", initialMs)
        .put("joinToAssignedMs", millis(joinAssigned)).put("joinToStableMs", millis(joinStable)).put("goneToOwnedMs", millis(goneOwned))
        .put("joinToAssignedMedianMs", median(joinAssigned)).put("joinToAssignedMaxMs", max(joinAssigned))
        .put("joinToStableMedianMs", median(joinStable)).put("joinToStableMaxMs", max(joinStable))
        .put("goneToOwnedMedianMs", median(goneOwned)).put("goneToOwnedMaxMs", max(goneOwned))
        .print(String.format(Locale.ROOT, "%d members, %d trials: join -> first assignment median %.0f ms (max %.0f); join -> stable "
            + "median %.0f ms; member gone (session %d ms) -> every partition owned again median %.0f ms (max %.0f)", members,
            trials, median(joinAssigned), max(joinAssigned), median(joinStable), sessionTimeoutMs, median(goneOwned), max(goneOwned)));
  }

  private static JsonArray millis(List<Long> nanos) {
    JsonArray array = new JsonArray();
    nanos.forEach(n -> array.add(Math.round(n / 1e5) / 10.0));
    return array;
  }

  private static double median(List<Long> nanos) {
    if (nanos.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int n = sorted.size();
    return (n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0) / 1e6;
  }

  private static double max(List<Long> nanos) {
    return nanos.stream().mapToLong(Long::longValue).max().orElse(-1) / 1e6;
  }

  /** The body of an answer with status {@code expected}; anything else is an error. */
  static String send(HttpClient http, HttpRequest request, int expected) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expected) {
        throw new IllegalStateException(request.method() + " " + request.uri().getPath() + ": HTTP " + response.statusCode() + " "
            + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException(request.method() + " " + request.uri().getPath() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A poll answer as a member saw it. */
  private record Seen(int generation, Set<Integer> assignment) {}

  private static final class Bench {
    final HttpClient http;
    final List<URI> urls;
    final String base;
    final String topic;
    final String group;
    final int partitions;
    final long sessionTimeoutMs;
    final long pollTimeoutMs;
    final long stepTimeoutNanos;
    final List<Member> all = new CopyOnWriteArrayList<>();
    long stableAt;

    Bench(HttpClient http, List<URI> urls, String base, String topic, String group, int partitions, long sessionTimeoutMs,
        long pollTimeoutMs, long stepTimeoutNanos) {
      this.http = http;
      this.urls = urls;
      this.base = base;
      this.topic = topic;
      this.group = group;
      this.partitions = partitions;
      this.sessionTimeoutMs = sessionTimeoutMs;
      this.pollTimeoutMs = pollTimeoutMs;
      this.stepTimeoutNanos = stepTimeoutNanos;
    }

    Member add() {
      Member member = new Member(this, all.size());
      all.add(member);
      member.start();
      return member;
    }

    List<Member> live() {
      return all.stream().filter(m -> !m.crashed && m.failure == null).toList();
    }

    /** The highest generation any live member has seen. */
    int generation() {
      return live().stream().map(m -> m.seen).filter(s -> s != null).mapToInt(Seen::generation).max().orElse(0);
    }

    void await(String what, BooleanSupplier condition) {
      long deadline = System.nanoTime() + stepTimeoutNanos;
      while (!condition.getAsBoolean()) {
        for (Member m : all) {
          if (m.failure != null) {
            throw new IllegalStateException("member " + m.index + " failed while waiting for " + what + ": " + m.failure);
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("not within " + stepTimeoutNanos / 1_000_000_000 + " s: " + what + "; members saw "
              + all.stream().map(m -> m.index + (m.crashed ? "(gone)" : "") + "=" + m.seen).toList());
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // checks the members' latest answers, in memory
      }
    }

    /** Waits until the live members' latest answers are one generation, at least {@code generation}, and split every partition. */
    void awaitStable(int generation, String what) {
      await("a stable group, generation at least " + generation + ", " + what, () -> {
        List<Member> live = live();
        Set<Integer> owned = new HashSet<>();
        int common = -1;
        long latest = 0;
        for (Member m : live) {
          Seen seen = m.seen;
          if (seen == null || seen.generation() < generation || common >= 0 && seen.generation() != common) {
            return false;
          }
          common = seen.generation();
          for (int p : seen.assignment()) {
            if (!owned.add(p)) {
              return false;
            }
          }
          latest = Math.max(latest, m.seenAt);
        }
        if (owned.size() != partitions) {
          return false;
        }
        stableAt = latest;
        return true;
      });
    }

    void close() {
      all.forEach(Member::stop);
      for (Member m : all) {
        m.join();
      }
      for (Member m : all) {
        if (m.id != null && !m.crashed) {
          try {
            send(http, HttpRequest.newBuilder(m.url.resolve(base + "/v1/groups/" + group + "/members/" + m.id)).DELETE().build(), 204);
          } catch (IllegalStateException ignored) {
            // gone already
          }
        }
      }
    }
  }

  /** A member on its own thread: join, then poll with the last cursor until stopped; each answer noted. */
  private static final class Member {
    final Bench bench;
    final int index;
    final URI url;
    final Thread thread;
    volatile String id;
    volatile Seen seen;
    volatile long seenAt;
    volatile long firstAssignedNanos;
    volatile long stoppedNanos;
    volatile boolean crashed;
    volatile boolean stopping;
    volatile String failure;

    Member(Bench bench, int index) {
      this.bench = bench;
      this.index = index;
      this.url = bench.urls.get(index % bench.urls.size());
      this.thread = new Thread(this::run, "member-" + index);
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    /** Stops polling after the next answer, without leaving. */
    void crash() {
      crashed = true;
    }

    void stop() {
      stopping = true;
    }

    void join() {
      try {
        thread.join(bench.pollTimeoutMs + 10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void saw(JsonObject answer) {
      Set<Integer> assignment = new HashSet<>();
      JsonArray list = answer.getJsonArray("assignment");
      for (int i = 0; i < list.size(); i++) {
        assignment.add(list.getJsonObject(i).getInteger("partition"));
      }
      long now = System.nanoTime();
      seen = new Seen(answer.getInteger("generation"), assignment);
      seenAt = now;
      if (!assignment.isEmpty() && firstAssignedNanos == 0) {
        firstAssignedNanos = now;
      }
    }

    private void run() {
      try {
        String body = new JsonObject().put("topics", new JsonArray().add(bench.topic)).put("autoOffsetReset", "latest")
            .put("sessionTimeoutMs", bench.sessionTimeoutMs).encode();
        JsonObject joined = new JsonObject(send(bench.http, HttpRequest.newBuilder(url.resolve(bench.base + "/v1/groups/" + bench.group
            + "/members")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), 201));
        id = joined.getString("memberId");
        String cursor = joined.getString("cursor");
        saw(joined);
        while (!stopping) {
          if (crashed) {
            stoppedNanos = System.nanoTime();
            return;
          }
          String path = bench.base + "/v1/groups/" + bench.group + "/members/" + id + "/records?maxRecords=100&timeoutMs="
              + bench.pollTimeoutMs + "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
          JsonObject answer = new JsonObject(send(bench.http, HttpRequest.newBuilder(url.resolve(path))
              .timeout(Duration.ofMillis(bench.pollTimeoutMs + 10_000)).GET().build(), 200));
          cursor = answer.getString("cursor");
          saw(answer);
        }
      } catch (RuntimeException e) {
        if (!stopping) {
          failure = String.valueOf(e);
        }
      }
    }
  }
}
