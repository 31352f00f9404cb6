package io.streamgate.cluster.metadata;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How this node takes part in the metadata quorum.
 *
 * @param nodeId this node's id, {@code self}'s
 * @param dataDir the node's data directory; the Raft log and snapshots go to {@code <dataDir>/meta/raft}
 * @param voters the voters this node starts with: the list of a new cluster (1, 3 or 5, the same on
 *     every voter, this node among them), or, for a node that joins a running cluster, voters of it to
 *     ask (without this node). Once a node has a Raft log, the log's configuration decides who votes.
 * @param electionTimeoutMin a follower that hears no leader for a random time between the two starts an election
 * @param electionTimeoutMax see {@code electionTimeoutMin}
 * @param requestTimeout how long {@link MetadataQuorum#submit} waits for a commit before it fails retriably
 * @param snapshotThreshold applied entries after which the state is snapshotted; the log segments it covers are then purged
 * @param logSegmentBytes the size at which a log segment is closed (only closed segments are purged)
 * @param self this node's voter: its id and the address its Raft server listens on
 */
public record MetadataQuorumConfig(String nodeId, Path dataDir, List<Voter> voters, Duration electionTimeoutMin,
    Duration electionTimeoutMax, Duration requestTimeout, long snapshotThreshold, long logSegmentBytes, Voter self) {
  /** 1–2 s: the spike saw spurious elections at Ratis' 150–300 ms under load (docs/decisions.md). */
  public static final Duration ELECTION_TIMEOUT_MIN = Duration.ofSeconds(1);
  public static final Duration ELECTION_TIMEOUT_MAX = Duration.ofSeconds(2);
  /** Long enough for an election (up to twice the maximum timeout) and a commit. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  /** {@link #forLease}'s floors, however short the lease (the spike saw spurious elections at Ratis' 150–300 ms). */
  static final Duration ELECTION_TIMEOUT_MIN_FLOOR = Duration.ofMillis(300);
  static final Duration ELECTION_TIMEOUT_MAX_FLOOR = Duration.ofMillis(600);
  static final Duration REQUEST_TIMEOUT_FLOOR = Duration.ofSeconds(2);
  public static final long SNAPSHOT_THRESHOLD = 10_000;
  /** Ratis' default: thousands of metadata entries; a segment is purged whole, once closed. */
  public static final long LOG_SEGMENT_BYTES = 32L << 20;

  public MetadataQuorumConfig {
    voters = List.copyOf(voters);
    if (voters.stream().map(Voter::id).distinct().count() != voters.size()) {
      throw new IllegalArgumentException("metadata voters with the same id: " + voters);
    }
    if (!self.id().equals(nodeId) || voters.stream().anyMatch(voter -> voter.id().equals(nodeId) && !voter.equals(self))) {
      throw new IllegalArgumentException("node " + nodeId + " as voter " + self + " with the metadata voters " + voters);
    }
    if (voters.isEmpty()) {
      throw new IllegalArgumentException("node " + nodeId + " has no metadata voter to start with or to join");
    }
    if (electionTimeoutMin.isNegative() || electionTimeoutMin.isZero() || electionTimeoutMax.compareTo(electionTimeoutMin) < 0) {
      throw new IllegalArgumentException("election timeout " + electionTimeoutMin + "–" + electionTimeoutMax);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero() || snapshotThreshold < 1 || logSegmentBytes < 1024) {
      throw new IllegalArgumentException("request timeout " + requestTimeout + ", snapshot threshold " + snapshotThreshold
          + ", log segment bytes " + logSegmentBytes);
    }
  }

  /** A voter of a new cluster, {@code nodeId} among {@code voters}. */
  public MetadataQuorumConfig(String nodeId, Path dataDir, List<Voter> voters, Duration electionTimeoutMin,
      Duration electionTimeoutMax, Duration requestTimeout, long snapshotThreshold, long logSegmentBytes) {
    this(nodeId, dataDir, voters, electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, logSegmentBytes,
        among(nodeId, voters));
  }

  private static Voter among(String nodeId, List<Voter> voters) {
    return voters.stream().filter(voter -> voter.id().equals(nodeId)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("node " + nodeId + " is not among the metadata voters " + voters));
  }

  /** The defaults for everything but who and where. */
  public static MetadataQuorumConfig of(String nodeId, Path dataDir, List<Voter> voters) {
    return new MetadataQuorumConfig(nodeId, dataDir, voters, ELECTION_TIMEOUT_MIN, ELECTION_TIMEOUT_MAX, REQUEST_TIMEOUT,
        SNAPSHOT_THRESHOLD, LOG_SEGMENT_BYTES);
  }

  /**
   * The timeouts derived from the partition lease: a follower that hears no leader for a fifth to
   * two fifths of a lease starts an election, so that the metadata log has a leader again well within
   * one lease and the controller can act before the next one runs out; a request waits a lease.
   * Never below 300–600 ms (elections) and 2 s (requests).
   */
  public static MetadataQuorumConfig forLease(String nodeId, Path dataDir, List<Voter> voters, Duration lease) {
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("a metadata lease of " + lease);
    }
    return new MetadataQuorumConfig(nodeId, dataDir, voters, atLeast(lease.dividedBy(5), ELECTION_TIMEOUT_MIN_FLOOR),
        atLeast(lease.multipliedBy(2).dividedBy(5), ELECTION_TIMEOUT_MAX_FLOOR), atLeast(lease, REQUEST_TIMEOUT_FLOOR),
        SNAPSHOT_THRESHOLD, LOG_SEGMENT_BYTES);
  }

  /**
   * A node that joins the running cluster of {@code voters} (which do not name it) as {@code self},
   * with {@link #forLease}'s timeouts: it asks them to add it as a voter (docs/replication.md,
   * "Growing and shrinking the quorum").
   */
  public static MetadataQuorumConfig joining(Voter self, Path dataDir, List<Voter> voters, Duration lease) {
    MetadataQuorumConfig timeouts = forLease(self.id(), dataDir, List.of(self), lease);
    return new MetadataQuorumConfig(self.id(), dataDir, voters, timeouts.electionTimeoutMin(), timeouts.electionTimeoutMax(),
        timeouts.requestTimeout(), SNAPSHOT_THRESHOLD, LOG_SEGMENT_BYTES, self);
  }

  /** Whether this node starts as none of the voters it names: it joins them. */
  public boolean joins() {
    return !voters.contains(self);
  }

  private static Duration atLeast(Duration value, Duration floor) {
    return value.compareTo(floor) < 0 ? floor : value;
  }

  /**
   * The voters of the setting {@code id@host:port,id@host:port} (whitespace around an entry is
   * ignored; no text, no voters).
   *
   * @throws IllegalArgumentException naming the first entry that is not {@code id@host:port}, or an
   *     id given twice
   */
  public static List<Voter> parseVoters(String text) {
    if (text.isBlank()) {
      return List.of();
    }
    List<Voter> voters = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (String field : text.split(",", -1)) {
      String entry = field.strip();
      if (entry.isEmpty()) {
        throw new IllegalArgumentException("an empty metadata voter entry in '" + text + "': expected id@host:port,...");
      }
      Voter voter = parseVoter(entry);
      if (!ids.add(voter.id())) {
        throw new IllegalArgumentException("metadata voter id '" + voter.id() + "' given twice in '" + text + "'");
      }
      voters.add(voter);
    }
    return List.copyOf(voters);
  }

  private static Voter parseVoter(String entry) {
    int at = entry.indexOf('@');
    int colon = entry.lastIndexOf(':');
    String id = at < 0 ? "" : entry.substring(0, at);
    String host = at < 0 || colon < at ? "" : entry.substring(at + 1, colon);
    boolean bracketed = host.startsWith("[") && host.endsWith("]"); // an IPv6 address
    if (id.isEmpty() || host.isEmpty() || id.chars().anyMatch(Character::isWhitespace)
        || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '@' || (c == ':' && !bracketed))) {
      throw badVoter(entry);
    }
    int port;
    try {
      port = Integer.parseInt(entry.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw badVoter(entry);
    }
    if (port < 1 || port > 65535) {
      throw badVoter(entry);
    }
    return new Voter(id, host, port);
  }

  private static IllegalArgumentException badVoter(String entry) {
    return new IllegalArgumentException("metadata voter '" + entry + "' is not id@host:port (port 1-65535)");
  }

  public Path raftDir() {
    return dataDir.resolve("meta").resolve("raft");
  }

  /** A voter: its node id and the address its Raft server listens on. */
  public record Voter(String id, String host, int port) {
    public Voter {
      if (id.isEmpty() || host.isEmpty() || port < 1 || port > 65535) {
        throw new IllegalArgumentException("metadata voter " + id + "@" + host + ":" + port);
      }
    }

    public String address() {
      return host + ":" + port;
    }

    @Override
    public String toString() {
      return id + "@" + address();
    }
  }
}
