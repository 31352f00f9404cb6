package io.streamgate.logstore;

/**
 * The answer to "where did my epoch end?" (Kafka's OffsetsForLeaderEpoch): the largest epoch this
 * log knows at or below the one asked about, and the offset at which it ended, i.e. the start of the
 * next epoch, or the log end for the latest epoch (which also answers for any newer one). A follower
 * truncates to this offset, or to its own end of this epoch if earlier; a follower that never had
 * this epoch truncates to its own end of the largest epoch it has below it, and asks again. As in Kafka,
 * an epoch older than every epoch the log still knows (retention removed its records) is answered
 * with that epoch itself and the start of the oldest known one.
 */
public record EpochEndOffset(int epoch, long endOffset) {}
