package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.groups.GroupService.CommittedOffset;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;

/**
 * OffsetFetch (v1-9; from v8 several groups at once): a group's committed offsets with the metadata
 * string and leader epoch their commit gave, -1 ("" and -1) for a partition without a commit, every
 * committed partition when no topics are named. Without transactions every committed offset is
 * stable, so {@code require_stable} changes nothing.
 */
final class OffsetFetchApi {
  /** The first version that asks for several groups. */
  private static final short GROUPS_FROM = 8;
  private static final CommittedOffset NO_OFFSET = CommittedOffset.of(-1);

  private final GroupService groups;

  OffsetFetchApi(GroupService groups) {
    this.groups = groups;
  }

  Future<OffsetFetchResponseData> handle(OffsetFetchRequestData request, short version, KafkaCaller caller) {
    if (version < GROUPS_FROM) {
      Map<String, List<Integer>> wanted = null;
      if (request.topics() != null) {
        wanted = new LinkedHashMap<>();
        for (OffsetFetchRequestTopic topic : request.topics()) {
          wanted.put(topic.name(), topic.partitionIndexes());
        }
      }
      return offsets(request.groupId(), wanted, caller).map(found -> {
        OffsetFetchResponseData response = new OffsetFetchResponseData().setErrorCode(found.error());
        for (Map.Entry<String, Map<Integer, CommittedOffset>> topic : found.offsets().entrySet()) {
          List<OffsetFetchResponsePartition> partitions = new ArrayList<>();
          topic.getValue().forEach((partition, offset) -> partitions.add(new OffsetFetchResponsePartition()
              .setPartitionIndex(partition).setCommittedOffset(offset.offset()).setMetadata(offset.metadata())
              .setCommittedLeaderEpoch(offset.leaderEpoch()).setErrorCode(found.errorOf(topic.getKey()))));
          response.topics().add(new OffsetFetchResponseTopic().setName(topic.getKey()).setPartitions(partitions));
        }
        return response;
      });
    }
    List<Future<OffsetFetchResponseGroup>> answers = new ArrayList<>();
    for (OffsetFetchRequestGroup group : request.groups()) {
      Map<String, List<Integer>> wanted = null;
      if (group.topics() != null) {
        wanted = new LinkedHashMap<>();
        for (OffsetFetchRequestTopics topic : group.topics()) {
          wanted.put(topic.name(), topic.partitionIndexes());
        }
      }
      answers.add(offsets(group.groupId(), wanted, caller).map(found -> {
        OffsetFetchResponseGroup answer = new OffsetFetchResponseGroup().setGroupId(group.groupId()).setErrorCode(found.error());
        for (Map.Entry<String, Map<Integer, CommittedOffset>> topic : found.offsets().entrySet()) {
          List<OffsetFetchResponsePartitions> partitions = new ArrayList<>();
          topic.getValue().forEach((partition, offset) -> partitions.add(new OffsetFetchResponsePartitions()
              .setPartitionIndex(partition).setCommittedOffset(offset.offset()).setMetadata(offset.metadata())
              .setCommittedLeaderEpoch(offset.leaderEpoch()).setErrorCode(found.errorOf(topic.getKey()))));
          answer.topics().add(new OffsetFetchResponseTopics().setName(topic.getKey()).setPartitions(partitions));
        }
        return answer;
      }));
    }
    return Future.all(answers).map(all -> new OffsetFetchResponseData().setGroups(all.list()));
  }

  /** One group's offsets by topic and partition, or its error; the asked-for topics the principal may not describe. */
  private record Found(short error, Map<String, Map<Integer, CommittedOffset>> offsets, Set<String> hidden) {
    short errorOf(String topic) {
      return hidden.contains(topic) ? StreamgateError.TOPIC_ACCESS_DENIED.kafkaCode() : 0;
    }
  }

  /**
   * The committed offsets of the {@code wanted} partitions by topic (null: every committed one), as
   * Kafka answers them: DESCRIBE on the group, and of the topics those the principal may DESCRIBE
   * (the others, asked for by name, TOPIC_AUTHORIZATION_FAILED; left out of "every one").
   */
  private Future<Found> offsets(String group, Map<String, List<Integer>> wanted, KafkaCaller caller) {
    Set<String> hidden = new HashSet<>();
    if (!caller.access().mayGroup(AclOperation.DESCRIBE, group)) {
      return Future.succeededFuture(new Found(StreamgateError.GROUP_AUTHORIZATION_FAILED.kafkaCode(), Map.of(), hidden));
    }
    return Future.fromCompletionStage(groups.committedOffsets(group), caller.context()).transform(done -> {
      Map<String, Map<Integer, CommittedOffset>> offsets = new LinkedHashMap<>();
      if (done.failed()) {
        return Future.succeededFuture(new Found(StreamgateError.forException(done.cause()).kafkaCode(), offsets, hidden));
      }
      Map<String, Map<Integer, CommittedOffset>> committed = new LinkedHashMap<>();
      done.result().forEach(
          (partition, offset) -> committed.computeIfAbsent(partition.topic(), topic -> new TreeMap<>()).put(partition.partition(), offset));
      if (wanted == null) {
        committed.forEach((topic, partitions) -> {
          if (caller.access().seesTopic(topic)) {
            offsets.put(topic, partitions);
          }
        });
      } else {
        wanted.forEach((topic, partitions) -> {
          boolean described = caller.access().mayTopic(AclOperation.DESCRIBE, topic);
          if (!described) {
            hidden.add(topic);
          }
          // A hidden topic's partitions say nothing of what is committed (-1, with the error).
          Map<Integer, CommittedOffset> ofTopic = described ? committed.getOrDefault(topic, Map.of()) : Map.of();
          Map<Integer, CommittedOffset> found = offsets.computeIfAbsent(topic, name -> new LinkedHashMap<>());
          for (int partition : partitions) {
            found.put(partition, ofTopic.getOrDefault(partition, NO_OFFSET));
          }
        });
      }
      return Future.succeededFuture(new Found((short) 0, offsets, hidden));
    });
  }
}
