package io.streamgate.gateway.kafka;

import io.streamgate.cluster.ClusteredPartitionService;
import io.streamgate.cluster.ReplicaSize;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;

/**
 * DescribeLogDirs (v1-4): this node's one log dir (its data dir's {@code log}) with the replicas it
 * holds and their sizes, the partitions asked for or all ({@code kafka-reassign-partitions} asks to
 * print where replicas are). Offset lags are 0 and no replica is a future one: there are no moves
 * between log dirs. The volume's total and usable bytes are -1 (unknown), as Kafka answers when it
 * cannot tell, so that no request reads the file system on the event loop. Needs DESCRIBE on the
 * cluster (else CLUSTER_AUTHORIZATION_FAILED and no log dir, as Kafka).
 */
final class DescribeLogDirsApi {
  private static final long UNKNOWN_BYTES = -1;

  private final ClusteredPartitionService service;

  DescribeLogDirsApi(ClusteredPartitionService service) {
    this.service = service;
  }

  DescribeLogDirsResponseData handle(DescribeLogDirsRequestData request, KafkaCaller caller) {
    if (caller.access().cluster(AclOperation.DESCRIBE).failed()) {
      return new DescribeLogDirsResponseData().setErrorCode(StreamgateError.CLUSTER_AUTHORIZATION_FAILED.kafkaCode());
    }
    Map<String, Set<Integer>> asked = request.topics() == null ? null : request.topics().stream()
        .collect(Collectors.toMap(t -> t.topic(), t -> Set.copyOf(t.partitions()), (a, b) -> a));
    Map<String, List<DescribeLogDirsPartition>> byTopic = new LinkedHashMap<>();
    for (ReplicaSize replica : service.replicaSizes()) {
      String topic = replica.partition().topic();
      if (asked == null || asked.getOrDefault(topic, Set.of()).contains(replica.partition().partition())) {
        byTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add(new DescribeLogDirsPartition()
            .setPartitionIndex(replica.partition().partition()).setPartitionSize(replica.sizeBytes()).setOffsetLag(0)
            .setIsFutureKey(false));
      }
    }
    List<DescribeLogDirsTopic> topics = new ArrayList<>();
    byTopic.forEach((name, partitions) -> topics.add(new DescribeLogDirsTopic().setName(name).setPartitions(partitions)));
    DescribeLogDirsResult dir = new DescribeLogDirsResult().setLogDir(service.logDir().toAbsolutePath().toString())
        .setTopics(topics).setTotalBytes(UNKNOWN_BYTES).setUsableBytes(UNKNOWN_BYTES);
    return new DescribeLogDirsResponseData().setResults(List.of(dir));
  }
}
