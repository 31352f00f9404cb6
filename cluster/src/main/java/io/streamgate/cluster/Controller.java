package io.streamgate.cluster;

import io.streamgate.cluster.metadata.MetadataCommand;
import io.streamgate.cluster.metadata.MetadataCommand.ChangeIsr;
import io.streamgate.cluster.metadata.MetadataCommand.CompleteReassignment;
import io.streamgate.cluster.metadata.MetadataCommand.ElectLeader;
import io.streamgate.cluster.metadata.MetadataCommand.Fence;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.logstore.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's controller duties, carried out by the Raft leader of the metadata log. On every
 * change of the live nodes and on a timer it looks at every partition and proposes:
 * <ul>
 *   <li>a new leader for a partition whose leader's lease has run out ({@link NodeLiveness}): the
 *       first replica, in replica order, that is alive and in the ISR, in the next epoch; an
 *       out-of-sync replica only if the topic allows unclean election; otherwise the partition stays
 *       offline until an in-sync replica returns. The election names the deposed node's lease as
 *       last seen ({@link Fence}): if the node renewed since, the log refuses it;
 *   <li>removing nodes whose lease has run out from the ISR, so that {@code acks=all} writes need
 *       not wait for them;
 *   <li>moving leadership back to the preferred (first) replica once it is alive and in sync, when
 *       automatic rebalancing is on (and always on {@link #rebalance()});
 *   <li>for a node that is stopping ({@link NodeLiveness#isStopping}): moving its leaderships to the
 *       first live in-sync replica that is not stopping, and taking it out of the ISRs, unless no
 *       such replica is in sync with it (it keeps leading: there is no better copy). Unlike a node whose
 *       lease ended it is alive and cooperating, so no fence: its lease keeps it serving, forwarding
 *       to the new leaders, until it has seen every move;
 *   <li>for a moving partition whose whole target is in sync: leadership to a target replica if the
 *       leader is not one, then the move's completion ({@link #moveStep}).
 * </ul>
 * Every proposal states the epoch it expects, so it never overwrites a leader's concurrent ISR
 * change, and a proposal of a deposed controller is refused. Decisions run on the metadata thread;
 * the proposals complete on their own.
 */
final class Controller {
  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

  private final ClusterMetadata metadata;
  private final NodeLiveness liveness;
  private final boolean autoRebalance;
  /** Partitions with a proposal in flight: not proposed for again until it is answered. */
  private final Set<TopicPartition> proposing = ConcurrentHashMap.newKeySet();
  /** Written on the metadata thread only; read by metrics. */
  private volatile boolean wasController;
  /** How many times this node became or stopped being the controller; for metrics. */
  private final AtomicLong changes = new AtomicLong();

  Controller(ClusterMetadata metadata, NodeLiveness liveness, boolean autoRebalance) {
    this.metadata = metadata;
    this.liveness = liveness;
    this.autoRebalance = autoRebalance;
  }

  /** One pass over every partition, if this node is the controller. Metadata thread. */
  void reconcile() {
    boolean controller = metadata.isController();
    if (controller && !wasController) {
      // It cannot know when its predecessor last saw each renewal: every lease gets a full term.
      liveness.restartTimers();
      LOG.info("this node is the controller; no lease counts as over before a full term from now");
    }
    if (controller != wasController) {
      changes.incrementAndGet();
    }
    wasController = controller;
    if (controller) {
      pass(autoRebalance);
    }
  }

  /** Whether this node acted as the controller at its last pass (every few tens of ms). Thread-safe. */
  boolean active() {
    return wasController;
  }

  /** How many times this node became or stopped being the controller since it started. Thread-safe. */
  long changes() {
    return changes.get();
  }

  /** Moves every partition's leadership to its preferred replica where that replica is in sync; completes with how many moved. */
  CompletableFuture<Integer> rebalance() {
    return pass(true);
  }

  private CompletableFuture<Integer> pass(boolean preferLeaders) {
    List<CompletableFuture<Boolean>> preferredMoves = new ArrayList<>();
    for (TopicState topic : metadata.liveTopics()) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        TopicPartition tp = new TopicPartition(topic.name(), p);
        PartitionState before = topic.partition(p);
        PartitionState wanted = decide(before, TopicConfigs.uncleanLeaderElection(topic.topic().config()), preferLeaders);
        if (wanted.equals(before)) {
          moveStep(tp, before);
          continue;
        }
        if (!proposing.add(tp)) {
          continue;
        }
        boolean deposes = before.hasLeader() && !before.leader().equals(wanted.leader());
        // A leader whose lease may still run is moved with its consent: to the preferred replica, or off a stopping node.
        boolean voluntary = deposes && liveness.mayHoldLease(before.leader());
        boolean preferredMove = voluntary && !liveness.isStopping(before.leader());
        MetadataCommand command;
        if (wanted.leaderEpoch() != before.leaderEpoch()) {
          Fence fence = deposes && !voluntary ? liveness.fence(before.leader()).orElse(null) : null;
          command = new ElectLeader(tp.topic(), p, before.leaderEpoch(), wanted.leader(), wanted.isr(), fence);
        } else {
          command = new ChangeIsr(tp.topic(), p, before.leaderEpoch(), wanted.isr());
        }
        LOG.info("{}: leader {} epoch {} ISR {} -> leader {} epoch {} ISR {}", tp, before.leader(), before.leaderEpoch(),
            before.isr(), wanted.leader(), wanted.leaderEpoch(), wanted.isr());
        CompletableFuture<Boolean> accepted = metadata.submit(command).handle((reply, failure) -> {
          proposing.remove(tp);
          if (failure != null) {
            LOG.warn("{}: change not made: {}", tp, Failures.cause(failure).getMessage());
            return false;
          }
          if (reply instanceof MetadataReply.Refused refused) {
            LOG.info("{}: change refused: {}", tp, refused.detail());
          }
          return reply.accepted();
        });
        if (preferredMove) {
          preferredMoves.add(accepted);
        }
      }
    }
    return CompletableFuture.allOf(preferredMoves.toArray(CompletableFuture[]::new))
        .thenApply(done -> (int) preferredMoves.stream().filter(CompletableFuture::join).count());
  }

  /**
   * The next step of a move once every target replica is in the ISR: leadership to a target replica
   * if the leader is none (a voluntary move, as a preferred-leader move), then the move's completion,
   * which drops the replicas that are not in the target (docs/replication.md, "Moving partitions").
   */
  private void moveStep(TopicPartition tp, PartitionState state) {
    List<String> target = state.targetReplicas();
    if (!state.moving() || !state.hasLeader() || !state.isr().containsAll(target) || !proposing.add(tp)) {
      return;
    }
    MetadataCommand command;
    if (target.contains(state.leader())) {
      command = new CompleteReassignment(tp.topic(), tp.partition(), state.leaderEpoch());
      LOG.info("{}: move to {} complete; {} leave", tp, target, state.removing());
    } else {
      String successor = target.stream().filter(liveness::isAlive).filter(node -> !liveness.isStopping(node)).findFirst()
          .orElse(null);
      if (successor == null) {
        proposing.remove(tp);
        return;
      }
      command = new ElectLeader(tp.topic(), tp.partition(), state.leaderEpoch(), successor, state.isr(), null);
      LOG.info("{}: moving; leadership {} -> {} in epoch {}", tp, state.leader(), successor, state.leaderEpoch() + 1);
    }
    metadata.submit(command).whenComplete((reply, failure) -> {
      proposing.remove(tp);
      if (failure != null) {
        LOG.warn("{}: move step not made: {}", tp, Failures.cause(failure).getMessage());
      } else if (reply instanceof MetadataReply.Refused refused) {
        LOG.info("{}: move step refused: {}", tp, refused.detail());
      }
    });
  }

  /**
   * {@code node} gives up its leaderships (to the first live in-sync replica) and its ISR places.
   * Where it is the only in-sync replica, it keeps its place: there is no better copy. Run by a node
   * <ul>
   *   <li>as it starts, before it takes up any replica: its log may now hold less than its previous
   *       run's did (a wiped or restored data dir, an unflushed tail lost with the machine), and the
   *       cluster may not have noticed that it was ever gone. It earns its places back by catching up;
   *   <li>on a graceful stop, once it has stopped leading: the others need not wait out its lease.
   * </ul>
   * Completes once every change is committed or refused; fails retriably while no majority commits.
   */
  CompletableFuture<Void> resign(String node) {
    List<CompletableFuture<MetadataReply>> changes = new ArrayList<>();
    for (TopicState topic : metadata.liveTopics()) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        PartitionState state = topic.partition(p);
        List<String> others = state.isrWithout(node);
        if (!state.isr().contains(node) || others.isEmpty()) {
          continue;
        }
        MetadataCommand command;
        if (node.equals(state.leader())) {
          String successor = successor(state, others);
          if (successor == null) {
            continue;
          }
          command = new ElectLeader(topic.name(), p, state.leaderEpoch(), successor, others, null);
        } else {
          command = new ChangeIsr(topic.name(), p, state.leaderEpoch(), others);
        }
        LOG.info("{}-{}: {} leaves the ISR {}{}", topic.name(), p, node, state.isr(),
            command instanceof ElectLeader elect ? " and hands leadership to " + elect.newLeader() : "");
        changes.add(metadata.submit(command));
      }
    }
    return CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new));
  }

  /** What a partition's state should be given whose leases run; {@code state} itself when nothing should change. */
  PartitionState decide(PartitionState state, boolean unclean, boolean preferLeaders) {
    List<String> keptIsr = state.isr().stream().filter(liveness::mayHoldLease).toList();
    boolean leaderServes = state.hasLeader() && liveness.mayHoldLease(state.leader());
    if (!leaderServes) {
      String elected = successor(state, keptIsr);
      if (elected != null) {
        return state.elect(elected, keptIsr);
      }
      if (unclean) {
        String anyAlive = state.replicas().stream().filter(liveness::isAlive).findFirst().orElse(null);
        if (anyAlive != null) {
          LOG.warn("unclean election of {}: no in-sync replica of {} is alive; records only they held are lost", anyAlive,
              state.isr());
          return state.elect(anyAlive, List.of(anyAlive));
        }
      }
      // Offline: keep the last ISR, so that one of them can lead when it returns.
      return state.hasLeader() ? new PartitionState(null, state.leaderEpoch() + 1, state.replicas(), state.isr()) : state;
    }
    // Stopping nodes hand over as if their leases had ended, without a fence (they cooperate): they
    // leave the ISR and their leaderships go to the first live in-sync replica that is not stopping.
    // Where there is none, nothing changes: the leader has no better copy to hand to, and the ISR
    // stays whole for when the nodes return (a whole cluster stopped at once, say).
    List<String> staying = keptIsr.stream().filter(node -> !liveness.isStopping(node)).toList();
    if (staying.size() < keptIsr.size()) {
      if (!liveness.isStopping(state.leader())) {
        keptIsr = staying;
      } else {
        String successor = state.replicas().stream().filter(staying::contains).filter(liveness::isAlive).findFirst()
            .orElse(null);
        if (successor != null) {
          return state.elect(successor, staying);
        }
      }
    }
    if (keptIsr.size() < state.isr().size()) {
      return state.withIsr(keptIsr);
    }
    String preferred = state.preferredLeader();
    // A moving partition's leadership moves last, once the whole target is in sync (moveStep).
    if (preferLeaders && !state.moving() && !preferred.equals(state.leader()) && keptIsr.contains(preferred) && liveness.isAlive(preferred)
        && !liveness.isStopping(preferred)) {
      return state.elect(preferred, new ArrayList<>(state.isr()));
    }
    return state;
  }

  /**
   * Who leads after a leader whose lease ended: the first replica in {@code candidates} (in replica
   * order) that is alive, one that is not stopping if there is one; null if none is alive.
   */
  private String successor(PartitionState state, List<String> candidates) {
    List<String> alive = state.replicas().stream().filter(candidates::contains).filter(liveness::isAlive).toList();
    return alive.stream().filter(node -> !liveness.isStopping(node)).findFirst().orElse(alive.isEmpty() ? null : alive.get(0));
  }
}
