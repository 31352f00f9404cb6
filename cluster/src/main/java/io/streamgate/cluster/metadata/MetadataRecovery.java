package io.streamgate.cluster.metadata;

import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.metadata.MetadataCommand.RemoveNode;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.server.RaftServerConfigKeys.Log.CorruptionPolicy;
import org.apache.ratis.server.raftlog.segmented.LogSegment;
import org.apache.ratis.server.raftlog.segmented.LogSegmentPath;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;

/**
 * The operator's way out of a lost majority (docs/replication.md, "A lost majority"): run on a
 * stopped surviving node's data dir, it makes the {@code survivors} the metadata quorum, so that the
 * node starts with them alone and serves its data. The only change to the metadata log made without
 * its quorum, hence explicit, offline, and printed step by step:
 *
 * <ol>
 *   <li>refuses a data dir whose node runs (Ratis' {@code in_use.lock}) or holds no metadata log;
 *   <li>copies {@code meta/raft} to {@code meta/raft-backup-<time>}, untouched;
 *   <li>reads the node's newest snapshot and replays every entry of its log after it, those it had not
 *       yet seen committed too (the dead voters may have committed them with it; the survivors now
 *       decide), to the state it would have reached;
 *   <li>forgets every other node ({@code RemoveNode} with forget, as {@code DELETE
 *       /v1/cluster/nodes/{id}?forget=true} does): out of the replica lists and ISRs, a leader elected
 *       among the in-sync replicas left, its id fenced for good;
 *   <li>replaces the log with a snapshot of that state at the log's last index and a Raft
 *       configuration of the survivors at that index ({@code raft-meta.conf}, which Ratis reads at
 *       start); the term file stays, so that no term is reused.
 * </ol>
 *
 * Every survivor's data dir must be recovered so, to the same voters, before any of them starts.
 * Not thread-safe; run it alone, on a stopped node.
 */
public final class MetadataRecovery {
  /** The largest log entry read: metadata entries are small; this only bounds a corrupt length. */
  private static final SizeInBytes MAX_ENTRY = SizeInBytes.valueOf("64MB");
  private static final Pattern FIRST_NUMBER = Pattern.compile("\\d+");

  private final Path raftDir;
  private final PrintStream out;

  public MetadataRecovery(Path dataDir, PrintStream out) {
    this.raftDir = dataDir.resolve("meta").resolve("raft");
    this.out = out;
  }

  /** Runs the recovery; answers the ids of the nodes forgotten. */
  public Set<String> recover(List<Voter> survivors) throws IOException {
    if (survivors.isEmpty()) {
      throw new ClusterException("name the surviving voters (id@host:port,...)");
    }
    Path group = raftDir.resolve(MetadataQuorum.GROUP_ID.getUuid().toString());
    Path current = group.resolve("current");
    if (!Files.isRegularFile(current.resolve("raft-meta"))) {
      throw new ClusterException("no metadata log in " + raftDir + ": is this a node's data dir?");
    }
    try (FileChannel lockFile = FileChannel.open(group.resolve("in_use.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = tryLock(lockFile)) {
      Path backup = raftDir.resolveSibling("raft-backup-" + Instant.now().toString().replace(':', '-'));
      copy(raftDir, backup);
      out.println("backed up " + raftDir + " to " + backup);

      Replayed replayed = replay(group, current);
      out.println("replayed the metadata log up to index " + replayed.index + " (term " + replayed.term + "): "
          + replayed.state.topics().size() + " topics, " + replayed.state.nodes().size() + " nodes");
      MetadataState state = replayed.state;
      Set<String> forgotten = new TreeSet<>(state.nodes().keySet());
      forgotten.addAll(replayed.voters);
      survivors.forEach(voter -> forgotten.remove(voter.id()));
      for (String node : List.copyOf(forgotten)) {
        if (state.node(node).map(NodeState::removed).orElse(false)) {
          forgotten.remove(node);
          continue;
        }
        MetadataState.Result result = state.apply(new RemoveNode(node, true));
        state = result.state();
        out.println("forgot node " + node + ": " + result.reply());
      }

      writeSnapshot(group, state, replayed.term, replayed.index);
      try (Stream<Path> files = Files.list(current)) {
        for (Path segment : files.filter(file -> LogSegmentPath.matchLogSegment(file) != null).toList()) {
          Files.delete(segment);
        }
      }
      writeConfiguration(current, survivors, replayed.term, replayed.index);
      out.println("the metadata voters are now " + survivors + " (at index " + replayed.index + "); start "
          + (survivors.size() == 1 ? "the node" : "every survivor, each recovered alike,") + " now");
      return forgotten;
    }
  }

  private FileLock tryLock(FileChannel lockFile) throws IOException {
    try {
      FileLock lock = lockFile.tryLock();
      if (lock != null) {
        return lock;
      }
    } catch (OverlappingFileLockException e) {
      // held in this JVM: as good as held by a running node
    }
    throw new ClusterException("the node of " + raftDir + " is running (its metadata log is locked): stop it first");
  }

  private record Replayed(MetadataState state, long term, long index, Set<String> voters) {}

  private Replayed replay(Path group, Path current) throws IOException {
    MetadataState state = MetadataState.EMPTY;
    long term = 0;
    long index = -1;
    Path newest = newestSnapshot(group.resolve("sm"));
    if (newest != null) {
      Matcher name = SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(newest.getFileName().toString());
      name.matches();
      File md5 = MD5FileUtil.getDigestFileForFile(newest.toFile());
      if (md5.exists()) {
        MD5FileUtil.verifySavedMD5(newest.toFile(), MD5FileUtil.readStoredMd5ForFile(newest.toFile()));
      }
      state = MetadataCodec.decodeState(Files.readAllBytes(newest));
      term = Long.parseLong(name.group(1));
      index = Long.parseLong(name.group(2));
      out.println("read snapshot " + newest.getFileName());
    }
    Set<String> voters = new TreeSet<>(configuration(current));
    List<LogEntryProto> entries = new ArrayList<>();
    List<LogSegmentPath> segments = new ArrayList<>();
    try (Stream<Path> files = Files.list(current)) {
      files.map(LogSegmentPath::matchLogSegment).filter(segment -> segment != null).forEach(segments::add);
    }
    segments.sort(Comparator.comparingLong(MetadataRecovery::startIndex));
    for (LogSegmentPath segment : segments) {
      // A torn tail (a kill in the middle of an append) ends the log there, as Ratis' own start would.
      LogSegment.readSegmentFile(segment.getPath().toFile(), segment.getStartEnd(), MAX_ENTRY, CorruptionPolicy.WARN_AND_RETURN,
          null, entries::add);
    }
    for (LogEntryProto entry : entries) {
      if (entry.getIndex() <= index) {
        continue;
      }
      if (entry.hasStateMachineLogEntry()) {
        try {
          state = state.apply(MetadataCodec.decodeCommand(entry.getStateMachineLogEntry().getLogData().toByteArray())).state();
        } catch (MetadataFormatException e) {
          out.println("entry " + entry.getIndex() + " malformed, applied as a refusal as every voter did: " + e.getMessage());
        }
      } else if (entry.hasConfigurationEntry()) {
        voters.clear();
        entry.getConfigurationEntry().getPeersList().forEach(peer -> voters.add(peer.getId().toStringUtf8()));
      }
      term = entry.getTerm();
      index = entry.getIndex();
    }
    if (index < 0) {
      throw new ClusterException("the metadata log in " + raftDir + " holds nothing to recover");
    }
    return new Replayed(state, term, index, voters);
  }

  /** A segment's first index: the first number of its name ({@code log_<start>-<end>}, {@code log_inprogress_<start>}). */
  private static long startIndex(LogSegmentPath segment) {
    Matcher number = FIRST_NUMBER.matcher(segment.getPath().getFileName().toString());
    return number.find() ? Long.parseLong(number.group()) : -1;
  }

  private static Path newestSnapshot(Path smDir) throws IOException {
    if (!Files.isDirectory(smDir)) {
      return null;
    }
    try (Stream<Path> files = Files.list(smDir)) {
      return files.filter(file -> SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(file.getFileName().toString()).matches())
          .max(Comparator.comparingLong(file -> {
            Matcher name = SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(file.getFileName().toString());
            name.matches();
            return Long.parseLong(name.group(2));
          })).orElse(null);
    }
  }

  /** The voters of the configuration Ratis last applied ({@code raft-meta.conf}), if any. */
  private static List<String> configuration(Path current) throws IOException {
    Path conf = current.resolve("raft-meta.conf");
    if (!Files.exists(conf)) {
      return List.of();
    }
    try (InputStream in = Files.newInputStream(conf)) {
      return LogEntryProto.parseFrom(in).getConfigurationEntry().getPeersList().stream()
          .map(peer -> peer.getId().toStringUtf8()).toList();
    }
  }

  /** The state as a snapshot at {@code index}: the state machine loads it, and the log starts after it. */
  private void writeSnapshot(Path group, MetadataState state, long term, long index) throws IOException {
    Path smDir = group.resolve("sm");
    Files.createDirectories(smDir);
    try (Stream<Path> files = Files.list(smDir)) {
      for (Path old : files.toList()) {
        Files.delete(old);
      }
    }
    Path snapshot = smDir.resolve(SimpleStateMachineStorage.getSnapshotFileName(term, index));
    Path tmp = smDir.resolve(snapshot.getFileName() + ".tmp");
    Files.write(tmp, MetadataCodec.encode(state));
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(tmp, snapshot, StandardCopyOption.ATOMIC_MOVE);
    MD5FileUtil.computeAndSaveMd5ForFile(snapshot.toFile());
    out.println("wrote snapshot " + snapshot.getFileName());
  }

  private void writeConfiguration(Path current, List<Voter> survivors, long term, long index) throws IOException {
    RaftConfigurationProto.Builder configuration = RaftConfigurationProto.newBuilder();
    for (Voter voter : survivors) {
      configuration.addPeers(RaftPeerProto.newBuilder().setId(ByteString.copyFrom(voter.id(), StandardCharsets.UTF_8))
          .setAddress(voter.address()).setStartupRole(RaftPeerRole.FOLLOWER));
    }
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(term).setIndex(index).setConfigurationEntry(configuration).build();
    Path tmp = current.resolve("raft-meta.conf.tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      entry.writeTo(out);
    }
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(tmp, current.resolve("raft-meta.conf"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else if (!path.getFileName().toString().equals("in_use.lock")) {
          Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
