package io.streamgate.cluster.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A voter list that cannot form the quorum it describes is refused at start, naming what is wrong. */
class MetadataQuorumConfigTest {
  private static final Path DIR = Path.of("data");
  private static final List<Voter> VOTERS = List.of(new Voter("a", "127.0.0.1", 1), new Voter("b", "127.0.0.1", 2));

  @Test
  void theRaftDirIsUnderTheDataDir() {
    MetadataQuorumConfig config = MetadataQuorumConfig.of("b", DIR, VOTERS);
    assertThat(config.raftDir()).isEqualTo(Path.of("data", "meta", "raft"));
    assertThat(config.self()).isEqualTo(new Voter("b", "127.0.0.1", 2));
    assertThat(config.electionTimeoutMin()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aNodeJoiningTheVotersIsNoneOfThemAndListensOnItsOwnAddress() {
    Voter self = new Voter("c", "127.0.0.1", 3);
    MetadataQuorumConfig config = MetadataQuorumConfig.joining(self, DIR, VOTERS, Duration.ofSeconds(5));
    assertThat(config.joins()).isTrue();
    assertThat(config.self()).isEqualTo(self);
    assertThat(config.voters()).isEqualTo(VOTERS);
    assertThat(config.electionTimeoutMin()).isEqualTo(Duration.ofSeconds(1));
    assertThat(MetadataQuorumConfig.of("a", DIR, VOTERS).joins()).isFalse();
    // A voter's own id among the voters at another address is a contradiction, as is no voter to join.
    assertThatThrownBy(() -> MetadataQuorumConfig.joining(new Voter("a", "127.0.0.1", 9), DIR, VOTERS, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MetadataQuorumConfig.joining(self, DIR, List.of(), Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no metadata voter");
  }

  @Test
  void aNodeOutsideTheVotersOrTwoVotersOfOneIdAreRefused() {
    assertThatThrownBy(() -> MetadataQuorumConfig.of("c", DIR, VOTERS)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node c is not among the metadata voters");
    assertThatThrownBy(() -> MetadataQuorumConfig.of("a", DIR, List.of(VOTERS.get(0), new Voter("a", "127.0.0.1", 3))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same id");
  }

  @Test
  void timeoutsAndAddressesOutOfRangeAreRefused() {
    assertThatThrownBy(() -> new MetadataQuorumConfig("a", DIR, VOTERS, Duration.ofSeconds(2), Duration.ofSeconds(1),
        Duration.ofSeconds(5), 10, 1 << 20)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("election timeout");
    assertThatThrownBy(() -> new MetadataQuorumConfig("a", DIR, VOTERS, Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ZERO, 10, 1 << 20)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("request timeout");
    assertThatThrownBy(() -> new Voter("a", "127.0.0.1", 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLeaseSetsTheElectionAndRequestTimeouts() {
    MetadataQuorumConfig config = MetadataQuorumConfig.forLease("a", DIR, VOTERS, Duration.ofSeconds(10));
    assertThat(config.electionTimeoutMin()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.electionTimeoutMax()).isEqualTo(Duration.ofSeconds(4));
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.snapshotThreshold()).isEqualTo(MetadataQuorumConfig.SNAPSHOT_THRESHOLD);
    assertThat(config.logSegmentBytes()).isEqualTo(MetadataQuorumConfig.LOG_SEGMENT_BYTES);
    assertThat(config.self()).isEqualTo(VOTERS.get(0));
  }

  @Test
  void aShortLeaseKeepsTheFloors() {
    MetadataQuorumConfig config = MetadataQuorumConfig.forLease("a", DIR, VOTERS, Duration.ofMillis(1000));
    assertThat(config.electionTimeoutMin()).isEqualTo(Duration.ofMillis(300));
    assertThat(config.electionTimeoutMax()).isEqualTo(Duration.ofMillis(600));
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
    MetadataQuorumConfig between = MetadataQuorumConfig.forLease("a", DIR, VOTERS, Duration.ofMillis(2500));
    assertThat(between.electionTimeoutMin()).isEqualTo(Duration.ofMillis(500));
    assertThat(between.electionTimeoutMax()).isEqualTo(Duration.ofMillis(1000));
    assertThat(between.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThatThrownBy(() -> MetadataQuorumConfig.forLease("a", DIR, VOTERS, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
  }

  @Test
  void votersAreParsedFromTheSetting() {
    assertThat(MetadataQuorumConfig.parseVoters("a@127.0.0.1:9001,b@host-b.example:9002")).containsExactly(
        new Voter("a", "127.0.0.1", 9001), new Voter("b", "host-b.example", 9002));
    assertThat(MetadataQuorumConfig.parseVoters(" a@h:1 ,\tb@h:2\n")).containsExactly(new Voter("a", "h", 1),
        new Voter("b", "h", 2));
    assertThat(MetadataQuorumConfig.parseVoters("n1@h:65535")).containsExactly(new Voter("n1", "h", 65535));
    assertThat(MetadataQuorumConfig.parseVoters("v6@[::1]:9000")).containsExactly(new Voter("v6", "[::1]", 9000));
    assertThat(MetadataQuorumConfig.parseVoters("")).isEmpty();
    assertThat(MetadataQuorumConfig.parseVoters("  ")).isEmpty();
  }

  @Test
  void aBadVoterEntryIsRefusedByName() {
    for (String bad : List.of("a@h", "a:1", "@h:1", "a@:1", "a@h:", "a@h:x", "a@h:0", "a@h:70000", "a@h:-1", "a b@h:1",
        "a@b@h:1", "a@h:1:2x")) {
      assertThatThrownBy(() -> MetadataQuorumConfig.parseVoters("z@h:9," + bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "'")
          .hasMessageContaining("id@host:port");
    }
    assertThatThrownBy(() -> MetadataQuorumConfig.parseVoters("a@h:1,,b@h:2")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> MetadataQuorumConfig.parseVoters("a@h:1,")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> MetadataQuorumConfig.parseVoters("a@h:1,b@h:2,a@g:3")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a'").hasMessageContaining("twice");
  }
}
