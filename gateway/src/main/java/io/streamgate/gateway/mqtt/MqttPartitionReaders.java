package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.Backoff;
import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's partition readers, one per partition its subscriptions reach. A reader waits on
 * its log (a watch, no polling), reads a chunk, has it decoded ({@link RecordDecoding}: on the
 * event loop if small and uncompressed, else on the decode pool; one chunk at a time per reader, so
 * its records stay in order) and queues the messages a subscription wants, ready for the
 * connection to send. It reads again only once those are sent and the connection can send more, so
 * a slow subscriber holds at most one chunk per partition. A read that fails is retried with a
 * growing delay; records retention removed first are skipped; a deleted topic's readers stop.
 *
 * <p>Confined to the connection's event loop.
 */
final class MqttPartitionReaders {
  private static final Logger LOG = LoggerFactory.getLogger(MqttPartitionReaders.class);
  /** Bytes of log read from a partition at a time. */
  static final int CHUNK_BYTES = 64 * 1024;

  private final PartitionService service;
  private final MqttLogTopics topics;
  private final Context context;
  private final RecordDecoding decoding;
  private final String clientId;
  /** The message a decoded record makes for the connection's subscriptions, or null if none wants it. */
  private final BiFunction<TopicPartition, MqttMessages.Decoded, MqttOutgoing> toMessage;
  private final BooleanSupplier canSend;
  private final Runnable pump;
  /** Told when a position moved: the session has something new to save. */
  private final Runnable moved;
  private final Map<TopicPartition, Reader> readers = new LinkedHashMap<>();
  private boolean closed;

  /** One partition's reader: its messages ready to send, and the offset it reads next. */
  static final class Reader {
    final TopicPartition partition;
    final ArrayDeque<MqttOutgoing> ready = new ArrayDeque<>();
    long position;
    Cancellable watch;
    /** Waiting, reading, decoding or retrying: the next read is under way. */
    boolean busy;
    boolean stopped;
    final Backoff retries;

    Reader(TopicPartition partition, long position, Backoff retries) {
      this.partition = partition;
      this.position = position;
      this.retries = retries;
    }

    /** The next message ready to send, or null. */
    MqttOutgoing poll() {
      return ready.poll();
    }
  }

  MqttPartitionReaders(PartitionService service, MqttLogTopics topics, Context context, RecordDecoding decoding, String clientId,
      BiFunction<TopicPartition, MqttMessages.Decoded, MqttOutgoing> toMessage, BooleanSupplier canSend, Runnable pump,
      Runnable moved) {
    this.service = service;
    this.topics = topics;
    this.context = context;
    this.decoding = decoding;
    this.clientId = clientId;
    this.toMessage = toMessage;
    this.canSend = canSend;
    this.pump = pump;
    this.moved = moved;
  }

  /**
   * Readers for every partition of the topic not read yet, each starting at its saved position, or
   * else at the partition's start if it came into being after the subscription, else at its end.
   */
  Future<Void> cover(String topic, Map<TopicPartition, Long> savedPositions, boolean newSinceSubscribing) {
    return topics.resolve(topic, context).compose(metadata -> {
      List<Future<Void>> started = new ArrayList<>();
      for (int p = 0; p < metadata.partitions(); p++) {
        TopicPartition partition = new TopicPartition(topic, p);
        if (readers.containsKey(partition)) {
          continue;
        }
        Long saved = savedPositions.get(partition);
        if (saved != null) {
          readers.put(partition, new Reader(partition, saved, MqttRetry.on(context)));
          continue;
        }
        started.add(Future.fromCompletionStage(service.offsets(partition, OptionalLong.empty()), context).map(offsets -> {
          if (!closed && !readers.containsKey(partition)) {
            readers.put(partition, new Reader(partition, newSinceSubscribing ? offsets.earliest() : offsets.latest(),
                MqttRetry.on(context)));
          }
          return null;
        }));
      }
      return Future.all(started).mapEmpty();
    });
  }

  /** Stops the readers of every log topic not in {@code used}. */
  void keepOnly(Set<String> used) {
    readers.values().removeIf(reader -> {
      if (used.contains(reader.partition.topic())) {
        return false;
      }
      stop(reader);
      return true;
    });
  }

  /** The readers, in the order they started; the connection takes their ready messages in turn. */
  Collection<Reader> all() {
    return readers.values();
  }

  /** Starts the next read of every reader that has nothing ready and none under way. */
  void readIdle() {
    for (Reader reader : readers.values()) {
      if (reader.ready.isEmpty() && !reader.busy) {
        waitForRecords(reader);
      }
    }
  }

  /** Each partition's first record not yet sent. */
  Map<TopicPartition, Long> positions() {
    Map<TopicPartition, Long> positions = new HashMap<>();
    readers.values().forEach(r -> positions.put(r.partition, r.ready.isEmpty() ? r.position : r.ready.peek().offset()));
    return positions;
  }

  void close() {
    closed = true;
    readers.values().forEach(MqttPartitionReaders::stop);
    readers.clear();
  }

  private static void stop(Reader reader) {
    reader.stopped = true;
    if (reader.watch != null) {
      reader.watch.cancel();
      reader.watch = null;
    }
  }

  private void waitForRecords(Reader reader) {
    reader.busy = true;
    reader.watch = service.watch(reader.partition, reader.position, () -> context.runOnContext(v -> read(reader)));
  }

  private void read(Reader reader) {
    reader.watch = null;
    if (reader.stopped) {
      return;
    }
    if (!canSend.getAsBoolean()) {
      // Backpressure began while the watch waited: the drain handler or a PUBACK pumps again.
      reader.busy = false;
      return;
    }
    long from = reader.position;
    Future.fromCompletionStage(service.read(reader.partition, from, CHUNK_BYTES), context)
        .compose(result -> decoding.decode(result, read -> MqttMessages.decode(read, from)))
        .onComplete(decoded -> {
          if (reader.stopped) {
            return;
          }
          if (decoded.succeeded()) {
            reader.busy = false;
            reader.retries.reset();
            collect(reader, decoded.result());
            pump.run();
          } else {
            readFailed(reader, Failures.cause(decoded.cause()));
          }
        });
  }

  /** Queues the chunk's records that some subscription wants, and moves the reader past the chunk. */
  private void collect(Reader reader, MqttMessages.Chunk chunk) {
    for (MqttMessages.Decoded record : chunk.records()) {
      MqttOutgoing message = toMessage.apply(reader.partition, record);
      if (message != null) {
        reader.ready.add(message);
      }
    }
    if (chunk.nextOffset() > reader.position) {
      reader.position = chunk.nextOffset();
      moved.run();
    }
  }

  private void readFailed(Reader reader, Throwable failure) {
    if (failure instanceof TopicNotFoundException || failure instanceof PartitionNotFoundException) {
      // The topic was deleted: nothing more will come from it.
      stop(reader);
      readers.remove(reader.partition);
      return;
    }
    if (failure instanceof OffsetOutOfRangeException) {
      // Retention removed records before this subscriber got them: go on from the oldest kept.
      Future.fromCompletionStage(service.offsets(reader.partition, OptionalLong.empty()), context).onComplete(offsets -> {
        if (offsets.succeeded()) {
          reader.position = Math.max(reader.position, offsets.result().earliest());
        }
        retryLater(reader);
      });
      return;
    }
    LOG.debug("mqtt client {}: reading {} failed, retrying: {}", clientId, reader.partition, failure.toString());
    retryLater(reader);
  }

  private void retryLater(Reader reader) {
    reader.retries.retry(() -> {
      reader.busy = false;
      if (!reader.stopped) {
        pump.run();
      }
    });
  }
}
