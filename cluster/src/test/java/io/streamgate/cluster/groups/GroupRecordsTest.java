package io.streamgate.cluster.groups;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.groups.GroupRecords.ClassicEntry;
import io.streamgate.cluster.groups.GroupRecords.ClassicMemberRecord;
import io.streamgate.cluster.groups.GroupRecords.ClassicMembershipRecord;
import io.streamgate.cluster.groups.GroupRecords.KeyValue;
import io.streamgate.cluster.groups.GroupRecords.MemberRecord;
import io.streamgate.cluster.groups.GroupRecords.MembershipEntry;
import io.streamgate.cluster.groups.GroupRecords.MembershipRecord;
import io.streamgate.cluster.groups.GroupRecords.OffsetEntry;
import io.streamgate.cluster.groups.GroupService.CommittedOffset;
import io.streamgate.cluster.groups.GroupService.OffsetReset;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/**
 * The {@code __groups} record format: what is written reads back as the same state, through a
 * record batch as the log stores it; and the bytes of a fixed membership and commit are pinned, so
 * that the format older logs hold cannot change by accident.
 */
class GroupRecordsTest {

  @Property
  void aMembershipReadsBackAsWritten(@ForAll("names") String group, @ForAll("memberships") MembershipRecord membership) {
    assertThat(roundTrip(GroupRecords.membership(group, membership)))
        .isEqualTo(new MembershipEntry(group, Optional.of(membership)));
  }

  @Property
  void aCommitReadsBackAsWritten(@ForAll("names") String group, @ForAll("partitions") TopicPartition tp,
      @ForAll @LongRange(min = 0) long offset, @ForAll @StringLength(max = 64) String metadata,
      @ForAll @IntRange(min = -1) int leaderEpoch, @ForAll boolean stamped) {
    StampedOffset commit = new StampedOffset(new CommittedOffset(offset, metadata, leaderEpoch),
        stamped ? Optional.of(TopicId.random()) : Optional.empty());
    assertThat(roundTrip(GroupRecords.offset(group, tp, commit))).isEqualTo(new OffsetEntry(group, tp, Optional.of(commit)));
  }

  @Property
  void tombstonesReadBackAsTombstones(@ForAll("names") String group, @ForAll("partitions") TopicPartition tp) {
    assertThat(roundTrip(GroupRecords.membershipTombstone(group))).isEqualTo(new MembershipEntry(group, Optional.empty()));
    assertThat(roundTrip(GroupRecords.offsetTombstone(group, tp))).isEqualTo(new OffsetEntry(group, tp, Optional.empty()));
  }

  @Test
  void theBytesOfAMembershipAndACommitAreFixed() {
    MembershipRecord membership = new MembershipRecord(7, AssignmentStrategy.RANGE,
        List.of(new MemberRecord("m-1", List.of("a", "b"), 30_000, OffsetReset.EARLIEST, List.of(new TopicPartition("a", 0),
            new TopicPartition("b", 2))), new MemberRecord("m-2", List.of("a"), 1000, OffsetReset.LATEST, List.of())),
        Map.of("b", 3, "a", 1));
    KeyValue written = GroupRecords.membership("orders.v1", membership);
    assertThat(text(written.key())).isEqualTo("m/orders.v1");
    assertThat(text(written.value())).isEqualTo("{\"generation\":7,\"strategy\":\"range\",\"members\":["
        + "{\"id\":\"m-1\",\"topics\":[\"a\",\"b\"],\"sessionTimeoutMs\":30000,\"reset\":\"EARLIEST\",\"owns\":[\"a/0\",\"b/2\"]},"
        + "{\"id\":\"m-2\",\"topics\":[\"a\"],\"sessionTimeoutMs\":1000,\"reset\":\"LATEST\",\"owns\":[]}],"
        + "\"partitionCounts\":{\"a\":1,\"b\":3}}");

    KeyValue commit = GroupRecords.offset("orders.v1", new TopicPartition("a-b.c", 12),
        new StampedOffset(CommittedOffset.of(4711), Optional.empty()));
    assertThat(text(commit.key())).isEqualTo("o/orders.v1/a-b.c/12");
    assertThat(text(commit.value())).isEqualTo("{\"offset\":4711}");
    // A Kafka commit's metadata and leader epoch, and the topic's id, are added fields: an older
    // version reads the offset and ignores them, and a commit an older version wrote reads as "",
    // -1 and no id (taken as the current topic's).
    TopicId id = TopicId.parse("AAAAAAAAAAAAAAAAAAAAAg");
    KeyValue kafkaCommit = GroupRecords.offset("g", new TopicPartition("t", 0),
        new StampedOffset(new CommittedOffset(4711, "host-1", 3), Optional.of(id)));
    assertThat(text(kafkaCommit.value()))
        .isEqualTo("{\"offset\":4711,\"metadata\":\"host-1\",\"leaderEpoch\":3,\"topicId\":\"AAAAAAAAAAAAAAAAAAAAAg\"}");
    assertThat(GroupRecords.decode("o/g/t/0".getBytes(StandardCharsets.UTF_8), "{\"offset\":4711}".getBytes(StandardCharsets.UTF_8)))
        .contains(new OffsetEntry("g", new TopicPartition("t", 0),
            Optional.of(new StampedOffset(new CommittedOffset(4711, "", -1), Optional.empty()))));
    assertThat(GroupRecords.offsetTombstone("g", new TopicPartition("t", 0)).value()).isNull();
  }

  @Test
  void aKafkaGroupsMembershipReadsBackAsWrittenAndItsBytesAreFixed() {
    ClassicMembershipRecord membership = new ClassicMembershipRecord(4, "consumer", "range", "c-2", List.of(
        new ClassicMemberRecord("c-1", Optional.empty(), "client", "/10.0.0.1", 10_000, 300_000, new byte[] {1, 2, 3}, new byte[0]),
        new ClassicMemberRecord("c-2", Optional.of("i-2"), "", "/10.0.0.2", 45_000, 45_000, new byte[0], new byte[] {(byte) 0xff})));
    KeyValue written = GroupRecords.classic("orders.v1", membership);

    assertThat(text(written.key())).isEqualTo("k/orders.v1");
    assertThat(text(written.value())).isEqualTo("{\"generation\":4,\"protocolType\":\"consumer\",\"protocol\":\"range\","
        + "\"leader\":\"c-2\",\"members\":["
        + "{\"id\":\"c-1\",\"clientId\":\"client\",\"clientHost\":\"/10.0.0.1\",\"sessionTimeoutMs\":10000,"
        + "\"rebalanceTimeoutMs\":300000,\"metadata\":\"AQID\",\"assignment\":\"\"},"
        + "{\"id\":\"c-2\",\"instanceId\":\"i-2\",\"clientId\":\"\",\"clientHost\":\"/10.0.0.2\",\"sessionTimeoutMs\":45000,"
        + "\"rebalanceTimeoutMs\":45000,\"metadata\":\"\",\"assignment\":\"/w==\"}]}");
    ClassicEntry read = (ClassicEntry) roundTrip(written);
    assertThat(read.group()).isEqualTo("orders.v1");
    assertThat(read.membership()).get().usingRecursiveComparison().isEqualTo(membership);
    assertThat(roundTrip(GroupRecords.classicTombstone("orders.v1"))).isEqualTo(new ClassicEntry("orders.v1", Optional.empty()));
  }

  @Test
  void aKeyOfNoKnownKindIsSkipped() {
    assertThat(GroupRecords.decode("x/g".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  /** Writes {@code written} into a batch, as the store appends it, and decodes the record the batch holds. */
  private static GroupRecords.Entry roundTrip(KeyValue written) {
    RecordBatch batch = GroupRecords.batch(1_700_000_000_000L, List.of(written));
    List<GroupRecords.Entry> entries = new ArrayList<>();
    for (RecordBatch stored : RecordBatch.iterate(batch.buffer().duplicate())) {
      for (Record record : stored.records()) {
        entries.add(GroupRecords.decode(record).orElseThrow());
      }
    }
    assertThat(entries).hasSize(1);
    return entries.get(0);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings().withChars("abcXYZ019._-").ofMinLength(1).ofMaxLength(40)
        .filter(name -> !name.equals(".") && !name.equals("..")); // not topic names
  }

  @Provide
  Arbitrary<TopicPartition> partitions() {
    return Combinators.combine(names(), Arbitraries.integers().between(0, 9999)).as(TopicPartition::new);
  }

  @Provide
  Arbitrary<MembershipRecord> memberships() {
    Arbitrary<MemberRecord> member =
        Combinators.combine(Arbitraries.strings().withCharRange('!', '~').withChars("éü").ofMinLength(1).ofMaxLength(40),
            names().list().ofMinSize(1).ofMaxSize(5), Arbitraries.longs().between(1000, 300_000),
            Arbitraries.of(OffsetReset.class), partitions().list().ofMaxSize(6)).as(MemberRecord::new);
    return Combinators.combine(Arbitraries.integers().greaterOrEqual(0), Arbitraries.of(AssignmentStrategy.class),
        member.list().ofMaxSize(5), Arbitraries.maps(names(), Arbitraries.integers().between(1, 10_000)).ofMaxSize(5))
        .as(MembershipRecord::new);
  }
}
