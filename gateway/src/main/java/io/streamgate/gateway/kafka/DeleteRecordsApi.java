package io.streamgate.gateway.kafka;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResultCollection;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResultCollection;

/**
 * DeleteRecords (v0-2), on the partitions' leader only (else NOT_LEADER_OR_FOLLOWER): moves each
 * partition's log start to the offset asked ({@code -1}: the high watermark) and answers it as the
 * low watermark. A partition whose deletion has not completed by the request's {@code timeout_ms}
 * (at most the listener's longest wait) is answered REQUEST_TIMED_OUT; its deletion goes on.
 */
final class DeleteRecordsApi {
  private final PartitionService service;
  private final long maxWaitMs;

  DeleteRecordsApi(PartitionService service, long maxWaitMs) {
    this.service = service;
    this.maxWaitMs = maxWaitMs;
  }

  Future<DeleteRecordsResponseData> handle(DeleteRecordsRequestData request, KafkaCaller caller) {
    DeleteRecordsTopicResultCollection topics = new DeleteRecordsTopicResultCollection();
    DeleteRecordsResponseData response = new DeleteRecordsResponseData().setTopics(topics);
    Promise<DeleteRecordsResponseData> answer = Promise.promise();
    List<Future<?>> deletions = new ArrayList<>();
    for (DeleteRecordsTopic topic : request.topics()) {
      DeleteRecordsPartitionResultCollection partitions = new DeleteRecordsPartitionResultCollection();
      topics.add(new DeleteRecordsTopicResult().setName(topic.name()).setPartitions(partitions));
      for (DeleteRecordsPartition wanted : topic.partitions()) {
        // Until it completes: a partition still deleting at the deadline is answered so.
        DeleteRecordsPartitionResult result = new DeleteRecordsPartitionResult().setPartitionIndex(wanted.partitionIndex())
            .setLowWatermark(-1).setErrorCode(StreamgateError.REQUEST_TIMED_OUT.kafkaCode());
        partitions.add(result);
        deletions.add(delete(topic.name(), wanted, caller).andThen(done -> {
          if (answer.future().isComplete()) {
            return;  // answered at the deadline: the answer is not changed after it was given
          }
          if (done.succeeded()) {
            result.setErrorCode((short) 0).setLowWatermark(done.result());
          } else {
            result.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode());
          }
        }));
      }
    }
    long timeoutMs = Math.min(Math.max(request.timeoutMs(), 0), maxWaitMs);
    long timer = caller.context().owner().setTimer(Math.max(timeoutMs, 1), id -> answer.tryComplete(response));
    Future.join(deletions).onComplete(done -> {
      caller.context().owner().cancelTimer(timer);
      answer.tryComplete(response);
    });
    return answer.future();
  }

  private Future<Long> delete(String topic, DeleteRecordsPartition wanted, KafkaCaller caller) {
    TopicPartition partition;
    try {
      partition = new TopicPartition(topic, wanted.partitionIndex());
    } catch (IllegalArgumentException invalid) {
      // A name no topic can have, or a negative partition: there is no such partition.
      return Future.failedFuture(new io.streamgate.cluster.TopicNotFoundException(invalid.getMessage()));
    }
    return caller.access().topic(AclOperation.DELETE, topic)
        .compose(allowed -> Future.fromCompletionStage(service.deleteRecordsHere(partition, wanted.offset()), caller.context()));
  }
}
