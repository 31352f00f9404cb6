package io.streamgate.gateway.kafka;

import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.security.Quotas;
import io.streamgate.gateway.security.Quotas.Kind;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;

/**
 * The Kafka edge of {@link Quotas}, as Kafka's broker throttles: a request is served, then charged
 * (one request; a Produce its record bytes, a Fetch the record bytes it answers), and the wait its
 * principal then owes goes into the answer's {@code throttle_time_ms}; the connection mutes (is not
 * read) for that wait once the answer is sent (KIP-219), so a client that ignores the field is held
 * back as well. Kafka's clients since 2.0 also wait that long before their next request.
 */
final class KafkaQuotas {
  /** Each answer type's {@code setThrottleTimeMs(int)}, null for the few without the field (SASL ones). */
  private static final ClassValue<Method> THROTTLE_SETTER = new ClassValue<>() {
    @Override
    protected Method computeValue(Class<?> type) {
      try {
        return type.getMethod("setThrottleTimeMs", int.class);
      } catch (NoSuchMethodException none) {
        return null;
      }
    }
  };

  private final Quotas quotas;

  KafkaQuotas(Quotas quotas) {
    this.quotas = quotas;
  }

  /**
   * Charges a served request ({@code response} null when none is sent, a Produce with acks=0) and
   * puts the wait in the response; answers the milliseconds to mute the connection for.
   */
  long charge(Principal who, KafkaRequest request, Object response) {
    if (!quotas.any()) {
      return 0;
    }
    long waitMs = quotas.charge(who, Kind.REQUESTS, 1);
    if (request.api() == KafkaApi.PRODUCE) {
      waitMs = Math.max(waitMs, quotas.charge(who, Kind.PRODUCE_BYTES, producedBytes(request.body(ProduceRequestData.class))));
    } else if (response instanceof FetchResponseData fetched) {
      waitMs = Math.max(waitMs, quotas.charge(who, Kind.CONSUME_BYTES, fetchedBytes(fetched)));
    }
    Method setter = response == null ? null : THROTTLE_SETTER.get(response.getClass());
    if (waitMs > 0 && setter != null) {
      try {
        setter.invoke(response, (int) Math.min(waitMs, Integer.MAX_VALUE));
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot set the throttle time of " + response.getClass().getSimpleName(), e);
      }
    }
    return waitMs;
  }

  private static long producedBytes(ProduceRequestData request) {
    long bytes = 0;
    for (ProduceRequestData.TopicProduceData topic : request.topicData()) {
      for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
        bytes += KafkaCodec.sizeInBytes(partition.records());
      }
    }
    return bytes;
  }

  private static long fetchedBytes(FetchResponseData response) {
    long bytes = 0;
    for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
      for (FetchResponseData.PartitionData partition : topic.partitions()) {
        bytes += KafkaCodec.sizeInBytes(partition.records());
      }
    }
    return bytes;
  }
}
