package io.streamgate.logstore;

/** The first record at or after a searched timestamp: its offset and its own timestamp. */
public record TimestampOffset(long offset, long timestamp) {}
