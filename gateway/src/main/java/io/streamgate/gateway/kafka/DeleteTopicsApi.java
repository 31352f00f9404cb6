package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResultCollection;

/**
 * DeleteTopics (v1-6), by name, or (v6) by topic id: an id is resolved to the name of the live topic
 * that has it on this node's view of the metadata, UNKNOWN_TOPIC_ID if none (a deleted topic's id
 * too, even if its name was taken again), and that name is deleted if it is still that incarnation
 * when the deletion commits: a topic deleted and created again by another client in between is
 * left alone, UNKNOWN_TOPIC_ID.
 */
final class DeleteTopicsApi {
  private final PartitionService service;

  DeleteTopicsApi(PartitionService service) {
    this.service = service;
  }

  Future<DeleteTopicsResponseData> handle(DeleteTopicsRequestData request, KafkaCaller caller) {
    List<DeleteTopicState> topics = new ArrayList<>();
    request.topicNames().forEach(name -> topics.add(new DeleteTopicState().setName(name)));
    topics.addAll(request.topics());
    List<DeletableTopicResult> answered = new ArrayList<>();
    List<Future<?>> deletions = new ArrayList<>();
    for (DeleteTopicState topic : topics) {
      DeletableTopicResult result = new DeletableTopicResult().setName(topic.name()).setTopicId(topic.topicId());
      answered.add(result);
      boolean byId = !topic.topicId().equals(Uuid.ZERO_UUID);
      if (byId == (topic.name() != null)) {
        result.setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode())
            .setErrorMessage("a topic to delete is named by its name or by its id, not both nor neither");
        continue;
      }
      Optional<TopicId> id = byId ? KafkaTopicIds.topicId(topic.topicId()) : Optional.empty();
      Optional<String> name = byId ? id.flatMap(service::cachedTopicName) : Optional.of(topic.name());
      if (name.isEmpty()) {
        result.setErrorCode(StreamgateError.UNKNOWN_TOPIC_ID.kafkaCode()).setErrorMessage("no topic has id " + topic.topicId());
        continue;
      }
      Future<Void> deletion = caller.access().topic(AclOperation.DELETE, name.get())
          .compose(allowed -> Future.fromCompletionStage(byId ? service.deleteTopic(name.get(), id.get())
              : service.deleteTopic(name.get()), caller.context()));
      deletions.add(deletion.andThen(done -> {
        if (done.failed()) {
          // A caller that named an id is told the name only once the topic is deleted: it may not be allowed to know it.
          result.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode())
              .setErrorMessage(byId ? null : Failures.cause(done.cause()).getMessage());
        } else {
          result.setName(name.get());
        }
      }));
    }
    return Future.join(deletions).transform(done -> {
      // Added once each is named: the collection is keyed by name.
      DeletableTopicResultCollection results = new DeletableTopicResultCollection();
      answered.forEach(results::add);
      return Future.succeededFuture(new DeleteTopicsResponseData().setResponses(results));
    });
  }
}
