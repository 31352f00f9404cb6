package io.streamgate.cluster;

import io.streamgate.cluster.metadata.MetadataCommand;
import io.streamgate.cluster.metadata.MetadataCommand.CancelReassignment;
import io.streamgate.cluster.metadata.MetadataCommand.ReassignPartition;
import io.streamgate.cluster.metadata.MetadataCommand.SetReplicationThrottle;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.cluster.metadata.MetadataState;
import io.streamgate.cluster.metadata.NodeState;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Moving partitions to other nodes (Kafka's partition reassignment): starting and cancelling moves,
 * what is moving and how far its new replicas are behind, and the throttle on their catch-up. A
 * move is recorded in the metadata log ({@link ReassignPartition}); the new replicas follow the
 * leader as any follower does, join the ISR once caught up, and the {@link Controller} then moves
 * leadership into the target if need be and completes the move (docs/replication.md, "Moving
 * partitions"). Thread-safe; every method answers on another thread than the caller's.
 */
public final class PartitionMoves {
  /** How often a move is asked again when the partition changed under it (its leader epoch, or a move began). */
  private static final int MAX_ATTEMPTS = 10;
  /** How long a leader may take to say how far its new replicas are. */
  private static final long LAGS_TIMEOUT_MS = 5000;

  /** A moving partition as it stands: its replicas now (the union), the target, and each new replica's progress. */
  public record Progress(TopicPartition partition, List<String> replicas, List<String> target, List<String> adding,
      List<String> removing, String leader, List<String> isr, List<AddingReplica> addingReplicas) {}

  /**
   * One replica a move adds: whether it is in sync, and how far behind the leader's log end it is
   * (records, and bytes estimated from the log's average record size); {@code -1} when the leader did
   * not say (it is changing, or out of reach).
   */
  public record AddingReplica(String node, boolean inSync, long lagRecords, long lagBytes) {}

  /** A leader's view of one new replica's lag. */
  record Lag(TopicPartition partition, String follower, long records, long bytes) {}

  private final ClusterMetadata metadata;
  private final Supplier<MetadataState> metadataState;
  private final Executor metadataThread;
  private final NodeRequests nodeRequests;
  private final Supplier<List<Lag>> localLags;

  PartitionMoves(ClusterMetadata metadata, Supplier<MetadataState> state, Executor metadataThread, NodeRequests nodeRequests,
      Supplier<List<Lag>> localLags) {
    this.metadata = metadata;
    this.metadataState = state;
    this.metadataThread = metadataThread;
    this.nodeRequests = nodeRequests;
    this.localLags = localLags;
  }

  /**
   * Starts moving each partition to its target replica list (the first listed becomes its preferred
   * leader), as many replicas as wanted: a target longer or shorter than the partition's replicas
   * changes its replication factor. A partition moving already gets the new target instead of the
   * old one (its original replicas stay those before the first move). Every partition is checked
   * first, and nothing starts if one fails: {@link TopicNotFoundException}, {@link
   * PartitionNotFoundException}, {@link InvalidReplicaAssignmentException} (none given, an empty
   * target, a node twice, unknown or removed). Completes once every move is in the metadata log.
   */
  public CompletableFuture<Void> reassign(Map<TopicPartition, List<String>> targets) {
    return onMetadata(() -> {
      if (targets.isEmpty()) {
        throw new InvalidReplicaAssignmentException("no partition to move");
      }
      targets.forEach(this::check);
      return null;
    }).thenCompose(checked -> allOf(targets.keySet(), tp -> reassign(tp, targets.get(tp))));
  }

  /** Starts moving one partition, as {@link #reassign(Map)} does. */
  public CompletableFuture<Void> reassign(TopicPartition partition, List<String> target) {
    return reassign(partition, target, true);
  }

  /**
   * Starts moving one partition, as {@link #reassign(Map)} does; unless {@code replicationFactorMayChange},
   * a target whose count differs from the original replicas' is {@link InvalidReplicationFactorException}
   * (Kafka's AlterPartitionReassignments v1 {@code allowReplicationFactorChange=false}).
   */
  public CompletableFuture<Void> reassign(TopicPartition partition, List<String> target, boolean replicationFactorMayChange) {
    return attempt(() -> {
      PartitionState current = check(partition, target);
      int replicas = current.originalReplicas().size();
      if (!replicationFactorMayChange && target.size() != replicas) {
        throw new InvalidReplicationFactorException(target.size() + " replicas for " + partition + " of " + replicas
            + ": the replication factor may not change");
      }
      // A move the rules before format 10 allow is written as then, so that a node not yet upgraded applies it alike.
      boolean sameRulesAsBefore = !current.moving() && target.size() == existing(partition).topic().replicationFactor();
      return new ReassignPartition(partition.topic(), partition.partition(), current.leaderEpoch(), target,
          !sameRulesAsBefore);
    }, 1);
  }

  /**
   * Cancels the moves of these partitions: each goes back to its original replicas, and the new ones
   * drop their copies. Checked first as a whole ({@link NoReassignmentException} for one not moving).
   */
  public CompletableFuture<Void> cancel(Collection<TopicPartition> partitions) {
    return onMetadata(() -> {
      if (partitions.isEmpty()) {
        throw new InvalidReplicaAssignmentException("no partition to cancel the move of");
      }
      partitions.forEach(this::checkMoving);
      return null;
    }).thenCompose(checked -> allOf(partitions, this::cancel));
  }

  /** Cancels one partition's move, as {@link #cancel(Collection)} does. */
  public CompletableFuture<Void> cancel(TopicPartition partition) {
    return attempt(() -> {
      PartitionState current = checkMoving(partition);
      return new CancelReassignment(partition.topic(), partition.partition(), current.leaderEpoch());
    }, 1);
  }

  /** Every partition moving now, by topic and partition, with its new replicas' lag as their leaders see it. */
  public CompletableFuture<List<Progress>> inProgress() {
    List<Progress> moving = new ArrayList<>();
    Set<String> leaders = new HashSet<>();
    for (TopicState topic : metadata.liveTopics()) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        PartitionState state = topic.partition(p);
        if (state.moving()) {
          moving.add(new Progress(new TopicPartition(topic.name(), p), state.replicas(), state.targetReplicas(), state.adding(),
              state.removing(), state.leader(), state.isr(), List.of()));
          if (state.hasLeader()) {
            leaders.add(state.leader());
          }
        }
      }
    }
    List<CompletableFuture<List<Lag>>> asked = leaders.stream().map(this::lagsOf).toList();
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenApply(done -> {
      Map<String, Lag> lags = new LinkedHashMap<>();
      asked.stream().flatMap(answer -> answer.join().stream())
          .forEach(lag -> lags.put(lag.partition() + "/" + lag.follower(), lag));
      return moving.stream().map(progress -> withLags(progress, lags)).toList();
    });
  }

  /** How many partitions of the cluster are moving, from this node's copy of the metadata (for metrics; in memory). */
  public int movingPartitions() {
    return (int) metadata.liveTopics().stream().flatMap(topic -> topic.partitions().stream()).filter(PartitionState::moving)
        .count();
  }

  /**
   * The bytes the replicas that moves add still have to copy from the partitions this node leads
   * (estimated as {@link AddingReplica#lagBytes}; for metrics; in memory).
   */
  public long bytesLeftHere() {
    return localLags.get().stream().mapToLong(Lag::bytes).sum();
  }

  /** The cap on the new replicas' catch-up traffic, bytes per second on each leader; 0 for none. */
  public long throttle() {
    return metadataState.get().replicationThrottle();
  }

  /** Sets {@link #throttle()} for the whole cluster (0: none); completes once it is in the metadata log. */
  public CompletableFuture<Void> setThrottle(long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("a throttle of " + bytesPerSecond + " bytes/s"));
    }
    return metadata.submit(new SetReplicationThrottle(bytesPerSecond)).thenAccept(PartitionMoves::acceptedOrThrow);
  }

  private CompletableFuture<List<Lag>> lagsOf(String leader) {
    if (leader.equals(metadata.nodeId())) {
      return CompletableFuture.completedFuture(localLags.get());
    }
    return nodeRequests.request(leader, Wire.MOVE_LAGS, new JsonObject(), new DeliveryOptions().setSendTimeout(LAGS_TIMEOUT_MS))
        .thenApply(answer -> Wire.moveLags((JsonArray) answer))
        .exceptionally(failure -> List.of()); // unknown for now: shown as -1
  }

  private static Progress withLags(Progress progress, Map<String, Lag> lags) {
    List<AddingReplica> adding = progress.adding().stream().map(node -> {
      Lag lag = lags.get(progress.partition() + "/" + node);
      return new AddingReplica(node, progress.isr().contains(node), lag == null ? -1 : lag.records(),
          lag == null ? -1 : lag.bytes());
    }).toList();
    return new Progress(progress.partition(), progress.replicas(), progress.target(), progress.adding(), progress.removing(),
        progress.leader(), progress.isr(), adding);
  }

  /** The partition, if a move to {@code target} can start now; metadata thread. */
  private PartitionState check(TopicPartition partition, List<String> target) {
    TopicState topic = existing(partition);
    if (target == null || target.isEmpty()) {
      throw new InvalidReplicaAssignmentException("no replicas given for " + partition);
    }
    if (new HashSet<>(target).size() != target.size()) {
      throw new InvalidReplicaAssignmentException("a node twice in " + target + " for " + partition);
    }
    MetadataState state = metadataState.get();
    List<String> unknown = target.stream().filter(node -> state.node(node).map(NodeState::removed).orElse(true)).toList();
    if (!unknown.isEmpty()) {
      throw new InvalidReplicaAssignmentException("no node " + String.join(", ", unknown) + " in the cluster (" + partition + ")");
    }
    return topic.partition(partition.partition());
  }

  private PartitionState checkMoving(TopicPartition partition) {
    PartitionState state = existing(partition).partition(partition.partition());
    if (!state.moving()) {
      throw new NoReassignmentException(partition + " is not moving");
    }
    return state;
  }

  private TopicState existing(TopicPartition partition) {
    TopicState topic = metadata.topic(partition.topic())
        .orElseThrow(() -> new TopicNotFoundException("topic '" + partition.topic() + "' does not exist"));
    if (partition.partition() < 0 || partition.partition() >= topic.partitions().size()) {
      throw new PartitionNotFoundException(partition + " does not exist");
    }
    return topic;
  }

  /** Builds the command on the metadata thread and submits it; asked again if the leader epoch moved meanwhile. */
  private CompletableFuture<Void> attempt(Supplier<MetadataCommand> command, int attempt) {
    return onMetadata(command).thenCompose(metadata::submit).thenCompose(reply -> {
      // A move written by the rules before format 10 on a partition that started moving meanwhile: look again.
      if (reply instanceof Refused refused && (refused.reason() == Reason.STALE_EPOCH
          || refused.reason() == Reason.REASSIGNMENT_IN_PROGRESS) && attempt < MAX_ATTEMPTS) {
        return attempt(command, attempt + 1);
      }
      acceptedOrThrow(reply);
      return CompletableFuture.completedFuture(null);
    });
  }

  private static void acceptedOrThrow(MetadataReply reply) {
    if (reply instanceof Refused refused) {
      throw switch (refused.reason()) {
        case TOPIC_NOT_FOUND -> new TopicNotFoundException(refused.detail());
        case NO_REASSIGNMENT -> new NoReassignmentException(refused.detail());
        case INVALID, NODE_NOT_FOUND, NODE_REMOVED -> new InvalidReplicaAssignmentException(refused.detail());
        default -> new ClusterException("the metadata log refused the change: " + refused.detail());
      };
    }
  }

  private <T> CompletableFuture<Void> allOf(Collection<T> items, Function<T, CompletableFuture<Void>> each) {
    return CompletableFuture.allOf(items.stream().map(each).toArray(CompletableFuture[]::new));
  }

  private <T> CompletableFuture<T> onMetadata(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, metadataThread);
  }
}
