package io.streamgate.cluster.metadata;

import static io.streamgate.cluster.metadata.MetadataQuorumTest.create;
import static io.streamgate.cluster.metadata.MetadataQuorumTest.submit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.NodeRemovedException;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RemoveNode;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.cluster.metadata.MetadataReply.Accepted;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.testing.ListenPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Voters joining and leaving a running metadata quorum (Ratis membership changes), in one JVM. */
class MetadataMembershipTest {
  @TempDir Path root;
  private TestQuorum quorum;

  @AfterEach
  void closeQuorum() {
    if (quorum != null) {
      quorum.close();
    }
  }

  private static List<String> ids(MetadataQuorum voter) {
    return voter.voters().stream().map(Voter::id).toList();
  }

  @Test
  void aFourthNodeJoinsCatchesUpFromASnapshotVotesAndKeepsItsPlaceAcrossRestarts() throws Exception {
    // Snapshots every 3 entries: the log the new voter needs is purged, so the leader sends a snapshot.
    quorum = new TestQuorum(root, 3, 3).startAll();
    quorum.awaitLeader();
    for (int i = 0; i < 8; i++) {
      assertThat(submit(quorum.voter(i % 3), create("t" + i))).isEqualTo(new Accepted(1));
    }

    int port = ListenPorts.next();
    MetadataQuorum joined = quorum.join("n3", port);
    assertThat(ids(joined)).containsExactly("n0", "n1", "n2", "n3");
    await().atMost(TestQuorum.AWAIT).until(() -> Stream.of(0, 1, 2).allMatch(i -> ids(quorum.voter(i)).size() == 4));
    // Everything committed before it joined, and what is committed after.
    assertThat(submit(joined, create("t8"))).isEqualTo(new Accepted(1));
    await().atMost(TestQuorum.AWAIT).until(() -> joined.state().topics().size() == 9);

    // Four voters, two stopped: the two left are no majority. Back with the new one, three of four are.
    quorum.stop(0);
    quorum.stop(1);
    quorum.start(0);
    assertThat(ids(quorum.voter(0))).as("the log's voters, not the setting's").containsExactly("n0", "n1", "n2", "n3");
    assertThat(submit(quorum.voter(0), create("t9"))).as("a commit only n0, n2 and n3 can make")
        .isEqualTo(new Accepted(1));

    // The joined node, restarted on its data, is a voter from its log; it asks nobody to add it again.
    joined.close();
    MetadataQuorum again = quorum.join("n3", port);
    assertThat(ids(again)).containsExactly("n0", "n1", "n2", "n3");
    await().atMost(TestQuorum.AWAIT).until(() -> again.state().topics().size() == 10);
  }

  @Test
  void aRemovedVoterLeavesTheQuorumAndItsIdCannotComeBack() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    assertThat(submit(quorum.voter(0), new RemoveNode("n2", false))).isEqualTo(new Accepted(0));
    quorum.voter(0).removeVoter("n2");
    await().atMost(TestQuorum.AWAIT).until(() -> Stream.of(0, 1).allMatch(i -> ids(quorum.voter(i)).equals(List.of("n0", "n1"))));

    // Two voters now: with n2 gone, both of them are the majority.
    quorum.stop(2);
    assertThat(submit(quorum.voter(1), create("t0"))).isEqualTo(new Accepted(1));

    // Back on its old data it is refused: at its start if it had applied the configuration without it
    // (it asks to join, and the log refuses its id), else at its registration, as a node's lease does.
    try {
      quorum.start(2);
      assertThat(submit(quorum.voter(2), new RegisterNode("n2", "127.0.0.1:1"))).isInstanceOf(Refused.class)
          .extracting(reply -> ((Refused) reply).reason()).isEqualTo(Reason.NODE_REMOVED);
    } catch (NodeRemovedException e) {
      assertThat(e).hasMessageContaining("n2");
    }
    // A node with its id on an empty data dir is refused at its start.
    assertThatThrownBy(() -> quorum.join("n2", ListenPorts.next())).isInstanceOf(NodeRemovedException.class);
    assertThat(ids(quorum.voter(0))).containsExactly("n0", "n1");
  }

  @Test
  void theRaftLeadersOwnNodeIsRemovedAndTheOthersGoOnWithoutIt() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    int leader = quorum.awaitLeader();
    String leaving = "n" + leader;
    List<Integer> staying = Stream.of(0, 1, 2).filter(i -> i != leader).toList();
    List<String> rest = staying.stream().map(i -> "n" + i).toList();
    assertThat(submit(quorum.voter(staying.get(0)), new RemoveNode(leaving, false))).isEqualTo(new Accepted(0));
    // Asked of the leader itself, as an operator's DELETE on that node would: it commits a
    // configuration without itself, then steps down, and the two left elect one of them.
    quorum.voter(leader).removeVoter(leaving);
    await().atMost(TestQuorum.AWAIT).until(() -> staying.stream().allMatch(i -> ids(quorum.voter(i)).equals(rest)));

    quorum.stop(leader);
    assertThat(submit(quorum.voter(staying.get(1)), create("t0"))).as("committed by the two left alone")
        .isEqualTo(new Accepted(1));
    await().atMost(TestQuorum.AWAIT).until(() -> staying.stream().anyMatch(i -> quorum.voter(i).isLeader()));
  }

  @Test
  void twoNodesJoinAtOnceAndBothVote() throws Exception {
    quorum = new TestQuorum(root, 3, MetadataQuorumConfig.SNAPSHOT_THRESHOLD).startAll();
    quorum.awaitLeader();
    // Each asks for the configuration it saw plus itself (compare-and-set): one of the two is refused
    // and asks again with the other's change applied.
    CompletableFuture<MetadataQuorum> n3 = CompletableFuture.supplyAsync(() -> joined("n3"));
    CompletableFuture<MetadataQuorum> n4 = CompletableFuture.supplyAsync(() -> joined("n4"));
    List<String> all = List.of("n0", "n1", "n2", "n3", "n4");
    MetadataQuorum third = n3.get(60, TimeUnit.SECONDS);
    MetadataQuorum fourth = n4.get(60, TimeUnit.SECONDS);
    await().atMost(TestQuorum.AWAIT).until(() -> Stream.of(quorum.voter(0), quorum.voter(1), quorum.voter(2), third, fourth)
        .allMatch(voter -> ids(voter).equals(all)));

    // Five voters: with two of the first three stopped, the majority needs both new ones.
    quorum.stop(0);
    quorum.stop(1);
    assertThat(submit(fourth, create("t0"))).as("committed by n2, n3 and n4").isEqualTo(new Accepted(1));
    await().atMost(TestQuorum.AWAIT).until(() -> third.state().topics().size() == 1);
  }

  private MetadataQuorum joined(String id) {
    try {
      return quorum.join(id, ListenPorts.next());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
