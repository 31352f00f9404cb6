package io.streamgate.gateway.kafka;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OffsetForLeaderEpoch (v2-4), for consumers (KIP-320): per partition, where {@code leader_epoch}
 * ends in the leader's log (the start of the next epoch, or the log end for the latest), which a
 * consumer holds against its position after a leader change to find records it read that were
 * truncated away. Only the leader answers, and only in the client's {@code current_leader_epoch}
 * (the check every leader-only call shares). An epoch the log knows nothing about is answered with
 * no error and epoch and offset -1 (Kafka's UNDEFINED_EPOCH). Replicas never fetch over this
 * listener, so a request naming a broker as its replica is refused (INVALID_REQUEST per partition).
 */
final class OffsetForLeaderEpochApi {
  private static final Logger LOG = LoggerFactory.getLogger(OffsetForLeaderEpochApi.class);
  private static final int UNDEFINED_EPOCH = -1;
  private static final long UNDEFINED_OFFSET = -1;

  private final PartitionService service;

  OffsetForLeaderEpochApi(PartitionService service) {
    this.service = service;
  }

  Future<OffsetForLeaderEpochResponseData> handle(OffsetForLeaderEpochRequestData request, KafkaCaller caller) {
    // Consumers send -1 (v3+), and v2 carries no replica id (-2 then): both are consumers, as in Kafka.
    boolean fromReplica = request.replicaId() >= 0;
    if (fromReplica) {
      LOG.warn("kafka client {}: OffsetForLeaderEpoch as replica {} refused: replicas do not fetch over Kafka", caller,
          request.replicaId());
    }
    List<Future<?>> lookups = new ArrayList<>();
    OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
    for (OffsetForLeaderTopic topic : request.topics()) {
      List<EpochEndOffset> partitions = new ArrayList<>();
      boolean described = fromReplica || caller.access().mayTopic(AclOperation.DESCRIBE, topic.topic());
      for (OffsetForLeaderPartition wanted : topic.partitions()) {
        EpochEndOffset answer = new EpochEndOffset().setPartition(wanted.partition()).setLeaderEpoch(UNDEFINED_EPOCH)
            .setEndOffset(UNDEFINED_OFFSET);
        partitions.add(answer);
        if (fromReplica) {
          answer.setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode());
        } else if (!described) {
          answer.setErrorCode(StreamgateError.TOPIC_ACCESS_DENIED.kafkaCode());
        } else {
          lookups.add(lookup(new TopicPartition(topic.topic(), wanted.partition()), wanted, answer, caller));
        }
      }
      response.topics().add(new OffsetForLeaderTopicResult().setTopic(topic.topic()).setPartitions(partitions));
    }
    return Future.join(lookups).transform(done -> Future.succeededFuture(response));
  }

  private Future<?> lookup(TopicPartition partition, OffsetForLeaderPartition wanted, EpochEndOffset answer, KafkaCaller caller) {
    return Future.fromCompletionStage(service.endOffsetForEpochHere(partition, wanted.currentLeaderEpoch(), wanted.leaderEpoch()),
        caller.context()).andThen(done -> {
          if (done.failed()) {
            answer.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode());
          } else {
            done.result().ifPresent(end -> answer.setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset()));
          }
        });
  }
}
