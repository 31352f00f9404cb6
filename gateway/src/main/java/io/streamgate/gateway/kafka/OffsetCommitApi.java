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
import java.util.EnumSet;
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

  /**
   * The errors Kafka's consumer retries a commit on (kafka-clients 4.4 {@code
   * ConsumerCoordinator.OffsetCommitResponseHandler}); on any other retriable one it fails the commit
   * with "Unexpected error in commit".
   */
  private static final Set<StreamgateError> CONSUMER_RETRIES = EnumSet.of(StreamgateError.COORDINATOR_LOAD_IN_PROGRESS,
      StreamgateError.COORDINATOR_NOT_AVAILABLE, StreamgateError.NOT_COORDINATOR, StreamgateError.REQUEST_TIMED_OUT,
      StreamgateError.UNKNOWN_TOPIC_OR_PARTITION);

  /**
   * A commit's error code: a refusal worth retrying that the consumer would not retry (the group's
   * partition with too few copies in sync, say) is COORDINATOR_NOT_AVAILABLE, as Kafka's
   * coordinator answers a commit its log could not take; the client finds the coordinator and
   * commits again. Seen in a rolling restart as NOT_ENOUGH_REPLICAS, which ended a consumer.
   */
  static short commitErrorCode(Throwable failure) {
    StreamgateError error = StreamgateError.forException(failure);
    return !error.retryable() || CONSUMER_RETRIES.contains(error) ? error.kafkaCode()
        : StreamgateError.COORDINATOR_NOT_AVAILABLE.kafkaCode();
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
        error = commitErrorCode(done.cause());
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
