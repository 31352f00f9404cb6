package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicSpec;
import io.streamgate.cluster.errors.StreamgateError;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResultCollection;

/**
 * CreateTopics (v2-7): each topic with its partition count and replication factor ({@code -1}: the
 * node's {@code default-partitions}, replication factor 1, as over HTTP) and configs under Kafka's
 * names ({@link KafkaTopicConfigs}), {@code value.format=string} unless given; with validate_only, checked and not created. Manual replica
 * assignments are refused (INVALID_REQUEST): the cluster places replicas. From v5 the answer
 * carries the topic's partitions, replication factor and every config, each with its source as
 * DescribeConfigs gives it.
 */
final class CreateTopicsApi {
  static final int DEFAULT_REPLICATION_FACTOR = 1;

  private final PartitionService service;
  private final int defaultPartitions;

  CreateTopicsApi(PartitionService service, int defaultPartitions) {
    this.service = service;
    this.defaultPartitions = defaultPartitions;
  }

  Future<CreateTopicsResponseData> handle(CreateTopicsRequestData request, KafkaCaller caller) {
    CreatableTopicResultCollection results = new CreatableTopicResultCollection();
    List<Future<?>> creations = new ArrayList<>();
    for (CreatableTopic topic : request.topics()) {
      CreatableTopicResult result = new CreatableTopicResult().setName(topic.name());
      results.add(result);
      creations.add(caller.access().createTopic(topic.name()).compose(allowed -> create(topic, request.validateOnly(), caller))
          .andThen(done -> {
            if (done.failed()) {
              StreamgateError error = StreamgateError.forException(done.cause());
              result.setErrorCode(error.kafkaCode()).setErrorMessage(Failures.cause(done.cause()).getMessage()).setNumPartitions(-1)
                  .setReplicationFactor((short) -1);
            } else {
              describe(result, done.result());
            }
          }));
    }
    return Future.join(creations).transform(done -> Future.succeededFuture(new CreateTopicsResponseData().setTopics(results)));
  }

  private Future<TopicMetadata> create(CreatableTopic topic, boolean validateOnly, KafkaCaller caller) {
    TopicSpec spec;
    try {
      if (!topic.assignments().isEmpty()) {
        throw new InvalidTopicException("manual replica assignments are not supported: the cluster places replicas");
      }
      Map<String, String> configs = new LinkedHashMap<>();
      for (CreatableTopicConfig config : topic.configs()) {
        configs.put(config.name(), config.value());
      }
      Map<String, String> config = KafkaTopicConfigs.toStreamgate(configs);
      // Kafka clients write any bytes: their topics show values over HTTP as text (or base64), as MQTT's do.
      config.putIfAbsent(TopicConfigs.VALUE_FORMAT, TopicConfigs.ValueFormat.STRING.configName());
      spec = new TopicSpec(topic.name(), topic.numPartitions() == -1 ? defaultPartitions : topic.numPartitions(),
          topic.replicationFactor() == -1 ? DEFAULT_REPLICATION_FACTOR : topic.replicationFactor(), config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (validateOnly) {
      return Future.fromCompletionStage(service.validateTopic(spec), caller.context());
    }
    return Future.fromCompletionStage(service.createTopic(spec), caller.context())
        .map(created -> new TopicMetadata(created.name(), created.partitions().size(), created.replicationFactor(), created.config()));
  }

  private static void describe(CreatableTopicResult result, TopicMetadata topic) {
    List<CreatableTopicConfigs> configs = new ArrayList<>();
    topic.config().forEach((key, value) -> configs.add(new CreatableTopicConfigs().setName(KafkaTopicConfigs.toKafka(key))
        .setValue(value).setReadOnly(false).setIsSensitive(false)
        .setConfigSource(KafkaTopicConfigs.setOnTopic(key, value) ? KafkaTopicConfigs.TOPIC_CONFIG : KafkaTopicConfigs.DEFAULT_CONFIG)));
    result.setNumPartitions(topic.partitions()).setReplicationFactor((short) topic.replicationFactor()).setConfigs(configs);
  }
}
