package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.TopicAuthorizationException;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
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
 * max_bytes, but at least one batch; the stored batch bytes go out as they are, sent from the
 * segment file by the kernel (zero-copy: {@link io.streamgate.logstore.LogSlice}). With fewer than
 * min_bytes to send, the answer waits, up to max_wait_ms (at most {@code max-wait-ms}), for any
 * partition's high watermark to move (the log's watches, no polling), then reads again. The last
 * stable offset is the high watermark (no transactions). A partition asked in a current leader epoch
 * other than the leader's is refused (FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH, KIP-320). A
 * topic the principal may not READ is TOPIC_AUTHORIZATION_FAILED, and answers at once.
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

  /** One requested partition, in request order; {@code readable}: the principal may READ its topic. */
  private record Wanted(String topic, FetchPartition partition, boolean readable) {
    TopicPartition topicPartition() {
      return new TopicPartition(topic, partition.partition());
    }
  }

  /** One partition's part of the answer, and how many records it carries at or after the fetch offset. */
  private record Read(PartitionData data, long records) {
    int bytes() {
      return KafkaCodec.sizeInBytes(data.records());
    }
  }

  Future<FetchResponseData> handle(FetchRequestData request, KafkaCaller caller) {
    List<Wanted> wanted = new ArrayList<>();
    for (FetchTopic topic : request.topics()) {
      // Asked once per request, not per read of a long poll: one audit line per refusal.
      boolean readable = caller.access().mayTopic(AclOperation.READ, topic.topic());
      for (FetchPartition partition : topic.partitions()) {
        wanted.add(new Wanted(topic.topic(), partition, readable));
      }
    }
    long waitMs = Math.max(0, Math.min(request.maxWaitMs(), maxWaitMs));
    int maxBytes = Math.max(1, Math.min(request.maxBytes(), maxFetchBytes));
    long started = System.nanoTime();
    long deadline = System.currentTimeMillis() + waitMs;
    return fetch(wanted, maxBytes, Math.max(0, request.minBytes()), deadline, caller).map(reads -> {
      count(wanted, reads);
      metrics.fetchLatency(System.nanoTime() - started);
      return answer(request, reads);
    });
  }

  private Future<List<Read>> fetch(List<Wanted> wanted, int maxBytes, int minBytes, long deadline, KafkaCaller caller) {
    return readAll(wanted, maxBytes, caller).compose(reads -> {
      long bytes = 0;
      boolean failed = false;
      for (Read read : reads) {
        bytes += read.bytes();
        failed |= read.data().errorCode() != 0;
      }
      long remaining = deadline - System.currentTimeMillis();
      if (bytes >= minBytes || failed || remaining <= 0 || wanted.isEmpty()) {
        return Future.succeededFuture(reads);
      }
      return awaitData(wanted, reads, remaining, caller).compose(woken -> fetch(wanted, maxBytes, minBytes,
          woken ? deadline : System.currentTimeMillis(), caller));
    });
  }

  /** Reads the partitions one after the other, sharing {@code maxBytes} (the first batch found goes out whatever its size). */
  private Future<List<Read>> readAll(List<Wanted> wanted, int maxBytes, KafkaCaller caller) {
    List<Read> reads = new ArrayList<>();
    Future<Integer> budget = Future.succeededFuture(maxBytes);
    for (Wanted want : wanted) {
      budget = budget.compose(left -> readOne(want, left, left == maxBytes, caller).map(read -> {
        reads.add(read);
        return left - read.bytes();
      }));
    }
    return budget.map(left -> reads);
  }

  /** The partition's batches from the fetch offset, left in the segment file: the answer sends them from there (zero-copy). */
  private Future<Read> readOne(Wanted want, int budget, boolean nothingYet, KafkaCaller caller) {
    if (!want.readable()) {
      return Future.succeededFuture(failed(want, new TopicAuthorizationException("not authorized to READ topic '" + want.topic() + "'")));
    }
    TopicPartition partition = want.topicPartition();
    long offset = want.partition().fetchOffset();
    int epoch = want.partition().currentLeaderEpoch();
    int limit = Math.min(budget, Math.max(1, want.partition().partitionMaxBytes()));
    if (budget <= 0 && !nothingYet) {
      // The answer is full: the partition's offsets only, so that the client still learns its high watermark.
      return Future.fromCompletionStage(service.offsetsHere(partition, epoch, OptionalLong.empty()), caller.context())
          .map(offsets -> new Read(data(want, offsets.latest(), offsets.earliest()).setRecords(KafkaCodec.noRecords()), 0))
          .otherwise(failure -> failed(want, failure));
    }
    return Future.fromCompletionStage(service.sliceHere(partition, epoch, offset, Math.max(1, limit)), caller.context())
        .map(slice -> new Read(data(want, slice.highWatermark(), slice.logStartOffset()).setRecords(KafkaCodec.records(slice)),
            slice.recordCount()))
        .otherwise(failure -> failed(want, failure));
  }

  /**
   * Completes with true when a partition's high watermark passed what was read (its fetch offset,
   * or the high watermark the read saw), false at the deadline.
   */
  private Future<Boolean> awaitData(List<Wanted> wanted, List<Read> reads, long timeoutMs, KafkaCaller caller) {
    Promise<Boolean> woken = Promise.promise();
    long timer = caller.context().owner().setTimer(timeoutMs, id -> woken.tryComplete(false));
    List<Cancellable> watches = new ArrayList<>();
    for (int i = 0; i < wanted.size(); i++) {
      long from = Math.max(wanted.get(i).partition().fetchOffset(), reads.get(i).data().highWatermark());
      watches.add(service.watch(wanted.get(i).topicPartition(), from, () -> caller.context().runOnContext(v -> woken.tryComplete(true))));
    }
    return woken.future().andThen(done -> {
      caller.context().owner().cancelTimer(timer);
      watches.forEach(Cancellable::cancel);
    });
  }

  /** Counts what goes out: the records at or after each fetch offset, by the batch headers (nothing is decoded). */
  private void count(List<Wanted> wanted, List<Read> reads) {
    for (int i = 0; i < wanted.size(); i++) {
      Read read = reads.get(i);
      if (read.bytes() > 0) {
        metrics.recordsOut(wanted.get(i).topic(), (int) Math.min(read.records(), Integer.MAX_VALUE), read.bytes());
      }
    }
  }

  private static PartitionData data(Wanted want, long highWatermark, long logStart) {
    return new PartitionData().setPartitionIndex(want.partition().partition()).setHighWatermark(highWatermark)
        .setLastStableOffset(highWatermark).setLogStartOffset(logStart);
  }

  private static Read failed(Wanted want, Throwable failure) {
    return new Read(new PartitionData().setPartitionIndex(want.partition().partition())
        .setErrorCode(fetchErrorCode(failure)).setHighWatermark(-1).setLastStableOffset(-1)
        .setLogStartOffset(-1).setRecords(KafkaCodec.noRecords()), 0);
  }

  /**
   * The errors Kafka's consumer acts on in a Fetch answer (kafka-clients 4.4 {@code
   * FetchCollector.handleInitializeErrors}: it refreshes its metadata, resets or waits, and fetches
   * again); on any other it throws IllegalStateException to the application.
   */
  private static final Set<StreamgateError> CONSUMER_HANDLES = EnumSet.of(StreamgateError.NOT_LEADER_OR_FOLLOWER,
      StreamgateError.KAFKA_STORAGE_ERROR, StreamgateError.FENCED_LEADER_EPOCH, StreamgateError.OFFSET_NOT_AVAILABLE,
      StreamgateError.UNKNOWN_TOPIC_OR_PARTITION, StreamgateError.OFFSET_OUT_OF_RANGE, StreamgateError.TOPIC_AUTHORIZATION_FAILED,
      StreamgateError.UNKNOWN_LEADER_EPOCH, StreamgateError.UNKNOWN_SERVER_ERROR, StreamgateError.CORRUPT_MESSAGE);

  /**
   * A partition's error code in a Fetch answer: a refusal worth retrying that the consumer would not
   * retry is answered as Kafka answers it. A new leader whose high watermark has not reached its
   * epoch's start: OFFSET_NOT_AVAILABLE (KIP-207); any other (a node starting or stopping without
   * its lease, a leader that moved): NOT_LEADER_OR_FOLLOWER. Both were seen in a rolling restart,
   * where LEADER_NOT_AVAILABLE and NOT_ENOUGH_REPLICAS ended a consumer.
   */
  static short fetchErrorCode(Throwable failure) {
    StreamgateError error = StreamgateError.forException(failure);
    if (CONSUMER_HANDLES.contains(error) || !error.retryable()) {
      return error.kafkaCode();
    }
    return error == StreamgateError.LEADER_NOT_AVAILABLE ? StreamgateError.OFFSET_NOT_AVAILABLE.kafkaCode()
        : StreamgateError.NOT_LEADER_OR_FOLLOWER.kafkaCode();
  }

  private static FetchResponseData answer(FetchRequestData request, List<Read> reads) {
    List<FetchableTopicResponse> topics = new ArrayList<>();
    int next = 0;
    for (FetchTopic topic : request.topics()) {
      List<PartitionData> answered = new ArrayList<>();
      for (int i = 0; i < topic.partitions().size(); i++) {
        answered.add(reads.get(next++).data());
      }
      topics.add(new FetchableTopicResponse().setTopic(topic.topic()).setPartitions(answered));
    }
    return new FetchResponseData().setSessionId(0).setResponses(topics);
  }
}
