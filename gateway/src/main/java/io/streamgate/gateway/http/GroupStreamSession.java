package io.streamgate.gateway.http;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.groups.Cursor;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.groups.GroupService.Membership;
import io.streamgate.cluster.groups.GroupService.PartitionRecords;
import io.streamgate.cluster.groups.GroupService.PollResult;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A stream in group mode: one member of a consumer group, fed by a loop of long polls. It carries
 * whatever partitions the group assigns the member, following rebalances (each change is announced
 * to the client), commits what it delivered on request and every {@code autoCommitMs}, and leaves
 * the group when the stream ends. While the client is slow (full write queue) or paused it polls
 * nothing, and heartbeats with empty commits so its session does not run out.
 *
 * <p>Confined to the connection's event loop.
 */
final class GroupStreamSession {
  /** How long one poll of the loop waits for records; well under any session timeout. */
  static final long POLL_WAIT_MS = 10_000;
  private static final int POLL_MAX_RECORDS = 500;
  private static final int POLL_MAX_BYTES = 1024 * 1024;

  /** Where the session writes: records, and the member's assignment whenever it changes. */
  interface Sink extends StreamSink {
    void assignment(Membership membership);
  }

  private final GroupService groups;
  private final PartitionService partitions;
  private final Context context;
  private final String group;
  private final Membership joined;
  private final long sessionTimeoutMs;
  private final long autoCommitMs;
  private final Sink sink;
  private final GatewayMetrics metrics;
  private final RecordDecoding decoding;
  private Optional<String> cursor;
  private String lastCursor = "";
  private int generation = -1;
  private List<TopicPartition> assignment = List.of();
  private boolean polling;
  private boolean pausedByClient;
  private boolean closed;
  private long autoCommitTimer = -1;
  private long heartbeatTimer = -1;

  GroupStreamSession(GroupService groups, PartitionService partitions, Context context, String group, Membership joined,
      long sessionTimeoutMs, long autoCommitMs, Optional<String> resumeCursor, Sink sink, GatewayMetrics metrics,
      RecordDecoding decoding) {
    this.groups = groups;
    this.partitions = partitions;
    this.context = context;
    this.group = group;
    this.joined = joined;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.autoCommitMs = autoCommitMs;
    this.cursor = resumeCursor;
    this.sink = sink;
    this.metrics = metrics;
    this.decoding = decoding;
  }

  void start() {
    sink.drainHandler(this::pollIfReady);
    if (autoCommitMs > 0) {
      autoCommitTimer = context.owner().setPeriodic(autoCommitMs, id -> commit(membership -> {}));
    }
    heartbeatTimer = context.owner().setPeriodic(Math.max(500, sessionTimeoutMs / 3), id -> {
      if (!polling && !closed) {
        heartbeat();
      }
    });
    pollIfReady();
  }

  /** The stream's position: the last poll's cursor (the SSE event id; a reconnect presents it as Last-Event-ID). */
  String position() {
    return lastCursor;
  }

  void pause() {
    pausedByClient = true;
  }

  void resume() {
    pausedByClient = false;
    pollIfReady();
  }

  /** Commits what the stream has delivered; {@code done} hears the membership (or nothing if it failed: the sink is told). */
  void commit(Consumer<Membership> done) {
    if (closed) {
      return;
    }
    Future.fromCompletionStage(groups.commit(group, joined.memberId(), Optional.empty(), Optional.empty(), OptionalInt.empty()), context)
        .onSuccess(done::accept)
        .onFailure(this::end);
  }

  /** Ends the stream: commits what was delivered if auto-commit is on, then leaves the group. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    context.owner().cancelTimer(autoCommitTimer);
    context.owner().cancelTimer(heartbeatTimer);
    CompletableFuture<?> last = autoCommitMs > 0
        ? groups.commit(group, joined.memberId(), Optional.empty(), Optional.empty(), OptionalInt.empty())
        : CompletableFuture.completedFuture(null);
    last.handle((done, failure) -> groups.leave(group, joined.memberId()));
  }

  private void heartbeat() {
    // An empty commit writes nothing and keeps the session alive.
    Future
        .fromCompletionStage(groups.commit(group, joined.memberId(), Optional.of(List.of()), Optional.empty(), OptionalInt.empty()),
            context)
        .onSuccess(this::announceIfChanged)
        .onFailure(this::end);
  }

  private void pollIfReady() {
    if (closed || polling || pausedByClient || sink.writeQueueFull()) {
      return;
    }
    polling = true;
    Optional<String> from = cursor;
    cursor = Optional.empty();
    // The next poll starts only once this answer is delivered: records go out in order.
    Future.fromCompletionStage(groups.poll(group, joined.memberId(), POLL_MAX_RECORDS, POLL_MAX_BYTES, POLL_WAIT_MS, from), context)
        .compose(result -> decoding.decode(GroupsHandler.batches(result), () -> render(result))
            .map(records -> new RenderedAnswer(result, records)))
        .onComplete(answer -> {
          polling = false;
          if (closed) {
            return;
          }
          if (answer.failed()) {
            end(answer.cause());
            return;
          }
          deliver(answer.result().result(), answer.result().records());
          pollIfReady();
        });
  }

  /** One record of a poll answer, rendered as record JSON. */
  private record RenderedRecord(TopicPartition partition, long offset, String json) {}

  /** A poll answer with its records rendered. */
  private record RenderedAnswer(PollResult result, List<RenderedRecord> records) {}

  /** The records of a poll answer, in order, as record JSON. Decodes the batches: on the decode pool when they are large or compressed. */
  private List<RenderedRecord> render(PollResult result) {
    List<RenderedRecord> rendered = new ArrayList<>();
    for (PartitionRecords part : result.records()) {
      TopicPartition tp = part.partition();
      RecordJsonWriter writer = new RecordJsonWriter(tp.topic(), partitions.cachedTopic(tp.topic())
          .map(t -> TopicConfigs.valueFormat(t.config())).orElse(TopicConfigs.ValueFormat.BINARY));
      long bytes = 0;
      for (RecordBatch batch : RecordBatch.iterate(part.batches().duplicate())) {
        for (Record record : batch.records()) {
          if (record.offset() >= part.fetchOffset() && record.offset() < part.nextOffset()) {
            Buffer out = Buffer.buffer(256);
            writer.write(out, tp.partition(), record);
            bytes += out.length();
            rendered.add(new RenderedRecord(tp, record.offset(), out.toString(StandardCharsets.UTF_8)));
          }
        }
      }
      metrics.recordsOut(tp.topic(), (int) (part.nextOffset() - part.fetchOffset()), bytes);
    }
    return rendered;
  }

  private void deliver(PollResult result, List<RenderedRecord> records) {
    announceIfChanged(result.membership());
    // Each record's position (an SSE id) is the cursor after it: later partitions of this answer
    // still at their fetch offsets, earlier ones past their records.
    Map<TopicPartition, Long> position = new LinkedHashMap<>();
    result.records().forEach(part -> position.put(part.partition(), part.fetchOffset()));
    int answerGeneration = result.membership().generation();
    // The topic incarnations the answer was read in, as its own cursor names them.
    Map<String, TopicId> readIn = Cursor.decode(result.cursor()).topicIds();
    int next = 0;
    for (PartitionRecords part : result.records()) {
      TopicPartition tp = part.partition();
      for (; next < records.size() && records.get(next).partition().equals(tp); next++) {
        position.put(tp, records.get(next).offset() + 1);
        sink.send(records.get(next).json(),
            () -> Cursor.encode(new Cursor.Position(answerGeneration, position, readIn)));
      }
      position.put(tp, part.nextOffset());
    }
    lastCursor = result.cursor();
  }

  private void announceIfChanged(Membership membership) {
    if (membership.generation() != generation || !membership.assignment().equals(assignment)) {
      generation = membership.generation();
      assignment = membership.assignment();
      sink.assignment(membership);
    }
  }

  /** Ends the stream for {@code failure}, which the client is told; nothing if it has ended already. */
  void end(Throwable failure) {
    if (!closed) {
      close();
      sink.fail(failure);
    }
  }
}
