package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.InvalidReplicaAssignmentException;
import io.streamgate.cluster.PartitionMoves;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;

/**
 * AlterPartitionReassignments (v0-1) and ListPartitionReassignments (v0): moving partitions over
 * {@link PartitionMoves}, replicas named by broker id ({@link KafkaBrokers}). A partition's null
 * replica list cancels its move; each partition is answered alone, as in Kafka (a move that cannot be
 * is INVALID_REPLICA_ASSIGNMENT, a cancel of none NO_REASSIGNMENT_IN_PROGRESS); a move of a moving
 * partition replaces its move. A target of another length changes the partition's replication
 * factor, unless v1's {@code allowReplicationFactorChange} is false (then INVALID_REPLICATION_FACTOR,
 * KIP-860). Alter needs ALTER on the cluster, List DESCRIBE, else CLUSTER_AUTHORIZATION_FAILED for
 * the whole request.
 */
final class PartitionReassignmentsApi {
  private final PartitionMoves moves;
  private final KafkaBrokers brokers;

  PartitionReassignmentsApi(PartitionMoves moves, KafkaBrokers brokers) {
    this.moves = moves;
    this.brokers = brokers;
  }

  Future<AlterPartitionReassignmentsResponseData> alter(AlterPartitionReassignmentsRequestData request, KafkaCaller caller) {
    AlterPartitionReassignmentsResponseData response = new AlterPartitionReassignmentsResponseData()
        .setAllowReplicationFactorChange(request.allowReplicationFactorChange());
    List<Future<?>> changes = new ArrayList<>();
    List<ReassignableTopicResponse> topics = new ArrayList<>();
    Future<Void> allowed = caller.access().cluster(AclOperation.ALTER);
    if (allowed.failed()) {
      return Future.succeededFuture(response.setErrorCode(StreamgateError.forException(allowed.cause()).kafkaCode())
          .setErrorMessage(allowed.cause().getMessage()));
    }
    for (ReassignableTopic topic : request.topics()) {
      List<ReassignablePartitionResponse> partitions = new ArrayList<>();
      topics.add(new ReassignableTopicResponse().setName(topic.name()).setPartitions(partitions));
      for (ReassignablePartition partition : topic.partitions()) {
        ReassignablePartitionResponse answer = new ReassignablePartitionResponse().setPartitionIndex(partition.partitionIndex());
        partitions.add(answer);
        TopicPartition tp = new TopicPartition(topic.name(), partition.partitionIndex());
        Future<Void> change;
        try {
          change = Future.fromCompletionStage(partition.replicas() == null ? moves.cancel(tp)
              : moves.reassign(tp, nodeIds(partition.replicas()), request.allowReplicationFactorChange()), caller.context());
        } catch (RuntimeException e) {
          change = Future.failedFuture(e);
        }
        // andThen: the answer is written only once each refusal is in it (onFailure's handler may run after join's).
        changes.add(change.andThen(done -> {
          if (done.failed()) {
            answer.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode())
                .setErrorMessage(Failures.cause(done.cause()).getMessage());
          }
        }));
      }
    }
    return Future.join(changes).transform(done -> Future.succeededFuture(response.setResponses(topics)));
  }

  Future<ListPartitionReassignmentsResponseData> list(ListPartitionReassignmentsRequestData request, KafkaCaller caller) {
    ListPartitionReassignmentsResponseData response = new ListPartitionReassignmentsResponseData();
    Future<Void> allowed = caller.access().cluster(AclOperation.DESCRIBE);
    if (allowed.failed()) {
      return Future.succeededFuture(response.setErrorCode(StreamgateError.forException(allowed.cause()).kafkaCode())
          .setErrorMessage(allowed.cause().getMessage()));
    }
    Map<String, Set<Integer>> asked = request.topics() == null ? null : request.topics().stream()
        .collect(Collectors.toMap(t -> t.name(), t -> Set.copyOf(t.partitionIndexes()), (a, b) -> a));
    return Future.fromCompletionStage(moves.inProgress(), caller.context()).map(progress -> {
      Map<String, List<OngoingPartitionReassignment>> byTopic = new LinkedHashMap<>();
      for (PartitionMoves.Progress p : progress) {
        TopicPartition tp = p.partition();
        if (asked != null && !asked.getOrDefault(tp.topic(), Set.of()).contains(tp.partition())) {
          continue;
        }
        byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(new OngoingPartitionReassignment()
            .setPartitionIndex(tp.partition()).setReplicas(brokerIds(p.replicas())).setAddingReplicas(brokerIds(p.adding()))
            .setRemovingReplicas(brokerIds(p.removing())));
      }
      List<OngoingTopicReassignment> topics = new ArrayList<>();
      byTopic.forEach((name, partitions) -> topics.add(new OngoingTopicReassignment().setName(name).setPartitions(partitions)));
      return response.setTopics(topics);
    });
  }

  private List<String> nodeIds(List<Integer> brokerIds) {
    List<String> nodes = new ArrayList<>();
    for (int brokerId : brokerIds) {
      nodes.add(brokers.nodeId(brokerId)
          .orElseThrow(() -> new InvalidReplicaAssignmentException("no broker " + brokerId + " in the cluster")));
    }
    return nodes;
  }

  private static List<Integer> brokerIds(List<String> nodes) {
    return nodes.stream().map(KafkaBrokers::brokerId).toList();
  }
}
