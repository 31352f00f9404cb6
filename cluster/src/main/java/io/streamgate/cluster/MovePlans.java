package io.streamgate.cluster;

import io.streamgate.cluster.ReplicaPlanner.Move;
import io.streamgate.cluster.metadata.MetadataState;
import io.streamgate.cluster.metadata.NodeState;
import io.streamgate.logstore.TopicPartition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Growing and shrinking the cluster's data (docs/replication.md, "Growing and shrinking"): plans,
 * from the metadata, where replicas should go ({@link ReplicaPlanner}) so that they spread evenly
 * over a set of nodes or drain one node, and starts those moves with {@link PartitionMoves}, which
 * checks them again and carries them out. A moving partition counts as already on its target.
 * Thread-safe; plans are made on the metadata thread.
 */
public final class MovePlans {
  private final ClusterMetadata metadata;
  private final Supplier<MetadataState> metadataState;
  private final Executor metadataThread;
  private final PartitionMoves moves;

  MovePlans(ClusterMetadata metadata, Supplier<MetadataState> state, Executor metadataThread, PartitionMoves moves) {
    this.metadata = metadata;
    this.metadataState = state;
    this.metadataThread = metadataThread;
    this.moves = moves;
  }

  /**
   * The moves that spread replicas and preferred leaderships evenly over {@code nodes} (empty: every
   * node of the cluster that is not stopping), draining any other node; started when {@code execute}.
   * Fails with {@link InvalidReplicaAssignmentException} for a node the cluster does not have, {@link
   * InvalidReplicationFactorException} when a partition has more replicas than the nodes, and as
   * {@link PartitionMoves#reassign(Map)} does when the moves cannot start; {@link
   * ReassignmentInProgressException} when a partition to move is moving already.
   */
  public CompletableFuture<List<Move>> plan(List<String> nodes, boolean execute) {
    CompletableFuture<List<Move>> planned = CompletableFuture.supplyAsync(() -> {
      MetadataState state = metadataState.get();
      List<String> over = nodes.isEmpty() ? servingNodes(state) : nodes;
      List<String> unknown = over.stream().filter(node -> !isClusterNode(state, node)).toList();
      if (!unknown.isEmpty()) {
        throw new InvalidReplicaAssignmentException("no node " + String.join(", ", unknown) + " in the cluster");
      }
      List<Move> plan = ReplicaPlanner.plan(assignment(), over, state.racks());
      if (execute) {
        refuseMovesOfMoving(plan);
      }
      return plan;
    }, metadataThread);
    return execute ? planned.thenCompose(this::start) : planned;
  }

  /**
   * Starts moving every replica off {@code node}, planned over every other node of the cluster
   * (stopping ones included: they come back); completes with the moves, none when it holds nothing.
   * Fails with {@link NodeNotFoundException} for a node the cluster does not have, {@link
   * NodeNotRemovableException} when the other nodes are too few to hold its replicas, and {@link
   * ReassignmentInProgressException} when a partition it holds (or gains, or loses) is moving, or
   * one the plan moves is.
   */
  public CompletableFuture<List<Move>> drain(String node) {
    return CompletableFuture.supplyAsync(() -> {
      MetadataState state = metadataState.get();
      if (!isClusterNode(state, node)) {
        throw new NodeNotFoundException("no node " + node + " in the cluster");
      }
      refuseWhileMoving(node);
      List<String> others = state.nodes().values().stream().filter(other -> !other.removed() && !other.id().equals(node))
          .map(NodeState::id).toList();
      List<Move> plan;
      try {
        plan = ReplicaPlanner.plan(assignment(), others, state.racks());
      } catch (InvalidReplicationFactorException e) {
        throw new NodeNotRemovableException("node " + node + " cannot be drained: " + e.getMessage());
      }
      refuseMovesOfMoving(plan);
      return plan;
    }, metadataThread).thenCompose(this::start);
  }

  /** A drain asked again while its moves go on is refused rather than planned over their targets. Metadata thread. */
  private void refuseWhileMoving(String node) {
    for (TopicState topic : metadata.liveTopics()) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        PartitionState partition = topic.partition(p);
        if (partition.moving() && partition.replicas().contains(node)) {
          throw new ReassignmentInProgressException(new TopicPartition(topic.name(), p) + " of node " + node
              + " is moving already (to " + partition.targetReplicas() + "): wait for it, or cancel it");
        }
      }
    }
  }

  /**
   * A plan is made over moving partitions' targets: it does not replace a move under way (which a
   * reassignment of a moving partition would), so one that moves a moving partition is refused. Metadata thread.
   */
  private void refuseMovesOfMoving(List<Move> plan) {
    for (Move move : plan) {
      TopicPartition tp = move.partition();
      metadata.topic(tp.topic()).map(topic -> topic.partition(tp.partition())).filter(PartitionState::moving)
          .ifPresent(moving -> {
            throw new ReassignmentInProgressException(tp + " is moving already (to " + moving.targetReplicas()
                + "): wait for it, or cancel it");
          });
    }
  }

  private CompletableFuture<List<Move>> start(List<Move> plan) {
    if (plan.isEmpty()) {
      return CompletableFuture.completedFuture(plan);
    }
    Map<TopicPartition, List<String>> targets = new LinkedHashMap<>();
    plan.forEach(move -> targets.put(move.partition(), move.to()));
    return moves.reassign(targets).thenApply(started -> plan);
  }

  /** Every partition's replicas, preferred leader first; a moving one's target. Metadata thread. */
  private Map<TopicPartition, List<String>> assignment() {
    Map<TopicPartition, List<String>> current = new LinkedHashMap<>();
    for (TopicState topic : metadata.liveTopics()) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        current.put(new TopicPartition(topic.name(), p), topic.partition(p).targetReplicas());
      }
    }
    return current;
  }

  /** The nodes a plan spreads over by default: registered, not removed, not stopping. */
  private static List<String> servingNodes(MetadataState state) {
    return state.nodes().values().stream().filter(node -> !node.removed() && !node.stopping()).map(NodeState::id).toList();
  }

  private static boolean isClusterNode(MetadataState state, String node) {
    return state.node(node).map(known -> !known.removed()).orElse(false);
  }

}
