package io.streamgate.cluster;

import io.streamgate.cluster.metadata.MetadataCommand.RemoveNode;
import io.streamgate.cluster.metadata.MetadataQuorum;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a node from the cluster for good (docs/replication.md, "Growing and shrinking the
 * quorum"): first in the metadata log ({@code RemoveNode}: a tombstone that refuses the id's
 * registrations and renewals from then on, and, with {@code forget}, takes it out of every replica
 * list and ISR), then out of the Raft configuration, so that the quorum counts only the nodes left.
 * The log goes first: should the process stop in between, the node is fenced already, and asking
 * again finishes the removal (a removed id that is still a voter is taken out of the configuration).
 *
 * <p>Checks are made on the metadata thread against this node's applied metadata, and again by the
 * log itself ({@link Reason#NODE_HOLDS_REPLICAS}); the Raft change blocks, on {@code membership}.
 */
final class NodeRemoval {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRemoval.class);

  private final String nodeId;
  private final ClusterMetadata metadata;
  private final NodeLiveness liveness;
  private final MetadataQuorum quorum;
  private final Executor metadataThread;
  private final Executor membership;

  NodeRemoval(String nodeId, ClusterMetadata metadata, NodeLiveness liveness, MetadataQuorum quorum, Executor metadataThread,
      Executor membership) {
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.liveness = liveness;
    this.quorum = quorum;
    this.metadataThread = metadataThread;
    this.membership = membership;
  }

  /**
   * Removes {@code node}; completes with the number of partitions it was taken out of (0 unless
   * {@code forget}). Fails with {@link NodeNotFoundException} for an id the cluster never had,
   * {@link NodeNotRemovableException} for this node itself, a node holding replicas without
   * {@code forget}, or a node to forget that may still hold its lease, and retriably while no
   * majority commits.
   */
  CompletableFuture<Integer> remove(String node, boolean forget) {
    return CompletableFuture.supplyAsync(() -> check(node, forget), metadataThread).thenCompose(alreadyInLog -> alreadyInLog
        ? CompletableFuture.completedFuture(0)
        : metadata.submit(new RemoveNode(node, forget)).thenApply(reply -> partitionsLeft(node, reply)))
        .thenApplyAsync(partitions -> {
          quorum.removeVoter(node);
          LOG.warn("node {} removed from the cluster for good{}: the metadata voters are {}", node,
              forget ? " (forgotten, taken out of " + partitions + " partitions)" : "", metadata.clusterNodes());
          return partitions;
        }, membership);
  }

  /** Whether the log removed {@code node} already (only the Raft change is left); throws if it may not be removed. */
  private boolean check(String node, boolean forget) {
    if (node.equals(nodeId)) {
      throw new NodeNotRemovableException("node " + node + " cannot remove itself: ask another node of the cluster");
    }
    if (metadata.isRemoved(node)) {
      return true;
    }
    if (!metadata.isVoter(node) && !metadata.knownNodes().contains(node)) {
      throw new NodeNotFoundException("no node " + node + " in the cluster (voters " + metadata.clusterNodes() + ")");
    }
    if (forget && liveness.mayHoldLease(node)) {
      throw new NodeNotRemovableException("node " + node + " may still hold its lease: only a node dead for good is"
          + " forgotten; stop it first, and ask again once its lease has run out");
    }
    if (!forget && holdsReplicas(node)) {
      throw new NodeNotRemovableException("node " + node + " still holds replicas: move them off it first, or, if it is"
          + " dead for good, forget it (forget=true)");
    }
    return false;
  }

  private boolean holdsReplicas(String node) {
    return metadata.liveTopics().stream().flatMap(topic -> topic.partitions().stream())
        .anyMatch(partition -> partition.replicas().contains(node));
  }

  private static int partitionsLeft(String node, MetadataReply reply) {
    if (reply instanceof MetadataReply.Accepted accepted) {
      return (int) accepted.value();
    }
    Refused refused = (Refused) reply;
    if (refused.reason() == Reason.NODE_HOLDS_REPLICAS) {
      throw new NodeNotRemovableException(refused.detail());
    }
    if (refused.reason() == Reason.NODE_REMOVED) {
      return 0; // a retry of a removal that committed: only the Raft change may be left
    }
    throw new ClusterException("node " + node + " not removed: " + refused);
  }
}
