package io.streamgate.cluster;

/**
 * A node as {@code GET /v1/cluster} shows it. Addresses are null until the node announced them (or when it has no such listener);
 * {@code rack} is null for a node in no rack; {@code stopping}: it announced a graceful stop and hands its leaderships off.
 * {@code replicas} and {@code leaders} count the partitions of every live topic, internal ones included, that list it among
 * their replicas (both sets while a partition moves) and that it leads, as this node's metadata has them.
 */
public record ClusterNode(String id, String httpAddress, String mqttAddress, String kafkaAddress, boolean controller,
    boolean alive, String rack, boolean stopping, int replicas, int leaders) {}
