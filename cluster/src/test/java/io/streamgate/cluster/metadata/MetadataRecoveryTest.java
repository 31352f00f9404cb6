package io.streamgate.cluster.metadata;

import static io.streamgate.cluster.metadata.MetadataQuorumTest.create;
import static io.streamgate.cluster.metadata.MetadataQuorumTest.submit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.cluster.metadata.MetadataReply.Accepted;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A quorum that lost its majority for good, made whole again from one survivor's data dir. */
class MetadataRecoveryTest {
  @TempDir Path root;
  private TestQuorum quorum;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

  @AfterEach
  void closeQuorum() {
    if (quorum != null) {
      quorum.close();
    }
  }

  private MetadataRecovery recovery(int voter) {
    return new MetadataRecovery(quorum.dataDir(voter), new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  @Test
  void aSurvivorRecoveredAloneKeepsEveryCommittedChangeForgetsTheDeadAndCommitsAgain() throws Exception {
    // Snapshots every 4 entries: the survivor's state is a snapshot and the log after it.
    quorum = new TestQuorum(root, 3, 4).startAll();
    quorum.awaitLeader();
    for (int i = 0; i < 6; i++) {
      assertThat(submit(quorum.voter(i % 3), create("t" + i))).isEqualTo(new Accepted(1));
    }
    submit(quorum.voter(1), new RegisterNode("n1", "127.0.0.1:1"));
    Voter survivor = quorum.voter(0).voters().get(0);
    quorum.stop(1);
    quorum.stop(2); // for good
    assertThatThrownBy(() -> recovery(0).recover(List.of(survivor))).as("while it runs").isInstanceOf(ClusterException.class)
        .hasMessageContaining("running");
    quorum.stop(0);

    assertThat(recovery(0).recover(List.of(survivor))).containsExactly("n1", "n2");
    try (Stream<Path> meta = Files.list(quorum.dataDir(0).resolve("meta"))) {
      assertThat(meta.map(path -> path.getFileName().toString())).anyMatch(name -> name.startsWith("raft-backup-"));
    }

    quorum.start(0);
    MetadataQuorum alone = quorum.voter(0);
    assertThat(alone.voters()).containsExactly(survivor);
    assertThat(submit(alone, create("t6"))).as("a majority of one").isEqualTo(new Accepted(1));
    assertThat(alone.state().topics().keySet()).containsExactly("t0", "t1", "t2", "t3", "t4", "t5", "t6");
    // The dead are forgotten: out of every replica list and ISR, and their ids fenced.
    assertThat(alone.state().topic("t0").orElseThrow().partition(0))
        .isEqualTo(new PartitionState("n0", 0, List.of("n0"), List.of("n0")));
    assertThat(submit(alone, new RegisterNode("n1", "127.0.0.1:1"))).isInstanceOf(Refused.class)
        .extracting(reply -> ((Refused) reply).reason()).isEqualTo(Reason.NODE_REMOVED);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("forgot node n1", "forgot node n2");
  }
}
