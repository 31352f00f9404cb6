package io.streamgate.cluster;

/**
 * A node as {@code GET /v1/cluster} shows it. Addresses are null until the node announced them (or when it has no such listener);
 * {@code rack} is null for a node in no rack.
 */
public record ClusterNode(String id, String httpAddress, String mqttAddress, String kafkaAddress, boolean controller,
    boolean alive, String rack) {}
