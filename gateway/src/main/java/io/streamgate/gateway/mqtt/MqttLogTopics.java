package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicExistsException;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.TopicSpec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.Map;

/**
 * The log topics MQTT writes to and reads from: a known topic from the node's metadata cache at
 * once; a missing one created, when auto-creation is on, with the node's default partitions and
 * {@code value.format=string}, since MQTT payloads are any bytes (text reads back as text over
 * HTTP, other bytes as {@code valueBase64}). Thread-safe.
 */
final class MqttLogTopics {
  private final PartitionService service;
  private final boolean autoCreate;
  private final int defaultPartitions;

  MqttLogTopics(PartitionService service, boolean autoCreate, int defaultPartitions) {
    this.service = service;
    this.autoCreate = autoCreate;
    this.defaultPartitions = defaultPartitions;
  }

  /** The topic's metadata, completing on {@code context}; fails with {@link TopicNotFoundException} if it is missing and may not be created. */
  Future<TopicMetadata> resolve(String topic, Context context) {
    TopicMetadata known = service.cachedTopic(topic).orElse(null);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    if (!autoCreate) {
      return Future.failedFuture(new TopicNotFoundException("topic '" + topic + "' does not exist"));
    }
    TopicSpec spec =
        new TopicSpec(topic, defaultPartitions, 1, Map.of(TopicConfigs.VALUE_FORMAT, TopicConfigs.ValueFormat.STRING.configName()));
    return Future.fromCompletionStage(service.createTopic(spec), context)
        .recover(e -> e instanceof TopicExistsException || e.getCause() instanceof TopicExistsException
            ? Future.succeededFuture() : Future.failedFuture(e))
        .compose(created -> service.cachedTopic(topic).map(Future::succeededFuture)
            .orElseGet(() -> Future.failedFuture(new TopicNotFoundException("topic '" + topic + "' does not exist"))));
  }
}
