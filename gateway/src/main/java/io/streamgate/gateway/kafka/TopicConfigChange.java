package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One resource of AlterConfigs or IncrementalAlterConfigs: a topic's config changed through the
 * cluster's one topic update (validate_only: checked, nothing changed); any other resource refused
 * INVALID_REQUEST, broker configs being the node's settings. A topic the principal may not
 * ALTER_CONFIGS is TOPIC_AUTHORIZATION_FAILED. The two APIs differ in how they compute
 * the changes and in their generated answer types, so the refusal is handed to the caller's setter.
 */
final class TopicConfigChange {
  private TopicConfigChange() {}

  /**
   * Applies {@code changes} (Streamgate keys; {@code null}: back to the default) to the topic the
   * resource names. Never a failed future: a refusal, also one {@code changes} throws, goes to
   * {@code refusal} as Kafka's error code and a message.
   */
  static Future<?> apply(PartitionService service, byte resourceType, String topic, Supplier<Map<String, ?>> changes,
      boolean validateOnly, KafkaCaller caller, BiConsumer<Short, String> refusal) {
    if (resourceType != DescribeConfigsApi.TOPIC) {
      refusal.accept(StreamgateError.INVALID_REQUEST.kafkaCode(), notATopic(resourceType));
      return Future.succeededFuture();
    }
    Future<Void> allowed = caller.access().topic(AclOperation.ALTER_CONFIGS, topic);
    Future<?> change;
    try {
      change = allowed.failed() ? allowed : validateOnly
          ? Future.fromCompletionStage(service.validateTopicUpdate(topic, OptionalInt.empty(), changes.get()), caller.context())
          : Future.fromCompletionStage(service.updateTopic(topic, OptionalInt.empty(), changes.get()), caller.context());
    } catch (RuntimeException e) {
      change = Future.failedFuture(e);
    }
    return change.recover(failure -> {
      refusal.accept(StreamgateError.forException(failure).kafkaCode(), Failures.cause(failure).getMessage());
      return Future.succeededFuture();
    });
  }

  private static String notATopic(byte resourceType) {
    return resourceType == DescribeConfigsApi.BROKER
        ? "broker configs are node settings: set them in the node's configuration (docs/configuration.md)"
        : "resource type " + resourceType + " has no configs to alter here: topics (" + DescribeConfigsApi.TOPIC + ") only";
  }
}
