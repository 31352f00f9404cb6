package io.streamgate.gateway.kafka;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.logstore.LogConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;

/**
 * DescribeConfigs (v1-4). A topic: every Streamgate topic config under its Kafka name ({@link
 * KafkaTopicConfigs}), as set on the topic (TOPIC_CONFIG) or the default (DEFAULT_CONFIG), plus the
 * built-in keys Streamgate always serves one way (read-only), from this node's view of the metadata.
 * A broker (this node's broker id, or "" for the cluster default): a few read-only node settings a
 * tool may look for. Answered per resource: an unknown topic UNKNOWN_TOPIC_OR_PARTITION, another
 * broker's id or any other resource type INVALID_REQUEST.
 */
final class DescribeConfigsApi {
  /** Kafka's resource types ({@code ConfigResource.Type}). */
  static final byte TOPIC = 2;
  static final byte BROKER = 4;

  private final PartitionService service;
  private final int defaultPartitions;
  private final boolean autoCreateTopics;

  DescribeConfigsApi(PartitionService service, int defaultPartitions, boolean autoCreateTopics) {
    this.service = service;
    this.defaultPartitions = defaultPartitions;
    this.autoCreateTopics = autoCreateTopics;
  }

  /** Answered from this node's metadata view and settings, without waiting. */
  DescribeConfigsResponseData handle(DescribeConfigsRequestData request, KafkaCaller caller) {
    List<DescribeConfigsResult> results = new ArrayList<>();
    for (DescribeConfigsResource resource : request.resources()) {
      DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
          .setResourceName(resource.resourceName());
      results.add(result);
      List<DescribeConfigsResourceResult> configs;
      if (resource.resourceType() == TOPIC) {
        if (!caller.access().mayTopic(AclOperation.DESCRIBE_CONFIGS, resource.resourceName())) {
          result.setErrorCode(StreamgateError.TOPIC_ACCESS_DENIED.kafkaCode())
              .setErrorMessage("not authorized to DESCRIBE_CONFIGS topic '" + resource.resourceName() + "'");
          continue;
        }
        Optional<TopicMetadata> topic = service.cachedTopic(resource.resourceName());
        if (topic.isEmpty()) {
          result.setErrorCode(StreamgateError.UNKNOWN_TOPIC_OR_PARTITION.kafkaCode())
              .setErrorMessage("topic '" + resource.resourceName() + "' does not exist");
          continue;
        }
        configs = topicConfigs(topic.get(), request.includeSynonyms());
      } else if (resource.resourceType() == BROKER) {
        if (!caller.access().mayCluster(AclOperation.DESCRIBE_CONFIGS)) {
          result.setErrorCode(StreamgateError.CLUSTER_AUTHORIZATION_FAILED.kafkaCode())
              .setErrorMessage("not authorized to DESCRIBE_CONFIGS the cluster");
          continue;
        }
        String thisBroker = Integer.toString(KafkaBrokers.brokerId(service.nodeId()));
        if (!resource.resourceName().isEmpty() && !resource.resourceName().equals(thisBroker)) {
          result.setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode()).setErrorMessage("broker " + resource.resourceName()
              + " is another node: ask it (this is broker " + thisBroker + ")");
          continue;
        }
        configs = brokerConfigs(request.includeSynonyms());
      } else {
        result.setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode()).setErrorMessage("resource type "
            + resource.resourceType() + " has no configs here: topics (" + TOPIC + ") and brokers (" + BROKER + ") only");
        continue;
      }
      List<String> keys = resource.configurationKeys();
      result.setConfigs(keys == null ? configs : configs.stream().filter(config -> keys.contains(config.name())).toList());
    }
    return new DescribeConfigsResponseData().setResults(results);
  }

  private static List<DescribeConfigsResourceResult> topicConfigs(TopicMetadata topic, boolean includeSynonyms) {
    List<DescribeConfigsResourceResult> configs = new ArrayList<>();
    Map<String, String> defaults = TopicConfigs.defaults();
    new TreeMap<>(topic.config()).forEach((key, value) -> {
      boolean set = KafkaTopicConfigs.setOnTopic(key, value);
      String name = KafkaTopicConfigs.toKafka(key);
      DescribeConfigsResourceResult config = entry(name, value, set ? KafkaTopicConfigs.TOPIC_CONFIG : KafkaTopicConfigs.DEFAULT_CONFIG,
          false, KafkaTopicConfigs.type(key));
      if (includeSynonyms) {
        // Kafka lists the value's sources, the one in force first: the topic's, then the default.
        List<DescribeConfigsSynonym> synonyms = new ArrayList<>();
        if (set) {
          synonyms.add(new DescribeConfigsSynonym().setName(name).setValue(value).setSource(KafkaTopicConfigs.TOPIC_CONFIG));
        }
        synonyms.add(new DescribeConfigsSynonym().setName(name).setValue(defaults.get(key)).setSource(KafkaTopicConfigs.DEFAULT_CONFIG));
        config.setSynonyms(synonyms);
      }
      configs.add(config);
    });
    KafkaTopicConfigs.builtIn().forEach((name, value) -> configs.add(withOwnSynonym(
        entry(name, value, KafkaTopicConfigs.DEFAULT_CONFIG, true, KafkaTopicConfigs.STRING), includeSynonyms)));
    return configs;
  }

  /** The node settings a tool may look for, under Kafka's broker names; all read-only (they are set at startup). */
  private List<DescribeConfigsResourceResult> brokerConfigs(boolean includeSynonyms) {
    Map<String, String> topicDefaults = TopicConfigs.defaults();
    Map<String, String> defaultsAsBroker = new LinkedHashMap<>();
    defaultsAsBroker.put("message.max.bytes", LogConfig.MAX_RECORD_BYTES);
    defaultsAsBroker.put("min.insync.replicas", TopicConfigs.MIN_INSYNC_REPLICAS);
    defaultsAsBroker.put("log.retention.ms", LogConfig.RETENTION_MS);
    defaultsAsBroker.put("log.retention.bytes", LogConfig.RETENTION_BYTES);
    defaultsAsBroker.put("log.segment.bytes", LogConfig.SEGMENT_BYTES);
    defaultsAsBroker.put("log.cleanup.policy", LogConfig.CLEANUP_POLICY);
    defaultsAsBroker.put("unclean.leader.election.enable", TopicConfigs.UNCLEAN_LEADER_ELECTION);
    List<DescribeConfigsResourceResult> configs = new ArrayList<>();
    configs.add(entry("num.partitions", Integer.toString(defaultPartitions), KafkaTopicConfigs.STATIC_BROKER_CONFIG, true,
        KafkaTopicConfigs.INT));
    configs.add(entry("auto.create.topics.enable", Boolean.toString(autoCreateTopics), KafkaTopicConfigs.STATIC_BROKER_CONFIG,
        true, KafkaTopicConfigs.BOOLEAN));
    configs.add(entry("default.replication.factor", Integer.toString(CreateTopicsApi.DEFAULT_REPLICATION_FACTOR),
        KafkaTopicConfigs.DEFAULT_CONFIG, true, KafkaTopicConfigs.INT));
    defaultsAsBroker.forEach((name, topicKey) -> configs.add(entry(name, topicDefaults.get(topicKey),
        KafkaTopicConfigs.DEFAULT_CONFIG, true, KafkaTopicConfigs.type(topicKey))));
    configs.forEach(config -> withOwnSynonym(config, includeSynonyms));
    return configs;
  }

  /** A value with one source: its synonyms are itself. */
  private static DescribeConfigsResourceResult withOwnSynonym(DescribeConfigsResourceResult config, boolean includeSynonyms) {
    if (includeSynonyms) {
      config.setSynonyms(List.of(new DescribeConfigsSynonym().setName(config.name()).setValue(config.value())
          .setSource(config.configSource())));
    }
    return config;
  }

  private static DescribeConfigsResourceResult entry(String name, String value, byte source, boolean readOnly, byte type) {
    return new DescribeConfigsResourceResult().setName(name).setValue(value).setConfigSource(source).setReadOnly(readOnly)
        .setIsSensitive(false).setConfigType(type);
  }
}
