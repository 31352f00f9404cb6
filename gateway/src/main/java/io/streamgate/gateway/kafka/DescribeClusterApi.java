package io.streamgate.gateway.kafka;

import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBrokerCollection;

/** DescribeCluster (v0-1): the live brokers, as Metadata lists them, the cluster id and the controller. */
final class DescribeClusterApi {
  private final KafkaBrokers brokers;

  DescribeClusterApi(KafkaBrokers brokers) {
    this.brokers = brokers;
  }

  DescribeClusterResponseData handle() {
    KafkaBrokers.View cluster = brokers.view();
    DescribeClusterBrokerCollection list = new DescribeClusterBrokerCollection();
    for (KafkaBrokers.Broker broker : cluster.live()) {
      list.add(new DescribeClusterBroker().setBrokerId(broker.id()).setHost(broker.host()).setPort(broker.port())
          .setRack(broker.rack()));
    }
    return new DescribeClusterResponseData().setClusterId(KafkaBrokers.CLUSTER_ID).setControllerId(cluster.controllerId())
        .setBrokers(list);
  }
}
