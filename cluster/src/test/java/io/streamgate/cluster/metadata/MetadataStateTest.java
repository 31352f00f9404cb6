package io.streamgate.cluster.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicState;
import io.streamgate.cluster.metadata.MetadataCommand.AllocateProducerIds;
import io.streamgate.cluster.metadata.MetadataCommand.AlterScramCredentials;
import io.streamgate.cluster.metadata.MetadataCommand.CancelReassignment;
import io.streamgate.cluster.metadata.MetadataCommand.ChangeIsr;
import io.streamgate.cluster.metadata.MetadataCommand.CompleteReassignment;
import io.streamgate.cluster.metadata.MetadataCommand.CreateAcls;
import io.streamgate.cluster.metadata.MetadataCommand.CreateApiKey;
import io.streamgate.cluster.metadata.MetadataCommand.CreateTopic;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteAcls;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteTopic;
import io.streamgate.cluster.metadata.MetadataCommand.ElectLeader;
import io.streamgate.cluster.metadata.MetadataCommand.Fence;
import io.streamgate.cluster.metadata.MetadataCommand.ReassignPartition;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RemoveNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataCommand.RevokeApiKey;
import io.streamgate.cluster.metadata.MetadataCommand.SetReplicationThrottle;
import io.streamgate.cluster.metadata.MetadataCommand.StopNode;
import io.streamgate.cluster.metadata.MetadataCommand.UpdateTopic;
import io.streamgate.cluster.metadata.MetadataReply.Accepted;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.ApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.cluster.security.ScramCredential;
import io.streamgate.cluster.security.ScramMechanism;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The rules every command is checked against when applied, without Raft around them. */
class MetadataStateTest {
  private MetadataState state = MetadataState.EMPTY;

  private MetadataReply apply(MetadataCommand command) {
    MetadataState.Result result = state.apply(command);
    state = result.state();
    return result.reply();
  }

  private static CreateTopic create(String name) {
    return create(TopicId.random(), name);
  }

  private static CreateTopic create(TopicId id, String name) {
    return new CreateTopic(id, new TopicMetadata(name, 2, 3, Map.of()),
        List.of(new PartitionState("a", 0, List.of("a", "b", "c"), List.of("a", "b", "c")),
            new PartitionState("b", 0, List.of("b", "c", "a"), List.of("b"))));
  }

  private static Reason reason(MetadataReply reply) {
    assertThat(reply).isInstanceOf(Refused.class);
    return ((Refused) reply).reason();
  }

  @Test
  void aTopicKeepsTheIdItWasCreatedWithThroughChangesAndDeletionAndARecreatedOneHasItsOwn() {
    TopicId first = TopicId.random();
    assertThat(apply(create(first, "t"))).isEqualTo(new Accepted(1));
    assertThat(apply(new ElectLeader("t", 0, 0, "b", List.of("b", "c"), null))).isEqualTo(new Accepted(1));
    assertThat(state.topic("t").map(TopicState::id)).contains(first);
    assertThat(apply(new DeleteTopic("t"))).isEqualTo(new Accepted(3));
    assertThat(state.topics().get("t").id()).as("the tombstone's").isEqualTo(first);

    // The deleted topic's id is not to be had again: whoever still holds it must never reach the new topic.
    MetadataState deleted = state;
    assertThat(reason(apply(create(first, "t")))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(create(first, "u")))).isEqualTo(Reason.INVALID);
    assertThat(state).isSameAs(deleted);

    TopicId second = TopicId.random();
    assertThat(apply(create(second, "t"))).isEqualTo(new Accepted(4));
    assertThat(state.topic("t").map(TopicState::id)).contains(second);
    assertThat(reason(apply(create(second, "u")))).as("a live topic's id").isEqualTo(Reason.INVALID);
  }

  @Test
  void aCreationFromBeforeTopicIdsGetsTheIdDerivedFromTheName() {
    assertThat(apply(create(null, "t"))).isEqualTo(new Accepted(1));
    assertThat(state.topic("t").map(TopicState::id)).contains(TopicId.derived("t"));
    // Entries from before topic ids can delete and create a name again: the same derived id, as every node derives it.
    apply(new DeleteTopic("t"));
    assertThat(apply(create(null, "t"))).isEqualTo(new Accepted(3));
    assertThat(state.topic("t").map(TopicState::id)).contains(TopicId.derived("t"));
  }

  @Test
  void producerIdBlocksFollowOneAnotherAndOtherChangesKeepTheNextFreeId() {
    assertThat(apply(new AllocateProducerIds(1000))).isEqualTo(new Accepted(0));
    assertThat(apply(create("t"))).isEqualTo(new Accepted(1));
    assertThat(apply(new RegisterNode("n1", "h:1"))).isEqualTo(new Accepted(1));
    assertThat(apply(new AllocateProducerIds(1))).isEqualTo(new Accepted(1000));
    assertThat(apply(new AllocateProducerIds(1000))).isEqualTo(new Accepted(1001));
    assertThat(state.nextProducerId()).isEqualTo(2001);
  }

  @Test
  void aProducerIdBlockOutOfBoundsChangesNothing() {
    assertThat(reason(apply(new AllocateProducerIds(0)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new AllocateProducerIds(MetadataState.MAX_PRODUCER_ID_BLOCK + 1)))).isEqualTo(Reason.INVALID);
    state = new MetadataState(state.topics(), state.nodes(), io.streamgate.logstore.ProducerIds.MAX_ALLOCATED - 9);
    assertThat(reason(apply(new AllocateProducerIds(11)))).as("past the ids Kafka producers may have").isEqualTo(Reason.INVALID);
    assertThat(apply(new AllocateProducerIds(10))).isEqualTo(new Accepted(io.streamgate.logstore.ProducerIds.MAX_ALLOCATED - 9));
    assertThat(reason(apply(new AllocateProducerIds(1)))).isEqualTo(Reason.INVALID);
  }

  private static AclBinding readAcl(String principal, String topic) {
    return new AclBinding(ResourceType.TOPIC, topic, PatternType.LITERAL, principal, "*", AclOperation.READ, AclPermission.ALLOW);
  }

  @Test
  void aclsAreAddedOnceAndRemovedExactlyAndOtherChangesKeepThemUncopied() {
    AclBinding alice = readAcl("User:alice", "orders");
    AclBinding bob = readAcl("User:bob", "orders");
    assertThat(apply(new CreateAcls(List.of(alice, bob)))).isEqualTo(new Accepted(2));
    assertThat(apply(new CreateAcls(List.of(bob, alice)))).as("both there already").isEqualTo(new Accepted(0));
    List<AclBinding> acls = state.acls();
    assertThat(apply(create("t"))).isEqualTo(new Accepted(1));
    assertThat(apply(new RegisterNode("n1", "h:1"))).isEqualTo(new Accepted(1));
    assertThat(state.acls()).as("the same list, not a copy").isSameAs(acls).containsExactly(alice, bob);

    AclBinding carol = readAcl("User:carol", "orders");
    assertThat(apply(new DeleteAcls(List.of(alice, carol)))).as("carol's was never there").isEqualTo(new Accepted(1));
    assertThat(state.acls()).containsExactly(bob);
    assertThat(apply(new DeleteAcls(List.of(alice)))).isEqualTo(new Accepted(0));
  }

  @Test
  void aclsBeyondTheLimitOrWithTooLongANameAreRefusedWhole() {
    List<AclBinding> almostAll = new ArrayList<>();
    for (int i = 0; i < MetadataState.MAX_ACLS - 1; i++) {
      almostAll.add(readAcl("User:u" + i, "t"));
    }
    assertThat(apply(new CreateAcls(almostAll))).isEqualTo(new Accepted(MetadataState.MAX_ACLS - 1));
    MetadataState full = state;
    assertThat(reason(apply(new CreateAcls(List.of(readAcl("User:x", "t"), readAcl("User:y", "t"))))))
        .isEqualTo(Reason.BEYOND_LIMIT);
    assertThat(state).isSameAs(full);
    assertThat(apply(new CreateAcls(List.of(readAcl("User:u0", "t"), readAcl("User:x", "t"))))).as("one new: the last place")
        .isEqualTo(new Accepted(1));

    state = MetadataState.EMPTY;
    String longest = "t".repeat(MetadataState.MAX_NAME_LENGTH);
    assertThat(apply(new CreateAcls(List.of(readAcl("User:a", longest))))).isEqualTo(new Accepted(1));
    for (AclBinding tooLong : List.of(readAcl("User:a", longest + "t"), readAcl("User:" + longest, "t"),
        new AclBinding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:a", "h".repeat(256), AclOperation.READ,
            AclPermission.ALLOW))) {
      assertThat(reason(apply(new CreateAcls(List.of(readAcl("User:b", "t"), tooLong))))).isEqualTo(Reason.BEYOND_LIMIT);
    }
    assertThat(state.acls()).hasSize(1);
  }

  private static ApiKey key(String id, String owner) {
    return new ApiKey(id, Principal.user(owner), 1, new byte[] {1});
  }

  @Test
  void apiKeysAreMadeOnceAndRevokedOnce() {
    assertThat(apply(new CreateApiKey(key("k1", "alice")))).isEqualTo(new Accepted(1));
    assertThat(reason(apply(new CreateApiKey(key("k1", "bob"))))).as("the id is taken").isEqualTo(Reason.INVALID);
    assertThat(state.apiKeys()).containsExactly(Map.entry("k1", key("k1", "alice")));
    assertThat(apply(new RevokeApiKey("k1"))).isEqualTo(new Accepted(1));
    assertThat(state.apiKeys()).isEmpty();
    assertThat(reason(apply(new RevokeApiKey("k1")))).isEqualTo(Reason.API_KEY_NOT_FOUND);
    assertThat(reason(apply(new CreateApiKey(key("k2", "a".repeat(MetadataState.MAX_NAME_LENGTH)))))).as("User:aaa... is too long")
        .isEqualTo(Reason.BEYOND_LIMIT);
  }

  private static ScramCredential scram(String user, ScramMechanism mechanism, int iterations) {
    return mechanism.credential(user, new byte[] {1, 2}, iterations, new byte[] {3});
  }

  @Test
  void scramCredentialsAreUpsertedAndDeletedAndCheckedWhole() {
    ScramCredential alice256 = scram("alice", ScramMechanism.SCRAM_SHA_256, 4096);
    ScramCredential alice512 = scram("alice", ScramMechanism.SCRAM_SHA_512, 8192);
    assertThat(apply(new AlterScramCredentials(List.of(alice256, alice512), List.of()))).isEqualTo(new Accepted(2));
    ScramCredential replaced = scram("alice", ScramMechanism.SCRAM_SHA_256, 5000);
    assertThat(apply(new AlterScramCredentials(List.of(replaced), List.of(alice512.id())))).isEqualTo(new Accepted(2));
    assertThat(state.scramCredentials()).containsExactly(Map.entry(replaced.id(), replaced));
    assertThat(apply(new AlterScramCredentials(List.of(), List.of(alice512.id())))).as("deleting one not there does nothing")
        .isEqualTo(new Accepted(1));
    // Refused whole: the good upsertion beside each bad one is not made either.
    ScramCredential bob = scram("bob", ScramMechanism.SCRAM_SHA_256, 4096);
    assertThat(reason(apply(new AlterScramCredentials(List.of(bob, scram("carol", ScramMechanism.SCRAM_SHA_256, 4095)),
        List.of())))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new AlterScramCredentials(List.of(bob, scram("", ScramMechanism.SCRAM_SHA_256, 4096)), List.of()))))
        .isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new AlterScramCredentials(List.of(bob, scram("a".repeat(MetadataState.MAX_NAME_LENGTH + 1),
        ScramMechanism.SCRAM_SHA_256, 4096)), List.of())))).isEqualTo(Reason.BEYOND_LIMIT);
    assertThat(state.scramCredentials()).containsOnlyKeys(replaced.id());
    // Other changes carry the credentials on.
    assertThat(apply(new CreateApiKey(key("k1", "alice")))).isEqualTo(new Accepted(1));
    assertThat(apply(create("t"))).isEqualTo(new Accepted(1));
    assertThat(state.scramCredentials()).containsOnlyKeys(replaced.id());
  }

  @Test
  void scramCredentialsBeyondTheLimitAreRefused() {
    Map<ScramCredential.Id, ScramCredential> credentials = new HashMap<>();
    for (int i = 0; i < MetadataState.MAX_SCRAM_CREDENTIALS; i++) {
      ScramCredential credential = scram("u" + i, ScramMechanism.SCRAM_SHA_256, 4096);
      credentials.put(credential.id(), credential);
    }
    state = new MetadataState(state.topics(), state.nodes(), 0, List.of(), Map.of(), credentials);
    ScramCredential oneMore = scram("one-more", ScramMechanism.SCRAM_SHA_256, 4096);
    assertThat(reason(apply(new AlterScramCredentials(List.of(oneMore), List.of())))).isEqualTo(Reason.BEYOND_LIMIT);
    assertThat(apply(new AlterScramCredentials(List.of(oneMore), List.of(new ScramCredential.Id("u0",
        ScramMechanism.SCRAM_SHA_256))))).isEqualTo(new Accepted(2));
  }

  @Test
  void apiKeysBeyondTheLimitAreRefused() {
    Map<String, ApiKey> keys = new HashMap<>();
    for (int i = 0; i < MetadataState.MAX_API_KEYS; i++) {
      keys.put("k" + i, key("k" + i, "alice"));
    }
    state = new MetadataState(state.topics(), state.nodes(), 0, List.of(), keys);
    assertThat(reason(apply(new CreateApiKey(key("one-more", "alice"))))).isEqualTo(Reason.BEYOND_LIMIT);
    assertThat(apply(new RevokeApiKey("k0"))).isEqualTo(new Accepted(1));
    assertThat(apply(new CreateApiKey(key("one-more", "alice")))).isEqualTo(new Accepted(1));
  }

  @Test
  void aTopicIsCreatedOnceAndItsVersionsGoOnAfterADelete() {
    assertThat(apply(create("t"))).isEqualTo(new Accepted(1));
    assertThat(reason(apply(create("t")))).isEqualTo(Reason.TOPIC_EXISTS);
    assertThat(apply(new DeleteTopic("t"))).isEqualTo(new Accepted(2));
    assertThat(state.topic("t")).isEmpty();
    assertThat(state.topics().get("t").deleted()).isTrue();
    assertThat(reason(apply(new DeleteTopic("t")))).isEqualTo(Reason.TOPIC_NOT_FOUND);
    // Created again: version 3, never a second "version 1".
    assertThat(apply(create("t"))).isEqualTo(new Accepted(3));
  }

  @Test
  void aCreateWhoseAssignmentContradictsItselfIsRefused() {
    TopicMetadata topic = new TopicMetadata("t", 2, 1, Map.of());
    PartitionState one = new PartitionState("a", 0, List.of("a"), List.of("a"));
    assertThat(reason(apply(new CreateTopic(TopicId.random(), topic, List.of(one))))).isEqualTo(Reason.INVALID);
    assertThat(
        reason(apply(new CreateTopic(TopicId.random(), topic, List.of(one, new PartitionState("b", 0, List.of("a"), List.of("a")))))))
        .isEqualTo(Reason.INVALID);
    assertThat(state).isEqualTo(MetadataState.EMPTY);
  }

  @Test
  void aConfigChangeNeedsTheCurrentVersion() {
    assertThat(reason(apply(new UpdateTopic("t", 0, Map.of(), List.of())))).isEqualTo(Reason.TOPIC_NOT_FOUND);
    apply(create("t"));
    assertThat(reason(apply(new UpdateTopic("t", 0, Map.of("retention.ms", "1"), List.of())))).isEqualTo(Reason.STALE_VERSION);
    assertThat(apply(new UpdateTopic("t", 1, Map.of("retention.ms", "1"), List.of()))).isEqualTo(new Accepted(2));
    assertThat(state.topic("t").orElseThrow().topic().config()).containsExactly(Map.entry("retention.ms", "1"));
    assertThat(reason(apply(new UpdateTopic("t", 1, Map.of(), List.of())))).isEqualTo(Reason.STALE_VERSION);
    apply(new DeleteTopic("t"));
    assertThat(reason(apply(new UpdateTopic("t", 3, Map.of(), List.of())))).isEqualTo(Reason.TOPIC_NOT_FOUND);
  }

  @Test
  void anUpdateAddsPartitionsAfterTheExistingOnes() {
    apply(create("t"));
    PartitionState added = new PartitionState("c", 0, List.of("c", "a", "b"), List.of("c", "a"));
    assertThat(apply(new UpdateTopic("t", 1, Map.of("k", "v"), List.of(added)))).isEqualTo(new Accepted(2));
    TopicState topic = state.topic("t").orElseThrow();
    assertThat(topic.topic()).isEqualTo(new TopicMetadata("t", 3, 3, Map.of("k", "v")));
    assertThat(topic.partitions()).containsExactly(create("t").partitions().get(0), create("t").partitions().get(1), added);
    // The added partition is one like the others: it elects in its own epochs.
    assertThat(apply(new ElectLeader("t", 2, 0, "a", List.of("a"), null))).isEqualTo(new Accepted(1));
    assertThat(state.topic("t").orElseThrow().partition(2).leader()).isEqualTo("a");
    assertThat(state.topic("t").orElseThrow().version()).isEqualTo(3);
  }

  @Test
  void anUpdateWithABadAssignmentChangesNothing() {
    apply(create("t"));
    MetadataState created = state;
    List<PartitionState> bad = List.of(
        new PartitionState("a", 0, List.of("a", "b"), List.of("a")), // two replicas for a factor of 3
        new PartitionState("a", 0, List.of("a", "a", "b"), List.of("a")), // a replica twice
        new PartitionState("a", 0, List.of("a", "b", "c"), List.of("b")), // the leader out of sync
        new PartitionState("a", 0, List.of("a", "b", "c"), List.of("a", "x")), // an ISR member no replica
        new PartitionState(null, -1, List.of("a", "b", "c"), List.of())); // a negative epoch
    for (PartitionState partition : bad) {
      assertThat(reason(apply(new UpdateTopic("t", 1, Map.of("k", "v"), List.of(partition)))))
          .as("%s", partition).isEqualTo(Reason.INVALID);
    }
    assertThat(state).isSameAs(created);
    // One bad partition among good ones refuses the whole update.
    PartitionState good = new PartitionState("a", 0, List.of("a", "b", "c"), List.of("a"));
    assertThat(reason(apply(new UpdateTopic("t", 1, Map.of(), List.of(good, bad.get(0)))))).isEqualTo(Reason.INVALID);
    assertThat(state).isSameAs(created);
  }

  private static final List<String> ALL = List.of("a", "b", "c");

  @Test
  void anElectionNeedsTheCurrentEpochAndAReplica() {
    apply(create("t"));
    assertThat(reason(apply(new ElectLeader("t", 1, 0, "x", List.of("x"), null)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ElectLeader("t", 2, 0, "a", ALL, null)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ElectLeader("u", 0, 0, "a", ALL, null)))).isEqualTo(Reason.TOPIC_NOT_FOUND);
    assertThat(apply(new ElectLeader("t", 1, 0, "c", List.of("c", "b"), null))).isEqualTo(new Accepted(1));
    assertThat(reason(apply(new ElectLeader("t", 1, 0, "a", ALL, null)))).isEqualTo(Reason.STALE_EPOCH);
    // The ISR as the proposer gave it, in its order.
    assertThat(state.topic("t").orElseThrow().partition(1))
        .isEqualTo(new PartitionState("c", 1, List.of("b", "c", "a"), List.of("c", "b")));
    assertThat(apply(new ElectLeader("t", 1, 1, null, List.of(), null))).isEqualTo(new Accepted(2));
    assertThat(state.topic("t").orElseThrow().partition(1))
        .isEqualTo(new PartitionState(null, 2, List.of("b", "c", "a"), List.of()));
  }

  @Test
  void anElectionsIsrIsDistinctReplicasThatHoldTheNewLeader() {
    apply(create("t"));
    MetadataState created = state;
    assertThat(reason(apply(new ElectLeader("t", 0, 0, "b", List.of("b", "x"), null)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ElectLeader("t", 0, 0, "b", List.of("b", "b"), null)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ElectLeader("t", 0, 0, "b", List.of("a", "c"), null)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ElectLeader("t", 0, 0, "b", List.of(), null)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ElectLeader("t", 0, 0, null, List.of("a", "a"), null)))).isEqualTo(Reason.INVALID);
    assertThat(state).isSameAs(created);
    // No leader: the ISR may be empty, or what is left in sync.
    assertThat(apply(new ElectLeader("t", 0, 0, null, List.of("c"), null))).isEqualTo(new Accepted(1));
    assertThat(state.topic("t").orElseThrow().partition(0).isr()).containsExactly("c");
    assertThat(apply(new ElectLeader("t", 0, 1, "c", List.of("c"), null))).isEqualTo(new Accepted(2));
    assertThat(state.topic("t").orElseThrow().partition(0).leader()).isEqualTo("c");
  }

  @Test
  void aFencedElectionIsRefusedOnceTheNodeRenewedOrRegisteredAgain() {
    apply(create("t"));
    apply(new RegisterNode("a", "h:1"));
    apply(new RenewLease("a", 1));
    // The controller judged a's lease expired when a was at (lease epoch 1, 1 renewal).
    Fence judged = new Fence("a", 1, 1);
    apply(new RenewLease("a", 1)); // a renewed after all, before the election was applied
    MetadataState renewed = state;
    assertThat(reason(apply(new ElectLeader("t", 0, 0, "b", List.of("b"), judged)))).isEqualTo(Reason.STALE_LEASE);
    assertThat(state).isSameAs(renewed);
    assertThat(state.topic("t").orElseThrow().partition(0).leader()).isEqualTo("a");

    Fence judgedAgain = new Fence("a", 1, 2);
    apply(new RegisterNode("a", "h:1")); // a restarted: lease epoch 2, 0 renewals
    assertThat(reason(apply(new ElectLeader("t", 0, 0, "b", List.of("b"), judgedAgain)))).isEqualTo(Reason.STALE_LEASE);
    assertThat(reason(apply(new ElectLeader("t", 0, 0, "b", List.of("b"), new Fence("z", 1, 0)))))
        .isEqualTo(Reason.STALE_LEASE);

    // Unchanged since it was judged: the election goes through.
    assertThat(apply(new ElectLeader("t", 0, 0, "b", List.of("b"), new Fence("a", 2, 0)))).isEqualTo(new Accepted(1));
    assertThat(state.topic("t").orElseThrow().partition(0))
        .isEqualTo(new PartitionState("b", 1, List.of("a", "b", "c"), List.of("b")));
  }

  @Test
  void aStaleEpochIsReportedBeforeTheFence() {
    apply(create("t"));
    apply(new RegisterNode("a", "h:1"));
    assertThat(reason(apply(new ElectLeader("t", 0, 3, "b", List.of("b"), new Fence("a", 9, 9)))))
        .isEqualTo(Reason.STALE_EPOCH);
  }

  @Test
  void anIsrChangeNeedsTheLeadersEpochAndKeepsTheLeaderInSync() {
    apply(create("t"));
    assertThat(reason(apply(new ChangeIsr("t", 0, 0, List.of("b"))))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ChangeIsr("t", 0, 0, List.of("a", "x"))))).isEqualTo(Reason.INVALID);
    assertThat(apply(new ChangeIsr("t", 0, 0, List.of("a")))).isEqualTo(new Accepted(2));
    apply(new ElectLeader("t", 0, 0, "b", List.of("a", "b"), null));
    assertThat(reason(apply(new ChangeIsr("t", 0, 0, List.of("a", "b"))))).isEqualTo(Reason.STALE_EPOCH);
    assertThat(state.topic("t").orElseThrow().partition(0).isr()).containsExactly("a", "b");
  }

  @Test
  void aNodesLeaseEpochRisesWithEachRegistration() {
    assertThat(reason(apply(new RenewLease("n1", 1)))).isEqualTo(Reason.NODE_NOT_FOUND);
    assertThat(apply(new RegisterNode("n1", "127.0.0.1:1"))).isEqualTo(new Accepted(1));
    assertThat(apply(new RenewLease("n1", 1))).isEqualTo(new Accepted(1));
    assertThat(apply(new RegisterNode("n1", "127.0.0.1:2"))).isEqualTo(new Accepted(2));
    // The earlier run of n1 is fenced.
    assertThat(reason(apply(new RenewLease("n1", 1)))).isEqualTo(Reason.STALE_LEASE);
    assertThat(state.node("n1")).contains(new NodeState("n1", "127.0.0.1:2", 2, 0));
  }

  @Test
  void aNodeKeepsTheRackOfItsLastRegistrationThroughRenewalsAndStops() {
    apply(new RegisterNode("n1", "h:1", "a"));
    apply(new RenewLease("n1", 1));
    apply(new StopNode("n1", 1));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 1, 1, true, "a"));
    // Its next run says where it is now; one without a rack is in none.
    apply(new RegisterNode("n1", "h:1", "b"));
    assertThat(state.node("n1").map(NodeState::rack)).contains("b");
    apply(new RegisterNode("n1", "h:1"));
    assertThat(state.node("n1").map(NodeState::rack)).isEmpty();
  }

  @Test
  void eachRenewalIsCountedAndARegistrationStartsTheCountAgain() {
    apply(new RegisterNode("n1", "h:1"));
    assertThat(apply(new RenewLease("n1", 1))).isEqualTo(new Accepted(1));
    assertThat(apply(new RenewLease("n1", 1))).isEqualTo(new Accepted(2));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 1, 2));
    // A refused renewal counts nothing.
    MetadataState before = state;
    assertThat(reason(apply(new RenewLease("n1", 0)))).isEqualTo(Reason.STALE_LEASE);
    assertThat(state).isSameAs(before);
    assertThat(apply(new RegisterNode("n1", "h:1"))).isEqualTo(new Accepted(2));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 2, 0));
    assertThat(apply(new RenewLease("n1", 2))).isEqualTo(new Accepted(1));
  }

  @Test
  void aNodeStopsOnlyInItsCurrentLeaseEpochAndKeepsRenewingUntilItRegistersAgain() {
    assertThat(reason(apply(new StopNode("n1", 1)))).isEqualTo(Reason.NODE_NOT_FOUND);
    apply(new RegisterNode("n1", "h:1"));
    apply(new RegisterNode("n1", "h:1"));
    MetadataState registered = state;
    assertThat(reason(apply(new StopNode("n1", 1)))).as("an earlier run's stop").isEqualTo(Reason.STALE_LEASE);
    assertThat(state).isSameAs(registered);

    assertThat(apply(new StopNode("n1", 2))).isEqualTo(new Accepted(2));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 2, 0, true));
    // Still its lease: it serves while its leaderships move, and the stop changes no fence.
    assertThat(apply(new RenewLease("n1", 2))).isEqualTo(new Accepted(1));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 2, 1, true));
    // Its next run is not stopping.
    assertThat(apply(new RegisterNode("n1", "h:1"))).isEqualTo(new Accepted(3));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 3, 0, false));
  }

  @Test
  void aNodeHoldingReplicasIsRemovedOnlyWhenForgottenAndThenLeavesEveryReplicaListAndIsr() {
    apply(create("t")); // p0: a leads, a b c in sync; p1: b leads alone in sync, replicas b c a
    apply(new RegisterNode("a", "h:1"));
    MetadataState before = state;
    assertThat(reason(apply(new RemoveNode("a", false)))).isEqualTo(Reason.NODE_HOLDS_REPLICAS);
    assertThat(state).isSameAs(before);

    assertThat(apply(new RemoveNode("a", true))).as("partitions it was taken out of").isEqualTo(new Accepted(2));
    TopicState topic = state.topic("t").orElseThrow();
    // It led p0: the first in-sync replica left leads, in the next epoch.
    assertThat(topic.partition(0)).isEqualTo(new PartitionState("b", 1, List.of("b", "c"), List.of("b", "c")));
    // A follower out of sync: only its place goes, the leader and epoch stay.
    assertThat(topic.partition(1)).isEqualTo(new PartitionState("b", 0, List.of("b", "c"), List.of("b")));
    assertThat(state.node("a").map(NodeState::removed)).contains(true);
    // Gone for good: its id neither registers, renews nor stops again, and is not removed twice.
    long leaseEpoch = state.node("a").orElseThrow().leaseEpoch();
    assertThat(reason(apply(new RegisterNode("a", "h:1")))).isEqualTo(Reason.NODE_REMOVED);
    assertThat(reason(apply(new RenewLease("a", leaseEpoch)))).isEqualTo(Reason.NODE_REMOVED);
    assertThat(reason(apply(new StopNode("a", leaseEpoch)))).isEqualTo(Reason.NODE_REMOVED);
    assertThat(reason(apply(new RemoveNode("a", true)))).isEqualTo(Reason.NODE_REMOVED);
  }

  @Test
  void aNodeWithoutReplicasIsRemovedEvenIfItNeverRegisteredAndTheOnlyReplicaOfAPartitionStaysItsOfflineOne() {
    assertThat(apply(new RemoveNode("x", false))).isEqualTo(new Accepted(0));
    assertThat(reason(apply(new RegisterNode("x", "h:9")))).isEqualTo(Reason.NODE_REMOVED);

    apply(new CreateTopic(TopicId.random(), new TopicMetadata("solo", 1, 1, Map.of()),
        List.of(new PartitionState("c", 0, List.of("c"), List.of("c")))));
    assertThat(apply(new RemoveNode("c", true))).isEqualTo(new Accepted(1));
    // Its data went with it: no leader, no ISR, and the replica list still says where it was.
    assertThat(state.topic("solo").orElseThrow().partition(0)).isEqualTo(new PartitionState(null, 1, List.of("c"), List.of()));
  }

  @Test
  void noIsrTakesAStoppingNodeInButItMayStayWhereItIs() {
    apply(create("t"));
    apply(new RegisterNode("a", "h:1"));
    apply(new RegisterNode("c", "h:3"));
    apply(new StopNode("c", 1));
    // Partition 1: leader b alone in sync; c caught up as a follower while it hands off.
    MetadataState before = state;
    assertThat(reason(apply(new ChangeIsr("t", 1, 0, List.of("b", "c"))))).isEqualTo(Reason.INVALID);
    assertThat(state).isSameAs(before);
    assertThat(apply(new ChangeIsr("t", 1, 0, List.of("b", "a")))).isEqualTo(new Accepted(2));
    // Partition 0: c is in sync already; an ISR change that keeps it, or takes it out, is fine.
    assertThat(apply(new ChangeIsr("t", 0, 0, List.of("a", "c")))).isEqualTo(new Accepted(3));
    assertThat(apply(new ChangeIsr("t", 0, 0, List.of("a")))).isEqualTo(new Accepted(4));
    assertThat(reason(apply(new ChangeIsr("t", 0, 0, List.of("a", "c"))))).isEqualTo(Reason.INVALID);
    // Registered again, it may rejoin.
    apply(new RegisterNode("c", "h:3"));
    assertThat(apply(new ChangeIsr("t", 0, 0, List.of("a", "c")))).isEqualTo(new Accepted(5));
  }

  /**
   * Whatever the commands, applying never throws, a topic's version and each partition's epoch only
   * rise (a topic deleted and created again starts its epochs at 0; its version goes on), and a
   * refused command changes nothing.
   */
  @Property
  void versionsAndEpochsOnlyRise(@ForAll("sequences") List<MetadataCommand> commands) {
    state = MetadataState.EMPTY;
    Map<String, Long> versions = new HashMap<>();
    Map<String, Integer> epochs = new HashMap<>();
    for (MetadataCommand command : commands) {
      MetadataState before = state;
      MetadataReply reply = apply(command);
      if (!reply.accepted()) {
        assertThat(state).isSameAs(before);
      }
      for (TopicState topic : state.topics().values()) {
        assertThat(topic.version()).isGreaterThanOrEqualTo(versions.getOrDefault(topic.name(), 0L));
        versions.put(topic.name(), topic.version());
        if (topic.deleted()) {
          epochs.keySet().removeIf(key -> key.startsWith(topic.name() + "-")); // a new topic of the name starts again
        }
        for (int p = 0; p < topic.partitions().size(); p++) {
          int epoch = topic.partition(p).leaderEpoch();
          assertThat(epoch).isGreaterThanOrEqualTo(epochs.getOrDefault(topic.name() + "-" + p, 0));
          epochs.put(topic.name() + "-" + p, epoch);
        }
      }
    }
  }

  @Provide
  Arbitrary<List<MetadataCommand>> sequences() {
    Arbitrary<String> topics = Arbitraries.of("t", "u");
    Arbitrary<String> nodes = Arbitraries.of("a", "b", "c", "x").injectNull(0.1);
    Arbitrary<Integer> partitions = Arbitraries.integers().between(-1, 2);
    Arbitrary<Integer> epochs = Arbitraries.integers().between(0, 3);
    Arbitrary<Fence> fences = Combinators.combine(Arbitraries.of("a", "b"), Arbitraries.longs().between(0, 2),
        Arbitraries.longs().between(0, 2)).as(Fence::new).injectNull(0.5);
    Arbitrary<MetadataCommand> command = Arbitraries.oneOf(
        topics.map(MetadataStateTest::create),
        topics.map(DeleteTopic::new),
        Combinators.combine(topics, Arbitraries.longs().between(0, 5), Arbitraries.integers().between(0, 2))
            .as((t, v, added) -> new UpdateTopic(t, v, Map.of("k", "v"),
                Collections.nCopies(added, new PartitionState("c", 0, List.of("c", "a", "b"), List.of("c"))))),
        Combinators.combine(topics, partitions, epochs, nodes, Arbitraries.of("a", "b", "c", "x").list().ofMaxSize(3),
            fences).as(ElectLeader::new),
        Combinators.combine(topics, partitions, epochs, Arbitraries.of("a", "b", "c").set().ofMaxSize(3))
            .as((t, p, e, isr) -> new ChangeIsr(t, p, e, List.copyOf(isr))),
        Arbitraries.of("a", "b").map(n -> new RegisterNode(n, "h:1")),
        Combinators.combine(Arbitraries.of("a", "b"), Arbitraries.longs().between(0, 3)).as(RenewLease::new),
        Combinators.combine(Arbitraries.of("a", "b"), Arbitraries.longs().between(0, 3)).as(StopNode::new),
        Combinators.combine(Arbitraries.of("a", "b", "c"), Arbitraries.of(true, false)).as(RemoveNode::new));
    return command.list().ofMaxSize(40);
  }

  // ------------------------------------------------ moving partitions

  private PartitionState partition(int p) {
    return state.topic("t").orElseThrow().partition(p);
  }

  private void registered(String... nodes) {
    for (String node : nodes) {
      apply(new RegisterNode(node, node + ":1"));
    }
  }

  @Test
  void aMoveRecordsTheUnionThenLeadershipMovesAndTheMoveCompletesOnlyWithTheWholeTargetInSync() {
    registered("a", "b", "c", "d");
    apply(create("t"));
    // t-1: b leads, replicas b c a, ISR b; it moves to d c b.
    assertThat(apply(new ReassignPartition("t", 1, 0, List.of("d", "c", "b"), true))).isInstanceOf(Accepted.class);
    assertThat(partition(1)).isEqualTo(new PartitionState("b", 0, List.of("d", "c", "b", "a"), List.of("b"), List.of("d"),
        List.of("a")));
    assertThat(partition(1).targetReplicas()).containsExactly("d", "c", "b");
    assertThat(partition(1).originalReplicas()).containsExactly("c", "b", "a");
    assertThat(reason(apply(new CompleteReassignment("t", 1, 0)))).as("d and c not in sync").isEqualTo(Reason.INVALID);

    // The new replica joins the ISR as any follower does.
    assertThat(apply(new ChangeIsr("t", 1, 0, List.of("d", "c", "b")))).isInstanceOf(Accepted.class);
    assertThat(apply(new CompleteReassignment("t", 1, 0))).isInstanceOf(Accepted.class);
    assertThat(partition(1)).isEqualTo(new PartitionState("b", 0, List.of("d", "c", "b"), List.of("d", "c", "b")));

    // t-0: a leads and leaves: the move completes only once the leader is a target replica.
    assertThat(apply(new ReassignPartition("t", 0, 0, List.of("d", "b", "c"), true))).isInstanceOf(Accepted.class);
    apply(new ChangeIsr("t", 0, 0, List.of("d", "b", "c", "a")));
    assertThat(reason(apply(new CompleteReassignment("t", 0, 0)))).as("a still leads").isEqualTo(Reason.INVALID);
    assertThat(apply(new ElectLeader("t", 0, 0, "d", List.of("d", "b", "c", "a"), null))).isEqualTo(new Accepted(1));
    assertThat(reason(apply(new CompleteReassignment("t", 0, 0)))).isEqualTo(Reason.STALE_EPOCH);
    assertThat(apply(new CompleteReassignment("t", 0, 1))).isInstanceOf(Accepted.class);
    assertThat(partition(0)).isEqualTo(new PartitionState("d", 1, List.of("d", "b", "c"), List.of("d", "b", "c")));
  }

  @Test
  void aMoveThatCannotBeIsRefused() {
    registered("a", "b", "c", "d", "e");
    apply(create("t"));
    assertThat(apply(new RemoveNode("e", false))).isInstanceOf(Accepted.class);
    MetadataState before = state;
    assertThat(reason(apply(new ReassignPartition("t", 0, 0, List.of("a", "b", "x"), true)))).isEqualTo(Reason.NODE_NOT_FOUND);
    assertThat(reason(apply(new ReassignPartition("t", 0, 0, List.of("a", "b", "e"), true)))).isEqualTo(Reason.NODE_REMOVED);
    assertThat(reason(apply(new ReassignPartition("t", 0, 0, List.of("a", "b", "b"), true)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ReassignPartition("t", 0, 0, List.of(), true)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ReassignPartition("t", 0, 1, List.of("a", "b", "d"), true)))).isEqualTo(Reason.STALE_EPOCH);
    assertThat(reason(apply(new ReassignPartition("t", 2, 0, List.of("a", "b", "d"), true)))).isEqualTo(Reason.INVALID);
    assertThat(reason(apply(new ReassignPartition("u", 0, 0, List.of("a", "b", "d"), true)))).isEqualTo(Reason.TOPIC_NOT_FOUND);
    assertThat(reason(apply(new CancelReassignment("t", 0, 0)))).isEqualTo(Reason.NO_REASSIGNMENT);
    assertThat(reason(apply(new CompleteReassignment("t", 0, 0)))).isEqualTo(Reason.INVALID);
    assertThat(state).isSameAs(before);
  }

  @Test
  void aCancelledMoveGoesBackToTheOriginalReplicasAndALeaderAmongTheNewOnesHandsBack() {
    registered("a", "b", "c", "d");
    apply(create("t"));
    apply(new ReassignPartition("t", 0, 0, List.of("d", "b", "c"), true));
    apply(new ChangeIsr("t", 0, 0, List.of("d", "b", "c", "a")));
    apply(new ElectLeader("t", 0, 0, "d", List.of("d", "b", "c", "a"), null));
    assertThat(reason(apply(new CancelReassignment("t", 0, 0)))).isEqualTo(Reason.STALE_EPOCH);
    assertThat(apply(new CancelReassignment("t", 0, 1))).isInstanceOf(Accepted.class);
    // d led: the first original replica in sync takes over, in the next epoch.
    assertThat(partition(0)).isEqualTo(new PartitionState("b", 2, List.of("b", "c", "a"), List.of("b", "c", "a")));

    // A leader among the original replicas keeps leading, in its epoch; the new replica leaves the ISR.
    apply(new ReassignPartition("t", 1, 0, List.of("d", "c", "a"), true));
    apply(new ChangeIsr("t", 1, 0, List.of("d", "b")));
    assertThat(apply(new CancelReassignment("t", 1, 0))).isInstanceOf(Accepted.class);
    // In the order of the replicas while moving (the target first), as Kafka reverts: c is preferred now.
    assertThat(partition(1)).isEqualTo(new PartitionState("b", 0, List.of("c", "a", "b"), List.of("b")));
  }

  @Test
  void aMoveChangesTheReplicationFactorAndTheTopicsIsItsFirstPartitions() {
    registered("a", "b", "c", "d");
    apply(create("t"));
    // t-0 (a leads, a b c all in sync) gains d: nothing leaves.
    assertThat(apply(new ReassignPartition("t", 0, 0, List.of("a", "b", "c", "d"), true))).isInstanceOf(Accepted.class);
    assertThat(partition(0)).isEqualTo(new PartitionState("a", 0, List.of("a", "b", "c", "d"), List.of("a", "b", "c"),
        List.of("d"), List.of()));
    assertThat(reason(apply(new CompleteReassignment("t", 0, 0)))).as("d not in sync").isEqualTo(Reason.INVALID);
    apply(new ChangeIsr("t", 0, 0, List.of("a", "b", "c", "d")));
    assertThat(apply(new CompleteReassignment("t", 0, 0))).isInstanceOf(Accepted.class);
    assertThat(partition(0)).isEqualTo(new PartitionState("a", 0, List.of("a", "b", "c", "d"), List.of("a", "b", "c", "d")));
    assertThat(state.topic("t").orElseThrow().topic().replicationFactor()).isEqualTo(4);

    // t-1 (b leads, b c a, b alone in sync) keeps b alone: complete at once, the topic's factor is t-0's.
    assertThat(apply(new ReassignPartition("t", 1, 0, List.of("b"), true))).isInstanceOf(Accepted.class);
    assertThat(partition(1).removing()).containsExactly("c", "a");
    assertThat(apply(new CompleteReassignment("t", 1, 0))).isInstanceOf(Accepted.class);
    assertThat(partition(1)).isEqualTo(new PartitionState("b", 0, List.of("b"), List.of("b")));
    assertThat(state.topic("t").orElseThrow().topic().replicationFactor()).isEqualTo(4);

    // t-0 down to two: leadership must move off a first.
    apply(new ReassignPartition("t", 0, 0, List.of("c", "d"), true));
    apply(new ElectLeader("t", 0, 0, "c", List.of("c", "d", "a", "b"), null));
    assertThat(apply(new CompleteReassignment("t", 0, 1))).isInstanceOf(Accepted.class);
    assertThat(partition(0)).isEqualTo(new PartitionState("c", 1, List.of("c", "d"), List.of("c", "d")));
    assertThat(state.topic("t").orElseThrow().topic().replicationFactor()).isEqualTo(2);
  }

  @Test
  void aMoveOfAMovingPartitionReplacesItAgainstTheOriginalReplicasAndACancelStillGoesBackToThem() {
    registered("a", "b", "c", "d", "e");
    apply(create("t"));
    // t-1: b leads, b c a, ISR b. First to d c b (d in sync by now), then to e b a: d is dropped, a stays.
    apply(new ReassignPartition("t", 1, 0, List.of("d", "c", "b"), true));
    apply(new ChangeIsr("t", 1, 0, List.of("d", "b")));
    assertThat(apply(new ReassignPartition("t", 1, 0, List.of("e", "b", "a"), true))).isInstanceOf(Accepted.class);
    assertThat(partition(1)).isEqualTo(new PartitionState("b", 0, List.of("e", "b", "a", "c"), List.of("b"), List.of("e"),
        List.of("c")));
    assertThat(partition(1).originalReplicas()).containsExactlyInAnyOrder("b", "c", "a");
    assertThat(apply(new CancelReassignment("t", 1, 0))).isInstanceOf(Accepted.class);
    assertThat(partition(1)).isEqualTo(new PartitionState("b", 0, List.of("b", "a", "c"), List.of("b")));

    // t-0: a leads; it moves to d b c and leadership has reached d when the move is replaced by e b c:
    // d goes, and the first replica left in sync leads in the next epoch.
    apply(new ReassignPartition("t", 0, 0, List.of("d", "b", "c"), true));
    apply(new ChangeIsr("t", 0, 0, List.of("d", "b", "c", "a")));
    apply(new ElectLeader("t", 0, 0, "d", List.of("d", "b", "c", "a"), null));
    assertThat(reason(apply(new ReassignPartition("t", 0, 0, List.of("e", "b", "c"), true)))).isEqualTo(Reason.STALE_EPOCH);
    assertThat(apply(new ReassignPartition("t", 0, 1, List.of("e", "b", "c"), true))).isInstanceOf(Accepted.class);
    assertThat(partition(0)).isEqualTo(new PartitionState("b", 2, List.of("e", "b", "c", "a"), List.of("b", "c", "a"),
        List.of("e"), List.of("a")));
    // The same target again changes nothing but the version.
    PartitionState replaced = partition(0);
    assertThat(apply(new ReassignPartition("t", 0, 2, List.of("e", "b", "c"), true))).isInstanceOf(Accepted.class);
    assertThat(partition(0)).isEqualTo(replaced);
  }

  @Test
  void aMoveOfFormatOneIsAppliedByTheRulesItWasWrittenUnder() {
    registered("a", "b", "c", "d");
    apply(create("t"));
    assertThat(reason(apply(new ReassignPartition("t", 0, 0, List.of("a", "b", "c", "d"), false)))).isEqualTo(Reason.INVALID);
    assertThat(apply(new ReassignPartition("t", 0, 0, List.of("d", "b", "c"), false))).isInstanceOf(Accepted.class);
    MetadataState moving = state;
    assertThat(reason(apply(new ReassignPartition("t", 0, 0, List.of("a", "b", "c"), false))))
        .isEqualTo(Reason.REASSIGNMENT_IN_PROGRESS);
    assertThat(state).isSameAs(moving);
  }

  @Test
  void aMoveThatWouldDropTheLeaderWithNoReplicaLeftInSyncIsRefused() {
    registered("a", "b", "c", "d", "e");
    apply(create("t"));
    apply(new ReassignPartition("t", 1, 0, List.of("d", "c", "b"), true));
    apply(new ElectLeader("t", 1, 0, "d", List.of("d"), null));
    MetadataState before = state;
    assertThat(reason(apply(new ReassignPartition("t", 1, 1, List.of("e", "c", "a"), true)))).isEqualTo(Reason.INVALID);
    assertThat(state).isSameAs(before);
  }

  @Test
  void aDeletionByIdDeletesOnlyThatIncarnationOfTheName() {
    TopicId first = TopicId.random();
    apply(create(first, "t"));
    MetadataState created = state;
    assertThat(reason(apply(new DeleteTopic("t", TopicId.random())))).isEqualTo(Reason.UNKNOWN_TOPIC_ID);
    assertThat(state).isSameAs(created);
    assertThat(apply(new DeleteTopic("t", first))).isInstanceOf(Accepted.class);
    assertThat(reason(apply(new DeleteTopic("t", first)))).isEqualTo(Reason.TOPIC_NOT_FOUND);
    // Created again under the name: a deletion of the first incarnation, resolved before, leaves it.
    TopicId second = TopicId.random();
    apply(create(second, "t"));
    assertThat(reason(apply(new DeleteTopic("t", first)))).isEqualTo(Reason.UNKNOWN_TOPIC_ID);
    assertThat(state.topic("t").map(TopicState::id)).contains(second);
    assertThat(apply(new DeleteTopic("t", second))).isInstanceOf(Accepted.class);
    assertThat(state.topic("t")).isEmpty();
  }

  @Test
  void theReplicationThrottleIsSetByTheLastCommandAndKeptByOthers() {
    assertThat(state.replicationThrottle()).isEqualTo(MetadataState.NO_THROTTLE);
    assertThat(apply(new SetReplicationThrottle(1_000_000))).isEqualTo(new Accepted(1_000_000));
    apply(create("t"));
    apply(new RegisterNode("a", "a:1"));
    apply(new AllocateProducerIds(5));
    assertThat(state.replicationThrottle()).isEqualTo(1_000_000);
    assertThat(reason(apply(new SetReplicationThrottle(-1)))).isEqualTo(Reason.INVALID);
    assertThat(apply(new SetReplicationThrottle(0))).isEqualTo(new Accepted(0));
    assertThat(state.replicationThrottle()).isZero();
  }
}
