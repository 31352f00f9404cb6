package io.streamgate.gateway.kafka;

import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.GroupService.OffsetCommit;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * with no member commits for a group without members (clients that {@code assign()}). Each
 * partition's metadata string and leader epoch are kept with its offset (OffsetFetch answers them).
 * A partition whose metadata is longer than {@link #MAX_METADATA_CHARS} is refused
 * OFFSET_METADATA_TOO_LARGE and the others are committed, as Kafka does; those are stored all or
 * none, so they are answered with the same error.
 */
final class OffsetCommitApi {
  private static final Logger LOG = LoggerFactory.getLogger(OffsetCommitApi.class);
  /** Kafka's {@code offset.metadata.max.bytes} default, which Kafka holds against the string's length in chars. */
  static final int MAX_METADATA_CHARS = 4096;

  private final ClassicGroups groups;

  OffsetCommitApi(ClassicGroups groups) {
    this.groups = groups;
  }

  Future<OffsetCommitResponseData> handle(OffsetCommitRequestData request, KafkaCaller caller) {
    List<OffsetCommit> offsets = new ArrayList<>();
    Set<OffsetCommitRequestPartition> metadataTooLarge = Collections.newSetFromMap(new IdentityHashMap<>());
    // Kafka's rules: READ on the group for the request, READ on each topic for its partitions.
    Set<String> unreadable = new HashSet<>();
    Future<Void> commit = caller.access().group(AclOperation.READ, request.groupId());
    try {
      for (OffsetCommitRequestTopic topic : commit.failed() ? List.<OffsetCommitRequestTopic>of() : request.topics()) {
        if (!caller.access().mayTopic(AclOperation.READ, topic.name())) {
          unreadable.add(topic.name());
          continue;
        }
        for (OffsetCommitRequestPartition partition : topic.partitions()) {
          String metadata = partition.committedMetadata();
          if (metadata != null && metadata.length() > MAX_METADATA_CHARS) {
            metadataTooLarge.add(partition);
            continue;
          }
          offsets.add(new OffsetCommit(new TopicPartition(topic.name(), partition.partitionIndex()), partition.committedOffset(),
              metadata, partition.committedLeaderEpoch()));
        }
      }
      if (!metadataTooLarge.isEmpty()) {
        LOG.warn("kafka client {}: OffsetCommit of group '{}': {} partitions refused, their metadata longer than {} chars",
            caller, request.groupId(), metadataTooLarge.size(), MAX_METADATA_CHARS);
      }
      commit = commit.compose(allowed -> Future.fromCompletionStage(groups.commit(request.groupId(), request.generationIdOrMemberEpoch(),
          request.memberId(), Optional.ofNullable(request.groupInstanceId()), offsets), caller.context()));
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
          short partitionError = metadataTooLarge.contains(partition) ? StreamgateError.OFFSET_METADATA_TOO_LARGE.kafkaCode()
              : unreadable.contains(topic.name()) ? StreamgateError.TOPIC_ACCESS_DENIED.kafkaCode() : error;
          partitions.add(new OffsetCommitResponsePartition().setPartitionIndex(partition.partitionIndex()).setErrorCode(partitionError));
        }
        topics.add(new OffsetCommitResponseTopic().setName(topic.name()).setPartitions(partitions));
      }
      return Future.succeededFuture(new OffsetCommitResponseData().setTopics(topics));
    });
  }
}
