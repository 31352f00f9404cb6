package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Records as the messages subscribers get, without a server: build records, look at the messages. */
class MqttMessagesTest {
  private static final TopicPartition PLANT = new TopicPartition("plant", 2);
  private static final long NO_LIMIT = Integer.MAX_VALUE;

  @Example
  void aRecordWrittenOverHttpGoesOutUnderItsKeyAtTheGrantedQos() {
    MqttOutgoing message = forSubscriptions(List.of(subscription("plant/+/temp", MqttQoS.AT_LEAST_ONCE)), "reader",
        record(7, "plant/a/temp", "20", List.of()));

    assertThat(message.topic()).isEqualTo("plant/a/temp");
    assertThat(new String(message.payload(), UTF_8)).isEqualTo("20");
    assertThat(message.qos()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
    assertThat(message.partition()).isEqualTo(PLANT);
    assertThat(message.offset()).isEqualTo(7);
    assertThat(message.retain()).isFalse();
    assertThat(message.subscriptionIds()).isEmpty();
    assertThat(MqttMessages.properties(message)).isSameAs(MqttProperties.NO_PROPERTIES);
  }

  @Example
  void theTopicHeaderWinsOverTheKeyAndAQos0PublishStaysQos0() {
    Record record = record(3, "not/the/topic", "x", published("plant/b/humidity", 0, "sensor", false));

    MqttOutgoing message = forSubscriptions(List.of(subscription("plant/#", MqttQoS.AT_LEAST_ONCE)), "reader", record);

    assertThat(message.topic()).isEqualTo("plant/b/humidity");
    assertThat(message.qos()).isEqualTo(MqttQoS.AT_MOST_ONCE);
  }

  @Example
  void aRecordWithoutAValidTopicNameMakesNoMessage() {
    assertThat(MqttMessages.decode(record(0, null, "no key", List.of()))).isNull();
    assertThat(MqttMessages.decode(record(0, "plant/+/temp", "a filter is no topic name", List.of()))).isNull();
    Record badUtf8 = new RecordBatchBuilder(Compression.NONE)
        .append(1L, new byte[] {(byte) 0xff, (byte) 0xfe}, "v".getBytes(UTF_8), List.of()).build().records().get(0);
    assertThat(MqttMessages.decode(badUtf8)).isNull();
  }

  @Example
  void aRecordWithoutValueGoesOutWithAnEmptyPayload() {
    Record tombstone = new RecordBatchBuilder(Compression.NONE)
        .append(1L, "plant/a/temp".getBytes(UTF_8), null, List.of()).build().records().get(0);

    MqttOutgoing message = forSubscriptions(List.of(subscription("#", MqttQoS.AT_MOST_ONCE)), "reader", tombstone);

    assertThat(message.payload()).isEmpty();
  }

  @Example
  void noLocalSkipsTheClientsOwnMessagesButAnotherMatchingSubscriptionStillGetsThem() {
    Record own = record(1, "x", "mine", published("plant/a/temp", 1, "me", false));
    MqttSubscriptions.Subscription noLocal = new MqttSubscriptions.Subscription("plant/#", MqttQoS.AT_LEAST_ONCE, true, false, 0,
        Set.of("plant"));

    assertThat(forSubscriptions(List.of(noLocal), "me", own)).isNull();
    assertThat(forSubscriptions(List.of(noLocal), "someone-else", own)).isNotNull();
    MqttOutgoing viaOther = forSubscriptions(List.of(noLocal, subscription("plant/a/+", MqttQoS.AT_MOST_ONCE)), "me", own);
    assertThat(viaOther.qos()).isEqualTo(MqttQoS.AT_MOST_ONCE);
  }

  @Example
  void overlappingSubscriptionsGiveTheHighestQosAndEveryIdentifier() {
    List<MqttSubscriptions.Subscription> subscriptions = List.of(
        new MqttSubscriptions.Subscription("plant/#", MqttQoS.AT_MOST_ONCE, false, false, 4, Set.of("plant")),
        new MqttSubscriptions.Subscription("plant/+/temp", MqttQoS.AT_LEAST_ONCE, false, false, 9, Set.of("plant")),
        new MqttSubscriptions.Subscription("plant/a/#", MqttQoS.AT_LEAST_ONCE, false, false, 0, Set.of("plant")),
        new MqttSubscriptions.Subscription("other/#", MqttQoS.AT_LEAST_ONCE, false, false, 5, Set.of("plant")));

    MqttOutgoing message = forSubscriptions(subscriptions, "reader", record(1, "plant/a/temp", "20", List.of()));

    assertThat(message.qos()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
    assertThat(message.subscriptionIds()).containsExactly(4, 9);
    assertThat(MqttMessages.properties(message).getProperties(MqttProperties.SUBSCRIPTION_IDENTIFIER))
        .extracting(p -> p.value()).containsExactly(4, 9);
  }

  @Example
  void aSubscriptionReadsOnlyItsOwnLogTopics() {
    MqttSubscriptions.Subscription elsewhere = new MqttSubscriptions.Subscription("plant/#", MqttQoS.AT_LEAST_ONCE, false, false, 0,
        Set.of("factory"));

    assertThat(forSubscriptions(List.of(elsewhere), "reader", record(1, "plant/a/temp", "20", List.of()))).isNull();
  }

  @Example
  void retainGoesOnlyWithRetainAsPublishedAndARetainedPublish() {
    Record retained = record(1, "x", "on", published("plant/lamp", 1, "switch", true));
    Record live = record(2, "x", "off", published("plant/lamp", 1, "switch", false));
    MqttSubscriptions.Subscription asPublished = new MqttSubscriptions.Subscription("plant/#", MqttQoS.AT_LEAST_ONCE, false, true, 0,
        Set.of("plant"));
    MqttSubscriptions.Subscription plain = subscription("plant/#", MqttQoS.AT_LEAST_ONCE);

    assertThat(forSubscriptions(List.of(asPublished), "reader", retained).retain()).isTrue();
    assertThat(forSubscriptions(List.of(asPublished), "reader", live).retain()).isFalse();
    assertThat(forSubscriptions(List.of(plain), "reader", retained).retain()).isFalse();
  }

  @Example
  void aMessageOverTheClientsMaximumPacketSizeIsNotMade() {
    Record record = record(1, "plant/a", "12345", List.of());
    MqttSubscriptions.Subscription all = subscription("#", MqttQoS.AT_LEAST_ONCE);
    // 5 payload + 7 topic chars * 3 + 10 = 36
    assertThat(MqttMessages.forSubscriptions(List.of(all), "reader", PLANT, MqttMessages.decode(record), 36)).isNotNull();
    assertThat(MqttMessages.forSubscriptions(List.of(all), "reader", PLANT, MqttMessages.decode(record), 35)).isNull();
  }

  @Example
  void aRetainedMessageGoesWithRetainAtTheLowerQos() {
    MqttRetained.Message stored = new MqttRetained.Message("plant/lamp", "on".getBytes(UTF_8), MqttQoS.AT_LEAST_ONCE);

    MqttOutgoing message = MqttMessages.forRetained(stored, MqttQoS.AT_MOST_ONCE, 6, NO_LIMIT);

    assertThat(message.isRetained()).isTrue();
    assertThat(message.retain()).isTrue();
    assertThat(message.qos()).isEqualTo(MqttQoS.AT_MOST_ONCE);
    assertThat(message.subscriptionIds()).containsExactly(6);
    assertThat(MqttMessages.forRetained(stored, MqttQoS.AT_LEAST_ONCE, 0, 10)).isNull();
  }

  @Example
  void aSharedSubscriptionsMessageMatchesItsFilterOnly() {
    Record record = record(4, "plant/a/temp", "20", List.of());

    MqttOutgoing message = MqttMessages.forShare(PLANT, record, "plant/+/temp", MqttQoS.AT_LEAST_ONCE, 2, NO_LIMIT);

    assertThat(message.topic()).isEqualTo("plant/a/temp");
    assertThat(message.offset()).isEqualTo(4);
    assertThat(message.subscriptionIds()).containsExactly(2);
    assertThat(MqttMessages.forShare(PLANT, record, "plant/+/humidity", MqttQoS.AT_LEAST_ONCE, 0, NO_LIMIT)).isNull();
  }

  @Example
  void aResentMessageIsQos1UnderItsTopic() {
    MqttOutgoing message = MqttMessages.forResend(PLANT, 12, record(12, "plant/a/temp", "20", List.of()));

    assertThat(message.qos()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
    assertThat(message.offset()).isEqualTo(12);
    assertThat(message.retain()).isFalse();
    assertThat(MqttMessages.forResend(PLANT, 12, record(12, null, "20", List.of()))).isNull();
  }

  /** What a PUBLISH wrote (the headers {@link MqttIngest} writes, by {@link MqttNames}) comes back as it was published. */
  @Property
  void aPublishedMessageComesBackWithItsTopicPayloadAndTheLowerQos(@ForAll("topicNames") String topic, @ForAll byte[] payload,
      @ForAll @IntRange(max = 2) int publishedQos, @ForAll boolean grantedQos1) {
    MqttQoS granted = grantedQos1 ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
    Record record = new RecordBatchBuilder(Compression.NONE)
        .append(1L, "some/key".getBytes(UTF_8), payload, published(topic, publishedQos, "publisher", false)).build().records().get(0);

    MqttOutgoing message = forSubscriptions(List.of(subscription("#", granted)), "reader", record);

    assertThat(message.topic()).isEqualTo(topic);
    assertThat(message.payload()).isEqualTo(payload);
    assertThat(message.qos().value()).isEqualTo(Math.min(granted.value(), Math.min(publishedQos, 1)));
  }

  /**
   * A chunk decodes to its records from the read offset on, in order, and the next read starts past
   * its last batch, also when compaction left a batch's last offsets without records.
   */
  @Property
  void aChunkDecodesToItsRecordsInOrderFromTheReadOffset(
      @ForAll @Size(min = 1, max = 5) List<@IntRange(min = 1, max = 20) Integer> batchSizes,
      @ForAll @IntRange(max = 3) int compactedTail, @ForAll @IntRange(max = 60) int from, @ForAll Compression compression) {
    List<ByteBuffer> batches = new ArrayList<>();
    List<Long> expected = new ArrayList<>();
    long offset = 0;
    for (int size : batchSizes) {
      RecordBatchBuilder builder = new RecordBatchBuilder(compression).baseOffset(offset);
      for (long o = offset; o < offset + size; o++) {
        // Every third record has no MQTT topic: it is skipped, but the position still moves past it.
        String key = o % 3 == 0 ? null : "t/" + o;
        builder.append(1L, key == null ? null : key.getBytes(UTF_8), ("v" + o).getBytes(UTF_8), List.of());
        if (key != null && o >= from) {
          expected.add(o);
        }
      }
      batches.add(builder.lastOffsetDelta(size - 1 + compactedTail).build().buffer());
      offset += size + compactedTail;
    }
    ByteBuffer chunk = ByteBuffer.allocate(batches.stream().mapToInt(ByteBuffer::remaining).sum());
    batches.forEach(chunk::put);
    chunk.flip();

    MqttMessages.Chunk decoded = MqttMessages.decode(new ReadResult(from, chunk, offset, 0, offset), from);

    assertThat(decoded.records()).extracting(d -> d.record().offset()).containsExactlyElementsOf(expected);
    assertThat(decoded.records()).allSatisfy(d -> assertThat(d.topic()).isEqualTo("t/" + d.record().offset()));
    assertThat(decoded.nextOffset()).isEqualTo(Math.max(from, offset));
  }

  @Provide
  Arbitrary<String> topicNames() {
    Arbitrary<String> level = Arbitraries.strings().withChars("abcxyz019_-. äé€").ofMinLength(0).ofMaxLength(8);
    return level.list().ofMinSize(1).ofMaxSize(5).map(levels -> String.join("/", levels)).filter(MqttTopics::isValidName);
  }

  private static MqttOutgoing forSubscriptions(List<MqttSubscriptions.Subscription> subscriptions, String clientId, Record record) {
    MqttMessages.Decoded decoded = MqttMessages.decode(record);
    return decoded == null ? null : MqttMessages.forSubscriptions(subscriptions, clientId, PLANT, decoded, NO_LIMIT);
  }

  private static MqttSubscriptions.Subscription subscription(String filter, MqttQoS qos) {
    return new MqttSubscriptions.Subscription(filter, qos, false, false, 0, Set.of("plant"));
  }

  /** The headers a PUBLISH's record carries. */
  private static List<Header> published(String topic, int qos, String clientId, boolean retain) {
    List<Header> headers = new ArrayList<>(List.of(
        new Header(MqttNames.TOPIC_HEADER, topic.getBytes(UTF_8)),
        new Header(MqttNames.QOS_HEADER, Integer.toString(qos).getBytes(UTF_8)),
        new Header(MqttNames.CLIENT_ID_HEADER, clientId.getBytes(UTF_8))));
    if (retain) {
      headers.add(new Header(MqttNames.RETAIN_HEADER, "1".getBytes(UTF_8)));
    }
    return headers;
  }

  /** The record at {@code offset} of partition {@link #PLANT}, with a key (null: none) and a value. */
  private static Record record(long offset, String key, String value, List<Header> headers) {
    RecordBatch batch = new RecordBatchBuilder(Compression.NONE).baseOffset(offset)
        .append(1L, key == null ? null : key.getBytes(UTF_8), value.getBytes(UTF_8), headers).build();
    return batch.records().get(0);
  }
}
