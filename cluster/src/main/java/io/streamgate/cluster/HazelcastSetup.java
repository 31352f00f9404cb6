package io.streamgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;

/**
 * The Hazelcast configuration of a node: TCP/IP join to the listed members (no multicast), the
 * failure detector tuned to notice a dead peer in seconds, split-brain healing within seconds, our
 * node-info map with synchronous backups on two other members, and what Vert.x's cluster manager
 * needs for the event bus.
 */
public final class HazelcastSetup {
  private HazelcastSetup() {}

  public static Config config(String nodeId, ClusterOptions options) {
    Config config = new Config();
    config.setClusterName("streamgate");
    config.getMemberAttributeConfig().setAttribute(ClusterMetadata.NODE_ID_ATTRIBUTE, nodeId);
    long detectionSeconds = Math.max(1, (options.failureDetectionMs() + 999) / 1000);
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(detectionSeconds));
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(options.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface(options.host());
    if (options.port() != 0) {
      network.setPublicAddress(options.host() + ":" + options.port());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).setMembers(options.join());

    config.addMapConfig(new MapConfig(ClusterMetadata.NODES).setBackupCount(2));
    // Vert.x's own: event bus subscriptions and node infos.
    config.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    config.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    config.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return config;
  }
}
