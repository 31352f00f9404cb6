package io.streamgate.cluster.metadata;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stopping voter's step aside, one blocking run on a thread of its own: it pauses its own
 * elections (Ratis' leader-election pause: it stays a follower for the rest of its run, so it cannot
 * win the leadership back while it still serves), then, if it leads the metadata log, hands the
 * leadership to another voter (Ratis' leadership transfer: the transferee is brought up to date,
 * then starts an election at once) and returns once that one leads. Without it, the stopping leader's
 * voter closes with the node, and the others elect a new leader only after an election timeout,
 * during which no lease renewal commits (docs/replication.md, "Rolling restart (tested how)").
 */
final class LeadershipTransfer {
  private static final Logger LOG = LoggerFactory.getLogger(LeadershipTransfer.class);

  private final RaftGroup group;
  private final RaftProperties properties;
  private final RaftPeerId self;
  private final DivisionInfo info;
  private final Supplier<CompletableFuture<Void>> nextLeaderChange;

  /**
   * @param properties the quorum's own; the client made from them waits for an answer as long as the
   *     whole step aside may take, and does not retry (a failed transfer is tried with the next voter)
   * @param info this voter's Raft division, read for its role and its followers
   */
  LeadershipTransfer(RaftGroup group, RaftProperties properties, RaftPeerId self, DivisionInfo info,
      Supplier<CompletableFuture<Void>> nextLeaderChange) {
    this.group = group;
    this.properties = properties;
    this.self = self;
    this.info = info;
    this.nextLeaderChange = nextLeaderChange;
  }

  /** Steps aside within {@code timeoutMs}; answers whether this voter, leader before, knows another voter as leader now. */
  boolean run(long timeoutMs) {
    long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS));
    try (RaftClient admin = RaftClient.newBuilder().setRaftGroup(group).setProperties(properties).setLeaderId(self)
        .setRetryPolicy(RetryPolicies.noRetry()).build()) {
      try {
        admin.getLeaderElectionManagementApi(self).pause();
      } catch (IOException notPaused) {
        // It may win an election while it stops; the transfer is still worth making.
        LOG.warn("Metadata voter {} could not pause its elections: {}", self, notPaused.getMessage());
      }
      if (!info.isLeader()) {
        return false; // a follower: nothing to hand over
      }
      for (RaftPeerId candidate : candidates()) {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
        if (leftMs <= 0 || !info.isLeader()) {
          break;
        }
        try {
          admin.admin().transferLeadership(candidate, leftMs);
        } catch (IOException refused) {
          // Not up to date in time, or another voter won the election the transfer started: the next, or done.
          LOG.warn("Metadata voter {} could not hand its leadership to {}: {}", self, candidate, refused.getMessage());
        }
      }
      if (!info.isLeader() && otherLeaderWithin(deadlineNs)) {
        return true;
      }
      LOG.warn("Metadata voter {} still leads the metadata log (or knows no leader) after trying to hand it over for {}"
          + " ms; the others elect one when it closes", self, timeoutMs);
      return false;
    } catch (IOException | RuntimeException e) {
      LOG.warn("Metadata voter {} could not step aside: {}", self, e.toString());
    }
    return false;
  }

  /**
   * Whether another voter leads, as this one learns by {@code deadlineNs}: a transfer that Ratis
   * reports failed may still have started the election that the candidate then wins (this voter has
   * stepped down and knows no leader for a moment).
   */
  private boolean otherLeaderWithin(long deadlineNs) {
    while (true) {
      // Taken before the check, so that a change between the check and the wait completes it.
      CompletableFuture<Void> change = nextLeaderChange.get();
      RaftPeerId leader = info.getLeaderId();
      if (leader != null && !leader.equals(self)) {
        return true;
      }
      long leftNs = deadlineNs - System.nanoTime();
      if (leftNs <= 0) {
        return false;
      }
      try {
        change.get(leftNs, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (ExecutionException | TimeoutException e) {
        return false;
      }
    }
  }

  /**
   * The other voters, the one that answered this leader last first: a voter that is down (or restarting,
   * as in a rolling restart) is tried last. Ratis checks that the chosen one's log is up to date, and
   * brings it up to date first if it is not.
   */
  private List<RaftPeerId> candidates() {
    return info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList().stream()
        .sorted(Comparator.comparingLong(ServerRpcProto::getLastRpcElapsedTimeMs))
        .map(follower -> RaftPeerId.valueOf(follower.getId().getId()))
        .filter(id -> !id.equals(self))
        .toList();
  }
}
