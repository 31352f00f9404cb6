package io.streamgate.cluster.metadata;

/**
 * A submitted command once committed and applied: its reply, and the index of its entry in the
 * metadata log, the one {@link MetadataListener#applied} hears it at on every voter. A proposer
 * that waits for its own change to be heard waits for that index.
 */
public record Committed(MetadataReply reply, long logIndex) {}
