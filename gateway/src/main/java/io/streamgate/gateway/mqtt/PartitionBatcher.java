package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.Acks;
import io.streamgate.cluster.PartitionService;
import io.streamgate.logstore.ProducerIds;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.RecordBatchBuilder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Gathers the records one connection appends within one event-loop task (the PUBLISHes of one
 * network read, typically) into one batch per partition, appended when the task ends: a client with
 * many messages in flight costs one append per read instead of one per message. Order within a
 * partition is kept; a batch waits for the strongest acks any of its records needs. Batches stay
 * under the topic's {@code max.record.bytes}; a record alone over it is the caller's to refuse first.
 *
 * <p>Confined to the connection's event loop.
 */
final class PartitionBatcher {
  /** Bytes a record adds to a batch beyond key, value and headers, near enough (varints, attributes, deltas). */
  static final int RECORD_OVERHEAD = 40;
  /** A batch's header. */
  static final int BATCH_OVERHEAD = 61;

  private final PartitionService service;
  private final Context context;
  private final Map<TopicPartition, Pending> pending = new LinkedHashMap<>();
  private boolean flushScheduled;

  private static final class Pending {
    // An idempotency id of the batch's own (an Idempotency-Key's kind, random), made here and carried by
    // every attempt the partition router makes: a stopping leader may take the batch in the overlap of a
    // leadership move, fail it as no longer led, and the router ask the new leader again, which then
    // answers the copy it already holds instead of writing it twice (docs/replication.md, leases rule 6).
    final RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE)
        .producer(ProducerIds.forIdempotencyKey(ThreadLocalRandom.current().nextLong()), (short) 0, 0);
    final List<Promise<Void>> appended = new ArrayList<>();
    final int maxBytes;
    int bytes = BATCH_OVERHEAD;
    boolean acksAll;

    Pending(int maxBytes) {
      this.maxBytes = maxBytes;
    }
  }

  PartitionBatcher(PartitionService service, Context context) {
    this.service = service;
    this.context = context;
  }

  /** Bytes one record takes in a batch, near enough to keep batches under {@code max.record.bytes}. */
  static int recordBytes(byte[] key, byte[] value, List<Header> headers) {
    int size = RECORD_OVERHEAD + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    for (Header header : headers) {
      size += 10 + header.key().length() * 3 + (header.value() == null ? 0 : header.value().length);
    }
    return size;
  }

  /** Adds a record; completes once its batch is appended with {@code acks} (or stronger). */
  Future<Void> add(TopicPartition partition, int maxBatchBytes, Acks acks, long timestamp, byte[] key, byte[] value,
      List<Header> headers) {
    int size = recordBytes(key, value, headers);
    Pending batch = pending.get(partition);
    if (batch != null && batch.bytes + size > batch.maxBytes) {
      append(partition, pending.remove(partition));
      batch = null;
    }
    if (batch == null) {
      batch = new Pending(maxBatchBytes);
      pending.put(partition, batch);
    }
    batch.builder.append(timestamp, key, value, headers);
    batch.bytes += size;
    batch.acksAll |= acks == Acks.ALL;
    Promise<Void> appended = Promise.promise();
    batch.appended.add(appended);
    if (!flushScheduled) {
      flushScheduled = true;
      // Runs after the task at hand: every PUBLISH of this read is in by then.
      context.runOnContext(v -> flush());
    }
    return appended.future();
  }

  private void flush() {
    flushScheduled = false;
    List<Map.Entry<TopicPartition, Pending>> batches = new ArrayList<>(pending.entrySet());
    pending.clear();
    batches.forEach(entry -> append(entry.getKey(), entry.getValue()));
  }

  private void append(TopicPartition partition, Pending batch) {
    Future.fromCompletionStage(service.append(partition, batch.builder.build(), batch.acksAll ? Acks.ALL : Acks.LEADER), context)
        .onComplete(result -> batch.appended.forEach(promise -> {
          if (result.succeeded()) {
            promise.complete();
          } else {
            promise.fail(result.cause());
          }
        }));
  }
}
