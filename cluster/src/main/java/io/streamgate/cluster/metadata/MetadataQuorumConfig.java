package io.streamgate.cluster.metadata;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How this node takes part in the metadata quorum.
 *
 * @param nodeId this node's id, one of {@code voters}
 * @param dataDir the node's data directory; the Raft log and snapshots go to {@code <dataDir>/meta/raft}
 * @param voters the static voter list (1, 3 or 5), the same on every voter
 * @param electionTimeoutMin a follower that hears no leader for a random time between the two starts an election
 * @param electionTimeoutMax see {@code electionTimeoutMin}
 * @param requestTimeout how long {@link MetadataQuorum#submit} waits for a commit before it fails retriably
 * @param snapshotThreshold applied entries after which the state is snapshotted; the log segments it covers are then purged
 * @param logSegmentBytes the size at which a log segment is closed (only closed segments are purged)
 */
public record MetadataQuorumConfig(String nodeId, Path dataDir, List<Voter> voters, Duration electionTimeoutMin,
    Duration electionTimeoutMax, Duration requestTimeout, long snapshotThreshold, long logSegmentBytes) {
  /** 1–2 s: the spike saw spurious elections at Ratis' 150–300 ms under load (docs/decisions.md). */
  public static final Duration ELECTION_TIMEOUT_MIN = Duration.ofSeconds(1);
  public static final Duration ELECTION_TIMEOUT_MAX = Duration.ofSeconds(2);
  /** Long enough for an election (up to twice the maximum timeout) and a commit. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  public static final long SNAPSHOT_THRESHOLD = 10_000;
  /** Ratis' default: thousands of metadata entries; a segment is purged whole, once closed. */
  public static final long LOG_SEGMENT_BYTES = 32L << 20;

  public MetadataQuorumConfig {
    voters = List.copyOf(voters);
    if (voters.stream().noneMatch(voter -> voter.id().equals(nodeId))) {
      throw new IllegalArgumentException("node " + nodeId + " is not among the metadata voters " + voters);
    }
    if (voters.stream().map(Voter::id).distinct().count() != voters.size()) {
      throw new IllegalArgumentException("metadata voters with the same id: " + voters);
    }
    if (electionTimeoutMin.isNegative() || electionTimeoutMin.isZero() || electionTimeoutMax.compareTo(electionTimeoutMin) < 0) {
      throw new IllegalArgumentException("election timeout " + electionTimeoutMin + "–" + electionTimeoutMax);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero() || snapshotThreshold < 1 || logSegmentBytes < 1024) {
      throw new IllegalArgumentException("request timeout " + requestTimeout + ", snapshot threshold " + snapshotThreshold
          + ", log segment bytes " + logSegmentBytes);
    }
  }

  /** The defaults for everything but who and where. */
  public static MetadataQuorumConfig of(String nodeId, Path dataDir, List<Voter> voters) {
    return new MetadataQuorumConfig(nodeId, dataDir, voters, ELECTION_TIMEOUT_MIN, ELECTION_TIMEOUT_MAX, REQUEST_TIMEOUT,
        SNAPSHOT_THRESHOLD, LOG_SEGMENT_BYTES);
  }

  public Voter self() {
    return voters.stream().filter(voter -> voter.id().equals(nodeId)).findFirst().orElseThrow();
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
