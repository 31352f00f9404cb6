package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;

/**
 * Fetch (v4-12), sessionless: session id 0, and every requested partition in every answer (a full
 * fetch, KIP-227). Partitions are read in request order from this node, which must lead them
 * (else NOT_LEADER_OR_FOLLOWER), each up to its partition_max_bytes and all together up to
 * max_bytes, but at least one batch; the stored batch bytes go out as they are. With fewer than
 * min_bytes to send, the answer waits, up to max_wait_ms (at most {@code max-wait-ms}), for any
 * partition's high watermark to move (the log's watches, no polling), then reads again. The last
 * stable offset is the high watermark (no transactions). A partition asked in a current leader epoch
 * other than the leader's is refused (FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH, KIP-320).
 */
final class FetchApi {
  private final PartitionService service;
  private final long maxWaitMs;
  private final int maxFetchBytes;
  private final GatewayMetrics metrics;

  FetchApi(PartitionService service, long maxWaitMs, int maxFetchBytes, GatewayMetrics metrics) {
    this.service = service;
    this.maxWaitMs = maxWaitMs;
    this.maxFetchBytes = maxFetchBytes;
    this.metrics = metrics;
  }

  /** One requested partition, in request order. */
  private record Wanted(String topic, FetchPartition partition) {
    TopicPartition topicPartition() {
      return new TopicPartition(topic, partition.partition());
    }
  }

  Future<FetchResponseData> handle(FetchRequestData request, KafkaCaller caller) {
    List<Wanted> wanted = new ArrayList<>();
    for (FetchTopic topic : request.topics()) {
      for (FetchPartition partition : topic.partitions()) {
        wanted.add(new Wanted(topic.topic(), partition));
      }
    }
    long waitMs = Math.max(0, Math.min(request.maxWaitMs(), maxWaitMs));
    int maxBytes = Math.max(1, Math.min(request.maxBytes(), maxFetchBytes));
    long started = System.nanoTime();
    long deadline = System.currentTimeMillis() + waitMs;
    return fetch(wanted, maxBytes, Math.max(0, request.minBytes()), deadline, caller).map(partitions -> {
      count(wanted, partitions);
      metrics.fetchLatency(System.nanoTime() - started);
      return answer(request, partitions);
    });
  }

  private Future<List<PartitionData>> fetch(List<Wanted> wanted, int maxBytes, int minBytes, long deadline, KafkaCaller caller) {
    return readAll(wanted, maxBytes, caller).compose(read -> {
      long bytes = 0;
      boolean failed = false;
      for (PartitionData partition : read) {
        bytes += KafkaCodec.recordBytes(partition.records()).remaining();
        failed |= partition.errorCode() != 0;
      }
      long remaining = deadline - System.currentTimeMillis();
      if (bytes >= minBytes || failed || remaining <= 0 || wanted.isEmpty()) {
        return Future.succeededFuture(read);
      }
      return awaitData(wanted, read, remaining, caller).compose(woken -> fetch(wanted, maxBytes, minBytes,
          woken ? deadline : System.currentTimeMillis(), caller));
    });
  }

  /** Reads the partitions one after the other, sharing {@code maxBytes} (the first batch found goes out whatever its size). */
  private Future<List<PartitionData>> readAll(List<Wanted> wanted, int maxBytes, KafkaCaller caller) {
    List<PartitionData> read = new ArrayList<>();
    Future<Integer> budget = Future.succeededFuture(maxBytes);
    for (Wanted want : wanted) {
      budget = budget.compose(left -> readOne(want, left, left == maxBytes, caller).map(partition -> {
        read.add(partition);
        return left - KafkaCodec.recordBytes(partition.records()).remaining();
      }));
    }
    return budget.map(left -> read);
  }

  private Future<PartitionData> readOne(Wanted want, int budget, boolean nothingYet, KafkaCaller caller) {
    TopicPartition partition = want.topicPartition();
    long offset = want.partition().fetchOffset();
    int epoch = want.partition().currentLeaderEpoch();
    int limit = Math.min(budget, Math.max(1, want.partition().partitionMaxBytes()));
    if (budget <= 0 && !nothingYet) {
      // The answer is full: the partition's offsets only, so that the client still learns its high watermark.
      return Future.fromCompletionStage(service.offsetsHere(partition, epoch, OptionalLong.empty()), caller.context())
          .map(offsets -> data(want, offsets.latest(), offsets.earliest(), ByteBuffer.allocate(0)))
          .otherwise(failure -> failed(want, failure));
    }
    return Future.fromCompletionStage(service.readHere(partition, epoch, offset, Math.max(1, limit)), caller.context())
        .map(result -> data(want, result.highWatermark(), result.logStartOffset(), result.batches()))
        .otherwise(failure -> failed(want, failure));
  }

  /**
   * Completes with true when a partition's high watermark passed what was read (its fetch offset,
   * or the high watermark the read saw), false at the deadline.
   */
  private Future<Boolean> awaitData(List<Wanted> wanted, List<PartitionData> read, long timeoutMs, KafkaCaller caller) {
    Promise<Boolean> woken = Promise.promise();
    long timer = caller.context().owner().setTimer(timeoutMs, id -> woken.tryComplete(false));
    List<Cancellable> watches = new ArrayList<>();
    for (int i = 0; i < wanted.size(); i++) {
      long from = Math.max(wanted.get(i).partition().fetchOffset(), read.get(i).highWatermark());
      watches.add(service.watch(wanted.get(i).topicPartition(), from, () -> caller.context().runOnContext(v -> woken.tryComplete(true))));
    }
    return woken.future().andThen(done -> {
      caller.context().owner().cancelTimer(timer);
      watches.forEach(Cancellable::cancel);
    });
  }

  /** Counts what goes out: the records at or after each fetch offset, by the batch headers (nothing is decoded). */
  private void count(List<Wanted> wanted, List<PartitionData> partitions) {
    for (int i = 0; i < wanted.size(); i++) {
      ByteBuffer batches = KafkaCodec.recordBytes(partitions.get(i).records());
      if (!batches.hasRemaining()) {
        continue;
      }
      long from = wanted.get(i).partition().fetchOffset();
      long records = 0;
      for (RecordBatch batch : RecordBatch.iterate(batches)) {
        records += Math.max(0, batch.lastOffset() - Math.max(batch.baseOffset(), from) + 1);
      }
      metrics.recordsOut(wanted.get(i).topic(), (int) Math.min(records, Integer.MAX_VALUE), batches.remaining());
    }
  }

  private static PartitionData data(Wanted want, long highWatermark, long logStart, ByteBuffer batches) {
    return new PartitionData().setPartitionIndex(want.partition().partition()).setHighWatermark(highWatermark)
        .setLastStableOffset(highWatermark).setLogStartOffset(logStart).setRecords(KafkaCodec.records(batches));
  }

  private static PartitionData failed(Wanted want, Throwable failure) {
    return new PartitionData().setPartitionIndex(want.partition().partition())
        .setErrorCode(StreamgateError.forException(failure).kafkaCode()).setHighWatermark(-1).setLastStableOffset(-1)
        .setLogStartOffset(-1).setRecords(KafkaCodec.records(ByteBuffer.allocate(0)));
  }

  private static FetchResponseData answer(FetchRequestData request, List<PartitionData> partitions) {
    List<FetchableTopicResponse> topics = new ArrayList<>();
    int next = 0;
    for (FetchTopic topic : request.topics()) {
      List<PartitionData> answered = new ArrayList<>();
      for (int i = 0; i < topic.partitions().size(); i++) {
        answered.add(partitions.get(next++));
      }
      topics.add(new FetchableTopicResponse().setTopic(topic.topic()).setPartitions(answered));
    }
    return new FetchResponseData().setSessionId(0).setResponses(topics);
  }
}
