package io.streamgate.gateway.http;

import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionOffsets;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /v1/topics/{topic}/partitions/{p}/records} and {@code .../offsets}: reads by offset,
 * {@code earliest}, {@code latest} or timestamp, bounded by {@code maxRecords} and {@code maxBytes};
 * with {@code timeoutMs}, a read that finds nothing waits for the partition's high watermark to
 * pass its offset (a watch, woken by the log — no polling), and answers empty at the deadline.
 */
final class ConsumeHandler {
  static final String JSON = "application/json";
  static final String NDJSON = "application/x-ndjson";
  static final int DEFAULT_MAX_RECORDS = 500;
  static final int DEFAULT_MAX_BYTES = 1024 * 1024;
  /** The first read of a fetch; the next ones are sized by what the answer still takes. */
  private static final long FIRST_READ_BYTES = 1024 * 1024;
  private static final long MIN_READ_BYTES = 16 * 1024;
  private static final byte[] RECORDS_START = JsonBytes.ascii("{\"records\":[");
  private static final byte[] COMMA = JsonBytes.ascii(",");
  private static final byte[] NEWLINE = JsonBytes.ascii("\n");
  private static final byte[] NEXT_OFFSET = JsonBytes.ascii("],\"nextOffset\":");
  private static final byte[] HIGH_WATERMARK = JsonBytes.ascii(",\"highWatermark\":");
  private static final byte[] OBJECT_END = JsonBytes.ascii("}");

  private final PartitionService service;
  private final GatewayConfig.Limits limits;
  private final GatewayMetrics metrics;
  private final AtomicInteger waiting;
  private final RecordDecoding decoding;

  ConsumeHandler(PartitionService service, GatewayConfig.Limits limits, GatewayMetrics metrics, AtomicInteger waitingLongPolls,
      RecordDecoding decoding) {
    this.service = service;
    this.decoding = decoding;
    this.limits = limits;
    this.metrics = metrics;
    this.waiting = waitingLongPolls;
  }

  /** One fetch's parameters, validated; {@code rack} the reader's (null: this node's), which picks the replica that serves it. */
  private record Fetch(TopicPartition partition, TopicMetadata topic, int maxRecords, int maxBytes, long timeoutMs, boolean ndjson,
      String rack) {}

  void handle(RoutingContext ctx) {
    TopicPartition tp = partition(ctx);
    TopicMetadata topic = topicOf(tp);
    int maxRecords = QueryParams.intIn(ctx.request(), "maxRecords", DEFAULT_MAX_RECORDS, 1, limits.maxRecordsPerFetch());
    int maxBytes = QueryParams.intIn(ctx.request(), "maxBytes", DEFAULT_MAX_BYTES, 1, limits.maxFetchBytes());
    long timeoutMs = QueryParams.longIn(ctx.request(), "timeoutMs", 0, 0, limits.maxWaitMs());
    // The route produces both; the router picked the one the Accept header prefers (JSON without one).
    boolean ndjson = NDJSON.equals(ctx.getAcceptableContentType());
    Fetch fetch = new Fetch(tp, topic, maxRecords, maxBytes, timeoutMs, ndjson, QueryParams.rack(ctx.request()));
    Context context = ctx.vertx().getOrCreateContext();
    long started = System.nanoTime();
    startOffset(ctx, tp, context)
        .compose(offset -> fetch(fetch, offset, context, ctx, System.currentTimeMillis() + timeoutMs))
        .onSuccess(body -> {
          metrics.fetchLatency(System.nanoTime() - started);
          ctx.response().putHeader("Content-Type", ndjson ? NDJSON : JSON).end(body);
        })
        .onFailure(ctx::fail);
  }

  /** {@code GET .../offsets?timestamp=T}. */
  void handleOffsets(RoutingContext ctx) {
    TopicPartition tp = partition(ctx);
    topicOf(tp);
    String timestampText = QueryParams.single(ctx.request(), "timestamp");
    OptionalLong timestamp = timestampText == null ? OptionalLong.empty()
        : OptionalLong.of(QueryParams.parseLongIn(timestampText, "timestamp", 0, Long.MAX_VALUE));
    Future.fromCompletionStage(service.offsets(tp, timestamp), ctx.vertx().getOrCreateContext())
        .onSuccess(offsets -> {
          StringBuilder json =
              new StringBuilder("{\"earliest\":").append(offsets.earliest()).append(",\"latest\":").append(offsets.latest());
          offsets.forTimestamp()
              .ifPresent(hit -> json.append(",\"offset\":").append(hit.offset()).append(",\"timestamp\":").append(hit.timestamp()));
          ctx.response().putHeader("Content-Type", "application/json").end(json.append('}').toString());
        })
        .onFailure(ctx::fail);
  }

  private Future<Long> startOffset(RoutingContext ctx, TopicPartition tp, Context context) {
    String offsetText = QueryParams.single(ctx.request(), "offset");
    String timestampText = QueryParams.single(ctx.request(), "timestamp");
    if (offsetText != null && timestampText != null) {
      throw ApiException.badRequest("give offset or timestamp, not both");
    }
    if (timestampText != null) {
      long timestamp = QueryParams.parseLongIn(timestampText, "timestamp", 0, Long.MAX_VALUE);
      return offsets(tp, OptionalLong.of(timestamp), context)
          .map(offsets -> offsets.forTimestamp().map(hit -> hit.offset()).orElse(offsets.latest()));
    }
    if (offsetText == null || offsetText.equals("earliest")) {
      return offsets(tp, OptionalLong.empty(), context).map(PartitionOffsets::earliest);
    }
    if (offsetText.equals("latest")) {
      return offsets(tp, OptionalLong.empty(), context).map(PartitionOffsets::latest);
    }
    return Future.succeededFuture(QueryParams.parseLongIn(offsetText, "offset", 0, Long.MAX_VALUE));
  }

  private Future<PartitionOffsets> offsets(TopicPartition tp, OptionalLong timestamp, Context context) {
    return Future.fromCompletionStage(service.offsets(tp, timestamp), context);
  }

  /**
   * Reads from {@code offset}; if nothing is there yet and the deadline allows, waits for data and
   * reads again. The read itself checks the offset against the log (one trip to the reader threads,
   * not two); an offset past the log's end asks for the high watermark and is answered as one at it.
   */
  private Future<Buffer> fetch(Fetch fetch, long offset, Context context, RoutingContext ctx, long deadlineMs) {
    return read(fetch, offset, FIRST_READ_BYTES, context)
        .compose(read -> read.isEmpty() ? nothingYet(fetch, offset, read.highWatermark(), context, ctx, deadlineMs)
            : fill(fetch, new RecordsPage(fetch, offset), read, context))
        .recover(failure -> Failures.cause(failure) instanceof OffsetOutOfRangeException outside && offset > outside.logEndOffset()
            ? offsets(fetch.partition, OptionalLong.empty(), context)
                .compose(range -> nothingYet(fetch, offset, range.latest(), context, ctx, deadlineMs))
            : Future.failedFuture(failure));
  }

  private Future<ReadResult> read(Fetch fetch, long offset, long bytes, Context context) {
    int chunk = (int) Math.max(1, Math.min(bytes, fetch.maxBytes));
    return Future.fromCompletionStage(service.read(fetch.partition, offset, chunk, fetch.rack), context);
  }

  /**
   * Renders {@code read} into {@code page}, then reads on while the page has room and committed
   * records remain: a read is sized by what the page still takes (by the stored bytes per record so
   * far), not by {@code maxBytes}, so that a fetch of 10,000 small records does not copy megabytes it
   * never renders. A later read that fails answers what the page holds.
   */
  private Future<Buffer> fill(Fetch fetch, RecordsPage page, ReadResult read, Context context) {
    return decoding.decode(read, page::add).compose(full -> {
      if (full || page.next() >= read.highWatermark()) {
        return Future.succeededFuture(page.finish(read.highWatermark()));
      }
      return read(fetch, page.next(), page.bytesToRead(), context)
          .compose(more -> more.isEmpty() ? Future.succeededFuture(page.finish(more.highWatermark())) : fill(fetch, page, more, context))
          .otherwise(failure -> page.finish(read.highWatermark()));
    });
  }

  /** Nothing to read at {@code offset} yet: waits for data until the deadline, then reads again, or answers empty. */
  private Future<Buffer> nothingYet(Fetch fetch, long offset, long highWatermark, Context context, RoutingContext ctx,
      long deadlineMs) {
    long remaining = deadlineMs - System.currentTimeMillis();
    if (remaining <= 0 || ctx.response().closed()) {
      return Future.succeededFuture(new RecordsPage(fetch, offset).finish(highWatermark));
    }
    return waitForData(fetch, offset, remaining, context, ctx)
        .compose(woken -> fetch(fetch, offset, context, ctx, woken ? deadlineMs : System.currentTimeMillis()));
  }

  /**
   * Completes with true when data may be there, false at the deadline or when the client goes away
   * (so that a gone client holds no watch and no place under the long-poll limit). Counts against
   * the long-poll limit.
   */
  private Future<Boolean> waitForData(Fetch fetch, long offset, long timeoutMs, Context context, RoutingContext ctx) {
    if (waiting.incrementAndGet() > limits.maxLongPolls()) {
      waiting.decrementAndGet();
      return Future.failedFuture(new ApiException(StreamgateError.OVERLOADED,
          "this node already holds " + limits.maxLongPolls() + " waiting long-polls"));
    }
    io.vertx.core.Promise<Boolean> woken = io.vertx.core.Promise.promise();
    long timer = context.owner().setTimer(timeoutMs, id -> woken.tryComplete(false));
    Cancellable watch = service.watch(fetch.partition, offset, fetch.rack, () -> context.runOnContext(v -> woken.tryComplete(true)));
    ctx.response().closeHandler(v -> woken.tryComplete(false));
    return woken.future().andThen(done -> {
      waiting.decrementAndGet();
      context.owner().cancelTimer(timer);
      watch.cancel();
    });
  }

  /**
   * One answer's records, rendered as they are read: from {@code offset}, at most {@code maxRecords}
   * and about {@code maxBytes} of JSON. Filled on one thread at a time (the event loop or a decode
   * thread, handed over through futures).
   */
  private final class RecordsPage {
    private final Fetch fetch;
    private final RecordJsonWriter writer;
    private final JsonBytes out = new JsonBytes(64 * 1024);
    private long next;
    private int count;
    private int bytes;
    private long storedBytes;

    RecordsPage(Fetch fetch, long offset) {
      this.fetch = fetch;
      this.next = offset;
      this.writer = new RecordJsonWriter(fetch.partition.topic(), TopicConfigs.valueFormat(fetch.topic.config()));
      if (!fetch.ndjson) {
        out.raw(RECORDS_START);
      }
    }

    /** Renders the records of {@code read} at or after the page's next offset; true once the page is full. */
    boolean add(ReadResult read) {
      storedBytes += read.batches().remaining();
      for (var batch : read.batchList()) {
        for (Record record : batch.records()) {
          if (record.offset() < next) {
            continue;
          }
          int before = out.length();
          if (!fetch.ndjson && count > 0) {
            out.raw(COMMA);
          }
          writer.write(out, fetch.partition.partition(), record);
          if (fetch.ndjson) {
            out.raw(NEWLINE);
          }
          count++;
          bytes += out.length() - before;
          next = record.offset() + 1;
          if (count >= fetch.maxRecords || bytes >= fetch.maxBytes) {
            return true;
          }
        }
        next = Math.max(next, batch.nextOffset());
      }
      return false;
    }

    long next() {
      return next;
    }

    /** What to read next: the stored bytes the records still wanted took so far, per record, with room to spare. */
    long bytesToRead() {
      long perRecord = count == 0 ? 1024 : Math.max(1, storedBytes / count);
      return Math.max(MIN_READ_BYTES, perRecord * (fetch.maxRecords - count) * 5 / 4);
    }

    Buffer finish(long highWatermark) {
      metrics.recordsOut(fetch.partition.topic(), count, bytes);
      if (!fetch.ndjson) {
        out.raw(NEXT_OFFSET).number(next).raw(HIGH_WATERMARK).number(highWatermark).raw(OBJECT_END);
      }
      return out.toBuffer();
    }
  }

  /** The path's topic and partition, validated (a missing one is the service's to find). */
  static TopicPartition partition(RoutingContext ctx) {
    String topic = QueryParams.topic(ctx);
    int partition = (int) QueryParams.parseLongIn(ctx.pathParam("partition"), "partition", 0, Integer.MAX_VALUE);
    return new TopicPartition(topic, partition);
  }

  private TopicMetadata topicOf(TopicPartition tp) {
    TopicMetadata topic = service.cachedTopic(tp.topic())
        .orElseThrow(() -> new TopicNotFoundException("topic '" + tp.topic() + "' does not exist"));
    if (tp.partition() >= topic.partitions()) {
      throw new PartitionNotFoundException("topic '" + tp.topic() + "' has no partition " + tp.partition()
          + " (it has " + topic.partitions() + ")");
    }
    return topic;
  }

  static boolean accepts(RoutingContext ctx, String mediaType) {
    String accept = ctx.request().getHeader("Accept");
    return accept != null && accept.contains(mediaType);
  }
}
