package io.streamgate.cluster;

import io.streamgate.cluster.metadata.MetadataCommand.CreateTopic;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteTopic;
import io.streamgate.cluster.metadata.MetadataCommand.UpdateTopic;
import io.streamgate.cluster.metadata.MetadataReply;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.logstore.LogConfig;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * Topic administration: create, change, delete, list and describe topics, each change a command to
 * the metadata log (checked against the topic's version when it is applied), answered once every
 * partition's leader serves it; where new partitions' replicas go; the internal topics the cluster
 * and the edges keep their state in; and the watchers told when topics appear, go or grow.
 */
final class TopicAdmin {
  /** The most partitions a topic may have; past it a request is refused rather than filling the disk with directories. */
  static final int MAX_PARTITIONS = 1000;
  /** The most replicas an internal topic ({@code __groups}, ...) gets. */
  static final int MAX_INTERNAL_REPLICATION = 3;
  /** How long a topic change may take to reach every partition's leader before the request answers anyway. */
  private static final long SERVED_WAIT_MS = 10_000;
  /** How often a topic change is made again when other changes keep coming first. */
  private static final int MAX_UPDATE_ATTEMPTS = 10;

  private final Vertx vertx;
  private final ClusterMetadata metadata;
  private final NodeLiveness liveness;
  private final NodeLease lease;
  private final Executor metadataThread;
  /** Asks each partition's leader for its offsets, for {@link #describeTopic}. */
  private final PartitionRouter router;
  private final List<Runnable> topicWatchers = new CopyOnWriteArrayList<>();
  /** Partition counts of the live topics, as last told to {@link #topicWatchers}; on the metadata thread. */
  private final Map<String, Integer> watchedTopicShapes = new HashMap<>();

  TopicAdmin(Vertx vertx, ClusterMetadata metadata, NodeLiveness liveness, NodeLease lease, Executor metadataThread,
      PartitionRouter router) {
    this.vertx = vertx;
    this.metadata = metadata;
    this.liveness = liveness;
    this.lease = lease;
    this.metadataThread = metadataThread;
    this.router = router;
  }

  CompletableFuture<TopicDescription> createTopic(TopicSpec spec) {
    return onMetadata(() -> {
      List<String> alive = liveNodesToPlaceOn();
      TopicMetadata topic = checked(spec, alive);
      return new CreateTopic(TopicId.random(), topic, place(spec.name(), 0, spec.partitions(), spec.replicationFactor(), alive,
          metadata.racks()));
    }).thenCompose(metadata::submit).thenApply(reply -> {
      refusedAs(reply, Reason.TOPIC_EXISTS, () -> new TopicExistsException("topic '" + spec.name() + "' exists already"));
      return spec.name();
    }).thenCompose(this::whenServed);
  }

  /** Fails as {@link #createTopic} would, without creating anything; completes with the topic's full configuration. */
  CompletableFuture<TopicMetadata> validateTopic(TopicSpec spec) {
    return onMetadata(() -> {
      TopicMetadata topic = checked(spec, liveNodesToPlaceOn());
      if (metadata.topic(spec.name()).isPresent()) {
        throw new TopicExistsException("topic '" + spec.name() + "' exists already");
      }
      return topic;
    });
  }

  /** The topic {@code spec} asks for, with every configuration value, if it may be created; on the metadata thread. */
  private static TopicMetadata checked(TopicSpec spec, List<String> alive) {
    TopicNames.requireValid(spec.name());
    if (TopicNames.isInternal(spec.name())) {
      throw new InvalidTopicNameException("topic names starting with '__' are internal");
    }
    validatePartitions(spec.partitions());
    if (spec.replicationFactor() < 1 || spec.replicationFactor() > alive.size()) {
      throw new InvalidReplicationFactorException("replication factor " + spec.replicationFactor()
          + (spec.replicationFactor() < 1 ? " must be at least 1" : " is more than the " + alive.size()
              + " live node" + (alive.size() == 1 ? "" : "s") + " of this cluster"));
    }
    Map<String, String> config = TopicConfigs.merge(TopicConfigs.defaults(), spec.config());
    return new TopicMetadata(spec.name(), spec.partitions(), spec.replicationFactor(), config);
  }

  CompletableFuture<List<TopicSummary>> listTopics() {
    return CompletableFuture.completedFuture(metadata.liveTopics().stream()
        .filter(t -> !TopicNames.isInternal(t.name()))
        .map(t -> new TopicSummary(t.name(), t.topic().partitions(), t.topic().replicationFactor())).toList());
  }

  /** Describes a topic, with each partition's offsets as its leader reports them; fails retriably while a leader is unreachable. */
  CompletableFuture<TopicDescription> describeTopic(String name) {
    TopicState topic;
    try {
      topic = topicOrThrow(metadata, name);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<CompletableFuture<PartitionDescription>> partitions = new ArrayList<>();
    for (int p = 0; p < topic.partitions().size(); p++) {
      PartitionState state = topic.partition(p);
      int partition = p;
      partitions
          .add(router.offsets(new TopicPartition(name, p), OptionalLong.empty()).thenApply(offsets -> new PartitionDescription(partition,
              state.leader(), state.replicas(), state.isr(), offsets.earliest(), offsets.latest())));
    }
    return CompletableFuture.allOf(partitions.toArray(CompletableFuture[]::new))
        .thenApply(done -> new TopicDescription(name, topic.id(), topic.topic().replicationFactor(), topic.topic().config(),
            partitions.stream().map(CompletableFuture::join).toList()));
  }

  CompletableFuture<TopicDescription> updateTopic(String name, OptionalInt partitions, Map<String, ?> configChanges) {
    return updateTopic(name, partitions, configChanges, 1).thenCompose(this::whenServed);
  }

  /** Fails as {@link #updateTopic} would, changing nothing; completes with the topic as it would be. */
  CompletableFuture<TopicMetadata> validateTopicUpdate(String name, OptionalInt partitions, Map<String, ?> configChanges) {
    return onMetadata(() -> {
      TopicNames.refuseInternal(name, "change");
      return checkedUpdate(topicOrThrow(metadata, name), partitions, configChanges);
    });
  }

  /** The topic {@code current} (not internal) becomes with the change, if it may be made; on the metadata thread. */
  private TopicMetadata checkedUpdate(TopicState current, OptionalInt partitions, Map<String, ?> configChanges) {
    String name = current.name();
    int count = partitions.orElse(current.topic().partitions());
    if (count < current.topic().partitions()) {
      throw new InvalidPartitionsException("topic '" + name + "' has " + current.topic().partitions()
          + " partitions; partitions can be added, never removed");
    }
    validatePartitions(count);
    Map<String, String> config = TopicConfigs.merge(current.topic().config(), configChanges);
    int replicationFactor = current.topic().replicationFactor();
    int alive = liveNodesToPlaceOn().size();
    if (count > current.topic().partitions() && replicationFactor > alive) {
      throw new InvalidReplicationFactorException("cannot place new partitions with replication factor " + replicationFactor
          + " on the " + alive + " live nodes");
    }
    return new TopicMetadata(name, count, replicationFactor, config);
  }

  /**
   * Proposes the change to the topic's version this node knows; if another change came first, the
   * metadata log refuses it, and it is made again on the version after that, as a compare-and-set
   * loop would (this node has applied the newer version by then).
   */
  private CompletableFuture<String> updateTopic(String name, OptionalInt partitions, Map<String, ?> configChanges, int attempt) {
    return onMetadata(() -> {
      TopicNames.refuseInternal(name, "change");
      TopicState current = topicOrThrow(metadata, name);
      TopicMetadata updated = checkedUpdate(current, partitions, configChanges);
      List<String> alive = liveNodesToPlaceOn();
      return new UpdateTopic(name, current.version(), updated.config(),
          place(name, current.topic().partitions(), updated.partitions(), updated.replicationFactor(), alive, metadata.racks()));
    }).thenCompose(metadata::submit).thenCompose(reply -> {
      if (reply instanceof Refused refused && refused.reason() == Reason.STALE_VERSION && attempt < MAX_UPDATE_ATTEMPTS) {
        return updateTopic(name, partitions, configChanges, attempt + 1);
      }
      refusedAs(reply, Reason.TOPIC_NOT_FOUND, () -> new TopicNotFoundException("topic '" + name + "' does not exist"));
      return CompletableFuture.completedFuture(name);
    });
  }

  CompletableFuture<Void> deleteTopic(String name) {
    return onMetadata(() -> {
      TopicNames.refuseInternal(name, "delete");
      topicOrThrow(metadata, name);
      return new DeleteTopic(name);
    }).thenCompose(metadata::submit).thenApply(reply -> {
      refusedAs(reply, Reason.TOPIC_NOT_FOUND, () -> new TopicNotFoundException("topic '" + name + "' does not exist"));
      return null;
    });
  }

  /**
   * Deletes the topic {@code name} if it is still the incarnation {@code id} when the deletion
   * commits; {@link UnknownTopicIdException} otherwise (deleted, or deleted and created again).
   */
  CompletableFuture<Void> deleteTopic(String name, TopicId id) {
    Supplier<RuntimeException> unknown = () -> new UnknownTopicIdException("no topic " + name + " has id " + id);
    return onMetadata(() -> {
      TopicNames.refuseInternal(name, "delete");
      if (!metadata.topic(name).map(topic -> topic.id().equals(id)).orElse(false)) {
        throw unknown.get();
      }
      return new DeleteTopic(name, id);
    }).thenCompose(metadata::submit).thenApply(reply -> {
      if (reply instanceof Refused refused && refused.reason() == Reason.TOPIC_NOT_FOUND) {
        throw unknown.get();
      }
      refusedAs(reply, Reason.UNKNOWN_TOPIC_ID, unknown);
      return null;
    });
  }

  Optional<TopicMetadata> cachedTopic(String topic) {
    return metadata.topic(topic).map(TopicState::topic);
  }

  // ---------------------------------------------------------------- internal topics

  /**
   * Creates the internal topic {@code name} (it must start with {@code __}) if it does not exist yet:
   * compacted, with {@code partitions} partitions, replicated as {@code __groups} is; completes once
   * its leaders serve it.
   */
  CompletableFuture<Void> ensureInternalTopic(String name, int partitions) {
    if (!TopicNames.isInternal(name)) {
      return CompletableFuture.failedFuture(new InvalidTopicNameException("'" + name + "' is not an internal topic name"));
    }
    validatePartitions(partitions);
    return ensureTopic(name, (nodes, racks) -> compactedInternalTopic(name, partitions, nodes, racks));
  }

  /**
   * Creates topic {@code name} as {@code definition} makes it for the cluster's nodes and their racks,
   * if it does not exist yet; completes once its leaders serve it.
   */
  CompletableFuture<Void> ensureTopic(String name, BiFunction<List<String>, Map<String, String>, TopicState> definition) {
    if (metadata.topic(name).isPresent()) {
      return CompletableFuture.completedFuture(null);
    }
    // On every node of the cluster, not those this node has seen renew so far: an internal topic is
    // made by the first node that needs it, often while the others are still starting.
    TopicState wanted = definition.apply(metadata.clusterNodes(), metadata.racks());
    // Refused as existing when another node created it first: as good.
    return metadata.submit(new CreateTopic(wanted.id(), wanted.topic(), wanted.partitions())).thenApply(reply -> name)
        .thenCompose(this::whenServed).thenApply(served -> null);
  }

  /**
   * An internal compacted topic as a cluster of {@code nodes} in {@code racks} starts it: up to
   * {@link #MAX_INTERNAL_REPLICATION} replicas, {@code min.insync.replicas} 2 when there are two.
   */
  static TopicState compactedInternalTopic(String name, int partitions, List<String> nodes, Map<String, String> racks) {
    int replicationFactor = Math.min(MAX_INTERNAL_REPLICATION, nodes.size());
    Map<String, String> config = TopicConfigs.merge(TopicConfigs.defaults(), Map.of(
        LogConfig.CLEANUP_POLICY, "compact",
        TopicConfigs.MIN_INSYNC_REPLICAS, String.valueOf(Math.min(2, replicationFactor)),
        LogConfig.SEGMENT_BYTES, String.valueOf(64 * 1024 * 1024)));
    TopicMetadata topic = new TopicMetadata(name, partitions, replicationFactor, config);
    return new TopicState(TopicId.random(), topic,
        place(name, 0, partitions, replicationFactor, nodes.stream().sorted().toList(), racks), 0, false);
  }

  // ---------------------------------------------------------------- topic watchers

  /** Tells the topic watchers when a topic appears, goes, or gets more partitions (not for leader and ISR moves). Metadata thread. */
  void tellTopicWatchers(TopicState changed) {
    Integer partitions = changed.deleted() ? null : changed.topic().partitions();
    Integer before = partitions == null ? watchedTopicShapes.remove(changed.name()) : watchedTopicShapes.put(changed.name(), partitions);
    if (!Objects.equals(before, partitions)) {
      // Queued behind the change itself: the metadata takes the new state after telling its listeners,
      // and a watcher that looks must find it.
      metadataThread.execute(() -> topicWatchers.forEach(Runnable::run));
    }
  }

  Cancellable watchTopics(Runnable onChange) {
    Runnable watcher = onChange::run;  // a watcher of its own, so cancelling removes this registration only
    topicWatchers.add(watcher);
    return () -> topicWatchers.remove(watcher);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Replicas for partitions {@code from} up to {@code to} of {@code topic} on {@code nodes} (Kafka's
   * rack-aware assignment): the nodes are ordered rack by rack in turn (the first node of each rack,
   * then the second of each, ...); partition p's preferred leader is the node at a start chosen by
   * the topic's name plus p in that order (so leaders spread over nodes and racks), and its other
   * replicas the next nodes in that order whose racks it has not got yet, then, once every rack has
   * one, the next nodes whatever their rack. So each partition spans as many racks as it can
   * (min(replicationFactor, racks)). Racks count only when every node has one ({@code racks}: node
   * → rack, a node in none left out), as Kafka's rack-aware mode needs them all: without, partition
   * p's replicas are the consecutive nodes from that start, as before racks. A pure function of its
   * arguments (a later partition of the same topic and nodes lands as it would have in one call),
   * for topic creation, partition additions and plans that move replicas.
   */
  static List<PartitionState> place(String topic, int from, int to, int replicationFactor, List<String> nodes,
      Map<String, String> racks) {
    boolean rackAware = nodes.stream().allMatch(racks::containsKey);
    Function<String, String> rackOf = rackAware ? racks::get : node -> "";
    List<String> order = rackAlternated(nodes, rackOf);
    long rackCount = nodes.stream().map(rackOf).distinct().count();
    CRC32 crc = new CRC32();
    crc.update(topic.getBytes(StandardCharsets.UTF_8));
    int start = (int) (crc.getValue() % order.size());
    List<PartitionState> placed = new ArrayList<>();
    for (int p = from; p < to; p++) {
      List<String> replicas = new ArrayList<>();
      Set<String> racksHeld = new HashSet<>();
      // One per rack first, walking the order from the partition's start...
      for (int k = 0; k < order.size() && replicas.size() < replicationFactor && racksHeld.size() < rackCount; k++) {
        String node = order.get((start + p + k) % order.size());
        if (racksHeld.add(rackOf.apply(node))) {
          replicas.add(node);
        }
      }
      // ...then, every rack held, the next nodes not taken yet.
      for (int k = 0; k < order.size() && replicas.size() < replicationFactor; k++) {
        String node = order.get((start + p + k) % order.size());
        if (!replicas.contains(node)) {
          replicas.add(node);
        }
      }
      placed.add(new PartitionState(replicas.get(0), 0, replicas, replicas));
    }
    return placed;
  }

  /** {@code nodes} rack by rack in turn (racks in name order, each rack's nodes in their given order); one rack: as given. */
  private static List<String> rackAlternated(List<String> nodes, Function<String, String> rackOf) {
    Map<String, List<String>> byRack = new TreeMap<>();
    nodes.forEach(node -> byRack.computeIfAbsent(rackOf.apply(node), rack -> new ArrayList<>()).add(node));
    List<String> order = new ArrayList<>(nodes.size());
    for (int i = 0; order.size() < nodes.size(); i++) {
      for (List<String> rack : byRack.values()) {
        if (i < rack.size()) {
          order.add(rack.get(i));
        }
      }
    }
    return order;
  }

  /** The live topic {@code name}, or {@link TopicNotFoundException}. */
  static TopicState topicOrThrow(ClusterMetadata metadata, String name) {
    return metadata.topic(name).orElseThrow(() -> new TopicNotFoundException("topic '" + name + "' does not exist"));
  }

  /** Completes with the topic's description once every partition's leader serves it (or after a bounded wait). */
  private CompletableFuture<TopicDescription> whenServed(String topic) {
    long deadline = System.currentTimeMillis() + SERVED_WAIT_MS;
    CompletableFuture<TopicDescription> served = new CompletableFuture<>();
    checkServed(topic, deadline, served);
    return served;
  }

  private void checkServed(String topic, long deadline, CompletableFuture<TopicDescription> served) {
    describeTopic(topic).whenComplete((description, failure) -> {
      Throwable cause = Failures.cause(failure);
      if (failure == null && description.partitions().stream().allMatch(p -> p.leader() != null) || cause != null
          && !(cause instanceof RetriableClusterException) || System.currentTimeMillis() > deadline) {
        if (failure == null) {
          served.complete(description);
        } else {
          served.completeExceptionally(cause);
        }
        return;
      }
      vertx.setTimer(50, id -> checkServed(topic, deadline, served));
    });
  }

  /**
   * The nodes new replicas may go to: those seen renewing their lease. Only a node that holds its
   * own lease has seen the cluster as it is now; before (starting, or cut off from a majority of
   * the metadata voters) it answers retriably rather than place replicas on the few it has seen.
   */
  private List<String> liveNodesToPlaceOn() {
    if (!lease.holds()) {
      throw new NotEnoughReplicasException("node " + metadata.nodeId() + " does not hold its lease (it is starting, or cut"
          + " off from a majority of the metadata voters): it cannot place replicas now");
    }
    return liveness.aliveNodes();
  }

  /** Throws what {@code failure} makes if {@code reply} is a refusal for {@code reason}, a {@link ClusterException} for any other refusal. */
  private static void refusedAs(MetadataReply reply, Reason reason, Supplier<RuntimeException> failure) {
    if (reply instanceof Refused refused) {
      throw refused.reason() == reason ? failure.get()
          : new ClusterException("the metadata log refused the change: " + refused.detail());
    }
  }

  private static void validatePartitions(int partitions) {
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new InvalidPartitionsException("partitions must be between 1 and " + MAX_PARTITIONS + ", was " + partitions);
    }
  }

  private <T> CompletableFuture<T> onMetadata(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, metadataThread);
  }
}
