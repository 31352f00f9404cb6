package io.streamgate.gateway.http;

import io.streamgate.cluster.Acks;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.IdempotencyKeyReusedException;
import io.streamgate.cluster.Murmur2Partitioner;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TimestampBounds;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicExistsException;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNames;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.TopicSpec;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.BatchLayout;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/topics/{topic}/records}: parse and validate the whole body, group the records
 * by partition into batches (split under the topic's {@code max.record.bytes}), append them, and
 * answer every record's offset in the order sent. Nothing is appended unless the whole request is
 * valid. With {@code acks=0} the answer (202) goes out before the append. With an {@code
 * Idempotency-Key}, a retry of the same body is answered the first attempt's offsets; another body
 * under the same key is a 422 (each partition's leader compares the batches' records).
 */
final class ProduceHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ProduceHandler.class);

  private final PartitionService service;
  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final Murmur2Partitioner partitioner = new Murmur2Partitioner();

  ProduceHandler(PartitionService service, GatewayConfig config, GatewayMetrics metrics) {
    this.service = service;
    this.config = config;
    this.metrics = metrics;
  }

  void handle(RoutingContext ctx) {
    String topic = QueryParams.topic(ctx);
    TopicNames.refuseInternal(topic, "write to");
    String mediaType = mediaType(ctx.request().getHeader("Content-Type"));
    Acks acks = acks(QueryParams.single(ctx.request(), "acks"));
    String idempotencyKey = ctx.request().getHeader("Idempotency-Key");
    long started = System.nanoTime();
    produce(ctx, topic, mediaType, acks, idempotencyKey == null ? null : IdempotencyId.of(topic, idempotencyKey)).onComplete(result -> {
      if (result.failed()) {
        if (Failures.cause(result.cause()) instanceof IdempotencyKeyReusedException) {
          LOG.warn("{} reused Idempotency-Key '{}' on topic {} with another body; refused, nothing written",
              ctx.request().remoteAddress(), idempotencyKey, topic);
        }
        ctx.fail(result.cause());
        return;
      }
      metrics.produceLatency(System.nanoTime() - started);
      if (acks == Acks.NONE) {
        ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(result.result());
      } else {
        ctx.response().putHeader("Content-Type", "application/json").end(result.result());
      }
    });
  }

  private Future<Buffer> produce(RoutingContext ctx, String topic, String mediaType, Acks acks, IdempotencyId idempotency) {
    Context context = ctx.vertx().getOrCreateContext();
    return topicFor(ctx, topic, context).compose(metadata -> {
      List<ProduceRecord> records = parse(ctx, mediaType, metadata);
      int[] partitions = assignPartitions(records, metadata.partitions(), idempotency);
      Map<Integer, List<Integer>> indexesByPartition = new LinkedHashMap<>();
      for (int i = 0; i < records.size(); i++) {
        indexesByPartition.computeIfAbsent(partitions[i], p -> new ArrayList<>()).add(i);
      }
      int maxBatchBytes = TopicConfigs.maxRecordBytes(metadata.config());
      List<PendingBatch> batches = new ArrayList<>();
      indexesByPartition
          .forEach((partition, indexes) -> batches.addAll(batches(topic, partition, records, indexes, maxBatchBytes, idempotency)));
      // The leader checks each batch too (for every protocol); checked here first, a request
      // spread over several partitions is refused whole rather than written in part.
      TimestampBounds bounds = TopicConfigs.timestampBounds(metadata.config());
      long now = System.currentTimeMillis();
      batches.forEach(batch -> bounds.check(batch.batch, now));
      metrics.recordsIn(topic, records.size(), ctx.body().length());
      List<CompletableFuture<AppendResult>> sent = new ArrayList<>();
      List<Future<AppendResult>> appends = new ArrayList<>();
      for (PendingBatch batch : batches) {
        CompletableFuture<AppendResult> append = service.append(batch.partition, batch.batch, acks);
        sent.add(append);
        appends.add(Future.fromCompletionStage(append, context));
      }
      // A client that goes away before its answer may send the records again: a write held while
      // its partition is between leaders is then not made later (an attempt under way still is).
      ctx.response().closeHandler(closed -> sent.forEach(append -> append.cancel(false)));
      if (acks == Acks.NONE) {
        return Future.succeededFuture(Buffer.buffer("{\"topic\":" + RecordJsonWriter.quote(topic) + "}"));
      }
      return Future.all(appends).map(done -> {
        long[] offsets = new long[records.size()];
        for (int b = 0; b < batches.size(); b++) {
          long base = appends.get(b).result().baseOffset();
          List<Integer> indexes = batches.get(b).recordIndexes;
          for (int i = 0; i < indexes.size(); i++) {
            offsets[indexes.get(i)] = base + i;
          }
        }
        Buffer out = Buffer.buffer(32 + records.size() * 32);
        out.appendString("{\"topic\":").appendString(RecordJsonWriter.quote(topic)).appendString(",\"offsets\":[");
        for (int i = 0; i < records.size(); i++) {
          out.appendString(i == 0 ? "" : ",").appendString("{\"partition\":").appendString(Integer.toString(partitions[i]))
              .appendString(",\"offset\":").appendString(Long.toString(offsets[i])).appendString("}");
        }
        return out.appendString("]}");
      });
    });
  }

  /**
   * The topic's metadata, creating the topic with the node's defaults if allowed and missing: allowed
   * by the node ({@code auto-create-topics}) and to the caller (CREATE, Kafka's rule for auto-creation).
   */
  private Future<TopicMetadata> topicFor(RoutingContext ctx, String topic, Context context) {
    TopicMetadata known = service.cachedTopic(topic).orElse(null);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    if (!config.autoCreateTopics() || !Caller.of(ctx).mayCreateTopic(topic)) {
      return Future.failedFuture(new TopicNotFoundException("topic '" + topic + "' does not exist"));
    }
    TopicSpec spec = new TopicSpec(topic, config.defaultPartitions(), 1, Map.of());
    return Future.fromCompletionStage(service.createTopic(spec), context)
        .recover(e -> e instanceof TopicExistsException || e.getCause() instanceof TopicExistsException
            ? Future.succeededFuture() : Future.failedFuture(e))
        .compose(created -> service.cachedTopic(topic).map(Future::succeededFuture)
            .orElseGet(() -> Future.failedFuture(new TopicNotFoundException("topic '" + topic + "' does not exist"))));
  }

  /**
   * The body's media type, lower case, without parameters ({@code application/octet-stream} when
   * absent). A Content-Type that is not {@code type/subtype}, or a JSON or NDJSON body declared in a
   * charset other than UTF-8, is a 415: those bodies are read as UTF-8 and nothing else.
   */
  static String mediaType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return "application/octet-stream";
    }
    // -1: ";" alone is two empty parts, not none.
    String[] parts = contentType.split(";", -1);
    String mediaType = parts[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (!mediaType.matches("[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")) {
      throw new ApiException(StreamgateError.UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + contentType + "' is not a media type");
    }
    if (mediaType.equals("application/json") || mediaType.equals("application/x-ndjson")) {
      for (int i = 1; i < parts.length; i++) {
        String[] param = parts[i].trim().split("=", 2);
        if (param[0].trim().equalsIgnoreCase("charset") && param.length == 2
            && !param[1].trim().replace("\"", "").equalsIgnoreCase("utf-8")) {
          throw new ApiException(StreamgateError.UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + contentType
              + "' is not supported: " + mediaType + " bodies are UTF-8");
        }
      }
    }
    return mediaType;
  }

  private List<ProduceRecord> parse(RoutingContext ctx, String mediaType, TopicMetadata metadata) {
    ProduceParser parser = new ProduceParser(TopicConfigs.valueFormat(metadata.config()),
        config.limits().maxRecordsPerRequest(), config.limits().maxHeadersPerRecord(), System.currentTimeMillis());
    byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    byte[] key = QueryParams.utf8(ctx.request(), "key");
    int partition = QueryParams.intIn(ctx.request(), "partition", -1, 0, Integer.MAX_VALUE);
    switch (mediaType) {
      case "application/json":
        if (key != null || partition >= 0) {
          throw ApiException.badRequest("key and partition go inside each record of a JSON envelope, not in the query");
        }
        return parser.parseEnvelope(body);
      case "application/x-ndjson":
        return parser.parseNdjson(body, key, partition);
      default:
        return List.of(parser.parseRaw(body, key, partition));
    }
  }

  /**
   * Each record's partition: the one it names, else its key's murmur2 hash, else one sticky choice
   * for the request. A request with an idempotency id sticks to a partition derived from that id,
   * so that its retry, on any node, lands where the first attempt did.
   */
  private int[] assignPartitions(List<ProduceRecord> records, int partitionCount, IdempotencyId idempotency) {
    int[] partitions = new int[records.size()];
    int sticky = -1;
    for (int i = 0; i < records.size(); i++) {
      ProduceRecord record = records.get(i);
      if (record.partition() >= 0) {
        if (record.partition() >= partitionCount) {
          throw new PartitionNotFoundException("records[" + i + "] asks for partition " + record.partition()
              + " but the topic has " + partitionCount);
        }
        partitions[i] = record.partition();
      } else if (record.key() != null) {
        partitions[i] = partitioner.partitionForKey(record.key(), partitionCount);
      } else {
        if (sticky < 0) {
          sticky = idempotency == null ? partitioner.stickyPartition(partitionCount) : idempotency.partition(partitionCount);
        }
        partitions[i] = sticky;
      }
    }
    return partitions;
  }

  /**
   * One partition's records as batches, each under {@code maxBatchBytes}; a record alone over it
   * fails the request. With an idempotency id, the n-th batch carries it as producer id and n as
   * base sequence: the partition's leader writes a batch with an id it already holds only once.
   */
  private static List<PendingBatch> batches(String topic, int partition, List<ProduceRecord> records, List<Integer> indexes,
      int maxBatchBytes, IdempotencyId idempotency) {
    List<PendingBatch> batches = new ArrayList<>();
    RecordBatchBuilder builder = null;
    List<Integer> inBatch = new ArrayList<>();
    int size = 0;
    for (int index : indexes) {
      ProduceRecord record = records.get(index);
      int recordSize = record.estimatedSize();
      if (BatchLayout.RECORD_BATCH_OVERHEAD + recordSize > maxBatchBytes) {
        // Says what was counted: a record under the limit by itself may not fit with its framing.
        throw new ApiException(StreamgateError.MESSAGE_TOO_LARGE, "records[" + index + "] needs about "
            + (BatchLayout.RECORD_BATCH_OVERHEAD + recordSize)
            + " bytes in a batch (" + BatchLayout.RECORD_BATCH_OVERHEAD + " for the batch header, up to " + ProduceRecord.MAX_FRAMING_BYTES
            + " for the record's framing, " + record.contentSize() + " for its key, value and headers); the topic's max.record.bytes is "
            + maxBatchBytes);
      }
      if (builder != null && size + recordSize > maxBatchBytes) {
        batches.add(new PendingBatch(new TopicPartition(topic, partition), builder.build(), inBatch));
        builder = null;
      }
      if (builder == null) {
        builder = new RecordBatchBuilder(Compression.NONE);
        if (idempotency != null) {
          builder.producer(idempotency.producerId(), (short) 0, batches.size());
        }
        inBatch = new ArrayList<>();
        size = BatchLayout.RECORD_BATCH_OVERHEAD;
      }
      builder.append(record.timestamp(), record.key(), record.value(), record.headers());
      inBatch.add(index);
      size += recordSize;
    }
    batches.add(new PendingBatch(new TopicPartition(topic, partition), builder.build(), inBatch));
    return batches;
  }

  private record PendingBatch(TopicPartition partition, RecordBatch batch, List<Integer> recordIndexes) {}

  private static Acks acks(String text) {
    if (text == null) {
      return Acks.ALL;
    }
    try {
      return Acks.parse(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }
}
