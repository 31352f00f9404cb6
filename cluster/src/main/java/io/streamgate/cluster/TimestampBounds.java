package io.streamgate.cluster;

import io.streamgate.logstore.format.BatchLayout;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.TimestampType;

/**
 * How far a record's create time may lie from the leader's clock, before and after it (Kafka's
 * {@code message.timestamp.before.max.ms} and {@code after.max.ms}, KIP-937). The leader checks every
 * record of a batch it is asked to append, whichever protocol brought it, so a timestamp no clock
 * could have produced (2^63-1, say) never reaches the log, its time index or retention. Immutable.
 *
 * @param beforeMaxMs how far in the past a timestamp may be; {@link Long#MAX_VALUE}: unbounded
 * @param afterMaxMs how far in the future a timestamp may be; {@link Long#MAX_VALUE}: unbounded
 */
public record TimestampBounds(long beforeMaxMs, long afterMaxMs) {
  /** Kafka 4's defaults: any time in the past, at most one hour ahead. */
  public static final TimestampBounds DEFAULT = new TimestampBounds(Long.MAX_VALUE, 3_600_000);

  /**
   * Refuses {@code batch} if a record's timestamp is out of bounds at {@code now}. Log-append-time
   * batches and records without a timestamp (-1) carry no create time and pass, as in Kafka.
   *
   * @throws InvalidTimestampException naming the first record out of bounds and the bound it broke
   */
  public void check(RecordBatch batch, long now) {
    if (batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
      return;
    }
    int index = 0;
    for (Record record : batch.records()) {
      long timestamp = record.timestamp();
      if (timestamp != BatchLayout.NO_TIMESTAMP) {
        if (timestamp > now && distance(timestamp, now) > afterMaxMs) {
          throw new InvalidTimestampException(refusal(index, timestamp, now, "after", afterMaxMs));
        }
        if (timestamp < now && distance(now, timestamp) > beforeMaxMs) {
          throw new InvalidTimestampException(refusal(index, timestamp, now, "before", beforeMaxMs));
        }
      }
      index++;
    }
  }

  /** {@code later - earlier}, or {@link Long#MAX_VALUE} where that overflows. */
  private static long distance(long later, long earlier) {
    long difference = later - earlier;
    return difference < 0 ? Long.MAX_VALUE : difference;
  }

  private static String refusal(int index, long timestamp, long now, String side, long bound) {
    return "record " + index + " of the batch has timestamp " + timestamp + ", more than " + bound + " ms " + side
        + " the leader's clock (" + now + "): message.timestamp." + side + ".max.ms=" + bound;
  }
}
