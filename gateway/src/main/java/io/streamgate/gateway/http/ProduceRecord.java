package io.streamgate.gateway.http;

import io.streamgate.logstore.format.Header;
import java.util.List;

/**
 * One record of a produce request, parsed and validated, before it has a partition.
 *
 * @param key key bytes, or null
 * @param value value bytes, or null for a tombstone
 * @param partition the partition the client asked for, or -1 to let the partitioner choose
 * @param timestamp create time in ms
 */
record ProduceRecord(byte[] key, byte[] value, List<Header> headers, int partition, long timestamp) {

  /** The most a record's framing takes in a batch: its length, attributes, deltas and field-length varints. */
  static final int MAX_FRAMING_BYTES = 40;

  /** Bytes this record adds to a batch, at most: near enough to split batches under a size limit. */
  int estimatedSize() {
    return MAX_FRAMING_BYTES + contentSize();
  }

  /** Its key, value and headers, at most (a header name counts 3 bytes a character, and 10 for its framing). */
  int contentSize() {
    int size = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    for (Header header : headers) {
      size += 10 + header.key().length() * 3 + (header.value() == null ? 0 : header.value().length);
    }
    return size;
  }
}
