package io.streamgate.cluster.metadata;

import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataCommand.StopNode;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's voter in the metadata quorum: a Ratis server holding the metadata log in
 * {@code <data-dir>/meta/raft}, and a client through which this node proposes changes. Not yet wired
 * into the controller (docs/replication.md, "Metadata by consensus").
 *
 * <ul>
 *   <li>{@link #submit}: a linearizable write, forwarded to the Raft leader wherever it is, answered
 *       once a majority holds it and it is applied. If no commit comes within the request timeout
 *       (no majority reachable, an election that does not finish), it fails with the retriable
 *       {@link NotEnoughReplicasException}. The command may still commit later; every command states
 *       the version or epoch it expects, so a retry is refused rather than applied twice.
 *   <li>{@link #state}: this voter's applied state, read without a round trip; it may lag the
 *       leader's, as routing may.
 *   <li>{@link #leaderId} and {@link #isLeader}: the Raft leader as this voter knows it, also
 *       without a round trip (a deposed leader learns it only at its next contact with the others).
 *   <li>{@link #stepAside}: before a graceful stop, hands the leadership to another voter and
 *       stands in no further election.
 *   <li>{@link MetadataListener}s: every applied entry in log order, on one thread of the quorum's
 *       own (Ratis' apply thread only queues the change).
 * </ul>
 */
public final class MetadataQuorum implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataQuorum.class);
  /** The one Raft group of the metadata log; fixed, since every voter must name the same group. */
  static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.fromString("5e1f0000-0000-4000-8000-00000000000e"));
  /** The client's pause between attempts while there is no leader or the leader moved. */
  private static final TimeDuration RETRY_SLEEP = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
  /** How many times a membership change is tried (each a compare-and-set against the configuration seen). */
  static final int MEMBERSHIP_ATTEMPTS = 5;

  private final MetadataQuorumConfig config;
  private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService listenerThread;
  private final MetadataStateMachine stateMachine;
  /** The voters this node starts with (none if it joins): the storage's configuration replaces them once there is one. */
  private final RaftGroup startGroup;
  private RaftServer server;
  /**
   * One client per {@link Lane}, each replaced after a failed request: Ratis closes an async client's ordered window
   * when a request fails.
   */
  private final RaftClient[] clients = new RaftClient[Lane.values().length];
  private boolean closed;
  private long lastIndexAtStart = -1;

  public MetadataQuorum(MetadataQuorumConfig config) {
    this.config = config;
    this.listenerThread = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "metadata-listener-" + config.nodeId());
      thread.setDaemon(true);
      return thread;
    });
    this.stateMachine = new MetadataStateMachine(new HandOff());
    // Ratis starts a server only in a group that names it, or in one that names no one: a joining
    // node waits in the latter until the leader brings it the log and a configuration with it.
    this.startGroup = config.joins() ? RaftGroup.valueOf(GROUP_ID) : group(config.voters());
  }

  private static RaftGroup group(List<Voter> voters) {
    return RaftGroup.valueOf(GROUP_ID, voters.stream().map(MetadataQuorum::peer).toList());
  }

  private static RaftPeer peer(Voter voter) {
    return RaftPeer.newBuilder().setId(voter.id()).setAddress(voter.address()).build();
  }

  /** Adds a listener; added before {@link #start}, it hears the state loaded from a snapshot too. */
  public void addListener(MetadataListener listener) {
    listeners.add(listener);
  }

  /**
   * Starts this voter: replays its snapshot and log, listens on its address and joins the
   * elections. Blocks while the log is read (call it off any event loop); returns before a leader is
   * elected. A node that is not in the Raft configuration (a node joining a running cluster, or one
   * whose first join did not finish) first asks the quorum to add it, and returns once it is a voter
   * ({@link VoterJoin}).
   *
   * @throws NodeRemovedException if this node's id was removed from the cluster for good
   */
  public void start() throws IOException {
    Voter self = config.self();
    RaftProperties properties = properties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(config.raftDir().toFile()));
    NettyConfigKeys.Server.setHost(properties, self.host());
    NettyConfigKeys.Server.setPort(properties, self.port());
    RaftServer built = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(self.id()))
        .setGroup(startGroup)
        .setProperties(properties)
        .setStateMachine(stateMachine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    synchronized (this) {
      server = built; // before it starts, so that close() stops it should start fail
    }
    built.start();
    TermIndex last = built.getDivision(GROUP_ID).getRaftLog().getLastEntryTermIndex();
    synchronized (this) {
      lastIndexAtStart = last == null ? -1 : last.getIndex();
      for (Lane lane : Lane.values()) {
        clients[lane.ordinal()] = newClient();
      }
    }
    if (!isVoter(self.id())) {
      try {
        new VoterJoin(this, config, stateMachine).join();
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }
    LOG.info("Metadata voter {} started on {} with voters {} in {}", self.id(), self.address(), voters(),
        config.raftDir());
    if (voters().size() == 1) {
      awaitOwnLeadership();
    }
  }

  /** Whether {@code node} is a voter in the Raft configuration this voter knows. */
  boolean isVoter(String node) {
    return voters().stream().anyMatch(voter -> voter.id().equals(node));
  }

  /**
   * A lone voter elects itself within milliseconds of its start (see {@link #properties}); waiting for
   * that spares its first requests Ratis' "not the leader" round trip, which Ratis logs as an error.
   */
  private void awaitOwnLeadership() {
    try {
      stateMachine.firstLed().get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("Metadata voter {} alone did not elect itself within {} ms", config.nodeId(), config.requestTimeout().toMillis());
    }
  }

  /**
   * A client that first asks the leader this voter knows of (else Ratis tries the first voter and
   * logs its redirect as an error), and retries while there is no leader for about as long as a
   * request may take, so that no request outlives its timeout for long.
   */
  private RaftClient newClient() {
    long attempts = Math.max(1, config.requestTimeout().toMillis() / RETRY_SLEEP.toLong(TimeUnit.MILLISECONDS));
    RaftClient.Builder builder = RaftClient.newBuilder()
        .setRaftGroup(group(voters()))
        .setProperties(properties())
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) attempts, RETRY_SLEEP));
    knownLeader().ifPresent(builder::setLeaderId);
    return builder.build();
  }

  private Optional<RaftPeerId> knownLeader() {
    try {
      return Optional.ofNullable(server.getDivision(GROUP_ID).getInfo().getLeaderId());
    } catch (IOException e) {
      return Optional.empty(); // the server is closing: any voter will do
    }
  }

  /**
   * The voters of the metadata quorum by node id: the Raft configuration this voter applied (the log's,
   * which membership changes move), or, before it started, the ones it was configured with.
   */
  public List<Voter> voters() {
    RaftServer started;
    synchronized (this) {
      started = server;
    }
    if (started == null) {
      return config.voters();
    }
    try {
      // This voter as it listens now, not as the log recorded it: a lone node's metadata port is any free
      // port, another at each start, and its own client must reach it there (a restart answered 503 otherwise).
      List<Voter> current = started.getDivision(GROUP_ID).getRaftConf().getCurrentPeers().stream().map(MetadataQuorum::voter)
          .map(voter -> voter.id().equals(config.nodeId()) ? config.self() : voter)
          .sorted(Comparator.comparing(Voter::id)).toList();
      return current.isEmpty() ? config.voters() : current; // none yet: a joining node that was not added so far
    } catch (IOException e) {
      return config.voters(); // the server is closing
    }
  }

  private static Voter voter(RaftPeer peer) {
    String address = peer.getAddress();
    int colon = address.lastIndexOf(':');
    return new Voter(peer.getId().toString(), address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
  }

  /**
   * Removes {@code node} from the Raft configuration (the quorum counts only the voters left); done
   * at once if it is not a voter. Blocks for up to a few request timeouts: call it off any event loop.
   *
   * @throws NotEnoughReplicasException if no majority commits the change in time
   */
  public void removeVoter(String node) {
    for (int attempt = 0; attempt < MEMBERSHIP_ATTEMPTS && isVoter(node); attempt++) {
      CompletableFuture<Void> configured = stateMachine.nextConfiguration();
      List<RaftPeer> current = voters().stream().map(MetadataQuorum::peer).toList();
      List<RaftPeer> rest = current.stream().filter(peer -> !peer.getId().toString().equals(node)).toList();
      // Compare-and-set: a change this voter has not applied yet makes it fail, and it is tried again.
      SetConfigurationRequest.Arguments change = SetConfigurationRequest.Arguments.newBuilder()
          .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).setServersInCurrentConf(current)
          .setServersInNewConf(rest).build();
      try (RaftClient admin = newClient()) {
        RaftClientReply reply = admin.admin().setConfiguration(change);
        if (reply.isSuccess()) {
          LOG.info("Node {} left the metadata quorum; the voters are {}", node, rest);
          return;
        }
        LOG.info("Removing node {} from the metadata voters {} did not commit ({}); trying again", node, current,
            reply.getException());
      } catch (IOException e) {
        LOG.info("Removing node {} from the metadata voters {} failed ({}); trying again", node, current, e.toString());
      }
      awaitQuietly(configured); // a configuration this voter had not applied yet, most likely: try with it
    }
    if (isVoter(node)) {
      throw noCommit("node " + node + " is still a metadata voter after " + MEMBERSHIP_ATTEMPTS + " attempts");
    }
  }

  /** Waits up to a request timeout for {@code change}; a timeout only means trying again as things are. */
  private void awaitQuietly(CompletableFuture<Void> change) {
    try {
      change.get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("No configuration change applied within {} ms", config.requestTimeout().toMillis());
    }
  }

  /** Adds {@code self} to the Raft configuration through the current voters; see {@link VoterJoin}. */
  RaftClientReply addSelf(Voter self) throws IOException {
    try (RaftClient admin = newClient()) {
      return admin.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
          .setMode(SetConfigurationRequest.Mode.ADD).setServersInNewConf(List.of(peer(self))).build());
    }
  }

  /** The index of the last entry this voter's log held when it started: entries up to it are replayed, not new. */
  public synchronized long lastIndexAtStart() {
    return lastIndexAtStart;
  }

  /** The Raft leader this voter knows of, by node id; empty while it knows none, or once it is closed. */
  public synchronized Optional<String> leaderId() {
    if (closed || server == null) {
      return Optional.empty();
    }
    return knownLeader().map(RaftPeerId::toString);
  }

  /** Whether this voter is the Raft leader now (it may learn only later that it no longer is); false once closed. */
  public synchronized boolean isLeader() {
    if (closed || server == null) {
      return false;
    }
    try {
      return server.getDivision(GROUP_ID).getInfo().isLeader();
    } catch (IOException e) {
      return false; // the server is closing
    }
  }

  /**
   * A graceful stop's first step, before this node's partitions are handed off: this voter stands in
   * no election for the rest of its run (so that it cannot win the leadership back while it still
   * serves), and if it leads the metadata log, it hands the leadership to another voter and
   * completes once that one leads, or after {@code timeoutMs}. Completes with whether it handed a
   * leadership over; never fails: without a transfer, the others elect a leader once this voter
   * closes, after an election timeout. Blocks a thread of its own, never the caller's.
   */
  public CompletableFuture<Boolean> stepAside(long timeoutMs) {
    DivisionInfo info;
    synchronized (this) {
      if (closed || server == null || voters().size() == 1) {
        return CompletableFuture.completedFuture(false); // a lone voter has no one to hand the log to
      }
      try {
        info = server.getDivision(GROUP_ID).getInfo();
      } catch (IOException e) {
        return CompletableFuture.completedFuture(false); // the server is closing
      }
    }
    LeadershipTransfer transfer = new LeadershipTransfer(group(voters()), properties(), RaftPeerId.valueOf(config.nodeId()), info,
        stateMachine::nextLeaderChange);
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        done.complete(transfer.run(timeoutMs));
      } finally {
        done.complete(false); // whatever ended the run
      }
    }, "metadata-step-aside-" + config.nodeId());
    thread.setDaemon(true);
    thread.start();
    return done;
  }

  /** What the server and the client share. */
  private RaftProperties properties() {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, duration(config.electionTimeoutMin().toMillis()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, duration(config.electionTimeoutMax().toMillis()));
    // One attempt of a request waits no longer than an election takes to start: a request sent to a
    // leader that was just cut off is tried on the new one soon enough for leases renewed through it
    // not to run out (Ratis' default, 3 s, left renewals hanging past a 3 s lease). Retried attempts
    // keep their call id, so the leader's retry cache applies a command once.
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, duration(config.electionTimeoutMin().toMillis()));
    if (config.voters().size() == 1 && !config.joins()) {
      // A lone voter has no one to wait for: it elects itself at once rather than after a timeout.
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties, duration(10));
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties, duration(20));
    }
    // For the coming linearizable reads: ReadIndex, answered from the leader's lease while it holds one.
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, config.snapshotThreshold());
    // A snapshot holds everything before it: the log behind it goes, and a voter that lags
    // further is sent the snapshot.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
    // At each snapshot (Ratis' default waits for 1,024 entries since the last purge).
    RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.min(config.snapshotThreshold(), Integer.MAX_VALUE));
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(config.logSegmentBytes()));
    return properties;
  }

  private static TimeDuration duration(long millis) {
    return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Proposes {@code command}: completes with its reply (accepted or refused) and its log index once
   * committed and applied, or fails with {@link NotEnoughReplicasException} after the request
   * timeout. Completes on a Ratis client thread: hop to your own context before doing more than a
   * little.
   */
  public CompletableFuture<Committed> submit(MetadataCommand command) {
    Message message = Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(command)));
    return send(Lane.of(command), message, System.nanoTime() + config.requestTimeout().toNanos());
  }

  /**
   * The client a command goes through. This node's lease commands have one of their own: when a
   * burst of other commands (the controller's moves as a node stops) commits slowly, an attempt that
   * outlasts the client's RPC timeout makes Ratis reset that client's connection and fail every
   * request on it, which are then sent again, and a renewal caught in that committed late or failed
   * at the request timeout, a whole lease (the rolling restart's lapsed leases).
   */
  private enum Lane {
    LEASE,
    OTHERS;

    static Lane of(MetadataCommand command) {
      return command instanceof RegisterNode || command instanceof RenewLease || command instanceof StopNode ? LEASE : OTHERS;
    }
  }

  private CompletableFuture<Committed> send(Lane lane, Message message, long deadlineNs) {
    RaftClient sender;
    synchronized (this) {
      sender = clients[lane.ordinal()];
      if (closed || sender == null) {
        return CompletableFuture.failedFuture(new ClusterException("The metadata voter of node " + config.nodeId()
            + (closed ? " is closed" : " is not started")));
      }
    }
    long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
    return sender.async().send(message)
        .orTimeout(leftMs, TimeUnit.MILLISECONDS)
        .handle((reply, failure) -> {
          if (failure == null && reply.isSuccess()) {
            return CompletableFuture.completedFuture(
                new Committed(MetadataCodec.decodeReply(reply.getMessage().getContent().toByteArray()), reply.getLogIndex()));
          }
          if (failure != null) {
            replace(lane, sender);
          }
          Throwable why = failure != null ? Failures.cause(failure) : reply.getException();
          long retryMs = RETRY_SLEEP.toLong(TimeUnit.MILLISECONDS);
          if (why instanceof LeaderSteppingDownException && deadlineNs - System.nanoTime() > TimeUnit.MILLISECONDS.toNanos(retryMs)) {
            // The leader is handing its leadership over (a stopping node's step aside) and refuses requests
            // until it has, a few milliseconds; Ratis' client does not retry that, so a lease renewal would fail.
            Executor later = CompletableFuture.delayedExecutor(retryMs, TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> message, later).thenCompose(again -> send(lane, again, deadlineNs));
          }
          return CompletableFuture.<Committed>failedFuture(noCommit(String.valueOf(why)));
        })
        .thenCompose(committed -> committed);
  }

  /**
   * Gives later requests a new client once {@code failed} failed one: a failed request closes Ratis'
   * ordered window, and every request after it on that client would fail too. Closing the old client
   * also ends the retries of a request that timed out here.
   */
  private void replace(Lane lane, RaftClient failed) {
    synchronized (this) {
      if (closed || clients[lane.ordinal()] != failed) {
        return; // already replaced by another failed request
      }
      clients[lane.ordinal()] = newClient();
    }
    // Not on this thread: it may be the failed client's own.
    CompletableFuture.runAsync(() -> closeQuietly(failed));
  }

  private static void closeQuietly(RaftClient closing) {
    try {
      closing.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("Closing a metadata client", e);
    }
  }

  private NotEnoughReplicasException noCommit(String why) {
    return new NotEnoughReplicasException("The metadata quorum " + voters() + " did not commit the change within "
        + config.requestTimeout().toMillis() + " ms (no majority of voters reachable?): " + why);
  }

  /** This voter's applied state. */
  public MetadataState state() {
    return stateMachine.state();
  }

  /** The index of the last entry this voter applied. */
  public long appliedIndex() {
    return stateMachine.getLastAppliedTermIndex().getIndex();
  }

  /** Stops the client and the server; the log stays on disk for the next start. */
  @Override
  public void close() throws IOException {
    List<RaftClient> last;
    RaftServer stopping;
    synchronized (this) {
      closed = true;
      last = Arrays.stream(clients).filter(Objects::nonNull).toList();
      stopping = server;
    }
    try {
      last.forEach(MetadataQuorum::closeQuietly);
    } finally {
      try {
        if (stopping != null) {
          stopping.close();
        }
      } finally {
        listenerThread.shutdown();
      }
    }
  }

  /** Queues each change for the listener thread: Ratis' apply thread never runs a listener. */
  private final class HandOff implements MetadataListener {
    @Override
    public void applied(long index, MetadataCommand command, MetadataReply reply, MetadataState state) {
      dispatch(listener -> listener.applied(index, command, reply, state));
    }

    @Override
    public void restored(MetadataState state) {
      dispatch(listener -> listener.restored(state));
    }

    private void dispatch(Consumer<MetadataListener> call) {
      try {
        listenerThread.execute(() -> listeners.forEach(listener -> {
          try {
            call.accept(listener);
          } catch (RuntimeException e) {
            LOG.warn("Metadata listener {} failed", listener, e);
          }
        }));
      } catch (RejectedExecutionException e) {
        LOG.debug("Metadata change after close not delivered to listeners", e);
      }
    }
  }
}
