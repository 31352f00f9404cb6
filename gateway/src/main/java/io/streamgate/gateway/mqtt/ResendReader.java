package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.Backoff;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.RetriableClusterException;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads back, for a resumed session, a record it must send again (an unacknowledged QoS 1
 * message). Its saved position is already past that record, so skipping it would lose it: a read
 * that may succeed later (no leader for a moment, a new leader whose high watermark has not reached
 * the record yet) is retried, with a growing delay, until it does or the connection closes, and only
 * a record the log no longer has, removed by retention (below the log start) or with its topic, is
 * given up. Any other failure fails the read. Confined to the connection's context.
 */
final class ResendReader {
  private static final Logger LOG = LoggerFactory.getLogger(ResendReader.class);

  private final PartitionService service;
  private final Context context;
  /** A fresh backoff for each record read back. */
  private final Supplier<Backoff> retries;
  private final BooleanSupplier stopped;

  /** @param stopped whether the connection is gone: retrying stops */
  ResendReader(PartitionService service, Context context, Supplier<Backoff> retries, BooleanSupplier stopped) {
    this.service = service;
    this.context = context;
    this.retries = retries;
    this.stopped = stopped;
  }

  /** The record at {@code offset}; empty when the log no longer has it. */
  Future<Optional<Record>> recordAt(TopicPartition partition, long offset) {
    Promise<Optional<Record>> result = Promise.promise();
    attempt(partition, offset, result, retries.get());
    return result.future();
  }

  private void attempt(TopicPartition partition, long offset, Promise<Optional<Record>> result, Backoff backoff) {
    Future.fromCompletionStage(service.read(partition, offset, 1), context).onComplete(read -> {
      Throwable failure = read.failed() ? Failures.cause(read.cause()) : null;
      if (read.succeeded() && offset < read.result().highWatermark()) {
        result.complete(recordIn(read.result(), offset));
      } else if (read.succeeded() && offset < read.result().logStartOffset()
          || failure instanceof OffsetOutOfRangeException range && offset < range.logStartOffset()
          || failure instanceof TopicNotFoundException || failure instanceof PartitionNotFoundException) {
        result.complete(Optional.empty());
      } else if (failure != null && !(failure instanceof RetriableClusterException) || stopped.getAsBoolean()) {
        result.fail(failure != null ? failure : new IllegalStateException("the connection closed"));
      } else {
        LOG.debug("{} offset {}: not readable yet, retrying: {}", partition, offset, failure == null ? "high watermark behind" : failure);
        backoff.retry(() -> attempt(partition, offset, result, backoff));
      }
    });
  }

  /** The record at exactly {@code offset}: none if the log holds another there (a compacted topic removed it). */
  private static Optional<Record> recordIn(ReadResult read, long offset) {
    List<Record> records = read.records(offset);
    return records.isEmpty() || records.get(0).offset() != offset ? Optional.empty() : Optional.of(records.get(0));
  }
}
