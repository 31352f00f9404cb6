package io.streamgate.cluster.metadata;

import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.NodeRemovedException;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftClientReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started metadata voter that is not in the Raft configuration asks the running quorum to add it:
 *
 * <ol>
 *   <li>it registers through the voters it was given (a client of the group need not vote), so that
 *       an id removed for good is refused by the log itself ({@link Reason#NODE_REMOVED}) before it
 *       ever votes: it must not come back with the data it had;
 *   <li>it asks the Raft leader to add it ({@code setConfiguration} in mode {@code ADD}); Ratis first
 *       brings its log up to the leader's, from the leader's log or its snapshot, then commits the new
 *       configuration;
 *   <li>it returns once it has applied that configuration: from then on it votes, and the log, not any
 *       setting, says who the voters are (a restart reads them from its Raft storage).
 * </ol>
 *
 * Blocking, on the starting thread; each step bounded by a few request timeouts.
 */
final class VoterJoin {
  private static final Logger LOG = LoggerFactory.getLogger(VoterJoin.class);

  private final MetadataQuorum quorum;
  private final MetadataQuorumConfig config;
  private final MetadataStateMachine stateMachine;

  VoterJoin(MetadataQuorum quorum, MetadataQuorumConfig config, MetadataStateMachine stateMachine) {
    this.quorum = quorum;
    this.config = config;
    this.stateMachine = stateMachine;
  }

  void join() throws IOException {
    Voter self = config.self();
    LOG.info("Node {} is not a metadata voter: it asks the voters {} to add it as {}", self.id(), quorum.voters(), self);
    register(self);
    for (int attempt = 1; !quorum.isVoter(self.id()); attempt++) {
      CompletableFuture<Void> configured = stateMachine.nextConfiguration();
      RaftClientReply reply = quorum.addSelf(self);
      if (reply.isSuccess()) {
        awaitVoter(self, configured);
      } else if (attempt >= MetadataQuorum.MEMBERSHIP_ATTEMPTS) {
        throw new ClusterException("node " + self.id() + " was not added to the metadata voters " + quorum.voters()
            + " after " + attempt + " attempts: " + reply.getException());
      } else {
        LOG.info("Adding node {} to the metadata voters did not commit ({}); trying again", self.id(), reply.getException());
      }
    }
    LOG.info("Node {} is a metadata voter now; the voters are {}", self.id(), quorum.voters());
  }

  private void register(Voter self) {
    MetadataReply reply = wait(quorum.submit(new RegisterNode(self.id(), self.address()))).reply();
    if (reply instanceof Refused refused && refused.reason() == Reason.NODE_REMOVED) {
      throw new NodeRemovedException(refused.detail() + ": it cannot join again with this id; start it with a new node-id"
          + " and an empty data dir");
    }
  }

  /** Waits, a bounded number of configuration changes, until this voter has applied one that names it. */
  private void awaitVoter(Voter self, CompletableFuture<Void> configured) {
    CompletableFuture<Void> next = configured;
    for (int change = 0; change < MetadataQuorum.MEMBERSHIP_ATTEMPTS && !quorum.isVoter(self.id()); change++) {
      wait(next);
      next = stateMachine.nextConfiguration();
    }
  }

  /** The bound is generous: a voter's first catch-up may be a whole snapshot. */
  private <T> T wait(CompletableFuture<T> step) {
    long timeoutMs = 5 * config.requestTimeout().toMillis();
    try {
      return step.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException("interrupted while node " + config.nodeId() + " joined the metadata voters");
    } catch (ExecutionException | TimeoutException e) {
      throw new ClusterException("node " + config.nodeId() + " could not join the metadata voters " + quorum.voters()
          + " within " + timeoutMs + " ms: " + e);
    }
  }
}
