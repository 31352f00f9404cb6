package io.streamgate.cluster.metadata;

import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.testing.ListenPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

/**
 * Voters of one metadata quorum in this JVM, on 127.0.0.1 ephemeral ports, each with its data dir
 * under {@code root}; each can be closed and started again from its dir. Every voter records what its
 * listeners heard.
 */
public final class TestQuorum implements AutoCloseable {
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  static final Duration AWAIT = Duration.ofSeconds(30);

  private final Path root;
  private final List<MetadataQuorumConfig> configs;
  private final MetadataQuorum[] voters;
  private final List<Heard> heard = new ArrayList<>();
  /** Joined from several threads at once by a test. */
  private final List<MetadataQuorum> joiners = new CopyOnWriteArrayList<>();

  /** What one voter's listener heard, across its restarts. */
  static final class Heard implements MetadataListener {
    final List<Long> indexes = new CopyOnWriteArrayList<>();
    final List<MetadataCommand> commands = new CopyOnWriteArrayList<>();
    final List<MetadataState> restored = new CopyOnWriteArrayList<>();

    @Override
    public void applied(long index, MetadataCommand command, MetadataReply reply, MetadataState state) {
      indexes.add(index);
      commands.add(command);
    }

    @Override
    public void restored(MetadataState state) {
      restored.add(state);
    }
  }

  public TestQuorum(Path root, int size, long snapshotThreshold) {
    this(root, size, snapshotThreshold, MetadataQuorumConfig.LOG_SEGMENT_BYTES);
  }

  TestQuorum(Path root, int size, long snapshotThreshold, long logSegmentBytes) {
    this.root = root;
    List<Voter> voterList = IntStream.range(0, size).mapToObj(i -> new Voter("n" + i, "127.0.0.1", ListenPorts.next())).toList();
    configs = voterList.stream()
        .map(voter -> new MetadataQuorumConfig(voter.id(), root.resolve(voter.id()), voterList,
            MetadataQuorumConfig.ELECTION_TIMEOUT_MIN, MetadataQuorumConfig.ELECTION_TIMEOUT_MAX, REQUEST_TIMEOUT,
            snapshotThreshold, logSegmentBytes))
        .toList();
    voters = new MetadataQuorum[size];
    for (int i = 0; i < size; i++) {
      heard.add(new Heard());
    }
  }

  public TestQuorum startAll() {
    for (int i = 0; i < voters.length; i++) {
      start(i);
    }
    return this;
  }

  public void start(int i) {
    MetadataQuorum voter = new MetadataQuorum(configs.get(i));
    voter.addListener(heard.get(i));
    try {
      voter.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    voters[i] = voter;
  }

  /**
   * Starts a node {@code id} (data dir {@code <root>/<id>}, a port of its own unless it ran before)
   * that joins the running quorum, naming the voters this quorum started with (but one of its id);
   * returns once it is a voter. Closed with the quorum, or by the caller.
   */
  MetadataQuorum join(String id, int port) throws IOException {
    MetadataQuorumConfig first = configs.get(0);
    List<Voter> others = first.voters().stream().filter(voter -> !voter.id().equals(id)).toList();
    MetadataQuorumConfig config = new MetadataQuorumConfig(id, root.resolve(id), others, first.electionTimeoutMin(),
        first.electionTimeoutMax(), first.requestTimeout(), first.snapshotThreshold(), first.logSegmentBytes(),
        new Voter(id, "127.0.0.1", port));
    MetadataQuorum joiner = new MetadataQuorum(config);
    joiners.add(joiner);
    joiner.start();
    return joiner;
  }

  public void stop(int i) {
    try {
      voters[i].close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    voters[i] = null;
  }

  public MetadataQuorum voter(int i) {
    return voters[i];
  }

  Heard heard(int i) {
    return heard.get(i);
  }

  Path dataDir(int i) {
    return configs.get(i).dataDir();
  }

  int size() {
    return voters.length;
  }

  /** The running voter that is leader, once one is. */
  int awaitLeader() {
    return await().atMost(AWAIT).until(this::leader, Optional::isPresent).orElseThrow();
  }

  private Optional<Integer> leader() {
    for (int i = 0; i < voters.length; i++) {
      if (voters[i] != null && voters[i].isLeader()) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /**
   * Closes every voter and joiner at once: a Ratis server takes about a second to close, and one
   * after another made that three seconds of every test.
   */
  @Override
  public void close() {
    List<MetadataQuorum> running = new ArrayList<>(joiners);
    Arrays.stream(voters).filter(Objects::nonNull).forEach(running::add);
    Arrays.fill(voters, null);
    CompletableFuture.allOf(running.stream().map(voter -> CompletableFuture.runAsync(() -> {
      try {
        voter.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    })).toArray(CompletableFuture[]::new)).join();
  }
}
