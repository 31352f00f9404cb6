package io.streamgate.cluster;

import io.streamgate.cluster.metadata.MetadataCommand;
import io.streamgate.cluster.metadata.MetadataCommand.Fence;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RemoveNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataCommand.StopNode;
import io.streamgate.cluster.metadata.MetadataListener;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.cluster.metadata.MetadataState;
import io.streamgate.cluster.metadata.NodeState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Whose lease may still run, as this node's applied metadata log shows: the controller's view of
 * the other nodes ({@link NodeLease} is a node's view of its own).
 *
 * <p>A node's lease runs {@code leaseMs} from just before it sent its last renewal. This node sees a
 * renewal only once it is committed and applied, which is later than it was sent; so timing the lease
 * from that moment, on this node's own monotonic clock, never ends it early. A margin on top covers
 * clocks that run at slightly different rates. Entries replayed from disk at start and a snapshot
 * say a node renewed, not when: they count from the moment they are applied (a lease may still run),
 * but not as proof that the node is up now.
 *
 * <ul>
 *   <li>{@link #mayHoldLease}: a renewal seen within the lease and margin; the controller deposes
 *       no leader for which this holds;
 *   <li>{@link #isAlive}: the same, from a renewal this process saw committed live; only such a node
 *       is elected or given new replicas;
 *   <li>{@link #fence}: the lease epoch and renewal count last seen, which an election that deposes
 *       the node states, so that the log refuses it if the node renewed since;
 *   <li>{@link #isStopping}: the node announced a graceful stop ({@code StopNode}) in its lease
 *       epoch: it still holds its lease, but is to lead nothing and leave the ISRs.
 * </ul>
 */
final class NodeLiveness implements MetadataListener {
  private final long expiryMs;
  private final LongSupplier clock;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  /** Entries up to this index were on disk at start (replays); until known, every entry counts as one. */
  private volatile long replayedUpTo = Long.MAX_VALUE;
  /** No lease counts as over until {@code expiryMs} after this (a new controller starts every timer anew). */
  private volatile long timersSinceMs = Long.MIN_VALUE;

  private record Seen(long leaseEpoch, long renewals, long atMs, boolean live, boolean stopping) {}

  /**
   * @param leaseMs how long a node's lease runs from its renewal
   * @param clock monotonic milliseconds
   */
  NodeLiveness(long leaseMs, LongSupplier clock) {
    this.expiryMs = leaseMs + Math.max(100, leaseMs / 4);
    this.clock = clock;
  }

  /** Entries up to {@code index} were read from disk at start, not committed live. */
  void replayedUpTo(long index) {
    replayedUpTo = index;
  }

  /** Counts every lease as running for another full term from now: called when this node becomes the controller. */
  void restartTimers() {
    timersSinceMs = clock.getAsLong();
  }

  @Override
  public void applied(long index, MetadataCommand command, MetadataReply reply, MetadataState state) {
    String node = command instanceof RenewLease renew ? renew.node()
        : command instanceof RegisterNode register ? register.node() : null;
    if (node != null && reply.accepted()) {
      state.node(node).ifPresent(renewed -> see(renewed, index > replayedUpTo));
    }
    if (command instanceof RemoveNode remove && reply.accepted()) {
      seen.remove(remove.node()); // gone for good: neither alive nor holding a lease
    }
    if (command instanceof StopNode stop && reply.accepted()) {
      // Not a renewal: the node's lease runs on from its last one, as the node itself counts it.
      seen.computeIfPresent(stop.node(), (id, last) -> new Seen(last.leaseEpoch(), last.renewals(), last.atMs(), last.live(), true));
    }
  }

  @Override
  public void restored(MetadataState state) {
    state.nodes().values().stream().filter(node -> !node.removed()).forEach(node -> see(node, false));
  }

  private void see(NodeState node, boolean live) {
    seen.put(node.id(), new Seen(node.leaseEpoch(), node.renewals(), clock.getAsLong(), live, node.stopping()));
  }

  boolean mayHoldLease(String node) {
    Seen last = seen.get(node);
    return last != null && clock.getAsLong() - Math.max(last.atMs(), timersSinceMs) <= expiryMs;
  }

  boolean isAlive(String node) {
    Seen last = seen.get(node);
    return last != null && last.live() && clock.getAsLong() - last.atMs() <= expiryMs;
  }

  /** Whether {@code node} is handing its leaderships off to stop (until it registers again). */
  boolean isStopping(String node) {
    Seen last = seen.get(node);
    return last != null && last.stopping();
  }

  /** The nodes {@link #isAlive}, sorted. */
  List<String> aliveNodes() {
    return seen.keySet().stream().filter(this::isAlive).sorted().toList();
  }

  /** What an election that deposes {@code node} must find unchanged: its lease as last seen here. */
  Optional<Fence> fence(String node) {
    return Optional.ofNullable(seen.get(node)).map(last -> new Fence(node, last.leaseEpoch(), last.renewals()));
  }
}
