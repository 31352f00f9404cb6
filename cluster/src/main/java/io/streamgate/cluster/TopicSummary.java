package io.streamgate.cluster;

/** A topic in a listing. */
public record TopicSummary(String name, int partitions, int replicationFactor) {}
