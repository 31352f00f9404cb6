package io.streamgate.logstore.format;

/**
 * What a batch's timestamps mean, stored in bit 3 of the batch attributes: the producer's create
 * time per record, or one append time set by the log for the whole batch.
 */
public enum TimestampType {
  CREATE_TIME,
  LOG_APPEND_TIME
}
