package io.streamgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Hazelcast configuration of a node: TCP/IP join to the listed members (no multicast), the
 * failure detector tuned to notice a dead peer in seconds, split-brain healing within seconds, our
 * node-info map with synchronous backups on two other members, and what Vert.x's cluster manager
 * needs for the event bus.
 */
public final class HazelcastSetup {
  private HazelcastSetup() {}

  public static Config config(String nodeId, ClusterOptions options) {
    return config(nodeId, options, "");
  }

  /**
   * The configuration of a node of the cluster whose nodes hold {@code clusterSecret} (empty: none).
   * Hazelcast's open-source edition has no TLS and no authentication between members, but a member
   * refuses a join request whose cluster name is not its own: the name is derived from the secret (a
   * SHA-256, which does not give the secret away), so a node without it asks under another name and
   * stays out. That keeps out a node of another cluster or one started by someone who does not know
   * the secret; not one that can read the cluster's traffic, where the name travels in clear.
   */
  public static Config config(String nodeId, ClusterOptions options, String clusterSecret) {
    Config config = new Config();
    config.setClusterName(clusterSecret.isEmpty() ? "streamgate" : clusterName(clusterSecret));
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

  private static String clusterName(String secret) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(("streamgate-cluster-secret:" + secret).getBytes(StandardCharsets.UTF_8));
      return "streamgate-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
