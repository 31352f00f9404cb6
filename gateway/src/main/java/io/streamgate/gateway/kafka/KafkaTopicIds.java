package io.streamgate.gateway.kafka;

import io.streamgate.cluster.TopicId;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/** Topic ids between the cluster's {@link TopicId} and Kafka's {@link Uuid}: the same 128 bits. */
final class KafkaTopicIds {
  private KafkaTopicIds() {}

  static Uuid uuid(TopicId id) {
    return new Uuid(id.mostSignificantBits(), id.leastSignificantBits());
  }

  /** The topic id a client sent; empty for one no topic can have (Kafka's reserved ids: zero for "none"). */
  static Optional<TopicId> topicId(Uuid uuid) {
    return Uuid.RESERVED.contains(uuid) ? Optional.empty()
        : Optional.of(new TopicId(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits()));
  }
}
