package io.streamgate.gateway.http;

import io.streamgate.logstore.ProducerIds;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A produce request's {@code Idempotency-Key}, scoped to its topic, as the producer id its batches
 * carry in the log (Kafka's batch header field; bit 62 set, see {@link ProducerIds}, so it is never
 * a Kafka producer's and the log's sequence checks leave it alone): every replica learns it as it appends, so
 * a new leader recognizes a retry of a write its predecessor made. Deriving it by SHA-256 makes two
 * keys colliding as unlikely as it gets.
 */
record IdempotencyId(long producerId) {
  static IdempotencyId of(String topic, String key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(topic.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      byte[] digest = sha.digest(key.getBytes(StandardCharsets.UTF_8));
      return new IdempotencyId(ProducerIds.forIdempotencyKey(ByteBuffer.wrap(digest).getLong()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The partition keyless records of this request go to: the same on every retry. */
  int partition(int partitionCount) {
    return (int) (producerId % partitionCount);
  }
}
