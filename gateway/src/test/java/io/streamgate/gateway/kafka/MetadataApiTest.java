package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.ClusterNode;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.security.NodeSecurity;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * Metadata between a node's death and its partitions' new leaders: the node is gone from the live nodes (and so from
 * the brokers) a moment before the metadata names new leaders (about a second with 3 nodes, seen with kcat while
 * trying Spark). Kafka answers a partition whose leader has no live endpoint with no leader, LEADER_NOT_AVAILABLE,
 * which clients retry; a leader id without an address leaves a client's call waiting for it.
 */
class MetadataApiTest {
  private static final String TOPIC = "orders";

  @Test
  void aPartitionWhoseLeaderIsNoLongerAliveHasNoLeaderAndIsLeaderNotAvailable() {
    List<ClusterNode> nodes = List.of(new ClusterNode("node-0", null, null, "127.0.0.1:19092", true, true, "rack-a", false, 2, 1),
        new ClusterNode("node-1", null, null, "127.0.0.1:19093", false, false, null, false, 2, 1));
    List<String> replicas = List.of("node-0", "node-1");
    List<PartitionState> partitions = List.of(new PartitionState("node-0", 1, replicas, replicas),
        new PartitionState("node-1", 1, replicas, replicas));

    MetadataResponseData answer = new MetadataApi(service(nodes, partitions), new KafkaBrokers(service(nodes, partitions)),
        false, 1)
        .handle(new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(TOPIC))),
            openNodesCaller())
        .result();

    int alive = KafkaBrokers.brokerId("node-0");
    int dead = KafkaBrokers.brokerId("node-1");
    assertThat(answer.brokers()).extracting(MetadataResponseBroker::nodeId).containsExactly(alive);
    assertThat(answer.brokers()).extracting(MetadataResponseBroker::rack).containsExactly("rack-a");
    List<MetadataResponsePartition> answered = answer.topics().find(TOPIC).partitions();
    assertThat(answered.get(0).errorCode()).isEqualTo(Errors.NONE.code());
    assertThat(answered.get(0).leaderId()).isEqualTo(alive);
    assertThat(answered.get(1).errorCode()).isEqualTo(Errors.LEADER_NOT_AVAILABLE.code());
    assertThat(answered.get(1).leaderId()).isEqualTo(-1);
    assertThat(answered.get(1).offlineReplicas()).containsExactly(dead);
    // DescribeCluster lists the same brokers, with their racks.
    assertThat(new DescribeClusterApi(new KafkaBrokers(service(nodes, partitions))).handle().brokers())
        .extracting(DescribeClusterResponseData.DescribeClusterBroker::rack).containsExactly("rack-a");
  }

  /** A caller of a node without authentication: everything is allowed. */
  private static KafkaCaller openNodesCaller() {
    String remote = "127.0.0.1:40000";
    // Authentication off: no Vert.x for JWTs and no cluster ACLs are ever asked for.
    NodeSecurity open = new NodeSecurity(null, new GatewayConfig.Security(false, "", List.of(), GatewayConfig.Jwt.NONE), () -> null);
    return new KafkaCaller(null, remote, "test", null, new KafkaAuthorization(open, Principal.ANONYMOUS, remote));
  }

  /** The cluster as these tests need it: its nodes and the topic's partitions; nothing else is called. */
  private static PartitionService service(List<ClusterNode> nodes, List<PartitionState> partitions) {
    return (PartitionService) Proxy.newProxyInstance(PartitionService.class.getClassLoader(),
        new Class<?>[] {PartitionService.class}, (proxy, method, args) -> switch (method.getName()) {
          case "nodes" -> nodes;
          case "cachedPartitions" -> TOPIC.equals(args[0]) ? Optional.of(partitions) : Optional.empty();
          case "cachedTopicId" -> TOPIC.equals(args[0]) ? Optional.of(TopicId.derived(TOPIC)) : Optional.empty();
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
