package io.streamgate.logstore;

import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import java.util.Arrays;
import java.util.List;

/**
 * What a test appended as one record, to compare byte for byte with what the log serves: timestamp,
 * key, value and headers (the offset is the log's to assign).
 */
record ExpectedRecord(long timestamp, byte[] key, byte[] value, List<Header> headers) {

  /** Whether {@code actual} carries exactly these bytes. */
  boolean matches(Record actual) {
    return timestamp == actual.timestamp()
        && Arrays.equals(key, actual.keyBytes())
        && Arrays.equals(value, actual.valueBytes())
        && headers.equals(actual.headers());
  }

  /** A readable account of how {@code actual} differs, for assertion messages. */
  String describeMismatch(Record actual) {
    return "record at offset " + actual.offset() + ": expected ts=" + timestamp + " key=" + Arrays.toString(key)
        + " value[" + (value == null ? "null" : value.length) + "] headers=" + headers
        + " but got ts=" + actual.timestamp() + " key=" + Arrays.toString(actual.keyBytes())
        + " value[" + (actual.value() == null ? "null" : actual.value().remaining()) + "] headers=" + actual.headers();
  }
}
