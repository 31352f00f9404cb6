package io.streamgate.cluster;

/** A node as {@code GET /v1/cluster} shows it. Addresses are null until the node announced them. */
public record ClusterNode(String id, String httpAddress, String mqttAddress, boolean controller, boolean alive) {}
