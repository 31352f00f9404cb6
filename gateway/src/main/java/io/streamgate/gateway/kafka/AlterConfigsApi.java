package io.streamgate.gateway.kafka;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.logstore.InvalidConfigException;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;

/**
 * AlterConfigs (v0-2), Kafka's replace semantics: the configs given become the topic's whole config,
 * every key left out returns to its default, but for {@code value.format}, Streamgate's own, which a
 * Kafka tool does not know and which is kept unless given (resetting it would make a topic created
 * by a Kafka client refuse values that are not JSON). Through the cluster's one topic update, so
 * validate_only checks what the change would and changes nothing. Broker and other resources are
 * INVALID_REQUEST: broker configs are the node's settings.
 */
final class AlterConfigsApi {
  private final PartitionService service;

  AlterConfigsApi(PartitionService service) {
    this.service = service;
  }

  Future<AlterConfigsResponseData> handle(AlterConfigsRequestData request, KafkaCaller caller) {
    List<AlterConfigsResourceResponse> responses = new ArrayList<>();
    List<Future<?>> changes = new ArrayList<>();
    for (AlterConfigsResource resource : request.resources()) {
      AlterConfigsResourceResponse response = new AlterConfigsResourceResponse().setResourceType(resource.resourceType())
          .setResourceName(resource.resourceName());
      responses.add(response);
      changes.add(TopicConfigChange.apply(service, resource.resourceType(), resource.resourceName(), () -> replacement(resource),
          request.validateOnly(), caller, (code, message) -> response.setErrorCode(code).setErrorMessage(message)));
    }
    return Future.join(changes).transform(done -> Future.succeededFuture(new AlterConfigsResponseData().setResponses(responses)));
  }

  /** The change that makes {@code resource}'s configs the topic's whole config. */
  private static Map<String, Object> replacement(AlterConfigsResource resource) {
    Map<String, String> given = new LinkedHashMap<>();
    for (AlterableConfig config : resource.configs()) {
      if (config.value() == null) {
        throw new InvalidConfigException(config.name() + " has no value (leave a key out to return it to its default)");
      }
      KafkaTopicConfigs.requireServable(config.name(), config.value());
      given.put(config.name(), config.value());
    }
    Map<String, Object> changes = new HashMap<>();
    for (String key : TopicConfigs.keys()) {
      if (!key.equals(TopicConfigs.VALUE_FORMAT)) {
        changes.put(key, null);
      }
    }
    changes.putAll(KafkaTopicConfigs.toStreamgate(given));
    return changes;
  }
}
