package io.streamgate.cluster;

import io.streamgate.logstore.TopicPartition;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's changes to the ISRs of the partitions it leads: a lagging follower out, a caught-up one
 * back in. Each is a compare-and-set on the metadata, made on the metadata thread and guarded by
 * the leader epoch the replica had when it asked, so a deposed leader changes nothing.
 */
final class IsrChanges {
  private static final Logger LOG = LoggerFactory.getLogger(IsrChanges.class);

  private final ClusterMetadata metadata;
  private final String nodeId;
  private final long replicaLagMaxMs;
  private final Executor metadataThread;

  IsrChanges(ClusterMetadata metadata, String nodeId, long replicaLagMaxMs, Executor metadataThread) {
    this.metadata = metadata;
    this.nodeId = nodeId;
    this.replicaLagMaxMs = replicaLagMaxMs;
    this.metadataThread = metadataThread;
  }

  /** Takes out of their ISRs the followers that have not caught up for the replica lag time. */
  void shrinkLagging(Collection<Replica> replicas) {
    for (Replica replica : replicas) {
      List<String> lagging = replica.laggingFollowers(replicaLagMaxMs);
      if (!lagging.isEmpty()) {
        LOG.warn("{}: followers {} have not caught up for {} ms; removing them from the ISR", replica.partition(), lagging,
            replicaLagMaxMs);
        change(replica, state -> state.isr().stream().filter(r -> !lagging.contains(r)).toList());
      }
    }
  }

  /** Puts a follower that caught up back into the ISR. */
  void addCaughtUp(Replica replica, String follower) {
    // Only a member of the cluster: a node the cluster declared gone may still fetch (a long
    // pause, a cut to Hazelcast only), and the controller would take it out again at once.
    change(replica, state -> {
      if (!metadata.isAlive(follower)) {
        return state.isr();
      }
      LOG.info("{}: follower {} caught up; adding it to the ISR", replica.partition(), follower);
      return state.isrWith(follower);
    });
  }

  private void change(Replica replica, Function<PartitionState, List<String>> newIsr) {
    int epoch = replica.epoch();
    TopicPartition tp = replica.partition();
    metadataThread.execute(() -> {
      // Whether the last attempt of the compare-and-set wrote the change (it may be tried again).
      boolean[] written = {false};
      try {
        metadata.update(tp.topic(), topic -> {
          written[0] = false;
          if (tp.partition() >= topic.partitions().size()) {
            return topic;
          }
          PartitionState state = topic.partition(tp.partition());
          List<String> isr = newIsr.apply(state);
          // Only the leader of this very epoch may change its ISR.
          if (!nodeId.equals(state.leader()) || state.leaderEpoch() != epoch || isr.equals(state.isr()) || isr.isEmpty()) {
            return topic;
          }
          LOG.info("{}: ISR {} -> {}", tp, state.isr(), isr);
          written[0] = true;
          return topic.withPartition(tp.partition(), s -> s.withIsr(isr));
        });
      } catch (RuntimeException e) {
        written[0] = false;
        LOG.warn("{}: ISR change not made: {}", tp, e.getMessage());
      } finally {
        replica.isrChangeDone(written[0]);
      }
    });
  }
}
