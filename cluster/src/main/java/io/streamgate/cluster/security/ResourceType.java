package io.streamgate.cluster.security;

/** What an ACL guards: Kafka's resource types, those Streamgate has. */
public enum ResourceType {
  TOPIC,
  GROUP,
  /** The one cluster, named {@link #CLUSTER_NAME}. */
  CLUSTER;

  /** The name of the cluster resource, Kafka's. */
  public static final String CLUSTER_NAME = "kafka-cluster";
}
