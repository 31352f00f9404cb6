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
}
