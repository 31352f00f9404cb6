package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopicCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OffsetDelete (v0, {@code Admin.deleteConsumerGroupOffsets}): deletes a group's committed offsets
 * of the partitions named, from any node (the group service reaches the coordinator). A partition of
 * a topic a member consumes is answered GROUP_SUBSCRIBED_TO_TOPIC and keeps its offset; the group's
 * own errors (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for Kafka members of another protocol type than
 * {@code consumer}, a coordinator moving) are the answer's, with no partitions, as in Kafka; so is
 * INVALID_REQUEST for an illegal topic name.
 */
final class OffsetDeleteApi {
  private static final Logger LOG = LoggerFactory.getLogger(OffsetDeleteApi.class);

  private final GroupService groups;

  OffsetDeleteApi(GroupService groups) {
    this.groups = groups;
  }

  Future<OffsetDeleteResponseData> handle(OffsetDeleteRequestData request, KafkaCaller caller) {
    Future<Void> allowed = caller.access().group(AclOperation.DELETE, request.groupId());
    if (allowed.failed()) {
      return Future.succeededFuture(new OffsetDeleteResponseData().setErrorCode(StreamgateError.forException(allowed.cause()).kafkaCode()));
    }
    List<TopicPartition> partitions = new ArrayList<>();
    // Kafka's rule: DELETE on the group, and READ on each topic for its partitions.
    Set<String> unreadable = new HashSet<>();
    try {
      for (OffsetDeleteRequestTopic topic : request.topics()) {
        if (!caller.access().mayTopic(AclOperation.READ, topic.name())) {
          unreadable.add(topic.name());
          continue;
        }
        for (OffsetDeleteRequestPartition partition : topic.partitions()) {
          partitions.add(new TopicPartition(topic.name(), partition.partitionIndex()));
        }
      }
    } catch (IllegalArgumentException badName) {
      LOG.warn("kafka client {}: OffsetDelete of group '{}' refused: {}", caller, request.groupId(), badName.getMessage());
      return Future.succeededFuture(new OffsetDeleteResponseData().setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode()));
    }
    return Future.fromCompletionStage(groups.deleteOffsets(request.groupId(), partitions), caller.context())
        .map(refused -> answer(request, refused, unreadable))
        .otherwise(failure -> new OffsetDeleteResponseData().setErrorCode(StreamgateError.forException(failure).kafkaCode()));
  }

  private static OffsetDeleteResponseData answer(OffsetDeleteRequestData request, Set<TopicPartition> refused,
      Set<String> unreadable) {
    OffsetDeleteResponseTopicCollection topics = new OffsetDeleteResponseTopicCollection();
    for (OffsetDeleteRequestTopic topic : request.topics()) {
      OffsetDeleteResponsePartitionCollection partitions = new OffsetDeleteResponsePartitionCollection();
      for (OffsetDeleteRequestPartition partition : topic.partitions()) {
        boolean subscribed = refused.contains(new TopicPartition(topic.name(), partition.partitionIndex()));
        short error = unreadable.contains(topic.name()) ? StreamgateError.TOPIC_ACCESS_DENIED.kafkaCode()
            : subscribed ? StreamgateError.GROUP_SUBSCRIBED_TO_TOPIC.kafkaCode() : 0;
        partitions.add(new OffsetDeleteResponsePartition().setPartitionIndex(partition.partitionIndex()).setErrorCode(error));
      }
      topics.add(new OffsetDeleteResponseTopic().setName(topic.name()).setPartitions(partitions));
    }
    return new OffsetDeleteResponseData().setTopics(topics);
  }
}
