package io.streamgate.cluster;

import io.streamgate.cluster.metadata.Committed;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataCommand.StopNode;
import io.streamgate.cluster.metadata.MetadataQuorum;
import io.streamgate.cluster.metadata.MetadataReply;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's lease: while it holds one, its partition leaders take writes (at every acks level),
 * serve reads and answer followers; without one they do none of it, and readiness is DOWN.
 *
 * <p>The node registers in the metadata log once per run (a new lease epoch, which fences its
 * earlier runs' renewals; again should a renewal find the log past its epoch), then renews every
 * quarter lease. The clock is read before a renewal is
 * sent; once the renewal commits, the lease runs {@code leaseMs} from that reading. It is held only
 * once this node has also taken the log up to the renewal (its replicas made followers of the
 * leaders it names, not merely the entries applied to the state machine), so a node back from a cut
 * acts on the metadata the majority committed meanwhile (a newer leader, a shrunk ISR), never on its
 * old copy.
 * The controller deposes a node only after a full lease and a margin without seeing a renewal
 * ({@link NodeLiveness}), and only if the node has not renewed since in log order: so no two nodes
 * lead a partition at the same time.
 */
final class NodeLease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLease.class);

  private final Vertx vertx;
  private final MetadataQuorum quorum;
  private final LongSupplier takenIndex;
  private final String nodeId;
  private final String address;
  /** This node's rack, recorded with each registration; null for none. */
  private final String rack;
  private final long leaseMs;
  private final LongSupplier clock;
  private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
  private volatile long leaseEpoch = -1;
  /** The newest renewal whose log index this node has applied; null before the first. */
  private volatile Grant held;
  /** A newer renewal, committed but not yet applied here; the held one serves meanwhile. */
  private volatile Grant pending;
  private volatile boolean renewing;
  private volatile boolean closed;
  private boolean lastTold;
  private long watchTimer = -1;

  /**
   * @param takenIndex the metadata log index up to which this node has acted on the log: its
   *     replicas lead and follow as the log says ({@link ClusterMetadata#appliedIndex}, which moves
   *     after the listeners ran, not the state machine's, which moves before)
   * @param address where this node's metadata voter listens (what the log records of it)
   * @param rack this node's rack (fault domain), recorded in the log with the address; null for none
   * @param clock monotonic milliseconds
   */
  NodeLease(Vertx vertx, MetadataQuorum quorum, LongSupplier takenIndex, String nodeId, String address, String rack, long leaseMs,
      LongSupplier clock) {
    this.vertx = vertx;
    this.quorum = quorum;
    this.takenIndex = takenIndex;
    this.nodeId = nodeId;
    this.address = address;
    this.rack = rack;
    this.leaseMs = leaseMs;
    this.clock = clock;
  }

  /** Registers this run of the node in the metadata log, retrying until a majority commits it; completes with the entry's log index. */
  CompletableFuture<Long> register() {
    CompletableFuture<Long> registered = new CompletableFuture<>();
    tryRegister(registered);
    return registered;
  }

  private void tryRegister(CompletableFuture<Long> registered) {
    if (closed) {
      registered.completeExceptionally(new ClusterException("node " + nodeId + " is closing"));
      return;
    }
    quorum.submit(new RegisterNode(nodeId, address, rack)).whenComplete((committed, failure) -> {
      if (failure == null && committed.reply() instanceof MetadataReply.Accepted accepted) {
        leaseEpoch = accepted.value();
        LOG.info("node {} registered in the metadata log: lease epoch {}", nodeId, leaseEpoch);
        registered.complete(committed.logIndex());
      } else if (failure == null && isRemoved(committed.reply())) {
        registered.completeExceptionally(removed(committed.reply()));
      } else {
        LOG.warn("node {} not registered yet ({}); trying again", nodeId, failure != null ? Failures.cause(failure).getMessage()
            : committed.reply());
        if (!closed) {
          vertx.setTimer(Math.max(100, leaseMs / 4), id -> tryRegister(registered));
        }
      }
    });
  }

  /** Starts renewing (after {@link #register}) and telling listeners when the lease is gained or lost. */
  void startRenewing() {
    renewing = true;
    renew();
    watchTimer = vertx.setPeriodic(Math.max(20, leaseMs / 20), id -> tellIfChanged());
  }

  private void renew() {
    if (closed) {
      return;
    }
    long sentAt = clock.getAsLong();
    quorum.submit(new RenewLease(nodeId, leaseEpoch)).whenComplete((committed, failure) -> {
      if (failure == null && committed.reply().accepted()) {
        extend(sentAt, committed);
      } else if (failure == null && committed.reply() instanceof MetadataReply.Refused refused
          && refused.reason() == MetadataReply.Reason.STALE_LEASE) {
        // A registration of this node committed after the one whose epoch it renews: one that had
        // timed out here and was retried (each attempt may still commit), or another process with
        // this node's id. Registering again fences every earlier epoch; the lease resumes with it.
        LOG.warn("node {} renews a lease epoch the log has moved past ({}); registering again", nodeId, refused.detail());
        tellIfChanged();
        register().whenComplete((index, registerFailure) -> scheduleRenewal(sentAt));
        return;
      } else if (failure == null && isRemoved(committed.reply())) {
        // Removed for good while it ran: it never holds a lease again, so it leads and serves nothing.
        LOG.error(removed(committed.reply()).getMessage());
        tellIfChanged();
        return;
      } else {
        LOG.warn("node {} could not renew its lease: {}", nodeId, failure != null ? Failures.cause(failure).getMessage()
            : committed.reply());
      }
      tellIfChanged();
      scheduleRenewal(sentAt);
    });
  }

  private static boolean isRemoved(MetadataReply reply) {
    return reply instanceof MetadataReply.Refused refused && refused.reason() == MetadataReply.Reason.NODE_REMOVED;
  }

  private NodeRemovedException removed(MetadataReply reply) {
    return new NodeRemovedException("node " + nodeId + " was removed from the cluster for good (" + reply + "): it holds no"
        + " lease and serves nothing; a node comes back with a new node-id and an empty data dir");
  }

  private void scheduleRenewal(long lastSentAt) {
    long next = Math.max(0, lastSentAt + leaseMs / 4 - clock.getAsLong());
    if (!closed) {
      vertx.setTimer(Math.max(1, next), id -> renew());
    }
  }

  /** A renewal's term: it runs until {@code validUntilMs}, once this node has applied the log up to {@code index}. */
  private record Grant(long validUntilMs, long index) {}

  private synchronized void extend(long sentAt, Committed committed) {
    Grant newest = pending != null ? pending : held;
    if (newest == null || sentAt + leaseMs > newest.validUntilMs()) {
      pending = new Grant(sentAt + leaseMs, committed.logIndex());
    }
  }

  /**
   * Tells the cluster that this node is stopping ({@code StopNode} in its lease epoch), retrying
   * until a majority commits it or the monotonic clock passes {@code deadlineMs}; completes with the
   * entry's log index. The lease goes on being renewed: the node serves while its leaderships move.
   * Fails at once if the node does not renew a lease yet (it leads nothing then).
   */
  CompletableFuture<Long> announceStop(long deadlineMs) {
    CompletableFuture<Long> announced = new CompletableFuture<>();
    tryAnnounceStop(deadlineMs, announced);
    return announced;
  }

  private void tryAnnounceStop(long deadlineMs, CompletableFuture<Long> announced) {
    long leftMs = deadlineMs - clock.getAsLong();
    if (!renewing || closed || leftMs <= 0) {
      announced.completeExceptionally(new ClusterException("node " + nodeId + (renewing && !closed
          ? " could not announce its stop before the deadline" : " holds no lease to stop under")));
      return;
    }
    // The epoch is read at each attempt: a renewal refused as stale registers again, in a newer one.
    quorum.submit(new StopNode(nodeId, leaseEpoch)).whenComplete((committed, failure) -> {
      if (failure == null && committed.reply().accepted()) {
        announced.complete(committed.logIndex());
        return;
      }
      LOG.warn("node {} could not announce its stop yet ({}); trying again", nodeId,
          failure != null ? Failures.cause(failure).getMessage() : committed.reply());
      long retryMs = Math.min(Math.max(100, leaseMs / 4), Math.max(1, deadlineMs - clock.getAsLong()));
      vertx.setTimer(retryMs, id -> tryAnnounceStop(deadlineMs, announced));
    });
  }

  /** Whether this node holds its lease now: renewed within the lease, and the log taken up to that renewal. */
  boolean holds() {
    if (!renewing || closed) {
      return false;
    }
    Grant waiting = pending;
    if (waiting != null && takenIndex.getAsLong() >= waiting.index()) {
      synchronized (this) {
        if (pending == waiting) {
          held = waiting;
          pending = null;
        }
      }
    }
    Grant current = held;
    return current != null && clock.getAsLong() < current.validUntilMs();
  }

  /** Tells {@code listener} now, and on every change, whether this node holds its lease. */
  void onChange(Consumer<Boolean> listener) {
    listeners.add(listener);
    listener.accept(holds());
  }

  private synchronized void tellIfChanged() {
    boolean now = holds();
    if (now != lastTold) {
      lastTold = now;
      if (now) {
        LOG.info("node {} holds its lease (epoch {})", nodeId, leaseEpoch);
      } else if (closed) {
        LOG.info("node {} gave its lease up: it is stopping", nodeId); // not a lapse: the last step of a graceful stop
      } else {
        LOG.warn("node {} lost its lease: its partition leaders take no writes and serve no reads", nodeId);
      }
      listeners.forEach(listener -> listener.accept(now));
    }
  }

  @Override
  public void close() {
    closed = true;
    if (watchTimer >= 0) {
      vertx.cancelTimer(watchTimer);
    }
  }
}
