package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Cancellable;
import io.streamgate.cluster.PartitionOffsets;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.TopicAuthorizationException;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.logstore.LogSlice;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;

/**
 * Fetch (v4-13), sessionless: session id 0, and every requested partition in every answer (a full
 * fetch, KIP-227). Partitions are read in request order from this node, which must lead them or,
 * from v11 on, follow them in their ISR (else NOT_LEADER_OR_FOLLOWER), each up to its partition_max_bytes and all together up to
 * max_bytes, but at least one batch; the stored batch bytes go out as they are, sent from the
 * segment file by the kernel (zero-copy: {@link io.streamgate.logstore.LogSlice}). With fewer than
 * min_bytes to send, the answer waits, up to max_wait_ms (at most {@code max-wait-ms}), for any
 * partition's high watermark to move (the log's watches, no polling), then reads again. The last
 * stable offset is the high watermark (no transactions). A partition asked in a current leader epoch
 * other than the leader's is refused (FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH, KIP-320). A
 * topic the principal may not READ is TOPIC_AUTHORIZATION_FAILED, and answers at once. From v13 on
 * topics are named by id: an id no live topic has (never one, or a deleted topic's even if its name
 * lives again) is UNKNOWN_TOPIC_ID for each of its partitions, so a client never reads a re-created
 * topic's records as the old one's; the id is checked again after each read, so a deletion and
 * re-creation while a fetch waits or reads answers UNKNOWN_TOPIC_ID rather than the new topic's records.
 *
 * <p>Follower fetching (KIP-392): a consumer that sends its {@code client.rack} (rack_id, v11+) to
 * a partition's leader is answered, for a partition with an in-sync follower in that rack whose log
 * the leader knows to span the fetch offset, that follower's broker id as preferred_read_replica,
 * no records, and at once; the consumer then fetches from the follower, which serves it up to the
 * high watermark it knows (an offset past that reads nothing yet and waits for it, one outside its
 * log is OFFSET_NOT_AVAILABLE, on which the consumer goes back to the leader).
 */
final class FetchApi {
  private final PartitionService service;
  private final KafkaBrokers brokers;
  private final long maxWaitMs;
  private final int maxFetchBytes;
  private final GatewayMetrics metrics;

  FetchApi(PartitionService service, KafkaBrokers brokers, long maxWaitMs, int maxFetchBytes, GatewayMetrics metrics) {
    this.service = service;
    this.brokers = brokers;
    this.maxWaitMs = maxWaitMs;
    this.maxFetchBytes = maxFetchBytes;
    this.metrics = metrics;
  }

  /**
   * One requested partition, in request order; {@code readable}: the principal may READ its topic.
   * {@code id}: the topic id it was asked by (v13+), else null; {@code topic} is then the name of the
   * live topic with that id, or null if none has it.
   */
  private record Wanted(String topic, TopicId id, FetchPartition partition, boolean readable) {
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

  /** The first Fetch version a follower serves: it carries the client's rack (Kafka serves consumers from followers from it on). */
  private static final short FOLLOWER_FETCH_VERSION = 11;

  Future<FetchResponseData> handle(FetchRequestData request, short version, KafkaCaller caller) {
    List<Wanted> wanted = new ArrayList<>();
    for (FetchTopic topic : request.topics()) {
      // v13+ names topics by id only (the name is empty); a topic named by neither is no topic's id either.
      boolean byId = !Uuid.ZERO_UUID.equals(topic.topicId()) || topic.topic().isEmpty();
      TopicId id = byId ? KafkaTopicIds.topicId(topic.topicId()).orElse(null) : null;
      String name = byId ? Optional.ofNullable(id).flatMap(service::cachedTopicName).orElse(null) : topic.topic();
      // Asked once per request, not per read of a long poll: one audit line per refusal.
      boolean readable = name != null && caller.access().mayTopic(AclOperation.READ, name);
      for (FetchPartition partition : topic.partitions()) {
        wanted.add(new Wanted(name, id, partition, readable));
      }
    }
    long waitMs = Math.max(0, Math.min(request.maxWaitMs(), maxWaitMs));
    int maxBytes = Math.max(1, Math.min(request.maxBytes(), maxFetchBytes));
    long started = System.nanoTime();
    long deadline = System.currentTimeMillis() + waitMs;
    ReadReplicas readReplicas = new ReadReplicas(request.rackId(), version >= FOLLOWER_FETCH_VERSION, brokers);
    return fetch(wanted, maxBytes, Math.max(0, request.minBytes()), deadline, readReplicas, caller).map(reads -> {
      count(wanted, reads);
      metrics.fetchLatency(System.nanoTime() - started);
      return answer(request, reads);
    });
  }

  private Future<List<Read>> fetch(List<Wanted> wanted, int maxBytes, int minBytes, long deadline, ReadReplicas readReplicas,
      KafkaCaller caller) {
    return readAll(wanted, maxBytes, readReplicas, caller).compose(reads -> {
      long bytes = 0;
      boolean answerNow = false;
      for (Read read : reads) {
        bytes += read.bytes();
        // A failure, or a consumer sent to another replica (as Kafka's leader, it does not wait for it).
        answerNow |= read.data().errorCode() != 0 || read.data().preferredReadReplica() != KafkaBrokers.NO_NODE;
      }
      long remaining = deadline - System.currentTimeMillis();
      if (bytes >= minBytes || answerNow || remaining <= 0 || wanted.isEmpty()) {
        return Future.succeededFuture(reads);
      }
      return awaitData(wanted, reads, remaining, caller).compose(woken -> fetch(wanted, maxBytes, minBytes,
          woken ? deadline : System.currentTimeMillis(), readReplicas, caller));
    });
  }

  /**
   * The fetching consumer's rack (empty: none sent), whether followers may serve it (Fetch v11+) and,
   * asked once per fetch, the brokers it can be sent to: a follower without a Kafka listener is never
   * named as preferred read replica.
   */
  private static final class ReadReplicas {
    private final String clientRack;
    private final boolean followersServe;
    private final KafkaBrokers brokers;
    private Set<Integer> kafkaBrokers;

    ReadReplicas(String clientRack, boolean followersServe, KafkaBrokers brokers) {
      this.clientRack = clientRack == null ? "" : clientRack;
      this.followersServe = followersServe;
      this.brokers = brokers;
    }

    CompletableFuture<LogSlice> slice(PartitionService service, TopicPartition partition, int epoch, long offset, int maxBytes) {
      return followersServe ? service.sliceInSync(partition, epoch, offset, maxBytes)
          : service.sliceHere(partition, epoch, offset, maxBytes);
    }

    CompletableFuture<PartitionOffsets> offsets(PartitionService service, TopicPartition partition, int epoch) {
      return followersServe ? service.offsetsInSync(partition, epoch) : service.offsetsHere(partition, epoch, OptionalLong.empty());
    }

    /** The broker a consumer in this rack should read {@code offset} of {@code partition} from, if not this one. */
    OptionalInt preferred(PartitionService service, TopicPartition partition, long offset) {
      if (clientRack.isEmpty()) {
        return OptionalInt.empty();
      }
      Optional<Integer> broker = service.preferredReadReplica(partition, clientRack, offset).map(KafkaBrokers::brokerId);
      if (broker.isEmpty()) {
        return OptionalInt.empty();
      }
      if (kafkaBrokers == null) {
        kafkaBrokers = brokers.view().live().stream().map(KafkaBrokers.Broker::id).collect(Collectors.toSet());
      }
      return kafkaBrokers.contains(broker.get()) ? OptionalInt.of(broker.get()) : OptionalInt.empty();
    }
  }

  /** Reads the partitions one after the other, sharing {@code maxBytes} (the first batch found goes out whatever its size). */
  private Future<List<Read>> readAll(List<Wanted> wanted, int maxBytes, ReadReplicas readReplicas, KafkaCaller caller) {
    List<Read> reads = new ArrayList<>();
    Future<Integer> budget = Future.succeededFuture(maxBytes);
    for (Wanted want : wanted) {
      budget = budget.compose(left -> readOne(want, left, left == maxBytes, readReplicas, caller).map(read -> {
        reads.add(read);
        return left - read.bytes();
      }));
    }
    return budget.map(left -> reads);
  }

  /** The partition's batches from the fetch offset, left in the segment file: the answer sends them from there (zero-copy). */
  private Future<Read> readOne(Wanted want, int budget, boolean nothingYet, ReadReplicas readReplicas, KafkaCaller caller) {
    if (want.topic() == null) {
      return Future.succeededFuture(failed(want, StreamgateError.UNKNOWN_TOPIC_ID));
    }
    if (!want.readable()) {
      return Future.succeededFuture(failed(want, new TopicAuthorizationException("not authorized to READ topic '" + want.topic() + "'")));
    }
    TopicPartition partition = want.topicPartition();
    long offset = want.partition().fetchOffset();
    int epoch = want.partition().currentLeaderEpoch();
    int limit = Math.min(budget, Math.max(1, want.partition().partitionMaxBytes()));
    OptionalInt preferred = readReplicas.preferred(service, partition, offset);
    if ((budget <= 0 && !nothingYet) || preferred.isPresent()) {
      // The answer is full, or the consumer reads elsewhere: the partition's offsets only, so that the client still
      // learns its high watermark.
      return Future.fromCompletionStage(readReplicas.offsets(service, partition, epoch), caller.context())
          .map(offsets -> stillLive(want)
              ? new Read(data(want, offsets.latest(), offsets.earliest()).setRecords(KafkaCodec.noRecords())
                  .setPreferredReadReplica(preferred.orElse(KafkaBrokers.NO_NODE)), 0)
              : failed(want, StreamgateError.UNKNOWN_TOPIC_ID))
          .otherwise(failure -> failed(want, failure));
    }
    return Future.fromCompletionStage(readReplicas.slice(service, partition, epoch, offset, Math.max(1, limit)), caller.context())
        .map(slice -> stillLive(want)
            ? new Read(data(want, slice.highWatermark(), slice.logStartOffset()).setRecords(KafkaCodec.records(slice)),
                slice.recordCount())
            : failed(want, StreamgateError.UNKNOWN_TOPIC_ID))
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

  /**
   * The codes a Java consumer's fetch knows (its FetchCollector), by number: kafka-clients' Errors is
   * a wire class, kept to KafkaCodec. Not leader or follower 6, replica not available 9, storage 56,
   * fenced and unknown leader epoch 74 and 75, offset not available 78, unknown topic or partition 3,
   * unknown and inconsistent topic id 100 and 103, offset out of range 1, topic authorization 29,
   * unknown server error -1, corrupt message 2. Any other fails the consumer (a Kafka Streams
   * application with it: "Unexpected error code 19 while fetching", on a clean-clone run where a
   * node's lease lapsed for a moment while a metadata leader was elected).
   */
  private static final Set<Short> CONSUMER_FETCH_ERRORS = Set.of((short) 6, (short) 9, (short) 56, (short) 74, (short) 75,
      (short) 78, (short) 3, (short) 100, (short) 103, (short) 1, (short) 29, (short) -1, (short) 2);

  /**
   * A failed partition read's code, as a consumer can take it: the catalogue's where the consumer
   * knows it; else, for a failure that may pass: a new leader whose high watermark has not reached
   * its epoch's start, OFFSET_NOT_AVAILABLE (KIP-207), on which it fetches again; any other (no lease
   * for a moment, too few replicas, a leader that moved), NOT_LEADER_OR_FOLLOWER, on which it looks
   * the leader up again and fetches anew; else UNKNOWN_SERVER_ERROR, which it logs and fetches again.
   */
  static short errorCode(Throwable failure) {
    return errorCode(StreamgateError.forException(failure));
  }

  private static short errorCode(StreamgateError error) {
    if (CONSUMER_FETCH_ERRORS.contains(error.kafkaCode())) {
      return error.kafkaCode();
    }
    if (error == StreamgateError.LEADER_NOT_AVAILABLE) {
      return StreamgateError.OFFSET_NOT_AVAILABLE.kafkaCode();
    }
    return error.retryable() ? StreamgateError.NOT_LEADER_OR_FOLLOWER.kafkaCode() : StreamgateError.UNKNOWN_SERVER_ERROR.kafkaCode();
  }

  /** False once the topic asked for by id is no longer the live topic of its name: what was read may be a newer topic's. */
  private boolean stillLive(Wanted want) {
    return want.id() == null || service.cachedTopicName(want.id()).filter(want.topic()::equals).isPresent();
  }

  private static Read failed(Wanted want, Throwable failure) {
    return failed(want, StreamgateError.forException(failure));
  }

  private static Read failed(Wanted want, StreamgateError error) {
    return new Read(new PartitionData().setPartitionIndex(want.partition().partition())
        .setErrorCode(errorCode(error)).setHighWatermark(-1).setLastStableOffset(-1)
        .setLogStartOffset(-1).setRecords(KafkaCodec.noRecords()), 0);
  }

  private static FetchResponseData answer(FetchRequestData request, List<Read> reads) {
    List<FetchableTopicResponse> topics = new ArrayList<>();
    int next = 0;
    for (FetchTopic topic : request.topics()) {
      List<PartitionData> answered = new ArrayList<>();
      for (int i = 0; i < topic.partitions().size(); i++) {
        answered.add(reads.get(next++).data());
      }
      topics.add(new FetchableTopicResponse().setTopic(topic.topic()).setTopicId(topic.topicId()).setPartitions(answered));
    }
    return new FetchResponseData().setSessionId(0).setResponses(topics);
  }
}
