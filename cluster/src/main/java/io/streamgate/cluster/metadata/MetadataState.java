package io.streamgate.cluster.metadata;

import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicState;
import io.streamgate.cluster.metadata.MetadataCommand.AllocateProducerIds;
import io.streamgate.cluster.metadata.MetadataCommand.ChangeIsr;
import io.streamgate.cluster.metadata.MetadataCommand.CreateTopic;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteTopic;
import io.streamgate.cluster.metadata.MetadataCommand.ElectLeader;
import io.streamgate.cluster.metadata.MetadataCommand.Fence;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataCommand.UpdateTopic;
import io.streamgate.cluster.metadata.MetadataReply.Accepted;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.logstore.ProducerIds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The committed metadata, immutable: topics (deleted ones as tombstones) and nodes, by name, and the
 * next Kafka producer id no node has been given. The
 * only way to a new state is {@link #apply}, a pure function of this state and one command, so every
 * voter that applies the same log reaches the same state. A change copies the maps: metadata changes
 * come at tens a second at most, and readers never lock.
 */
public record MetadataState(SortedMap<String, TopicState> topics, SortedMap<String, NodeState> nodes, long nextProducerId) {
  public static final MetadataState EMPTY = new MetadataState(new TreeMap<>(), new TreeMap<>());
  /** The most producer ids one command takes. */
  public static final int MAX_PRODUCER_ID_BLOCK = 1_000_000;

  public MetadataState {
    topics = Collections.unmodifiableSortedMap(new TreeMap<>(topics));
    nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
  }

  /** A state in which no producer id was handed out yet. */
  public MetadataState(SortedMap<String, TopicState> topics, SortedMap<String, NodeState> nodes) {
    this(topics, nodes, 0);
  }

  /** The topic, unless it is absent or deleted. */
  public Optional<TopicState> topic(String name) {
    return Optional.ofNullable(topics.get(name)).filter(topic -> !topic.deleted());
  }

  public Optional<NodeState> node(String id) {
    return Optional.ofNullable(nodes.get(id));
  }

  /** The state after {@code command} and the reply to it; a refused command leaves this state as it is. */
  public Result apply(MetadataCommand command) {
    // Java 17 has no pattern switch; the interface is sealed, so the chain covers every command.
    if (command instanceof CreateTopic create) {
      return create(create);
    } else if (command instanceof DeleteTopic delete) {
      return delete(delete);
    } else if (command instanceof UpdateTopic update) {
      return update(update);
    } else if (command instanceof ElectLeader elect) {
      return elect(elect);
    } else if (command instanceof ChangeIsr change) {
      return changeIsr(change);
    } else if (command instanceof RegisterNode register) {
      return register(register);
    } else if (command instanceof AllocateProducerIds allocate) {
      return allocateProducerIds(allocate);
    }
    return renew((RenewLease) command);
  }

  /** A state and the reply of the command that led to it. */
  public record Result(MetadataState state, MetadataReply reply) {}

  private Result create(CreateTopic create) {
    TopicMetadata topic = create.topic();
    if (topic(topic.name()).isPresent()) {
      return refuse(Reason.TOPIC_EXISTS, "topic " + topic.name() + " exists");
    }
    Optional<String> invalid = invalidAssignment(topic, create.partitions());
    if (invalid.isPresent()) {
      return refuse(Reason.INVALID, invalid.get());
    }
    // After a tombstone the versions go on, so that "version N" of a name is one state forever.
    TopicState tombstone = topics.get(topic.name());
    long version = tombstone == null ? 1 : tombstone.version() + 1;
    return withTopic(new TopicState(topic, create.partitions(), version, false), version);
  }

  private static Optional<String> invalidAssignment(TopicMetadata topic, List<PartitionState> partitions) {
    if (topic.name().isEmpty() || topic.partitions() < 1 || topic.replicationFactor() < 1) {
      return Optional.of("a topic needs a name, a partition and a replica");
    }
    if (partitions.size() != topic.partitions()) {
      return Optional.of(partitions.size() + " partition states for " + topic.partitions() + " partitions");
    }
    return invalidPartitions(topic, partitions);
  }

  /** Why one of {@code partitions}, new to {@code topic}, cannot be, if one cannot. */
  private static Optional<String> invalidPartitions(TopicMetadata topic, List<PartitionState> partitions) {
    for (PartitionState partition : partitions) {
      if (partition.replicas().size() != topic.replicationFactor()
          || new HashSet<>(partition.replicas()).size() != partition.replicas().size()) {
        return Optional.of("replicas " + partition.replicas() + " for replication factor " + topic.replicationFactor());
      }
      if (partition.leaderEpoch() < 0 || !isReplicaSet(partition, partition.isr())
          || (partition.hasLeader() && !partition.isr().contains(partition.leader()))) {
        return Optional.of("leader " + partition.leader() + " and ISR " + partition.isr() + " must be replicas, the leader in sync");
      }
    }
    return Optional.empty();
  }

  private Result delete(DeleteTopic delete) {
    Optional<TopicState> topic = topic(delete.topic());
    if (topic.isEmpty()) {
      return refuse(Reason.TOPIC_NOT_FOUND, "topic " + delete.topic() + " not found");
    }
    TopicState tombstone = topic.get().tombstone();
    return withTopic(tombstone, tombstone.version());
  }

  private Result update(UpdateTopic update) {
    Optional<TopicState> found = topic(update.topic());
    if (found.isEmpty()) {
      return refuse(Reason.TOPIC_NOT_FOUND, "topic " + update.topic() + " not found");
    }
    TopicState topic = found.get();
    if (topic.version() != update.expectedVersion()) {
      return refuse(Reason.STALE_VERSION, "topic " + update.topic() + " is at version " + topic.version() + ", not "
          + update.expectedVersion());
    }
    TopicMetadata old = topic.topic();
    Optional<String> invalid = invalidPartitions(old, update.addedPartitions());
    if (invalid.isPresent()) {
      return refuse(Reason.INVALID, invalid.get());
    }
    List<PartitionState> partitions = new ArrayList<>(topic.partitions());
    partitions.addAll(update.addedPartitions());
    TopicState updated = topic.next(new TopicMetadata(old.name(), partitions.size(), old.replicationFactor(), update.config()),
        partitions);
    return withTopic(updated, updated.version());
  }

  private Result elect(ElectLeader elect) {
    return partitionChange(elect.topic(), elect.partition(), elect.expectedEpoch(), (topic, partition) -> {
      Fence fence = elect.fence();
      if (fence != null && !node(fence.node()).map(node -> node.leaseEpoch() == fence.leaseEpoch()
          && node.renewals() == fence.renewals()).orElse(false)) {
        return refuse(Reason.STALE_LEASE, "node " + fence.node() + " is no longer at " + fence + ": "
            + node(fence.node()).map(String::valueOf).orElse("not registered"));
      }
      String leader = elect.newLeader();
      List<String> isr = elect.newIsr();
      if (leader != null && !partition.replicas().contains(leader)) {
        return refuse(Reason.INVALID, leader + " is not a replica of " + elect.topic() + "-" + elect.partition());
      }
      if (!isReplicaSet(partition, isr) || (leader != null && !isr.contains(leader))) {
        return refuse(Reason.INVALID, "ISR " + isr + " must be distinct replicas of " + elect.topic() + "-"
            + elect.partition() + " and hold the new leader " + leader);
      }
      PartitionState elected = partition.elect(leader, isr);
      return withTopic(topic.withPartition(elect.partition(), p -> elected), elected.leaderEpoch());
    });
  }

  private Result changeIsr(ChangeIsr change) {
    return partitionChange(change.topic(), change.partition(), change.leaderEpoch(), (topic, partition) -> {
      if (!isReplicaSet(partition, change.newIsr())
          || (partition.hasLeader() && !change.newIsr().contains(partition.leader()))) {
        return refuse(Reason.INVALID, "ISR " + change.newIsr() + " must be replicas of " + change.topic() + "-"
            + change.partition() + " and hold its leader");
      }
      TopicState changed = topic.withPartition(change.partition(), p -> p.withIsr(change.newIsr()));
      return withTopic(changed, changed.version());
    });
  }

  private interface PartitionChange {
    Result apply(TopicState topic, PartitionState partition);
  }

  /** Runs {@code change} if the partition exists and is still in {@code expectedEpoch}. */
  private Result partitionChange(String name, int partition, int expectedEpoch, PartitionChange change) {
    Optional<TopicState> found = topic(name);
    if (found.isEmpty()) {
      return refuse(Reason.TOPIC_NOT_FOUND, "topic " + name + " not found");
    }
    TopicState topic = found.get();
    if (partition < 0 || partition >= topic.partitions().size()) {
      return refuse(Reason.INVALID, "topic " + name + " has no partition " + partition);
    }
    PartitionState current = topic.partition(partition);
    if (current.leaderEpoch() != expectedEpoch) {
      return refuse(Reason.STALE_EPOCH, name + "-" + partition + " is in leader epoch " + current.leaderEpoch() + ", not "
          + expectedEpoch);
    }
    return change.apply(topic, current);
  }

  private static boolean isReplicaSet(PartitionState partition, List<String> nodes) {
    return partition.replicas().containsAll(nodes) && new HashSet<>(nodes).size() == nodes.size();
  }

  private Result register(RegisterNode register) {
    long leaseEpoch = node(register.node()).map(NodeState::leaseEpoch).orElse(0L) + 1;
    return withNode(new NodeState(register.node(), register.address(), leaseEpoch, 0), leaseEpoch);
  }

  private Result renew(RenewLease renew) {
    Optional<NodeState> node = node(renew.node());
    if (node.isEmpty()) {
      return refuse(Reason.NODE_NOT_FOUND, "node " + renew.node() + " never registered");
    }
    if (node.get().leaseEpoch() != renew.leaseEpoch()) {
      return refuse(Reason.STALE_LEASE, "node " + renew.node() + " is in lease epoch " + node.get().leaseEpoch() + ", not "
          + renew.leaseEpoch());
    }
    // Counted, so that a controller's decision fenced on the count it saw is refused after this (ElectLeader).
    NodeState renewed = node.get().renewed();
    return withNode(renewed, renewed.renewals());
  }

  private Result allocateProducerIds(AllocateProducerIds allocate) {
    int count = allocate.count();
    if (count < 1 || count > MAX_PRODUCER_ID_BLOCK) {
      return refuse(Reason.INVALID, "a block of " + count + " producer ids; 1 to " + MAX_PRODUCER_ID_BLOCK + " may be taken at once");
    }
    if (nextProducerId > ProducerIds.MAX_ALLOCATED - count + 1) {
      return refuse(Reason.INVALID, "no " + count + " producer ids are left after " + nextProducerId);
    }
    return new Result(new MetadataState(topics, nodes, nextProducerId + count), new Accepted(nextProducerId));
  }

  private Result withNode(NodeState node, long value) {
    TreeMap<String, NodeState> changed = new TreeMap<>(nodes);
    changed.put(node.id(), node);
    return new Result(new MetadataState(topics, changed, nextProducerId), new Accepted(value));
  }

  private Result withTopic(TopicState topic, long value) {
    TreeMap<String, TopicState> changed = new TreeMap<>(topics);
    changed.put(topic.name(), topic);
    return new Result(new MetadataState(changed, nodes, nextProducerId), new Accepted(value));
  }

  private Result refuse(Reason reason, String detail) {
    return new Result(this, new Refused(reason, detail));
  }
}
