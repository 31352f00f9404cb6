package io.streamgate.gateway.http;

import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs.ValueFormat;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Context;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * One client's stream over some partitions of a topic. Per partition it waits (a watch: woken by
 * the log, no polling) until records exist past its position, reads a chunk, sends it record by
 * record, and goes round again. When the sink's bounded write queue fills (or its principal's
 * consume quota is in debt, {@link StreamQuota}), the stream stops, within a chunk too, until it
 * drains: a slow client holds at most one queue's worth plus one chunk per partition of memory and
 * is never dropped silently. The client may also pause and resume it.
 *
 * <p>Confined to the connection's event loop: every callback hops there before touching state.
 */
final class StreamSession {
  private final PartitionService service;
  private final Context context;
  private final String topic;
  private final StreamSink sink;
  private final GatewayMetrics metrics;
  private final StreamReads reads;
  private final ValueFormat format;
  /** The reader's rack, which picks the replica that serves the stream; null: this node's. */
  private final String rack;
  private final Supplier<String> position = this::position;
  private final TreeMap<Integer, Long> positions;
  private final Map<Integer, PartitionState> states = new TreeMap<>();
  private boolean pausedByClient;
  private boolean closed;

  private static final class PartitionState {
    Cancellable watch;
    boolean busy;
    /** A chunk read and not all sent yet (the stream stopped within it), or null. */
    StreamReads.Chunk unsent;
    /** The offset {@link #unsent} was read from. */
    long unsentFrom;
    /** The index of {@link #unsent}'s next record to send. */
    int nextRecord;
  }

  StreamSession(PartitionService service, StreamReads reads, Context context, String topic, ValueFormat format, String rack,
      Map<Integer, Long> startPositions, StreamSink sink, GatewayMetrics metrics) {
    this.service = service;
    this.reads = reads;
    this.context = context;
    this.topic = topic;
    this.format = format;
    this.rack = rack;
    this.sink = sink;
    this.metrics = metrics;
    this.positions = new TreeMap<>(startPositions);
    positions.keySet().forEach(p -> states.put(p, new PartitionState()));
  }

  void start() {
    sink.drainHandler(this::pumpAll);
    pumpAll();
  }

  void pause() {
    pausedByClient = true;
  }

  void resume() {
    pausedByClient = false;
    pumpAll();
  }

  /** Stops everything; safe to call more than once. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    states.values().forEach(state -> {
      if (state.watch != null) {
        state.watch.cancel();
      }
    });
  }

  /** Ends the stream for {@code failure}, which the client is told; nothing if it has ended already. */
  void end(Throwable failure) {
    if (!closed) {
      close();
      sink.fail(failure);
    }
  }

  /** The stream's position, {@code P:O,P:O}: for each partition the next offset to send. */
  String position() {
    StringBuilder text = new StringBuilder();
    positions.forEach((partition, offset) -> text.append(text.length() == 0 ? "" : ",").append(partition).append(':').append(offset));
    return text.toString();
  }

  private boolean halted() {
    return closed || pausedByClient || sink.writeQueueFull();
  }

  private void pumpAll() {
    positions.keySet().forEach(this::pump);
  }

  /** Sends what is left of the partition's chunk; then waits for data past its position, and reads and sends it. */
  private void pump(int partition) {
    PartitionState state = states.get(partition);
    if (halted() || state.busy) {
      return;
    }
    if (state.unsent != null && !sendUnsent(partition, state)) {
      return;
    }
    state.busy = true;
    long offset = positions.get(partition);
    TopicPartition tp = new TopicPartition(topic, partition);
    state.watch = service.watch(tp, offset, rack, () -> context.runOnContext(v -> read(tp, state)));
  }

  private void read(TopicPartition tp, PartitionState state) {
    state.watch = null;
    if (closed) {
      return;
    }
    if (halted()) {
      // Paused (by the client or a full queue) since the watch was set: read nothing now;
      // resume() or the drain handler pumps again.
      state.busy = false;
      return;
    }
    long offset = positions.get(tp.partition());
    reads.read(tp, offset, format, rack, context).onComplete(result -> {
      state.busy = false;
      if (closed) {
        return;
      }
      if (result.failed()) {
        end(result.cause());
        return;
      }
      state.unsent = result.result();
      state.unsentFrom = offset;
      state.nextRecord = 0;
      pump(tp.partition());
    });
  }

  /** Sends the partition's unsent records until the stream halts; answers whether all went. */
  private boolean sendUnsent(int partition, PartitionState state) {
    StreamReads.Chunk chunk = state.unsent;
    for (; state.nextRecord < chunk.size(); state.nextRecord++) {
      if (halted()) {
        return false;
      }
      positions.put(partition, chunk.offsets()[state.nextRecord] + 1);
      sink.send(chunk.json()[state.nextRecord], position);
    }
    // Offsets that compaction left empty at the end of a batch are skipped too.
    positions.put(partition, Math.max(positions.get(partition), Math.max(state.unsentFrom, chunk.nextOffset())));
    metrics.recordsOut(topic, chunk.size(), chunk.bytes());
    state.unsent = null;
    return true;
  }
}
