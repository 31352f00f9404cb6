package io.streamgate.cluster;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.EpochEndOffset;
import io.streamgate.logstore.LogSlice;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.RecordBatch;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Topics and partitions as the edge sees them, wherever they live. The gateway talks only to this
 * interface; {@link ClusteredPartitionService} implements it by routing to partition leaders (a node
 * alone is a cluster of one), so the HTTP, WebSocket, SSE and MQTT code never knows which node leads
 * what.
 *
 * <p>Every method is thread-safe and non-blocking: work that touches disk or the network runs on
 * the service's own threads, and futures may complete on any thread; callers hop back to their
 * own (the gateway to its event loop) before touching their state.
 *
 * <p>Errors arrive as failed futures: {@link TopicNotFoundException}, {@link TopicExistsException},
 * {@link InvalidTopicException} (and its {@link InvalidTopicNameException}, {@link InvalidPartitionsException},
 * {@link InvalidReplicationFactorException}), {@link InternalTopicException}, and the log store's ({@code InvalidConfigException},
 * {@code OffsetOutOfRangeException}, {@code RecordTooLargeException}, {@code CorruptRecordException},
 * {@code InvalidRecordException}, {@code WriteQueueFullException}, {@code LogStorageException}, and for an
 * idempotent Kafka producer's batch {@code OutOfOrderSequenceException}, {@code InvalidProducerEpochException},
 * {@code UnsupportedTransactionsException}, ...).
 */
public interface PartitionService extends AutoCloseable {

  /** The id of this node, as {@link PartitionDescription} names nodes. */
  String nodeId();

  /** Every node that ever joined the cluster: its addresses, whether it is alive, whether it is the controller. */
  List<ClusterNode> nodes();

  /**
   * Moves each partition's leadership to its preferred replica (the first listed) where that replica
   * is alive and in sync. Completes with the number of partitions whose leader moved.
   */
  CompletableFuture<Integer> rebalance();

  /**
   * Removes node {@code id} from the cluster for good, and from the metadata quorum: refused while it
   * holds replicas, unless {@code forget} (a node dead for good, whose replicas are then dropped).
   * Completes with the number of partitions it was taken out of.
   */
  CompletableFuture<Integer> removeNode(String id, boolean forget);

  CompletableFuture<TopicDescription> createTopic(TopicSpec spec);

  /**
   * Fails as {@link #createTopic} would for {@code spec} (a bad name, partition count, replication
   * factor or config, an existing topic), creating nothing; else completes with the topic it would
   * create, every configuration value filled in. For Kafka's {@code validate_only}.
   */
  CompletableFuture<TopicMetadata> validateTopic(TopicSpec spec);

  CompletableFuture<List<TopicSummary>> listTopics();

  CompletableFuture<TopicDescription> describeTopic(String topic);

  /**
   * Adds partitions (never removes: {@link InvalidPartitionsException}) and changes configuration keys;
   * a key mapped to {@code null} returns to its default. Internal topics: {@link InternalTopicException}.
   */
  CompletableFuture<TopicDescription> updateTopic(String topic, OptionalInt partitions, Map<String, ?> config);

  /**
   * Fails as {@link #updateTopic} would for the same change, changing nothing; else completes with
   * the topic as it would be, every configuration value filled in. For Kafka's {@code validate_only}.
   */
  CompletableFuture<TopicMetadata> validateTopicUpdate(String topic, OptionalInt partitions, Map<String, ?> config);

  /** Deletes a topic (internal ones: {@link InternalTopicException}); it is gone for readers and writers when the future completes, its files may linger briefly. */
  CompletableFuture<Void> deleteTopic(String topic);

  /**
   * Deletes a topic as {@link #deleteTopic(String)} does, only while its name is still the incarnation
   * {@code id} (checked where the deletion commits): {@link UnknownTopicIdException} once it was
   * deleted, or deleted and created again. Kafka's DeleteTopics by topic id.
   */
  CompletableFuture<Void> deleteTopic(String topic, TopicId id);

  /**
   * A topic's partition count and configuration, from this node's view of the metadata, without
   * waiting: the produce and consume paths ask this on every request. Empty for an unknown topic.
   */
  Optional<TopicMetadata> cachedTopic(String topic);

  /**
   * Who holds each partition of a topic (leader, leader epoch, replicas, ISR), from this node's view
   * of the metadata, without waiting; empty for an unknown topic. For clients that route to leaders
   * themselves (Kafka's Metadata).
   */
  Optional<List<PartitionState>> cachedPartitions(String topic);

  /** The id of the topic's current incarnation, from this node's view of the metadata; empty for an unknown topic. */
  Optional<TopicId> cachedTopicId(String topic);

  /**
   * The name of the live topic with this id, from this node's view of the metadata; empty for an id
   * no live topic has (never known, or a deleted topic's, even if its name was taken again).
   */
  Optional<String> cachedTopicName(TopicId id);

  /**
   * Appends a batch to a partition. Completes as {@code acks} says: {@link Acks#ALL} once the
   * records are committed (readable), {@link Acks#LEADER} once appended. {@link Acks#NONE} is the
   * caller's business (answer first, append anyway).
   */
  CompletableFuture<AppendResult> append(TopicPartition partition, RecordBatch batch, Acks acks);

  /**
   * A Kafka producer id no other producer of the cluster has had or will have (Kafka's
   * InitProducerId), across nodes and restarts; a batch carrying it is checked by the partition's
   * idempotent-producer rules (epochs, sequences, retries answered their first offsets). Fails with
   * {@link ClusterException} while the metadata quorum cannot commit.
   */
  CompletableFuture<Long> newProducerId();

  /**
   * As {@link #append}, but only where this node leads the partition: elsewhere it fails with {@link
   * NotLeaderException} and nothing is forwarded. For clients that find leaders themselves (Kafka's)
   * and must be told to look again rather than be served by another node.
   */
  CompletableFuture<AppendResult> appendHere(TopicPartition partition, RecordBatch batch, Acks acks);

  /**
   * Asked of the leader-only calls as {@code currentLeaderEpoch}: serve whatever the partition's
   * leader epoch (Kafka's -1, "no check").
   */
  int ANY_LEADER_EPOCH = -1;

  /**
   * As {@link #read}, but the batches are left in their segment file, to be sent from there
   * ({@link LogSlice}); and only where this node leads the partition (else {@link NotLeaderException}) in
   * {@code currentLeaderEpoch} as this node knows it: an older epoch fails with {@link
   * FencedLeaderEpochException}, a newer one with {@link UnknownLeaderEpochException} ({@link
   * #ANY_LEADER_EPOCH}: no check). Kafka's current-leader-epoch check (KIP-320).
   */
  CompletableFuture<LogSlice> sliceHere(TopicPartition partition, int currentLeaderEpoch, long offset, int maxBytes);

  /** As {@link #offsets}, only where this node leads the partition in {@code currentLeaderEpoch} (see {@link #sliceHere}). */
  CompletableFuture<PartitionOffsets> offsetsHere(TopicPartition partition, int currentLeaderEpoch, OptionalLong timestamp);

  /**
   * As {@link #sliceHere}, but served too where this node follows the partition in its ISR (a
   * consumer sent to a follower, KIP-392): batches below the high watermark the follower knows; an
   * offset outside its log fails with {@link OffsetNotAvailableException} (the leader answers for it).
   */
  CompletableFuture<LogSlice> sliceInSync(TopicPartition partition, int currentLeaderEpoch, long offset, int maxBytes);

  /** As {@link #offsetsHere} without a timestamp, served too by an in-sync follower (see {@link #sliceInSync}) with the offsets it knows. */
  CompletableFuture<PartitionOffsets> offsetsInSync(TopicPartition partition, int currentLeaderEpoch);

  /**
   * Where this node leads the partition: the in-sync follower a consumer in {@code clientRack}
   * reading from {@code offset} should fetch from instead (Kafka's preferred read replica), one in
   * its rack whose log spans the offset; empty where this node serves it best or does not lead.
   */
  Optional<String> preferredReadReplica(TopicPartition partition, String clientRack, long offset);

  /**
   * Where leader epoch {@code leaderEpoch} ends in the log of the partition's leader (Kafka's
   * OffsetForLeaderEpoch, see {@link EpochEndOffset}); empty when the log knows no epoch or {@code
   * leaderEpoch} is negative. Only where this node leads the partition in {@code currentLeaderEpoch}
   * (see {@link #sliceHere}).
   */
  CompletableFuture<Optional<EpochEndOffset>> endOffsetForEpochHere(TopicPartition partition, int currentLeaderEpoch,
      int leaderEpoch);

  /**
   * Reads committed batches from {@code offset}, up to {@code maxBytes} (at least one batch), from an
   * in-sync replica in {@code rack} if there is one (this node's first), else from the leader; null
   * for this node's rack. No replica serves past the high watermark it knows, so a follower may
   * answer a little behind the leader, never ahead of it.
   */
  CompletableFuture<ReadResult> read(TopicPartition partition, long offset, int maxBytes, String rack);

  /** As {@link #read(TopicPartition, long, int, String)} for a reader in this node's rack. */
  default CompletableFuture<ReadResult> read(TopicPartition partition, long offset, int maxBytes) {
    return read(partition, offset, maxBytes, null);
  }

  /**
   * Asked of {@link #offsets} as a timestamp: the first record holding the partition's largest
   * timestamp (Kafka's ListOffsets {@code -3}, "max timestamp").
   */
  long MAX_TIMESTAMP = -3;

  /**
   * The partition's readable range, and the first offset at or after {@code timestamp} if given
   * (or, for {@link #MAX_TIMESTAMP}, the first record holding the largest timestamp).
   */
  CompletableFuture<PartitionOffsets> offsets(TopicPartition partition, OptionalLong timestamp);

  /** Asked of {@link #deleteRecords} as the offset: the partition's high watermark (Kafka's {@code -1}), deleting every committed record. */
  long HIGH_WATERMARK = -1;

  /**
   * Deletes the records of a partition below {@code beforeOffset} (Kafka's DeleteRecords), at its
   * leader: the log start moves there, readers no longer see the records below it, and the
   * followers move theirs as they fetch. Completes with the new log start once the leader has it on
   * disk. An offset below the log start deletes nothing and answers the log start; one past the
   * high watermark, or negative other than {@link #HIGH_WATERMARK}, fails with {@code
   * OffsetOutOfRangeException}; an internal topic with {@link InternalTopicException}.
   */
  CompletableFuture<Long> deleteRecords(TopicPartition partition, long beforeOffset);

  /** As {@link #deleteRecords}, only where this node leads the partition (else {@link NotLeaderException}). */
  CompletableFuture<Long> deleteRecordsHere(TopicPartition partition, long beforeOffset);

  /**
   * Calls {@code onData} once, as soon as the partition has committed records at or past {@code
   * offset} (at once if it has already), or when the partition goes away. {@code onData} runs on
   * whatever thread noticed and must only hand off work. Used by long-polls and streams: nobody
   * polls in a loop. The committed records are those of the replica {@link #read} would read from
   * for {@code rack} (null: this node's rack).
   */
  Cancellable watch(TopicPartition partition, long offset, String rack, Runnable onData);

  /** As {@link #watch(TopicPartition, long, String, Runnable)} for a reader in this node's rack. */
  default Cancellable watch(TopicPartition partition, long offset, Runnable onData) {
    return watch(partition, offset, null, onData);
  }

  /**
   * Calls {@code onChange} whenever this node learns that a topic was created or deleted or got more
   * partitions, until cancelled; by then {@link #cachedTopic} and {@link #listTopics} show the change. It runs on whatever thread noticed and must
   * only hand off work. Used by subscriptions whose topics are not fixed, such as MQTT's {@code #}.
   */
  Cancellable watchTopics(Runnable onChange);

  @Override
  void close();
}
