package io.streamgate.cluster;

import io.streamgate.cluster.metadata.MetadataQuorum;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's graceful stop, in two steps around the requests in flight: {@link #handOff} hands the
 * metadata log's leadership and then the node's partition leaderships and ISR places to others
 * while the node still serves under its lease; {@link #resign} gives the lease up and leaves what
 * is left (docs/replication.md, leases rule 6).
 */
final class ControlledShutdown {
  private static final Logger LOG = LoggerFactory.getLogger(ControlledShutdown.class);

  private final Vertx vertx;
  private final String nodeId;
  private final MetadataQuorum quorum;
  private final NodeLease lease;
  private final ClusterMetadata metadata;
  private final NodeLiveness liveness;
  private final Controller controller;
  private final ExecutorService metadataThread;
  private final long leaseMs;
  private final LongSupplier monotonicMs;

  ControlledShutdown(Vertx vertx, String nodeId, MetadataQuorum quorum, NodeLease lease, ClusterMetadata metadata,
      NodeLiveness liveness, Controller controller, ExecutorService metadataThread, long leaseMs, LongSupplier monotonicMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.quorum = quorum;
    this.lease = lease;
    this.metadata = metadata;
    this.liveness = liveness;
    this.controller = controller;
    this.metadataThread = metadataThread;
    this.leaseMs = leaseMs;
    this.monotonicMs = monotonicMs;
  }

  /**
   * A graceful stop's first step (Kafka's controlled shutdown): this node's metadata voter hands the
   * metadata log's leadership to another voter if it holds it, and stands in no further election
   * ({@link MetadataQuorum#stepAside}); then this node tells the cluster it is stopping ({@code StopNode}), and the controller moves each leadership it holds to a live
   * in-sync replica and takes it out of the ISRs, as voluntary moves; meanwhile it keeps its lease
   * and serves, forwarding requests for the partitions that moved. Completes once its applied
   * metadata shows it in no ISR that another live replica, not stopping, shares (its replicas have
   * acted on that), or once {@code graceMs} have passed, or at once if it holds no lease. It still
   * holds its lease then, so that requests in flight on partitions it still leads (of which it is
   * the only in-sync replica) can finish; {@link #resign} is the next step. Never fails; never
   * blocks the caller.
   */
  CompletableFuture<Void> handOff(long graceMs) {
    long startedMs = monotonicMs.getAsLong();
    long deadlineMs = startedMs + graceMs;
    // The metadata log's leadership first: a controller that stops with its voter leaves the log
    // leaderless for an election timeout, in which no lease renewal commits; moved first, the new
    // controller makes this node's partition moves. At most half the grace period, so that the moves have the rest.
    return quorum.stepAside(graceMs / 2)
        .thenCompose(transferred -> {
          if (transferred) {
            LOG.info("node {} is stopping: handed the metadata log's leadership to {} in {} ms", nodeId,
                quorum.leaderId().orElse("(none known)"), monotonicMs.getAsLong() - startedMs);
          }
          return lease.announceStop(deadlineMs);
        })
        .thenCompose(index -> {
          LOG.info("node {} is stopping: announced in {} ms; waiting for its leaderships to move", nodeId,
              monotonicMs.getAsLong() - startedMs);
          return handedOver(deadlineMs);
        })
        .handle((moved, failure) -> {
          long tookMs = monotonicMs.getAsLong() - startedMs;
          if (failure != null) {
            LOG.warn("node {} did not hand off under its lease ({} ms): {}", nodeId, tookMs, Failures.cause(failure).getMessage());
          } else if (moved) {
            LOG.info("node {} handed off its leaderships and ISR places in {} ms", nodeId, tookMs);
          } else {
            LOG.warn("node {} still leads or holds ISR places others could take after {} ms (shutdown-grace-ms); it resigns them"
                + " when it stops", nodeId, tookMs);
          }
          return null;
        });
  }

  /**
   * A graceful stop's last step, after {@link #handOff} and once requests in flight are over: this
   * node gives up its lease (its leaders stop at once), then hands what it still leads to a live
   * in-sync replica and leaves the ISRs itself, so that the others need not wait out its lease.
   * Completes once the changes are committed, or after one lease if no majority commits them.
   */
  CompletableFuture<Void> resign() {
    lease.close();
    return CompletableFuture.supplyAsync(() -> controller.resign(nodeId), metadataThread).thenCompose(changes -> changes)
        .completeOnTimeout(null, leaseMs, TimeUnit.MILLISECONDS)
        .exceptionally(failure -> {
          LOG.warn("node {} could not hand its leaderships off: {}", nodeId, Failures.cause(failure).getMessage());
          return null;
        });
  }

  /**
   * Completes with true once this node's taken metadata shows nothing left to hand over, with false
   * at {@code deadlineMs}. Checked on the metadata thread, where the state read is one this node's
   * replicas have acted on, every lease/10.
   */
  private CompletableFuture<Boolean> handedOver(long deadlineMs) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    Runnable check = () -> {
      if (!holdsPlaceOthersCouldTake()) {
        done.complete(true);
      } else if (monotonicMs.getAsLong() >= deadlineMs) {
        done.complete(false);
      }
    };
    long timer = vertx.setPeriodic(Math.max(20, leaseMs / 10), id -> metadataThread.execute(check));
    metadataThread.execute(check);
    return done.whenComplete((result, failure) -> vertx.cancelTimer(timer));
  }

  /** Whether this node is in the ISR of a partition where another live in-sync replica, not stopping, could stand in. Metadata thread. */
  private boolean holdsPlaceOthersCouldTake() {
    return metadata.liveTopics().stream().flatMap(topic -> topic.partitions().stream())
        .anyMatch(partition -> partition.isr().contains(nodeId) && partition.isrWithout(nodeId).stream()
            .anyMatch(other -> liveness.isAlive(other) && !liveness.isStopping(other)));
  }
}
