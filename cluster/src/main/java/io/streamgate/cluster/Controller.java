package io.streamgate.cluster;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's controller duties, carried out by whichever node is the oldest Hazelcast member and
 * only while its side of the cluster has a quorum. On every membership change and on a timer it
 * looks at every partition and:
 * <ul>
 *   <li>elects a leader for a partition whose leader is dead (or missing): the first replica, in
 *       replica order, that is alive and in the ISR, in the next epoch; an out-of-sync replica only
 *       if the topic allows unclean election; otherwise the partition stays offline until an
 *       in-sync replica returns;
 *   <li>removes dead nodes from the ISR, so that {@code acks=all} writes need not wait for them;
 *   <li>moves leadership back to the preferred (first) replica once it is alive and in sync, when
 *       automatic rebalancing is on (and always on {@link #rebalance()}).
 * </ul>
 * Each change is a compare-and-set on the topic, so it never overwrites a leader's concurrent ISR
 * change. Runs on the metadata thread.
 */
final class Controller {
  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

  private final ClusterMetadata metadata;
  private final boolean autoRebalance;

  Controller(ClusterMetadata metadata, boolean autoRebalance) {
    this.metadata = metadata;
    this.autoRebalance = autoRebalance;
  }

  /** One pass over every partition, if this node is the controller and has a quorum. */
  void reconcile() {
    if (metadata.isController() && metadata.hasQuorum()) {
      pass(autoRebalance);
    }
  }

  /** Moves every partition's leadership to its preferred replica where that replica is in sync; returns how many moved. */
  int rebalance() {
    return pass(true);
  }

  private int pass(boolean preferLeaders) {
    int preferredMoves = 0;
    for (TopicState topic : metadata.liveTopics()) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        int partition = p;
        PartitionState before = topic.partition(p);
        PartitionState wanted = decide(before, TopicConfigs.uncleanLeaderElection(topic.topic().config()), preferLeaders);
        if (wanted.equals(before)) {
          continue;
        }
        boolean preferredMove = before.hasLeader() && metadata.isAlive(before.leader())
            && !before.leader().equals(wanted.leader());
        try {
          metadata.update(topic.name(), current -> {
            if (partition >= current.partitions().size()) {
              return current;
            }
            PartitionState now = current.partition(partition);
            PartitionState decided = decide(now, TopicConfigs.uncleanLeaderElection(current.topic().config()), preferLeaders);
            if (decided.equals(now)) {
              return current;
            }
            LOG.info("{}-{}: leader {} epoch {} ISR {} -> leader {} epoch {} ISR {}", current.name(), partition, now.leader(),
                now.leaderEpoch(), now.isr(), decided.leader(), decided.leaderEpoch(), decided.isr());
            return current.withPartition(partition, s -> decided);
          });
          if (preferredMove) {
            preferredMoves++;
          }
        } catch (RuntimeException e) {
          LOG.warn("{}-{}: cannot change leadership: {}", topic.name(), partition, e.getMessage());
        }
      }
    }
    return preferredMoves;
  }

  /**
   * Run by a node as it starts, before it takes up any replica: it gives up the leaderships and ISR
   * places its previous run held, because its log may now hold less than it did (a wiped or
   * restored data dir, an unflushed tail lost with the machine), and the cluster may not have
   * noticed that it was ever gone. Where it is the only in-sync replica, it keeps its place: there
   * is no better copy. It earns its places back by catching up. Needs a quorum; without one (a
   * whole-cluster cold start) nothing changes.
   */
  void resignAfterRestart(String node) {
    if (!metadata.hasQuorum()) {
      return;
    }
    for (TopicState topic : metadata.liveTopics()) {
      metadata.update(topic.name(), current -> {
        TopicState changed = current;
        for (int p = 0; p < current.partitions().size(); p++) {
          PartitionState state = current.partition(p);
          List<String> others = state.isrWithout(node);
          if (!state.isr().contains(node) || others.isEmpty()) {
            continue;
          }
          String leader = state.leader();
          if (node.equals(leader)) {
            String successor = state.replicas().stream().filter(others::contains).filter(metadata::isAlive).findFirst().orElse(null);
            if (successor == null) {
              continue;
            }
            changed = changed.withPartition(p, s -> s.elect(successor, others));
          } else {
            changed = changed.withPartition(p, s -> s.withIsr(others));
          }
          LOG.info("{}-{}: {} restarted; it leaves the ISR {} until it has caught up", current.name(), p, node, state.isr());
        }
        return changed;
      });
    }
  }

  /** What a partition's state should be given who is alive; {@code state} itself when nothing should change. */
  PartitionState decide(PartitionState state, boolean unclean, boolean preferLeaders) {
    List<String> aliveIsr = state.isr().stream().filter(metadata::isAlive).toList();
    boolean leaderAlive = state.hasLeader() && metadata.isAlive(state.leader());
    if (!leaderAlive) {
      String elected = state.replicas().stream().filter(aliveIsr::contains).findFirst().orElse(null);
      if (elected != null) {
        return state.elect(elected, aliveIsr);
      }
      if (unclean) {
        String anyAlive = state.replicas().stream().filter(metadata::isAlive).findFirst().orElse(null);
        if (anyAlive != null) {
          LOG.warn("unclean election of {}: no in-sync replica of {} is alive; records only they held are lost", anyAlive,
              state.isr());
          return state.elect(anyAlive, List.of(anyAlive));
        }
      }
      // Offline: keep the last ISR, so that one of them can lead when it returns.
      return state.hasLeader() ? new PartitionState(null, state.leaderEpoch() + 1, state.replicas(), state.isr()) : state;
    }
    if (aliveIsr.size() < state.isr().size()) {
      return state.withIsr(aliveIsr);
    }
    String preferred = state.preferredLeader();
    if (preferLeaders && !preferred.equals(state.leader()) && aliveIsr.contains(preferred)) {
      return state.elect(preferred, new ArrayList<>(state.isr()));
    }
    return state;
  }
}
