package io.streamgate.gateway.kafka;

import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.GroupService.OffsetCommit;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OffsetCommit (v2-8), checked against the member and generation by the coordinator; generation -1
 * with no member commits for a group without members (clients that {@code assign()}). The offsets
 * are stored all or none, so every partition is answered with the same error. The commit's metadata
 * string and leader epoch are not kept (OffsetFetch answers "" and -1).
 */
final class OffsetCommitApi {
  private static final Logger LOG = LoggerFactory.getLogger(OffsetCommitApi.class);

  private final ClassicGroups groups;

  OffsetCommitApi(ClassicGroups groups) {
    this.groups = groups;
  }

  Future<OffsetCommitResponseData> handle(OffsetCommitRequestData request, KafkaCaller caller) {
    List<OffsetCommit> offsets = new ArrayList<>();
    Future<Void> commit;
    try {
      for (OffsetCommitRequestTopic topic : request.topics()) {
        for (OffsetCommitRequestPartition partition : topic.partitions()) {
          offsets.add(new OffsetCommit(new TopicPartition(topic.name(), partition.partitionIndex()), partition.committedOffset()));
        }
      }
      commit = Future.fromCompletionStage(groups.commit(request.groupId(), request.generationIdOrMemberEpoch(),
          request.memberId(), Optional.ofNullable(request.groupInstanceId()), offsets), caller.context());
    } catch (IllegalArgumentException badName) {
      LOG.warn("kafka client {}: OffsetCommit of group '{}' refused: {}", caller, request.groupId(), badName.getMessage());
      commit = Future.failedFuture(new InvalidTopicException(badName.getMessage()));
    }
    return commit.transform(done -> {
      short error = 0;
      if (done.failed()) {
        LOG.debug("kafka client {}: OffsetCommit of group '{}' answered {}", caller, request.groupId(), done.cause().getMessage());
        error = StreamgateError.forException(done.cause()).kafkaCode();
      }
      List<OffsetCommitResponseTopic> topics = new ArrayList<>();
      for (OffsetCommitRequestTopic topic : request.topics()) {
        List<OffsetCommitResponsePartition> partitions = new ArrayList<>();
        for (OffsetCommitRequestPartition partition : topic.partitions()) {
          partitions.add(new OffsetCommitResponsePartition().setPartitionIndex(partition.partitionIndex()).setErrorCode(error));
        }
        topics.add(new OffsetCommitResponseTopic().setName(topic.name()).setPartitions(partitions));
      }
      return Future.succeededFuture(new OffsetCommitResponseData().setTopics(topics));
    });
  }
}
