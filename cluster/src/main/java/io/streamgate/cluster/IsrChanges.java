package io.streamgate.cluster;

import io.streamgate.cluster.metadata.MetadataCommand.ChangeIsr;
import io.streamgate.logstore.TopicPartition;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's changes to the ISRs of the partitions it leads: a lagging follower out, a caught-up one
 * back in. Each is a {@link ChangeIsr} proposed to the metadata log, which refuses it once the leader
 * epoch moved, so a deposed leader changes nothing. Until the change is committed and applied here
 * the replica counts on the larger of the old and the new ISR (Kafka's AlterPartition).
 */
final class IsrChanges {
  private static final Logger LOG = LoggerFactory.getLogger(IsrChanges.class);

  private final ClusterMetadata metadata;
  private final NodeLiveness liveness;
  private final String nodeId;
  private final long replicaLagMaxMs;

  IsrChanges(ClusterMetadata metadata, NodeLiveness liveness, String nodeId, long replicaLagMaxMs) {
    this.metadata = metadata;
    this.liveness = liveness;
    this.nodeId = nodeId;
    this.replicaLagMaxMs = replicaLagMaxMs;
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
    // Only a node with a live lease: a node the cluster declared gone may still fetch (a long
    // pause, a cut to the metadata quorum only), and the controller would take it out again at once.
    // Nor a stopping one: it catches up as it hands off, and the log would refuse it.
    change(replica, state -> {
      if (!liveness.isAlive(follower) || liveness.isStopping(follower)) {
        return state.isr();
      }
      LOG.info("{}: follower {} caught up; adding it to the ISR", replica.partition(), follower);
      return state.isrWith(follower);
    });
  }

  private void change(Replica replica, Function<PartitionState, List<String>> newIsr) {
    int epoch = replica.epoch();
    TopicPartition tp = replica.partition();
    Optional<PartitionState> known = metadata.topic(tp.topic())
        .filter(topic -> tp.partition() < topic.partitions().size())
        .map(topic -> topic.partition(tp.partition()));
    List<String> isr = known.map(newIsr).orElse(List.of());
    // Only the leader of this very epoch may change its ISR.
    if (known.isEmpty() || !nodeId.equals(known.get().leader()) || known.get().leaderEpoch() != epoch || isr.isEmpty()
        || isr.equals(known.get().isr())) {
      replica.isrChangeDone(false);
      return;
    }
    LOG.info("{}: ISR {} -> {}", tp, known.get().isr(), isr);
    metadata.submit(new ChangeIsr(tp.topic(), tp.partition(), epoch, isr)).whenComplete((reply, failure) -> {
      if (failure != null || !reply.accepted()) {
        LOG.warn("{}: ISR change not made: {}", tp, failure != null ? Failures.cause(failure).getMessage() : reply);
      }
      replica.isrChangeDone(failure == null && reply.accepted());
    });
  }
}
