package io.streamgate.gateway.kafka;

import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.logstore.InvalidConfigException;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;

/**
 * IncrementalAlterConfigs (v0-1): per topic key SET, DELETE (back to the default), and for the
 * list-typed keys ({@code cleanup.policy}) APPEND and SUBTRACT of comma-separated items, applied to
 * the topic's config as this node knows it. DELETE of a key Streamgate does not have changes
 * nothing; a key given twice is INVALID_REQUEST; a built-in key ({@code compression.type}) takes
 * only its one value. Through the cluster's one topic update (validate_only: checked, nothing
 * changed). A broker resource sets only the replication throttle ({@link BrokerThrottleConfigs}); the
 * topic keys {@code leader.replication.throttled.replicas} and {@code follower.replication.throttled.replicas}
 * are taken and not kept; other resources are INVALID_REQUEST ({@link TopicConfigChange}).
 */
final class IncrementalAlterConfigsApi {
  /** Kafka's operations ({@code AlterConfigOp.OpType}). */
  private static final byte SET = 0;
  private static final byte DELETE = 1;
  private static final byte APPEND = 2;
  private static final byte SUBTRACT = 3;

  private final PartitionService service;
  private final BrokerThrottleConfigs brokerThrottles;

  IncrementalAlterConfigsApi(PartitionService service, BrokerThrottleConfigs brokerThrottles) {
    this.service = service;
    this.brokerThrottles = brokerThrottles;
  }

  Future<IncrementalAlterConfigsResponseData> handle(IncrementalAlterConfigsRequestData request, KafkaCaller caller) {
    List<AlterConfigsResourceResponse> responses = new ArrayList<>();
    List<Future<?>> changes = new ArrayList<>();
    for (AlterConfigsResource resource : request.resources()) {
      AlterConfigsResourceResponse response = new AlterConfigsResourceResponse().setResourceType(resource.resourceType())
          .setResourceName(resource.resourceName());
      responses.add(response);
      if (resource.resourceType() == DescribeConfigsApi.BROKER) {
        changes.add(brokerThrottles.apply(resource.configs(), request.validateOnly(), caller,
            (code, message) -> response.setErrorCode(code).setErrorMessage(message)));
        continue;
      }
      changes.add(TopicConfigChange.apply(service, resource.resourceType(), resource.resourceName(), () -> changes(resource),
          request.validateOnly(), caller, (code, message) -> response.setErrorCode(code).setErrorMessage(message)));
    }
    return Future.join(changes)
        .transform(done -> Future.succeededFuture(new IncrementalAlterConfigsResponseData().setResponses(responses)));
  }

  /** The operations on {@code resource} as changes to Streamgate's keys ({@code null}: back to the default). */
  private Map<String, Object> changes(AlterConfigsResource resource) {
    TopicMetadata topic = service.cachedTopic(resource.resourceName())
        .orElseThrow(() -> new TopicNotFoundException("topic '" + resource.resourceName() + "' does not exist"));
    Map<String, Object> changes = new HashMap<>();
    Set<String> keys = new HashSet<>();
    for (AlterableConfig config : resource.configs()) {
      String name = config.name();
      if (KafkaTopicConfigs.THROTTLED_REPLICAS.contains(name)) {
        // kafka-reassign-partitions names the replicas to throttle; the throttle applies to exactly
        // the replicas a move adds, so the list is taken and not kept.
        continue;
      }
      String key = KafkaTopicConfigs.toStreamgate(name);
      if (!keys.add(key)) {
        // As Kafka: the order of two operations on one key would decide the outcome.
        throw new InvalidTopicException(name + " appears more than once; give each key one operation");
      }
      switch (config.configOperation()) {
        case SET -> {
          if (config.value() == null) {
            throw new InvalidConfigException(name + " has no value to set");
          }
          KafkaTopicConfigs.requireServable(name, config.value());
          if (!KafkaTopicConfigs.isBuiltIn(name)) {
            changes.put(key, config.value());
          }
        }
        case DELETE -> {
          // A key Streamgate does not have is at its default already, as Kafka takes it (MirrorMaker 2
          // DELETEs every key at its default on the source, Kafka's own included).
          if (TopicConfigs.keys().contains(key)) {
            changes.put(key, null);
          }
        }
        case APPEND, SUBTRACT -> {
          if (!KafkaTopicConfigs.isList(name)) {
            throw new InvalidConfigException(name + " is not a list: APPEND and SUBTRACT apply to cleanup.policy only");
          }
          Set<String> items = items(topic.config().getOrDefault(key, TopicConfigs.defaults().get(key)));
          if (config.configOperation() == APPEND) {
            items.addAll(items(config.value()));
          } else {
            items.removeAll(items(config.value()));
          }
          changes.put(key, String.join(",", items));
        }
        default -> throw new InvalidTopicException("unknown config operation " + config.configOperation() + " on " + name);
      }
    }
    return changes;
  }

  private static Set<String> items(String list) {
    Set<String> items = new LinkedHashSet<>();
    if (list != null) {
      Arrays.stream(list.split(",")).map(String::trim).filter(item -> !item.isEmpty()).forEach(items::add);
    }
    return items;
  }
}
