package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.InvalidPartitionsException;
import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;

/**
 * CreatePartitions (v0-3): grows a topic to the count asked for through the cluster's one topic
 * update (the cluster places the new replicas; explicit assignments are INVALID_REQUEST). A count
 * not above the current one is INVALID_PARTITIONS, as in Kafka. validate_only checks and changes
 * nothing. An answer not ready in {@code timeout_ms} is REQUEST_TIMED_OUT; the change goes on, as
 * in Kafka (and the update itself waits at most 10 s for every partition's leader).
 */
final class CreatePartitionsApi {
  private final PartitionService service;

  CreatePartitionsApi(PartitionService service) {
    this.service = service;
  }

  Future<CreatePartitionsResponseData> handle(CreatePartitionsRequestData request, KafkaCaller caller) {
    List<CreatePartitionsTopicResult> results = new ArrayList<>();
    List<Future<?>> growths = new ArrayList<>();
    for (CreatePartitionsTopic topic : request.topics()) {
      CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(topic.name());
      results.add(result);
      growths.add(caller.access().topic(AclOperation.ALTER, topic.name()).compose(allowed -> grow(topic, request, caller))
          .andThen(done -> {
            if (done.failed() && done.cause() instanceof TimeoutException) {
              result.setErrorCode(StreamgateError.REQUEST_TIMED_OUT.kafkaCode()).setErrorMessage("topic '" + topic.name()
                  + "' is still growing after " + request.timeoutMs() + " ms");
            } else if (done.failed()) {
              result.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode())
                  .setErrorMessage(Failures.cause(done.cause()).getMessage());
            }
          }));
    }
    return Future.join(growths).transform(done -> Future.succeededFuture(new CreatePartitionsResponseData().setResults(results)));
  }

  private Future<?> grow(CreatePartitionsTopic topic, CreatePartitionsRequestData request, KafkaCaller caller) {
    try {
      if (topic.assignments() != null && !topic.assignments().isEmpty()) {
        throw new InvalidTopicException("assignments are chosen by the cluster: give the partition count only");
      }
      TopicMetadata current = service.cachedTopic(topic.name())
          .orElseThrow(() -> new TopicNotFoundException("topic '" + topic.name() + "' does not exist"));
      if (topic.count() <= current.partitions()) {
        throw new InvalidPartitionsException("topic '" + topic.name() + "' has " + current.partitions()
            + " partitions; asked for " + topic.count() + ", partitions can only be added");
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    OptionalInt count = OptionalInt.of(topic.count());
    if (request.validateOnly()) {
      return Future.fromCompletionStage(service.validateTopicUpdate(topic.name(), count, Map.of()), caller.context());
    }
    Future<?> grown = Future.fromCompletionStage(service.updateTopic(topic.name(), count, Map.of()), caller.context());
    return request.timeoutMs() > 0 ? grown.timeout(request.timeoutMs(), TimeUnit.MILLISECONDS) : grown;
  }
}
