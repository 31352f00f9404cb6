package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResultCollection;

/**
 * DeleteTopics (v1-6), by name. A topic named by id only is INVALID_REQUEST: the metadata deletes by
 * name, and resolving the id first could delete a newer topic of that name.
 */
final class DeleteTopicsApi {
  private final PartitionService service;

  DeleteTopicsApi(PartitionService service) {
    this.service = service;
  }

  Future<DeleteTopicsResponseData> handle(DeleteTopicsRequestData request, KafkaCaller caller) {
    List<String> names = new ArrayList<>(request.topicNames());
    for (DeleteTopicState topic : request.topics()) {
      names.add(topic.name());
    }
    DeletableTopicResultCollection results = new DeletableTopicResultCollection();
    List<Future<?>> deletions = new ArrayList<>();
    for (String name : names) {
      DeletableTopicResult result = new DeletableTopicResult().setName(name);
      results.add(result);
      Future<Void> deletion = name == null ? Future.failedFuture(new InvalidTopicException("topics are deleted by name"))
          : caller.access().topic(AclOperation.DELETE, name)
              .compose(allowed -> Future.fromCompletionStage(service.deleteTopic(name), caller.context()));
      deletions.add(deletion.andThen(done -> {
        if (done.failed()) {
          result.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode())
              .setErrorMessage(Failures.cause(done.cause()).getMessage());
        }
      }));
    }
    return Future.join(deletions).transform(done -> Future.succeededFuture(new DeleteTopicsResponseData().setResponses(results)));
  }
}
