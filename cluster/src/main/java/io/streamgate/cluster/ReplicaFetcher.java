package io.streamgate.cluster;

import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's fetch loop against one leader: fetches, in a loop, the partitions this node follows
 * from that leader, and applies each answer (records, a truncation to where the histories diverge,
 * a restart at the leader's log start, a log start moved up to the leader's) to the replica that
 * asked, if it still follows in the epoch it asked in. Backs off after a failed or fruitless
 * fetch; stops when it has nothing to fetch.
 */
final class ReplicaFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaFetcher.class);
  /** How long a leader holds a follower's fetch when there is nothing new. */
  private static final long FETCH_WAIT_MS = 500;
  /** A follower's wait before fetching again after a failed or fruitless fetch: the first, and the most after many. */
  private static final long RETRY_FIRST_MS = 200;
  private static final long RETRY_CAP_MS = 2_000;

  private final Vertx vertx;
  private final String nodeId;
  private final String leader;
  /** This node's replica of a partition, if it holds one now. */
  private final Function<TopicPartition, Replica> replicas;
  private final BooleanSupplier closed;
  private final long failureDetectionMs;
  private final Set<TopicPartition> partitions = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean running = new AtomicBoolean();
  private final Backoff backoff;

  ReplicaFetcher(Vertx vertx, String nodeId, String leader, Function<TopicPartition, Replica> replicas,
      BooleanSupplier closed, long failureDetectionMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.leader = leader;
    this.replicas = replicas;
    this.closed = closed;
    this.failureDetectionMs = failureDetectionMs;
    this.backoff = new Backoff(RETRY_FIRST_MS, RETRY_CAP_MS, (delayMs, action) -> vertx.setTimer(delayMs, id -> action.run()));
  }

  void assign(TopicPartition tp) {
    partitions.add(tp);
    if (running.compareAndSet(false, true)) {
      fetch();
    }
  }

  /** Stops fetching {@code tp}; an answer already on its way is dropped by the replica's epoch check. */
  void unassign(TopicPartition tp) {
    partitions.remove(tp);
  }

  private void fetch() {
    List<Wire.FetchPosition> positions = new ArrayList<>();
    List<Replica> asked = new ArrayList<>();
    List<Integer> askedEpochs = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      Replica replica = replicas.apply(tp);
      if (replica == null || replica.isLeader()) {
        continue;
      }
      int epoch = replica.epoch();
      asked.add(replica);
      askedEpochs.add(epoch);
      positions.add(new Wire.FetchPosition(tp, replica.topicId(), epoch, replica.log().logEndOffset(), replica.log().latestEpoch(),
          replica.log().logStartOffset(), replica.log().highWatermark()));
    }
    if (closed.getAsBoolean() || asked.isEmpty()) {
      running.set(false);
      // An assignment that raced the stop starts the loop again.
      if (!closed.getAsBoolean() && !partitions.isEmpty() && running.compareAndSet(false, true)) {
        // Not a failure: look again soon, not later and later.
        backoff.reset();
        backoff.retry(this::fetch);
      }
      return;
    }
    Wire.FetchRequest request = new Wire.FetchRequest(nodeId, FETCH_WAIT_MS, positions);
    vertx.eventBus().<Buffer>request(Wire.address(leader, Wire.FETCH), Wire.fetchRequest(request),
        new DeliveryOptions().setSendTimeout(FETCH_WAIT_MS + failureDetectionMs))
        .onSuccess(reply -> apply(asked, askedEpochs, Wire.fetchResponse(reply.body())).whenComplete((done, failure) -> {
          if (failure != null) {
            LOG.warn("fetch from {} could not be applied: {}", leader, failure.toString());
            backoff.retry(this::fetch);
          } else if (done) {
            backoff.reset();
            fetch();
          } else {
            backoff.retry(this::fetch);
          }
        }))
        .onFailure(failure -> {
          LOG.debug("fetch from {} failed: {}", leader, failure.toString());
          backoff.retry(this::fetch);
        });
  }

  /** Applies an answer; completes with false when nothing progressed (back off before asking again). */
  private CompletableFuture<Boolean> apply(List<Replica> asked, List<Integer> askedEpochs, List<Wire.FetchedPartition> answers) {
    List<CompletableFuture<?>> applied = new ArrayList<>();
    boolean progressed = false;
    for (int i = 0; i < answers.size(); i++) {
      Replica.FetchAnswer answer = answers.get(i).answer();
      Replica replica = asked.get(i);
      if (!replica.follows(leader, askedEpochs.get(i)) || replicas.apply(replica.partition()) != replica) {
        // The replica changed role or epoch, or was removed, while the fetch was out (a leader
        // holds a fetch for a while): the answer is of a term that is over, perhaps from a leader
        // that has been deposed since. Applying it could take in records that leader wrote after
        // its successor took over, or cut a log by a history that no longer counts.
        LOG.debug("{}: dropping a fetch answer from {} for epoch {}; the replica has moved on", replica.partition(), leader,
            askedEpochs.get(i));
        continue;
      }
      switch (answer.error()) {
        case NONE -> {
          progressed |= answer.records().hasRemaining();
          // After the high watermark the batches bring: the log start may not pass it. The next
          // fetch reports the moved start, which a deletion at the leader waits for.
          applied.add(replica.appendFetched(leader, askedEpochs.get(i), answer.records(), answer.highWatermark())
              .thenCompose(appended -> replica.followLeaderLogStart(answer.logStartOffset())));
        }
        case DIVERGING -> {
          progressed = true;
          long logEnd = replica.log().logEndOffset();
          // The cut is not always at the leader's offset (see Replica.truncateToDivergence): logged once made.
          applied.add(replica.truncateToDivergence(leader, askedEpochs.get(i), answer.divergingEpoch(),
              answer.divergingEndOffset()).thenAccept(
                  newEnd -> LOG.info(
                      "{}: history diverges from leader {}, whose epoch {} ends at {}; log end {} -> {}", replica.partition(),
                      leader, answer.divergingEpoch(), answer.divergingEndOffset(), logEnd, newEnd)));
        }
        case OUT_OF_RANGE -> {
          long logEnd = replica.log().logEndOffset();
          long logStart = answer.logStartOffset();
          if (logEnd < logStart) {
            progressed = true;
            LOG.warn("{}: log end {} is below leader {}'s log start {} (retention deleted what this replica lacks); "
                + "emptying its log to start over at {}", replica.partition(), logEnd, leader, logStart, logStart);
          }
          applied.add(replica.startAtLeaderLogStart(leader, askedEpochs.get(i), logStart));
        }
        case NOT_LEADER -> {
        }
        case UNKNOWN_TOPIC_ID ->
          // The leader holds another incarnation of the topic: this node's metadata or the leader's
          // is behind a deletion and re-creation. Nothing is taken; when this node's metadata reaches
          // the new topic, the replica of the old one is dropped and a new one fetched from scratch
          // (ReplicaManager.apply). Until then, asked again after a back-off.
          LOG.info("{}: leader {} holds another incarnation of the topic than this replica's {}; waiting for the metadata",
              replica.partition(), leader, replica.topicId());
      }
    }
    boolean anyProgress = progressed;
    int count = answers.size();
    return CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new)).thenApply(done -> anyProgress || count > 0
        && applied.size() == count);
  }
}
