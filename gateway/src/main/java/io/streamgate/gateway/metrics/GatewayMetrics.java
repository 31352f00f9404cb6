package io.streamgate.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.streamgate.cluster.ClusteredPartitionService;
import io.streamgate.cluster.PartitionMoves;
import io.streamgate.cluster.ReplicaSize;
import io.streamgate.cluster.TopicNames;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streamgate's own meters, beside those Vert.x publishes: records and bytes in and out per topic,
 * produce and fetch latency histograms, waiting long-polls and open streams, the cluster's health as
 * this node sees it (partitions led, under-replicated and offline, the controller role), and the
 * series computed when scraped ({@link #refresh}): the size of every partition's log, each
 * follower's lag behind the partitions this node leads, and the lag of the consumer groups this node
 * coordinates. Every edge (HTTP, MQTT) counts its traffic here, so it knows none of them. Thread-safe.
 */
public final class GatewayMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayMetrics.class);
  private final MeterRegistry registry;
  private final Map<String, TopicCounters> topics = new ConcurrentHashMap<>();
  private final Timer produceLatency;
  private final Timer fetchLatency;
  private final AtomicInteger waitingLongPolls = new AtomicInteger();
  private final AtomicInteger openStreams = new AtomicInteger();
  private final MultiGauge partitionSizes;
  private final MultiGauge followerLags;
  private final MultiGauge groupLags;
  /** The last group lag refresh; one under way is shared by the scrapes that come meanwhile. Under this object's lock. */
  private CompletableFuture<Void> groupLagRefresh = CompletableFuture.completedFuture(null);
  private final ClusteredPartitionService service;

  public GatewayMetrics(MeterRegistry registry, ClusteredPartitionService service) {
    this.registry = registry;
    this.service = service;
    Gauge.builder("streamgate.partitions.led", service, ClusteredPartitionService::partitionsLed)
        .description("Partitions this node leads").register(registry);
    Gauge.builder("streamgate.partitions.under.replicated", service, ClusteredPartitionService::underReplicatedPartitions)
        .description("Partitions this node leads whose in-sync replicas are fewer than their replicas").register(registry);
    Gauge.builder("streamgate.metadata.voters", service, ClusteredPartitionService::metadataVoters)
        .description("The metadata quorum's voters in its current configuration: a majority of these is needed").register(registry);
    Gauge.builder("streamgate.partitions.offline", service, ClusteredPartitionService::offlinePartitions)
        .description("Partitions of the cluster without a leader (the same on every node)").register(registry);
    Gauge.builder("streamgate.controller.active", service, s -> s.controllerActive() ? 1 : 0)
        .description("1 while this node is the cluster's controller, else 0").register(registry);
    FunctionCounter.builder("streamgate.controller.changes", service, ClusteredPartitionService::controllerChanges)
        .description("Times this node became or stopped being the controller").register(registry);
    Gauge.builder("streamgate.partitions.moving", service.moves(), PartitionMoves::movingPartitions)
        .description("Partitions of the cluster moving to other nodes (the same on every node)").register(registry);
    Gauge.builder("streamgate.partitions.moving.lag", service.moves(), PartitionMoves::bytesLeftHere).baseUnit("bytes")
        .description("Bytes the replicas that moves add still have to copy from the partitions this node leads (estimated)")
        .register(registry);
    FunctionCounter.builder("streamgate.follower.reads", service, ClusteredPartitionService::followerReads)
        .description("Reads this node served from partitions it follows in sync (readers in its rack)").register(registry);
    FunctionCounter.builder("streamgate.requests.held", service, ClusteredPartitionService::requestsHeldThenAnswered)
        .tag("outcome", "answered")
        .description("Data requests held while their partition was between leaders, by what became of them").register(registry);
    FunctionCounter.builder("streamgate.requests.held", service, ClusteredPartitionService::requestsHeldThenRefused)
        .tag("outcome", "refused")
        .description("Data requests held while their partition was between leaders, by what became of them").register(registry);
    this.produceLatency = latency("streamgate.produce.latency", "Time to answer a produce request");
    this.fetchLatency = latency("streamgate.fetch.latency", "Time to answer a fetch, long-poll waits included");
    Gauge.builder("streamgate.long.polls.waiting", waitingLongPolls, AtomicInteger::get)
        .description("Long-polls waiting for data").register(registry);
    Gauge.builder("streamgate.streams.open", openStreams, AtomicInteger::get)
        .description("Open WebSocket and SSE streams").register(registry);
    this.partitionSizes = MultiGauge.builder("streamgate.partition.size").baseUnit("bytes")
        .description("Bytes in a partition's log").register(registry);
    this.followerLags = MultiGauge.builder("streamgate.replication.follower.lag")
        .description("Records a follower is behind the log end of a partition this node leads").register(registry);
    this.groupLags = MultiGauge.builder("streamgate.group.lag")
        .description("Records of a partition a consumer group this node coordinates has not committed, up to the high watermark")
        .register(registry);
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name).description(description).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
  }

  /** Reports the request body bytes the node's budget holds now ({@code reservedBytes}). */
  public void bodyBudget(LongSupplier reservedBytes) {
    // Strongly held: the supplier is a method reference nothing else keeps (a weak one read NaN once collected).
    Gauge.builder("streamgate.http.buffered.body", reservedBytes, LongSupplier::getAsLong).strongReference(true).baseUnit("bytes")
        .description("Request body bytes held in the node's budget (max-buffered-body-bytes)").register(registry);
  }

  public AtomicInteger waitingLongPolls() {
    return waitingLongPolls;
  }

  public AtomicInteger openStreams() {
    return openStreams;
  }

  public void recordsIn(String topic, int records, long bytes) {
    TopicCounters counters = counters(topic);
    counters.recordsIn.increment(records);
    counters.bytesIn.increment(bytes);
  }

  public void recordsOut(String topic, int records, long bytes) {
    TopicCounters counters = counters(topic);
    counters.recordsOut.increment(records);
    counters.bytesOut.increment(bytes);
  }

  public void produceLatency(long nanos) {
    produceLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void fetchLatency(long nanos) {
    fetchLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Re-reads the series computed when scraped; called before each scrape. Partition sizes and
   * follower lags are read at once; the group lags complete later (they ask each partition's leader
   * for its high watermark), and the future completes when they are in. A series of a partition,
   * follower or group that is gone (a deleted topic or group, a leadership that moved) goes with it.
   */
  public CompletableFuture<Void> refresh() {
    partitionSizes.register(service.replicaSizes().stream()
        .map(replica -> MultiGauge.Row.of(partitionTags(replica.partition()), replica.sizeBytes()))
        .toList(), true);
    followerLags.register(service.followerLags().stream()
        .map(lag -> MultiGauge.Row.of(partitionTags(lag.partition()).and("follower", lag.follower()), lag.records()))
        .toList(), true);
    return refreshGroupLags();
  }

  private synchronized CompletableFuture<Void> refreshGroupLags() {
    if (groupLagRefresh.isDone()) {
      groupLagRefresh = service.groupLags().thenAccept(byGroup -> groupLags.register(byGroup.entrySet().stream()
          .flatMap(group -> group.getValue().stream()
              .map(lag -> MultiGauge.Row.of(partitionTags(lag.partition()).and("group", group.getKey()), lag.lag())))
          .toList(), true)).whenComplete((done, failure) -> {
            if (failure != null) {
              LOG.warn("consumer group lags not refreshed, the last ones stay: {}", failure.toString());
            }
          });
    }
    return groupLagRefresh;
  }

  private static Tags partitionTags(TopicPartition partition) {
    return Tags.of("topic", partition.topic(), "partition", String.valueOf(partition.partition()));
  }

  /**
   * This node's share of {@code GET /v1/cluster/stats}: the records and bytes each topic took in and
   * gave out through this node since it started (cumulative: clients turn two samples into rates), and
   * the size of every partition replica it holds. Internal topics are left out.
   */
  public JsonObject snapshot(long timestamp) {
    JsonArray traffic = new JsonArray();
    new TreeMap<>(topics).forEach((topic, counters) -> {
      if (!TopicNames.isInternal(topic)) {
        traffic.add(new JsonObject().put("topic", topic)
            .put("recordsIn", (long) counters.recordsIn.count()).put("recordsOut", (long) counters.recordsOut.count())
            .put("bytesIn", (long) counters.bytesIn.count()).put("bytesOut", (long) counters.bytesOut.count()));
      }
    });
    JsonArray partitions = new JsonArray();
    for (ReplicaSize replica : service.replicaSizes()) {
      if (!TopicNames.isInternal(replica.partition().topic())) {
        partitions.add(new JsonObject().put("topic", replica.partition().topic())
            .put("partition", replica.partition().partition()).put("sizeBytes", replica.sizeBytes()));
      }
    }
    return new JsonObject().put("timestamp", timestamp).put("topics", traffic).put("partitions", partitions);
  }

  private TopicCounters counters(String topic) {
    return topics.computeIfAbsent(topic, t -> new TopicCounters(counter("streamgate.records.in", t), counter("streamgate.bytes.in", t),
        counter("streamgate.records.out", t), counter("streamgate.bytes.out", t)));
  }

  private Counter counter(String name, String topic) {
    return Counter.builder(name).tag("topic", topic).register(registry);
  }

  /** A topic's traffic through this node. */
  private record TopicCounters(Counter recordsIn, Counter bytesIn, Counter recordsOut, Counter bytesOut) {}
}
