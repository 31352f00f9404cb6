package io.streamgate.logstore;

import io.streamgate.logstore.format.RecordBatch;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one partition knows of each idempotent Kafka producer (Kafka's {@code ProducerStateManager}):
 * per allocated producer id ({@link ProducerIds#isAllocated}), its epoch and its last
 * {@link #BATCHES_PER_PRODUCER} batches. A leader checks every such batch against it before the
 * batch gets offsets ({@link #checkLeaderAppend}); every replica updates it from the batch headers
 * it appends ({@link #update}), so it is the same on every replica and rebuilt from the log.
 *
 * <p>Bounded: at most {@code maxProducers} entries, the least recently written dropped first, and
 * producers idle longer than the expiration (by their batches' timestamps, as Kafka) are dropped by
 * {@link #expire}. A producer the table does not know may continue at any sequence, as in Kafka.
 *
 * <p>Not thread-safe: the log's writer thread owns it (the loader, before the log is published).
 */
final class ProducerStateTable {
  /** Batches remembered per producer: Kafka's, and its producer's max.in.flight.requests limit. */
  static final int BATCHES_PER_PRODUCER = 5;

  /** One batch a producer wrote: its sequences and where it went. */
  record BatchMetadata(int firstSeq, int lastSeq, long baseOffset, long lastOffset, long maxTimestamp) {}

  /** A producer's epoch and last batches, oldest first. Immutable, so a snapshot copies references. */
  record ProducerEntry(short epoch, List<BatchMetadata> batches, long lastTimestamp) {
    int lastSeq() {
      return batches.get(batches.size() - 1).lastSeq();
    }

    long lastOffset() {
      return batches.get(batches.size() - 1).lastOffset();
    }

    Optional<BatchMetadata> find(int firstSeq, int lastSeq) {
      return batches.stream().filter(batch -> batch.firstSeq() == firstSeq && batch.lastSeq() == lastSeq).findFirst();
    }
  }

  private final long expirationMs;
  private final Map<Long, ProducerEntry> producers;

  ProducerStateTable(long expirationMs, int maxProducers) {
    this.expirationMs = expirationMs;
    // Access order: a write moves its producer to the end; past the bound the least recent goes.
    this.producers = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, ProducerEntry> eldest) {
        return size() > maxProducers;
      }
    };
  }

  /**
   * Checks a batch a leader is about to append, before it has offsets. Returns the earlier batch it
   * repeats (the client retried: nothing must be written, the earlier offsets answered), or empty when
   * it may be appended. Throws {@link InvalidProducerEpochException} for an older epoch and {@link
   * OutOfOrderSequenceException} for a sequence that does not continue the producer's last batch.
   */
  Optional<BatchMetadata> checkLeaderAppend(RecordBatch batch) {
    long producerId = batch.producerId();
    if (!ProducerIds.isAllocated(producerId)) {
      return Optional.empty();
    }
    ProducerEntry entry = producers.get(producerId);
    if (entry == null) {
      return Optional.empty();
    }
    short epoch = batch.producerEpoch();
    int firstSeq = batch.baseSequence();
    int lastSeq = lastSequence(batch);
    if (epoch == entry.epoch()) {
      Optional<BatchMetadata> duplicate = entry.find(firstSeq, lastSeq);
      if (duplicate.isPresent()) {
        return duplicate;
      }
      if (!inSequence(entry.lastSeq(), firstSeq)) {
        throw new OutOfOrderSequenceException("producer " + producerId + " epoch " + epoch + " sent sequence " + firstSeq
            + " after " + entry.lastSeq() + "; expected " + nextSequence(entry.lastSeq()));
      }
    } else if (epoch < entry.epoch()) {
      throw new InvalidProducerEpochException("producer " + producerId + " sent epoch " + epoch + ", older than its epoch "
          + entry.epoch());
    } else if (firstSeq != 0) {
      throw new OutOfOrderSequenceException("producer " + producerId + " started epoch " + epoch + " at sequence " + firstSeq
          + "; a new epoch starts at 0");
    }
    return Optional.empty();
  }

  /** Takes in a batch now in the log, with its offsets: as leader after {@link #checkLeaderAppend}, as follower, at replay. */
  void update(RecordBatch batch) {
    long producerId = batch.producerId();
    if (!ProducerIds.isAllocated(producerId) || batch.isControl()) {
      return;
    }
    BatchMetadata added = new BatchMetadata(batch.baseSequence(), lastSequence(batch), batch.baseOffset(), batch.lastOffset(),
        batch.maxTimestamp());
    ProducerEntry entry = producers.get(producerId);
    List<BatchMetadata> batches = new ArrayList<>(BATCHES_PER_PRODUCER);
    if (entry != null && entry.epoch() == batch.producerEpoch()) {
      batches.addAll(entry.batches());
      if (batches.size() == BATCHES_PER_PRODUCER) {
        batches.remove(0);
      }
    }
    batches.add(added);
    long lastTimestamp = Math.max(batch.maxTimestamp(), entry == null ? -1 : entry.lastTimestamp());
    producers.put(producerId, new ProducerEntry(batch.producerEpoch(), List.copyOf(batches), lastTimestamp));
  }

  /** Drops the producers whose last batch is older than the expiration at {@code nowMs}. Returns how many. */
  int expire(long nowMs) {
    int expired = 0;
    for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext();) {
      if (nowMs - it.next().lastTimestamp() >= expirationMs) {
        it.remove();
        expired++;
      }
    }
    return expired;
  }

  /** Drops the producers whose last batch lies wholly below {@code logStartOffset} (Kafka's rule, so a reload agrees). */
  void dropBelow(long logStartOffset) {
    producers.values().removeIf(entry -> entry.lastOffset() < logStartOffset);
  }

  void clear() {
    producers.clear();
  }

  int size() {
    return producers.size();
  }

  /** The producers in recency order, least recent first; the entries are immutable. */
  Map<Long, ProducerEntry> copy() {
    return new LinkedHashMap<>(producers);
  }

  /** Replaces the table's content by {@code loaded}, in its order (least recent first). */
  void restore(Map<Long, ProducerEntry> loaded) {
    producers.clear();
    producers.putAll(loaded);
  }

  Optional<ProducerEntry> get(long producerId) {
    return Optional.ofNullable(producers.get(producerId));
  }

  /** The batch's last sequence: sequences wrap from {@link Integer#MAX_VALUE} to 0, as Kafka's. */
  static int lastSequence(RecordBatch batch) {
    return (int) ((batch.baseSequence() + (long) batch.lastOffsetDelta()) % (1L + Integer.MAX_VALUE));
  }

  private static int nextSequence(int lastSeq) {
    return lastSeq == Integer.MAX_VALUE ? 0 : lastSeq + 1;
  }

  private static boolean inSequence(int lastSeq, int firstSeq) {
    return firstSeq == nextSequence(lastSeq);
  }
}
