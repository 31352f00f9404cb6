package io.streamgate.gateway.kafka;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;

/**
 * ListOffsets (v1-8), on the partitions' leader only (else NOT_LEADER_OR_FOLLOWER): earliest
 * ({@code -2}), latest ({@code -1}: the high watermark), the record with the largest timestamp
 * ({@code -3}, from v7), or the first record at or after a timestamp; offset and timestamp -1 when
 * no record matches (never a negative timestamp with a real offset). Every isolation level reads
 * up to the high watermark: there are no transactions. A partition asked in a current leader epoch
 * other than the leader's is refused (FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH, KIP-320). A
 * topic the principal may not DESCRIBE is TOPIC_AUTHORIZATION_FAILED.
 */
final class ListOffsetsApi {
  static final long LATEST = -1;
  static final long EARLIEST = -2;

  private final PartitionService service;

  ListOffsetsApi(PartitionService service) {
    this.service = service;
  }

  Future<ListOffsetsResponseData> handle(ListOffsetsRequestData request, KafkaCaller caller) {
    List<Future<?>> lookups = new ArrayList<>();
    List<ListOffsetsTopicResponse> topics = new ArrayList<>();
    for (ListOffsetsTopic topic : request.topics()) {
      List<ListOffsetsPartitionResponse> partitions = new ArrayList<>();
      boolean described = caller.access().mayTopic(AclOperation.DESCRIBE, topic.name());
      for (ListOffsetsPartition wanted : topic.partitions()) {
        ListOffsetsPartitionResponse response = new ListOffsetsPartitionResponse().setPartitionIndex(wanted.partitionIndex())
            .setOffset(-1).setTimestamp(-1);
        partitions.add(response);
        if (described) {
          lookups.add(lookup(new TopicPartition(topic.name(), wanted.partitionIndex()), wanted, response, caller));
        } else {
          response.setErrorCode(StreamgateError.TOPIC_ACCESS_DENIED.kafkaCode());
        }
      }
      topics.add(new ListOffsetsTopicResponse().setName(topic.name()).setPartitions(partitions));
    }
    return Future.join(lookups).transform(done -> Future.succeededFuture(new ListOffsetsResponseData().setTopics(topics)));
  }

  private Future<?> lookup(TopicPartition partition, ListOffsetsPartition wanted, ListOffsetsPartitionResponse response,
      KafkaCaller caller) {
    long timestamp = wanted.timestamp();
    if (timestamp < PartitionService.MAX_TIMESTAMP) {
      response.setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode());
      return Future.succeededFuture();
    }
    OptionalLong search = timestamp == LATEST || timestamp == EARLIEST ? OptionalLong.empty() : OptionalLong.of(timestamp);
    return Future.fromCompletionStage(service.offsetsHere(partition, wanted.currentLeaderEpoch(), search), caller.context())
        .andThen(done -> {
          if (done.failed()) {
            response.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode());
          } else if (timestamp == LATEST) {
            response.setOffset(done.result().latest());
          } else if (timestamp == EARLIEST) {
            response.setOffset(done.result().earliest());
          } else {
            done.result().forTimestamp().ifPresent(hit -> response.setOffset(hit.offset()).setTimestamp(hit.timestamp()));
          }
        });
  }
}
