package io.streamgate.logstore;

/**
 * The two kinds of producer id a batch header carries, told apart by bit 62. Kafka producers get
 * ids below {@link #IDEMPOTENCY_KEY_BIT} from the cluster's allocator, and the log checks their
 * sequences ({@link ProducerStateTable}); an HTTP request's {@code Idempotency-Key} becomes an id
 * with the bit set, whose batches the cluster's idempotency window deduplicates by records instead
 * (one key is one request: its batches are numbered by batch, not by record). -1 is no producer.
 */
public final class ProducerIds {
  /** Set in every id derived from an {@code Idempotency-Key}, clear in every allocated one. */
  public static final long IDEMPOTENCY_KEY_BIT = 1L << 62;
  /** The largest id the allocator may hand to a Kafka producer. */
  public static final long MAX_ALLOCATED = IDEMPOTENCY_KEY_BIT - 1;

  private ProducerIds() {}

  /** Whether {@code producerId} is an allocated (Kafka) producer's, whose sequences the log checks. */
  public static boolean isAllocated(long producerId) {
    return producerId >= 0 && (producerId & IDEMPOTENCY_KEY_BIT) == 0;
  }

  /** Whether {@code producerId} was derived from an {@code Idempotency-Key}. */
  public static boolean isIdempotencyKey(long producerId) {
    return producerId >= 0 && (producerId & IDEMPOTENCY_KEY_BIT) != 0;
  }

  /** The id for an {@code Idempotency-Key} whose digest starts with {@code hash}. */
  public static long forIdempotencyKey(long hash) {
    return (hash & MAX_ALLOCATED) | IDEMPOTENCY_KEY_BIT;
  }
}
