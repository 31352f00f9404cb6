package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Acks;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNames;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.gateway.JsonValues;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.InvalidRecordException;
import io.streamgate.logstore.ProducerIds;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.UnsupportedTransactionsException;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponseCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce (v3+): each partition's record batch is appended as the client sent it (compressed
 * batches stay compressed; producer id, epoch and sequence are kept), on this node only: a partition
 * it does not lead is answered NOT_LEADER_OR_FOLLOWER, and the client asks Metadata again. The log
 * checks every batch (magic 2, CRC, sizes, record count and framing, decompressing if needed), off
 * the event loop when that is costly. Errors are per partition, from the error catalogue. acks=0
 * gets no answer at all (Kafka's rule); its failures are only logged. A partition of a topic the
 * principal may not WRITE is TOPIC_AUTHORIZATION_FAILED and nothing of it is appended.
 */
final class ProduceApi {
  private static final Logger LOG = LoggerFactory.getLogger(ProduceApi.class);

  private final PartitionService service;
  private final RecordDecoding decoding;
  private final GatewayMetrics metrics;

  ProduceApi(PartitionService service, RecordDecoding decoding, GatewayMetrics metrics) {
    this.service = service;
    this.decoding = decoding;
    this.metrics = metrics;
  }

  /** The answer, or a future of null for acks=0, completed once its appends are. */
  Future<ProduceResponseData> handle(ProduceRequestData request, KafkaCaller caller) {
    long started = System.nanoTime();
    Acks acks = acks(request.acks());
    TopicProduceResponseCollection responses = new TopicProduceResponseCollection();
    List<Future<?>> appends = new ArrayList<>();
    for (TopicProduceData topic : request.topicData()) {
      List<PartitionProduceResponse> partitions = new ArrayList<>();
      for (PartitionProduceData data : topic.partitionData()) {
        PartitionProduceResponse response = new PartitionProduceResponse().setIndex(data.index()).setBaseOffset(-1)
            .setLogAppendTimeMs(-1).setLogStartOffset(-1);
        partitions.add(response);
        Future<AppendResult> append = acks == null
            ? Future.failedFuture(new InvalidRecordException("acks must be -1, 0 or 1, was " + request.acks()))
            : caller.access().topic(AclOperation.WRITE, topic.name())
                .compose(allowed -> append(topic.name(), data, request.transactionalId(), acks, caller));
        appends.add(append.andThen(done -> {
          if (done.succeeded()) {
            response.setBaseOffset(done.result().baseOffset());
          } else {
            StreamgateError error = StreamgateError.forException(done.cause());
            response.setErrorCode(error.kafkaCode()).setErrorMessage(Failures.cause(done.cause()).getMessage());
            // Retriable refusals (a leader moving) are the cluster's business; the rest are the client's input.
            if (acks == Acks.NONE || !error.retryable()) {
              LOG.warn("kafka client {}: produce to {}-{} refused: {}", caller, topic.name(), data.index(), done.cause().getMessage());
            }
          }
        }));
      }
      responses.add(new TopicProduceResponse().setName(topic.name()).setPartitionResponses(partitions));
    }
    // acks=0 is answered with nothing, but only once its appends are done: until then it counts
    // against the connection's requests in progress, so a client cannot queue appends without bound.
    return Future.join(appends).transform(done -> {
      metrics.produceLatency(System.nanoTime() - started);
      return Future.succeededFuture(acks == Acks.NONE ? null : new ProduceResponseData().setResponses(responses));
    });
  }

  private Future<AppendResult> append(String topic, PartitionProduceData data, String transactionalId, Acks acks,
      KafkaCaller caller) {
    RecordBatch batch;
    TopicPartition partition;
    TopicMetadata metadata;
    try {
      TopicNames.refuseInternal(topic, "write to");
      metadata = service.cachedTopic(topic).orElseThrow(() -> new TopicNotFoundException("topic '" + topic + "' does not exist"));
      partition = new TopicPartition(topic, data.index());
      if (transactionalId != null) {
        throw new UnsupportedTransactionsException("transactions are not supported (transactional id '" + transactionalId + "')");
      }
      batch = onlyBatch(KafkaCodec.recordBytes(data.records()));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    boolean json = TopicConfigs.valueFormat(metadata.config()) == TopicConfigs.ValueFormat.JSON;
    // The log checks the batch as the append starts, decompressing it: on the decode pool when that is costly.
    return caller.appendOrder().next(() -> decoding.decode(List.of(batch.buffer()), () -> {
      if (json) {
        requireJsonValues(batch, topic);
      }
      return service.appendHere(partition, batch, acks);
    })).compose(append -> Future.fromCompletionStage(append, caller.context()))
        .andThen(done -> {
          if (done.succeeded()) {
            metrics.recordsIn(topic, batch.recordCount(), batch.sizeInBytes());
          }
        });
  }

  /** The one batch a Produce partition holds (Kafka's rule for magic 2), as sent. */
  private static RecordBatch onlyBatch(ByteBuffer records) {
    if (!records.hasRemaining()) {
      throw new InvalidRecordException("a produce request's partition holds no record batch");
    }
    RecordBatch batch = RecordBatch.wrap(records);
    if (batch.sizeInBytes() != records.remaining()) {
      throw new InvalidRecordException("a produce request's partition must hold exactly one record batch");
    }
    // Ids with bit 62 are the HTTP Idempotency-Key's, deduplicated by another rule: never a Kafka client's.
    if (ProducerIds.isIdempotencyKey(batch.producerId())) {
      throw new InvalidRecordException("producer id " + batch.producerId() + " was not handed out by InitProducerId");
    }
    // A codec id Kafka does not have is CorruptRecordException here, the partition's CORRUPT_MESSAGE.
    batch.compression();
    return batch;
  }

  /** A json topic holds one JSON value per record (or none: a tombstone), as over HTTP and MQTT. */
  private static void requireJsonValues(RecordBatch batch, String topic) {
    for (Record record : batch.records()) {
      byte[] value = record.valueBytes();
      if (value != null && !JsonValues.isOneValue(value)) {
        throw new InvalidRecordException("topic '" + topic + "' has value.format json and the record at offset delta "
            + (record.offset() - batch.baseOffset()) + " is not one JSON value");
      }
    }
  }

  /** Kafka's acks: -1 (all), 1 (the leader), 0 (no answer); null for anything else. */
  private static Acks acks(short acks) {
    switch (acks) {
      case -1:
        return Acks.ALL;
      case 1:
        return Acks.LEADER;
      case 0:
        return Acks.NONE;
      default:
        return null;
    }
  }
}
