package io.streamgate.cluster.metadata;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata log's state machine in Ratis: applies each committed entry to {@link MetadataState}
 * in log order, answers the command's proposer with the {@link MetadataReply}, and writes and loads
 * snapshots (the whole state in {@link MetadataCodec}'s format, one file per snapshot in Ratis'
 * {@link SimpleStateMachineStorage}).
 *
 * <p>Ratis calls {@link #applyTransaction} and {@link #takeSnapshot} from its one updater thread; the
 * lock only pairs the state with its log index for readers and snapshots. {@code listener} is called
 * under no lock and must only hand the change off (the quorum queues it for its own thread).
 */
final class MetadataStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);
  /** The newest snapshot is enough to start from; the one before it is kept should the newest be unreadable. */
  private static final int SNAPSHOTS_RETAINED = 2;

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final MetadataListener listener;
  private volatile MetadataState state = MetadataState.EMPTY;
  /** Completes when this voter first becomes the leader. */
  private final CompletableFuture<Void> firstLed = new CompletableFuture<>();
  /** Completes, and is replaced, each time this voter learns of a new leader. */
  private final AtomicReference<CompletableFuture<Void>> nextLeaderChange = new AtomicReference<>(new CompletableFuture<>());
  /** Completes, and is replaced, each time this voter applies a Raft configuration entry. */
  private final AtomicReference<CompletableFuture<Void>> nextConfiguration = new AtomicReference<>(new CompletableFuture<>());

  MetadataStateMachine(MetadataListener listener) {
    this.listener = listener;
  }

  /** Completes when this voter first becomes the Raft leader (a lone voter does so right after it starts). */
  CompletableFuture<Void> firstLed() {
    return firstLed;
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
    if (member.getPeerId().equals(newLeader)) {
      firstLed.complete(null);
    }
    nextLeaderChange.getAndSet(new CompletableFuture<>()).complete(null);
  }

  /** Completes when this voter next learns of a new Raft leader (itself or another). */
  CompletableFuture<Void> nextLeaderChange() {
    return nextLeaderChange.get();
  }

  /** Completes when this voter next applies a change of the Raft configuration (the voters). */
  CompletableFuture<Void> nextConfiguration() {
    return nextConfiguration.get();
  }

  @Override
  public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto configuration) {
    nextConfiguration.getAndSet(new CompletableFuture<>()).complete(null);
  }

  /** The applied state: as of the last entry this voter applied, which may lag the leader's. */
  MetadataState state() {
    return state;
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(server, groupId, raftStorage);
      storage.init(raftStorage);
      load(storage.loadLatestSnapshot());
    });
  }

  /**
   * Ratis pauses the state machine before it installs a snapshot the leader sent (this voter lagged
   * behind the purged log), and reloads it only once paused. {@code BaseStateMachine} does nothing
   * here, and a follower so far behind never caught up (MetadataQuorumTest).
   */
  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  /** After a snapshot was installed: loads it and runs again. */
  @Override
  public void reinitialize() throws IOException {
    load(storage.loadLatestSnapshot());
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  private void load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) {
      return; // a new log, or none snapshotted yet: Ratis replays the whole log
    }
    File file = snapshot.getFile().getPath().toFile();
    if (snapshot.hasMd5()) {
      MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
    }
    MetadataState loaded = MetadataCodec.decodeState(Files.readAllBytes(file.toPath()));
    synchronized (this) {
      state = loaded;
      setLastAppliedTermIndex(snapshot.getTermIndex());
    }
    LOG.info("Metadata loaded from snapshot {}: {} topics, {} nodes", file.getName(), loaded.topics().size(),
        loaded.nodes().size());
    listener.restored(loaded);
  }

  @Override
  public long takeSnapshot() throws IOException {
    MetadataState snapshotState;
    TermIndex last;
    synchronized (this) {
      snapshotState = state;
      last = getLastAppliedTermIndex();
    }
    if (last == null || last.getIndex() < 0) {
      return -1; // nothing applied yet
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    File tmp = new File(file.getPath() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp.toPath())) {
      out.write(MetadataCodec.encode(snapshotState));
    }
    try (FileChannel channel = FileChannel.open(tmp.toPath(), StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel directory = FileChannel.open(file.getParentFile().toPath(), StandardOpenOption.READ)) {
      directory.force(true); // the rename itself, before the log behind the snapshot is purged
    }
    MD5Hash md5;
    try {
      md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    } catch (IllegalStateException e) {
      // The file went from under us: a snapshot installed from the leader replaced the directory at the
      // same moment (a voter restarting behind a purged log, MetadataQuorumTest). Ratis' updater thread
      // survives an IOException (it logs it and goes on) but dies of anything else, and the voter with it.
      throw new IOException("metadata snapshot " + file.getName() + " vanished while it was written", e);
    }
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
    storage.cleanupOldSnapshots(new SnapshotRetentionPolicy() {
      @Override
      public int getNumSnapshotsRetained() {
        return SNAPSHOTS_RETAINED;
      }
    });
    LOG.info("Metadata snapshot {} written", file.getName());
    return last.getIndex();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
    LogEntryProto entry = transaction.getLogEntry();
    byte[] bytes = entry.getStateMachineLogEntry().getLogData().toByteArray();
    MetadataCommand command;
    try {
      command = MetadataCodec.decodeCommand(bytes);
    } catch (MetadataFormatException e) {
      // Every voter decodes the same bytes alike, so refusing keeps them equal; the log moves on.
      LOG.warn("Metadata log entry {} refused, malformed: {}", entry.getIndex(), e.getMessage());
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return reply(new MetadataReply.Refused(MetadataReply.Reason.MALFORMED, e.getMessage()));
    }
    MetadataState.Result result;
    synchronized (this) {
      result = state.apply(command);
      state = result.state();
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    listener.applied(entry.getIndex(), command, result.reply(), result.state());
    return reply(result.reply());
  }

  private static CompletableFuture<Message> reply(MetadataReply reply) {
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(reply))));
  }
}
