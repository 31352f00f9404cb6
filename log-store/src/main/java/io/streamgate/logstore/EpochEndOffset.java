package io.streamgate.logstore;

/**
 * The answer to "where did my epoch end?" (Kafka's OffsetsForLeaderEpoch): the largest epoch this
 * log knows at or below the one asked about, and the offset at which it ended, i.e. the start of the
 * next epoch, or the log end for the latest epoch. A follower truncates to this offset. As in Kafka,
 * an epoch older than every epoch the log still knows (retention removed its records) is answered
 * with that epoch itself and the start of the oldest known one.
 */
public record EpochEndOffset(int epoch, long endOffset) {}
