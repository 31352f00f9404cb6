package io.streamgate.cluster.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The metadata log's byte format. The fixed bytes below are what is on disk in every Raft log and
 * snapshot: if one of these tests fails, the format changed, and old logs would no longer be read.
 * Add a tag or a format byte instead (MetadataCodec's Javadoc).
 */
class MetadataCodecTest {
  private static byte[] hex(String... fields) {
    return HexFormat.of().parseHex(String.join("", fields).replace(" ", ""));
  }

  private static final String T = "00000001 74"; // "t"
  private static final String N1 = "00000002 6e31"; // "n1"

  @Test
  void commandsHaveFixedBytes() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("b", "2");
    config.put("a", "1");
    CreateTopic create = new CreateTopic(new TopicId(1, 2), new TopicMetadata("t", 1, 1, Map.of("a", "b")),
        List.of(new PartitionState("n1", 0, List.of("n1"), List.of("n1"))));
    String createBody = String.join("", T, "00000001 00000001", "00000001 00000001 61 00000001 62", "00000001", "01", N1,
        "00000000", "00000001", N1, "00000001", N1);
    assertThat(MetadataCodec.encode(create)).isEqualTo(hex("01 0f", "0000000000000001 0000000000000002", createBody));
    // Tag 1, from before topic ids, is still read: without an id (the state derives one from the name).
    assertThat(MetadataCodec.decodeCommand(hex("01 01", createBody))).isEqualTo(new CreateTopic(null, create.topic(),
        create.partitions()));
    assertThat(MetadataCodec.encode(new DeleteTopic("t"))).isEqualTo(hex("01 02", T));
    // Config entries sorted by key, whatever the map's order.
    assertThat(MetadataCodec.encode(new UpdateTopic("t", 3, config, List.of(new PartitionState(null, 0, List.of("n1"),
        List.of())))))
        .isEqualTo(hex("01 03", T, "0000000000000003", "00000002 00000001 61 00000001 31 00000001 62 00000001 32",
            "00000001", "00 00000000", "00000001", N1, "00000000"));
    assertThat(MetadataCodec.encode(new ElectLeader("t", 0, 4, null, List.of(), null)))
        .isEqualTo(hex("01 04", T, "00000000 00000004 00", "00000000", "00"));
    assertThat(MetadataCodec.encode(new ElectLeader("t", 2, 4, "n1", List.of("n1", "n2"), new Fence("n2", 3, 9))))
        .isEqualTo(hex("01 04", T, "00000002 00000004 01", N1, "00000002", N1, "00000002 6e32", "01 00000002 6e32",
            "0000000000000003 0000000000000009"));
    assertThat(MetadataCodec.encode(new ChangeIsr("t", 0, 5, List.of("n1", "n2"))))
        .isEqualTo(hex("01 05", T, "00000000 00000005 00000002", N1, "00000002 6e32"));
    assertThat(MetadataCodec.encode(new RegisterNode("n1", "h:1"))).isEqualTo(hex("01 06", N1, "00000003 683a31"));
    assertThat(MetadataCodec.encode(new RenewLease("n1", 7))).isEqualTo(hex("01 07", N1, "0000000000000007"));
    assertThat(MetadataCodec.encode(new AllocateProducerIds(1000))).isEqualTo(hex("01 08", "000003e8"));
    assertThat(MetadataCodec.encode(new CreateAcls(List.of(ACL)))).isEqualTo(hex("01 09", "00000001", ACL_BYTES));
    assertThat(MetadataCodec.encode(new DeleteAcls(List.of(ACL)))).isEqualTo(hex("01 0a", "00000001", ACL_BYTES));
    assertThat(MetadataCodec.encode(new CreateApiKey(KEY))).isEqualTo(hex("01 0b", KEY_BYTES));
    assertThat(MetadataCodec.encode(new RevokeApiKey("k1"))).isEqualTo(hex("01 0c", "00000002 6b31"));
    assertThat(MetadataCodec.encode(new AlterScramCredentials(List.of(SCRAM), List.of(new ScramCredential.Id("b",
        ScramMechanism.SCRAM_SHA_256))))).isEqualTo(hex("01 0d", "00000001", SCRAM_BYTES, "00000001", "00000001 62 01"));
    assertThat(MetadataCodec.encode(new StopNode("n1", 7))).isEqualTo(hex("01 0e", N1, "0000000000000007"));
  }

  /** a's SCRAM-SHA-512 credential (Kafka's code 2), 4096 iterations; salt and keys shortened to a byte or two. */
  private static final ScramCredential SCRAM = new ScramCredential("a", ScramMechanism.SCRAM_SHA_512, new byte[] {1}, 4096,
      new byte[] {2, 3}, new byte[] {4});
  private static final String SCRAM_BYTES = "00000001 61 02" + "00000001 01" + "00001000" + "00000002 0203" + "00000001 04";

  /** User:a may read topics starting "t" from any host; the enums are Kafka's codes (TOPIC 2, PREFIXED 4, READ 3, ALLOW 3). */
  private static final AclBinding ACL = new AclBinding(ResourceType.TOPIC, "t", PatternType.PREFIXED, "User:a", "*",
      AclOperation.READ, AclPermission.ALLOW);
  private static final String ACL_BYTES = "02" + T + "04" + "00000006 557365723a61" + "00000001 2a" + "03 03";
  private static final ApiKey KEY = new ApiKey("k1", Principal.user("a"), 5, new byte[] {1, 2});
  private static final String KEY_BYTES = "00000002 6b31" + "00000006 557365723a61" + "0000000000000005" + "00000002 0102";

  @Test
  void repliesHaveFixedBytes() {
    assertThat(MetadataCodec.encode(new Accepted(9))).isEqualTo(hex("01 00 0000000000000009"));
    assertThat(MetadataCodec.encode(new Refused(Reason.STALE_EPOCH, "x"))).isEqualTo(hex("01 01 04 00000001 78"));
    assertThat(Arrays.stream(Reason.values()).map(Reason::code)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 90, 91, 100);
  }

  /** Topic t as snapshots before format 6 hold it: without its id. */
  private static final String SNAPSHOT_TOPIC = String.join("", "00000001", T, "00000001 00000001 00000000", "00000001",
      "00 00000002", "00000001", N1, "00000000", "0000000000000005 00");
  /** Node n1 as snapshots before format 5 hold it: without its stopping flag. */
  private static final String SNAPSHOT_NODES = String.join("", "00000001", N1, "00000003 683a31", "0000000000000003 0000000000000004");
  private static final String SNAPSHOT_TOPICS_AND_NODES = SNAPSHOT_TOPIC + SNAPSHOT_NODES;

  private static MetadataState topicsAndNodes(long nextProducerId, List<AclBinding> acls, Map<String, ApiKey> keys) {
    // The id snapshots before format 6 read t with (TopicId.derived); format 6 writes it as it is.
    TopicState topic = new TopicState(TopicId.derived("t"), new TopicMetadata("t", 1, 1, Map.of()),
        List.of(new PartitionState(null, 2, List.of("n1"), List.of())), 5, false);
    return new MetadataState(new TreeMap<>(Map.of("t", topic)), new TreeMap<>(Map.of("n1", new NodeState("n1", "h:1", 3, 4))),
        nextProducerId, acls, keys);
  }

  @Test
  void aSnapshotHasFixedBytes() {
    ApiKey second = new ApiKey("k0", Principal.user("b"), 6, new byte[] {3});
    ScramCredential sha256 = new ScramCredential("a", ScramMechanism.SCRAM_SHA_256, new byte[] {5}, 8192, new byte[] {6},
        new byte[] {7});
    MetadataState state = new MetadataState(topicsAndNodes(2000, List.of(ACL), Map.of("k1", KEY, "k0", second)).topics(),
        new TreeMap<>(Map.of("n1", new NodeState("n1", "h:1", 3, 4, true, "r"))), 2000, List.of(ACL), Map.of("k1", KEY, "k0", second),
        Map.of(SCRAM.id(), SCRAM, sha256.id(), sha256));
    // The keys sorted by id, the SCRAM credentials by user and mechanism, whatever the maps' order; n1 stopping (01), in rack r, not removed (00).
    TopicId id = TopicId.derived("t");
    String idBytes = String.format("%016x %016x", id.mostSignificantBits(), id.leastSignificantBits());
    assertThat(MetadataCodec.encode(state))
        .isEqualTo(
            hex("09", SNAPSHOT_TOPIC, idBytes, SNAPSHOT_NODES, "01", "01 00000001 72", "00", "00000000000007d0", "00000001", ACL_BYTES,
                "00000002", "00000002 6b30 00000006 557365723a62 0000000000000006 00000001 03", KEY_BYTES, "00000002",
                "00000001 61 01 00000001 05 00002000 00000001 06 00000001 07", SCRAM_BYTES, NO_MOVES));
    assertThat(MetadataCodec.decodeState(MetadataCodec.encode(state))).isEqualTo(state);
  }

  /** Format 7's tail when nothing moves: no throttle (int64 0), no moving partition. */
  private static final String NO_MOVES = "0000000000000000 00000000";

  @Test
  void moveCommandsHaveFixedBytes() {
    assertThat(MetadataCodec.encode(new ReassignPartition("t", 1, 4, List.of("n1", "n2"), false)))
        .isEqualTo(hex("01 10", T, "00000001 00000004", "00000002", N1, "00000002 6e32"));
    // One that may replace a move or change the replication factor: format 10, the same fields.
    assertThat(MetadataCodec.encode(new ReassignPartition("t", 1, 4, List.of("n1", "n2"), true)))
        .isEqualTo(hex("0a 10", T, "00000001 00000004", "00000002", N1, "00000002 6e32"));
    assertThat(MetadataCodec.encode(new CompleteReassignment("t", 1, 4))).isEqualTo(hex("01 11", T, "00000001 00000004"));
    assertThat(MetadataCodec.encode(new CancelReassignment("t", 1, 4))).isEqualTo(hex("01 12", T, "00000001 00000004"));
    assertThat(MetadataCodec.encode(new SetReplicationThrottle(1000))).isEqualTo(hex("01 13", "00000000000003e8"));
  }

  @Test
  void aSnapshotOfFormatSevenHoldsTheMovingPartitionsAndTheThrottle() {
    TopicId id = TopicId.derived("t");
    String idBytes = String.format("%016x %016x", id.mostSignificantBits(), id.leastSignificantBits());
    // n1 -> n2: the union, n2 adding, n1 removing.
    TopicState moving = new TopicState(id, new TopicMetadata("t", 1, 1, Map.of()),
        List.of(new PartitionState("n1", 2, List.of("n2", "n1"), List.of("n1"), List.of("n2"), List.of("n1"))), 5, false);
    MetadataState state = new MetadataState(new TreeMap<>(Map.of("t", moving)), new TreeMap<>(), 0, List.of(), Map.of(), Map.of(),
        1000);
    String topic = String.join("", "00000001", T, "00000001 00000001 00000000", "00000001", "01", N1, "00000002",
        "00000002 00000002 6e32", N1, "00000001", N1, "0000000000000005 00", idBytes);
    String rest = String.join("", topic, "00000000", "0000000000000000", "00000000", "00000000", "00000000",
        "00000000000003e8", "00000001", T, "00000000", "00000001 00000002 6e32", "00000001", N1);
    byte[] bytes = hex("07", rest);
    assertThat(MetadataCodec.decodeState(bytes)).isEqualTo(state);
    // Written in today's format: the same bytes (nodes, whose encoding changed in 9, there are none).
    assertThat(MetadataCodec.encode(state)).isEqualTo(hex("09", rest));
    // The same partition in a format-6 snapshot (before moves): nothing moving, no throttle.
    MetadataState six = MetadataCodec.decodeState(hex("06", topic, "00000000", "0000000000000000", "00000000", "00000000",
        "00000000"));
    assertThat(six.topics().get("t").partition(0).moving()).isFalse();
    assertThat(six.replicationThrottle()).isZero();
    // A move of a partition that is not there is bad bytes.
    assertThatThrownBy(() -> MetadataCodec.decodeState(hex("07", topic, "00000000", "0000000000000000", "00000000", "00000000",
        "00000000", "0000000000000000", "00000001", T, "00000003", "00000000", "00000000")))
        .isInstanceOf(MetadataFormatException.class).hasMessageContaining("t-3");
  }

  @Test
  void aRemovedNodeIsATombstoneFromFormatNineOnAndAFormatSixSnapshotReadsAsNoneRemoved() {
    assertThat(MetadataCodec.encode(new RemoveNode("n1", true))).isEqualTo(hex("01 5a", N1, "01"));
    assertThat(MetadataCodec.decodeCommand(hex("01 5a", N1, "00"))).isEqualTo(new RemoveNode("n1", false));
    NodeState removed = new NodeState("n1", "h:1", 3, 4, false, null, true);
    MetadataState state = new MetadataState(new TreeMap<>(), new TreeMap<>(Map.of("n1", removed)));
    byte[] bytes = MetadataCodec.encode(state);
    assertThat(bytes).isEqualTo(hex("09", "00000000", SNAPSHOT_NODES, "00 00 01", "0000000000000000", "00000000", "00000000",
        "00000000", NO_MOVES));
    assertThat(MetadataCodec.decodeState(bytes).node("n1")).contains(removed);
    MetadataState formatSix = MetadataCodec.decodeState(hex("06", "00000000", SNAPSHOT_NODES, "00", "0000000000000000",
        "00000000", "00000000", "00000000"));
    assertThat(formatSix.node("n1")).contains(new NodeState("n1", "h:1", 3, 4, false, null, false));
  }

  @Test
  void aSnapshotOfFormatSixFromBeforeRacksReadsAsNoNodeInARack() {
    TopicId id = TopicId.derived("t");
    String idBytes = String.format("%016x %016x", id.mostSignificantBits(), id.leastSignificantBits());
    MetadataState state = MetadataCodec.decodeState(hex("06", SNAPSHOT_TOPIC, idBytes, SNAPSHOT_NODES, "01", "00000000000007d0",
        "00000000", "00000000", "00000000"));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 3, 4, true, null));
    // Today's format writes the absent rack as absent (00), and reads it back so.
    assertThat(MetadataCodec.encode(state)).isEqualTo(hex("09", SNAPSHOT_TOPIC, idBytes, SNAPSHOT_NODES, "01", "00", "00",
        "00000000000007d0", "00000000", "00000000", "00000000", NO_MOVES));
    assertThat(MetadataCodec.decodeState(MetadataCodec.encode(state))).isEqualTo(state);
  }

  @Test
  void aRegistrationWithARackIsWrittenInFormatEightAndOneWithoutAsBefore() {
    assertThat(MetadataCodec.encode(new RegisterNode("n1", "h:1", "r"))).isEqualTo(hex("08 06", N1, "00000003 683a31", "01 00000001 72"));
    assertThat(MetadataCodec.decodeCommand(hex("08 06", N1, "00000003 683a31", "01 00000001 72")))
        .isEqualTo(new RegisterNode("n1", "h:1", "r"));
    // A node from before racks reads what a node without a rack writes.
    assertThat(MetadataCodec.encode(new RegisterNode("n1", "h:1", null))).isEqualTo(hex("01 06", N1, "00000003 683a31"));
    // Format 8 holds registrations only.
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(hex("08 02", T))).isInstanceOf(MetadataFormatException.class)
        .hasMessageContaining("tag 2 in format 8");
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(hex("07 02", T))).isInstanceOf(MetadataFormatException.class)
        .hasMessageContaining("format 7");
  }

  /** The last command tag a node of snapshot format 7 (before racks and removals) knows: SetReplicationThrottle. */
  private static final int LAST_TAG_BEFORE_RACKS = 0x13;

  /**
   * A rolling upgrade from a version before racks (format 7): until an operator sets a rack or
   * removes a node, every entry a node of this version writes by itself (registering, renewing and
   * stopping, the controller's elections and ISR changes, internal topics, producer ids) is format 1
   * with a tag the older nodes know, so they apply it as the upgraded nodes do; a registration with a
   * rack is format 8, which they refuse as malformed (see docs/replication.md, "Rolling restart").
   */
  @Test
  void aNodeWithoutARackWritesOnlyWhatANodeFromBeforeRacksReads() {
    List<MetadataCommand> ownEntries = List.of(new RegisterNode("n1", "h:1", null), new RenewLease("n1", 7), new StopNode("n1", 7),
        new ElectLeader("t", 0, 4, "n1", List.of("n1"), new Fence("n2", 3, 9)), new ChangeIsr("t", 0, 5, List.of("n1")),
        new CreateTopic(new TopicId(1, 2), new TopicMetadata("__groups", 1, 1, Map.of()),
            List.of(new PartitionState("n1", 0, List.of("n1"), List.of("n1")))),
        new AllocateProducerIds(1000));
    for (MetadataCommand command : ownEntries) {
      byte[] bytes = MetadataCodec.encode(command);
      assertThat(bytes[0]).as("format of %s", command).isEqualTo(MetadataCodec.FORMAT);
      assertThat((int) bytes[1]).as("tag of %s", command).isBetween(1, LAST_TAG_BEFORE_RACKS);
      assertThat(MetadataCodec.decodeCommand(bytes)).isEqualTo(command);
    }
    // Byte for byte what a node from before racks wrote, and read back here as in no rack.
    assertThat(MetadataCodec.encode(new RegisterNode("n1", "h:1", null))).isEqualTo(hex("01 06", N1, "00000003 683a31"));
    assertThat(MetadataCodec.decodeCommand(hex("01 06", N1, "00000003 683a31"))).isEqualTo(new RegisterNode("n1", "h:1", null));
    assertThat(MetadataCodec.encode(new RegisterNode("n1", "h:1", "r"))[0]).as("a registration with a rack").isEqualTo((byte) 8);
    assertThat(MetadataCodec.encode(new RemoveNode("n1", false))[1]).as("a removal").isEqualTo((byte) 90);
  }

  @Test
  void aDeletionByIdIsWrittenInFormatTenAndOneByNameAsBefore() {
    assertThat(MetadataCodec.encode(new DeleteTopic("t", new TopicId(1, 2))))
        .isEqualTo(hex("0a 02", T, "0000000000000001 0000000000000002"));
    assertThat(MetadataCodec.decodeCommand(hex("0a 02", T, "0000000000000001 0000000000000002")))
        .isEqualTo(new DeleteTopic("t", new TopicId(1, 2)));
    // A node from before format 10 reads what a deletion by name writes.
    assertThat(MetadataCodec.encode(new DeleteTopic("t"))).isEqualTo(hex("01 02", T));
    // Format 10 holds deletions by id and moves only; its refusal reason is Kafka's number.
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(hex("0a 06", N1, "00000003 683a31")))
        .isInstanceOf(MetadataFormatException.class).hasMessageContaining("tag 6 in format 10");
    assertThat(MetadataCodec.encode(new Refused(Reason.UNKNOWN_TOPIC_ID, "t"))).isEqualTo(hex("01 01 64", T));
  }

  @Test
  void aSnapshotOfFormatFiveFromBeforeTopicIdsReadsEachTopicWithTheIdDerivedFromItsName() {
    MetadataState state = MetadataCodec.decodeState(hex("05", SNAPSHOT_TOPICS_AND_NODES, "01", "00000000000007d0", "00000000",
        "00000000", "00000000"));
    assertThat(state.topic("t").map(TopicState::id)).contains(TopicId.derived("t"));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 3, 4, true));
    // Format 6 writes the id, so a node reading it back has the same one as every node that derived it.
    assertThat(MetadataCodec.decodeState(MetadataCodec.encode(state))).isEqualTo(state);
  }

  @Test
  void aSnapshotWithAReservedTopicIdIsRefused() {
    assertThatThrownBy(() -> MetadataCodec.decodeState(hex("06", SNAPSHOT_TOPIC, "0000000000000000 0000000000000001", "00000000",
        "0000000000000000", "00000000", "00000000", "00000000"))).isInstanceOf(MetadataFormatException.class)
        .hasMessageContaining("reserved");
  }

  @Test
  void aSnapshotOfFormatFourFromBeforeStoppingNodesReadsAsNoNodeStopping() {
    // A rolling upgrade restarts nodes on a snapshot the previous version wrote.
    MetadataState state = MetadataCodec.decodeState(hex("04", SNAPSHOT_TOPICS_AND_NODES, "00000000000007d0", "00000001", ACL_BYTES,
        "00000001", KEY_BYTES, "00000001", SCRAM_BYTES));
    assertThat(state).isEqualTo(new MetadataState(topicsAndNodes(2000, List.of(ACL), Map.of()).topics(),
        topicsAndNodes(0, List.of(), Map.of()).nodes(), 2000, List.of(ACL), Map.of("k1", KEY), Map.of(SCRAM.id(), SCRAM)));
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 3, 4, false));
    // The flag of format 5 is a flag: any other byte there is refused.
    assertThatThrownBy(() -> MetadataCodec.decodeState(hex("05", SNAPSHOT_TOPICS_AND_NODES, "02", "00000000000007d0", "00000000",
        "00000000", "00000000"))).isInstanceOf(MetadataFormatException.class).hasMessageContaining("flag 2");
  }

  @Test
  void aSnapshotOfFormatThreeFromBeforeScramReadsAsNoCredentials() {
    MetadataState state = MetadataCodec.decodeState(hex("03", SNAPSHOT_TOPICS_AND_NODES, "00000000000007d0", "00000001", ACL_BYTES,
        "00000001", KEY_BYTES));
    assertThat(state).isEqualTo(topicsAndNodes(2000, List.of(ACL), Map.of("k1", KEY)));
    assertThat(state.scramCredentials()).isEmpty();
  }

  @Test
  void aSnapshotOfFormatTwoFromBeforeAclsAndKeysReadsAsNoneMade() {
    MetadataState state = MetadataCodec.decodeState(hex("02", SNAPSHOT_TOPICS_AND_NODES, "00000000000007d0"));
    assertThat(state).isEqualTo(topicsAndNodes(2000, List.of(), Map.of()));
  }

  @Test
  void aSnapshotOfFormatOneFromBeforeProducerIdsReadsAsNoneHandedOut() {
    byte[] formatOne = hex("01", "00000000", "00000001", N1, "00000003 683a31", "0000000000000003 0000000000000004");
    MetadataState state = MetadataCodec.decodeState(formatOne);
    assertThat(state.nextProducerId()).isZero();
    assertThat(state.node("n1")).contains(new NodeState("n1", "h:1", 3, 4));
    assertThatThrownBy(() -> MetadataCodec.decodeState(hex("0a", "00000000", "00000000", "0000000000000000", "00000000", "00000000",
        "00000000")))
        .isInstanceOf(MetadataFormatException.class);
  }

  @Test
  void anUnknownFormatOrTagIsRefused() {
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(hex("02 02", T))).isInstanceOf(MetadataFormatException.class)
        .hasMessageContaining("format 2");
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(hex("01 40", T))).isInstanceOf(MetadataFormatException.class)
        .hasMessageContaining("tag 64");
    // An ACL's enum code that is none of Kafka's (TOPIC is 2; 7 is no resource type).
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(hex("01 09 00000001 07", ACL_BYTES.substring(2))))
        .isInstanceOf(MetadataFormatException.class).hasMessageContaining("unknown code 7");
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(hex("01 02", T, "00"))).isInstanceOf(MetadataFormatException.class)
        .hasMessageContaining("after the end");
    // A count far beyond the bytes there: refused before anything is allocated for it.
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(hex("01 02 7fffffff 74"))).isInstanceOf(MetadataFormatException.class)
        .hasMessageContaining("exceeds");
  }

  @Property
  void everyCommandReadsBackAsWritten(@ForAll("commands") MetadataCommand command) {
    assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(command))).isEqualTo(command);
  }

  @Property
  void everyStateReadsBackAsWritten(@ForAll("states") MetadataState state) {
    assertThat(MetadataCodec.decodeState(MetadataCodec.encode(state))).isEqualTo(state);
  }

  @Property
  void everyReplyReadsBackAsWritten(@ForAll("replies") MetadataReply reply) {
    assertThat(MetadataCodec.decodeReply(MetadataCodec.encode(reply))).isEqualTo(reply);
  }

  @Property
  void aTruncatedCommandIsRefusedCleanly(@ForAll("commands") MetadataCommand command, @ForAll @IntRange(min = 0, max = 1000) int cut) {
    byte[] bytes = MetadataCodec.encode(command);
    byte[] truncated = Arrays.copyOf(bytes, cut % bytes.length);
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(truncated)).isInstanceOf(MetadataFormatException.class);
  }

  @Property
  void anyBytesDecodeOrAreRefusedCleanly(@ForAll byte[] body) {
    // Past the format byte, so that the tags and fields get read.
    byte[] bytes = new byte[body.length + 1];
    bytes[0] = MetadataCodec.FORMAT;
    System.arraycopy(body, 0, bytes, 1, body.length);
    try {
      MetadataCodec.decodeCommand(bytes);
      MetadataCodec.decodeState(bytes);
    } catch (MetadataFormatException expected) {
      // the one failure bad bytes may cause
    }
  }

  // ------------------------------------------------ generators

  static Arbitrary<String> names() {
    return Arbitraries.strings().withCharRange('a', 'z').withChars("-._é漢").ofMinLength(1).ofMaxLength(6);
  }

  static Arbitrary<Map<String, String>> configs() {
    return Arbitraries.maps(names(), Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(6)).ofMaxSize(3);
  }

  static Arbitrary<PartitionState> partitions() {
    return Combinators.combine(names().injectNull(0.2), Arbitraries.integers().between(0, Integer.MAX_VALUE),
        names().list().ofMaxSize(3), names().list().ofMaxSize(3)).as(PartitionState::new);
  }

  /** A partition, moving (replicas adding or removing) or not. */
  static Arbitrary<PartitionState> movingOrNot() {
    return Combinators.combine(partitions(), names().list().ofMaxSize(2), names().list().ofMaxSize(2))
        .as((p, adding, removing) -> new PartitionState(p.leader(), p.leaderEpoch(), p.replicas(), p.isr(), adding, removing));
  }

  static Arbitrary<TopicId> topicIds() {
    return Combinators.combine(Arbitraries.longs(), Arbitraries.longs().between(2, Long.MAX_VALUE)).as(TopicId::new);
  }

  static Arbitrary<TopicMetadata> topicMetadata() {
    return Combinators.combine(names(), Arbitraries.integers().between(1, 100), Arbitraries.integers().between(1, 5), configs())
        .as(TopicMetadata::new);
  }

  @Provide
  static Arbitrary<MetadataCommand> commands() {
    Arbitrary<Integer> ints = Arbitraries.integers();
    Arbitrary<Long> longs = Arbitraries.longs();
    return Arbitraries.oneOf(
        Combinators.combine(topicIds().injectNull(0.2), topicMetadata(), partitions().list().ofMaxSize(3)).as(CreateTopic::new),
        Combinators.combine(names(), topicIds().injectNull(0.5)).as(DeleteTopic::new),
        Combinators.combine(names(), longs, configs(), partitions().list().ofMaxSize(2)).as(UpdateTopic::new),
        Combinators.combine(names(), ints, ints, names().injectNull(0.3), names().list().ofMaxSize(3),
            Combinators.combine(names(), longs, longs).as(Fence::new).injectNull(0.5)).as(ElectLeader::new),
        Combinators.combine(names(), ints, ints, names().list().ofMaxSize(3)).as(ChangeIsr::new),
        Combinators.combine(names(), names(), names().injectNull(0.5)).as(RegisterNode::new),
        Combinators.combine(names(), longs).as(RenewLease::new),
        Combinators.combine(names(), longs).as(StopNode::new),
        ints.map(AllocateProducerIds::new),
        acls().list().ofMaxSize(3).map(CreateAcls::new),
        acls().list().ofMaxSize(3).map(DeleteAcls::new),
        apiKeys().map(CreateApiKey::new),
        names().map(RevokeApiKey::new),
        Combinators.combine(scramCredentials().list().ofMaxSize(2), scramCredentials().map(ScramCredential::id).list().ofMaxSize(2))
            .as(AlterScramCredentials::new),
        // Moving partitions (format 7)
        Combinators.combine(names(), ints, ints, names().list().ofMaxSize(3), Arbitraries.of(true, false))
            .as(ReassignPartition::new),
        Combinators.combine(names(), ints, ints).as(CompleteReassignment::new),
        Combinators.combine(names(), ints, ints).as(CancelReassignment::new),
        longs.map(SetReplicationThrottle::new));
  }

  static Arbitrary<AclBinding> acls() {
    return Combinators.combine(Arbitraries.of(ResourceType.TOPIC, ResourceType.GROUP), names(), Arbitraries.of(PatternType.class),
        names().map(name -> "User:" + name), Arbitraries.of("*", "127.0.0.1"), Arbitraries.of(AclOperation.class),
        Arbitraries.of(AclPermission.class)).as(AclBinding::new);
  }

  static Arbitrary<ApiKey> apiKeys() {
    return Combinators.combine(names(), names().map(Principal::user), Arbitraries.longs(), Arbitraries.bytes().array(byte[].class)
        .ofMaxSize(32)).as(ApiKey::new);
  }

  static Arbitrary<ScramCredential> scramCredentials() {
    Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    return Combinators.combine(names(), Arbitraries.of(ScramMechanism.class), bytes, Arbitraries.integers(), bytes, bytes)
        .as(ScramCredential::new);
  }

  @Provide
  static Arbitrary<MetadataState> states() {
    Arbitrary<TopicState> topics = Combinators.combine(topicIds(), topicMetadata(), movingOrNot().list().ofMaxSize(3),
        Arbitraries.longs().between(1, Long.MAX_VALUE), Arbitraries.of(true, false)).as(TopicState::new);
    Arbitrary<NodeState> nodes = Combinators.combine(names(), names(), Arbitraries.longs().between(1, Long.MAX_VALUE),
        Arbitraries.longs().between(0, Long.MAX_VALUE), Arbitraries.of(true, false), names().injectNull(0.5)).as(NodeState::new);
    return Combinators.combine(topics.list().ofMaxSize(4), nodes.list().ofMaxSize(4), Arbitraries.longs().between(0, Long.MAX_VALUE),
        acls().set().ofMaxSize(4), apiKeys().list().ofMaxSize(3), scramCredentials().list().ofMaxSize(3),
        Arbitraries.longs().between(0, Long.MAX_VALUE))
        .as((topicList, nodeList, nextProducerId, aclSet, keyList, scramList, throttle) -> {
          TreeMap<String, TopicState> byName = new TreeMap<>();
          topicList.forEach(topic -> byName.put(topic.name(), topic));
          TreeMap<String, NodeState> byId = new TreeMap<>();
          nodeList.forEach(node -> byId.put(node.id(), node));
          Map<String, ApiKey> keys = new TreeMap<>();
          keyList.forEach(key -> keys.put(key.id(), key));
          Map<ScramCredential.Id, ScramCredential> scram = new TreeMap<>(Comparator.comparing(ScramCredential.Id::user)
              .thenComparing(ScramCredential.Id::mechanism));
          scramList.forEach(credential -> scram.put(credential.id(), credential));
          return new MetadataState(byName, byId, nextProducerId, List.copyOf(aclSet), keys, scram, throttle);
        });
  }

  @Provide
  static Arbitrary<MetadataReply> replies() {
    return Arbitraries.oneOf(Arbitraries.longs().map(Accepted::new),
        Combinators.combine(Arbitraries.of(Reason.class), names()).as(Refused::new));
  }
}
