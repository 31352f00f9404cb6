package io.streamgate.cluster.metadata;

import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicState;
import io.streamgate.cluster.metadata.MetadataCommand.AllocateProducerIds;
import io.streamgate.cluster.metadata.MetadataCommand.AlterScramCredentials;
import io.streamgate.cluster.metadata.MetadataCommand.CancelReassignment;
import io.streamgate.cluster.metadata.MetadataCommand.ChangeIsr;
import io.streamgate.cluster.metadata.MetadataCommand.CompleteReassignment;
import io.streamgate.cluster.metadata.MetadataCommand.CreateAcls;
import io.streamgate.cluster.metadata.MetadataCommand.CreateApiKey;
import io.streamgate.cluster.metadata.MetadataCommand.CreateTopic;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteAcls;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteTopic;
import io.streamgate.cluster.metadata.MetadataCommand.ElectLeader;
import io.streamgate.cluster.metadata.MetadataCommand.Fence;
import io.streamgate.cluster.metadata.MetadataCommand.ReassignPartition;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RemoveNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataCommand.RevokeApiKey;
import io.streamgate.cluster.metadata.MetadataCommand.SetReplicationThrottle;
import io.streamgate.cluster.metadata.MetadataCommand.StopNode;
import io.streamgate.cluster.metadata.MetadataCommand.UpdateTopic;
import io.streamgate.cluster.metadata.MetadataReply.Accepted;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.ApiKey;
import io.streamgate.cluster.security.ScramCredential;
import io.streamgate.cluster.security.ScramMechanism;
import io.streamgate.logstore.ProducerIds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The committed metadata, immutable: topics (deleted ones as tombstones) and nodes, by name, the
 * next Kafka producer id no node has been given, the ACLs (each once, in the order they were made)
 * the API keys by id and the users' SCRAM credentials by user and mechanism. The only way to a new state is {@link #apply}, a pure function of this
 * state and one command, so every voter that applies the same log reaches the same state. A change
 * copies the maps: metadata changes come at tens a second at most, and readers never lock. The ACL
 * list and the key map are immutable and passed on as they are by changes that do not touch them, so
 * that a reader (the authorizer, at every request) takes them without a copy.
 */
public record MetadataState(SortedMap<String, TopicState> topics, SortedMap<String, NodeState> nodes, long nextProducerId,
    List<AclBinding> acls, Map<String, ApiKey> apiKeys, Map<ScramCredential.Id, ScramCredential> scramCredentials,
    long replicationThrottle) {
  public static final MetadataState EMPTY = new MetadataState(new TreeMap<>(), new TreeMap<>());
  /** The most producer ids one command takes. */
  public static final int MAX_PRODUCER_ID_BLOCK = 1_000_000;
  /** The most ACLs the cluster holds: every request's authorization goes through them. */
  public static final int MAX_ACLS = 10_000;
  /** The most API keys the cluster holds. */
  public static final int MAX_API_KEYS = 10_000;
  /** The longest resource name, principal ({@code type:name}) or host an ACL, or owner a key, may have (characters). */
  public static final int MAX_NAME_LENGTH = 255;
  /** The most SCRAM credentials (user and mechanism) the cluster holds. */
  public static final int MAX_SCRAM_CREDENTIALS = 10_000;
  /** {@link #replicationThrottle} when catch-up traffic is not capped. */
  public static final long NO_THROTTLE = 0;

  public MetadataState {
    topics = Collections.unmodifiableSortedMap(new TreeMap<>(topics));
    nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
    acls = List.copyOf(acls); // no copy when it already is an immutable list: the common case
    apiKeys = Map.copyOf(apiKeys);
    scramCredentials = Map.copyOf(scramCredentials);
  }

  /** A state without a replication throttle. */
  public MetadataState(SortedMap<String, TopicState> topics, SortedMap<String, NodeState> nodes, long nextProducerId,
      List<AclBinding> acls, Map<String, ApiKey> apiKeys, Map<ScramCredential.Id, ScramCredential> scramCredentials) {
    this(topics, nodes, nextProducerId, acls, apiKeys, scramCredentials, NO_THROTTLE);
  }

  /** A state without SCRAM credentials. */
  public MetadataState(SortedMap<String, TopicState> topics, SortedMap<String, NodeState> nodes, long nextProducerId,
      List<AclBinding> acls, Map<String, ApiKey> apiKeys) {
    this(topics, nodes, nextProducerId, acls, apiKeys, Map.of());
  }

  /** A state without ACLs or API keys. */
  public MetadataState(SortedMap<String, TopicState> topics, SortedMap<String, NodeState> nodes, long nextProducerId) {
    this(topics, nodes, nextProducerId, List.of(), Map.of());
  }

  /** A state in which no producer id was handed out yet. */
  public MetadataState(SortedMap<String, TopicState> topics, SortedMap<String, NodeState> nodes) {
    this(topics, nodes, 0);
  }
  // One copy per field, so that a change names only what it changes (a hand-written copy of every field
  // once dropped the replication throttle).
  private MetadataState withTopics(SortedMap<String, TopicState> changed) {
    return new MetadataState(changed, nodes, nextProducerId, acls, apiKeys, scramCredentials, replicationThrottle);
  }

  private MetadataState withNodes(SortedMap<String, NodeState> changed) {
    return new MetadataState(topics, changed, nextProducerId, acls, apiKeys, scramCredentials, replicationThrottle);
  }

  private MetadataState withNextProducerId(long next) {
    return new MetadataState(topics, nodes, next, acls, apiKeys, scramCredentials, replicationThrottle);
  }

  private MetadataState withAcls(List<AclBinding> changed) {
    return new MetadataState(topics, nodes, nextProducerId, changed, apiKeys, scramCredentials, replicationThrottle);
  }

  private MetadataState withApiKeys(Map<String, ApiKey> changed) {
    return new MetadataState(topics, nodes, nextProducerId, acls, changed, scramCredentials, replicationThrottle);
  }

  private MetadataState withScramCredentials(Map<ScramCredential.Id, ScramCredential> changed) {
    return new MetadataState(topics, nodes, nextProducerId, acls, apiKeys, changed, replicationThrottle);
  }

  private MetadataState withReplicationThrottle(long bytesPerSecond) {
    return new MetadataState(topics, nodes, nextProducerId, acls, apiKeys, scramCredentials, bytesPerSecond);
  }

  /** Each registered node's rack, as its last registration gave it; a node in no rack is left out. */
  public Map<String, String> racks() {
    Map<String, String> racks = new TreeMap<>();
    nodes.values().stream().filter(node -> node.rack() != null).forEach(node -> racks.put(node.id(), node.rack()));
    return racks;
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
    } else if (command instanceof CreateAcls create) {
      return createAcls(create);
    } else if (command instanceof DeleteAcls delete) {
      return deleteAcls(delete);
    } else if (command instanceof CreateApiKey create) {
      return createApiKey(create);
    } else if (command instanceof RevokeApiKey revoke) {
      return revokeApiKey(revoke);
    } else if (command instanceof AlterScramCredentials alter) {
      return alterScramCredentials(alter);
    } else if (command instanceof StopNode stop) {
      return stop(stop);
    } else if (command instanceof ReassignPartition reassign) {
      return reassign(reassign);
    } else if (command instanceof CompleteReassignment complete) {
      return completeReassignment(complete);
    } else if (command instanceof CancelReassignment cancel) {
      return cancelReassignment(cancel);
    } else if (command instanceof SetReplicationThrottle throttle) {
      return setReplicationThrottle(throttle);
    } else if (command instanceof RemoveNode remove) {
      return remove(remove);
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
    TopicId id = create.id() != null ? create.id() : TopicId.derived(topic.name());
    Optional<TopicState> sameId = topics.values().stream().filter(other -> other.id().equals(id)).findFirst();
    // A tombstone's id too: a follower or client still holding it must never reach the new topic.
    if (sameId.isPresent() && create.id() != null) {
      return refuse(Reason.INVALID, "topic id " + id + " is " + sameId.get().name() + "'s");
    }
    // After a tombstone the versions go on, so that "version N" of a name is one state forever.
    TopicState tombstone = topics.get(topic.name());
    long version = tombstone == null ? 1 : tombstone.version() + 1;
    return withTopic(new TopicState(id, topic, create.partitions(), version, false), version);
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
    if (delete.expectedId() != null && !delete.expectedId().equals(topic.get().id())) {
      return refuse(Reason.UNKNOWN_TOPIC_ID, "topic " + delete.topic() + " is now " + topic.get().id() + ", not "
          + delete.expectedId());
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
      // A stopping node's follower catches up as it hands off; taken back in, it would be led to again.
      Optional<String> stopping = change.newIsr().stream().filter(id -> !partition.isr().contains(id))
          .filter(id -> node(id).map(NodeState::stopping).orElse(false)).findFirst();
      if (stopping.isPresent()) {
        return refuse(Reason.INVALID, "node " + stopping.get() + " is stopping: it joins no ISR (" + change.topic() + "-"
            + change.partition() + ")");
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

  // ------------------------------------------------ moving partitions

  private Result reassign(ReassignPartition reassign) {
    return partitionChange(reassign.topic(), reassign.partition(), reassign.expectedEpoch(), (topic, partition) -> {
      String tp = reassign.topic() + "-" + reassign.partition();
      List<String> target = reassign.target();
      if (target.isEmpty() || new HashSet<>(target).size() != target.size()) {
        return refuse(Reason.INVALID, "replicas " + target + " for " + tp + ": distinct nodes, at least one, are needed");
      }
      // The rules before format 10, under which such an entry was written: it must replay as it applied then.
      if (!reassign.mayReplaceOrResize() && partition.moving()) {
        return refuse(Reason.REASSIGNMENT_IN_PROGRESS, tp + " is already moving to " + partition.targetReplicas());
      }
      if (!reassign.mayReplaceOrResize() && target.size() != topic.topic().replicationFactor()) {
        return refuse(Reason.INVALID, "replicas " + target + " for " + tp + ": " + topic.topic().replicationFactor()
            + " are needed (a move of format 1 does not change the replication factor)");
      }
      Optional<String> unknown = target.stream().filter(node -> !nodes.containsKey(node)).findFirst();
      if (unknown.isPresent()) {
        return refuse(Reason.NODE_NOT_FOUND, "node " + unknown.get() + " never registered");
      }
      Optional<String> removed = target.stream().filter(this::isRemoved).findFirst();
      if (removed.isPresent()) {
        return refuseRemoved(removed.get());
      }
      return moved(topic, reassign.partition(), partition.reassignTo(target), tp);
    });
  }

  private Result completeReassignment(CompleteReassignment complete) {
    return partitionChange(complete.topic(), complete.partition(), complete.expectedEpoch(), (topic, partition) -> {
      List<String> target = partition.targetReplicas();
      if (!partition.moving() || !partition.isr().containsAll(target) || !target.contains(partition.leader())) {
        return refuse(Reason.INVALID, complete.topic() + "-" + complete.partition() + " cannot complete a move to " + target
            + " with leader " + partition.leader() + " and ISR " + partition.isr());
      }
      TopicState changed = topic.withPartition(complete.partition(), PartitionState::completeMove);
      if (complete.partition() == 0) {
        // The topic's replication factor is its first partition's, as Kafka describes it (and adds partitions with).
        changed = changed.withReplicationFactor(target.size());
      }
      return withTopic(changed, changed.version());
    });
  }

  private Result cancelReassignment(CancelReassignment cancel) {
    return partitionChange(cancel.topic(), cancel.partition(), cancel.expectedEpoch(), (topic, partition) -> {
      String tp = cancel.topic() + "-" + cancel.partition();
      if (!partition.moving()) {
        return refuse(Reason.NO_REASSIGNMENT, tp + " is not moving");
      }
      // Back to the original replicas, in the union's order (as Kafka reverts).
      return moved(topic, cancel.partition(), partition.reassignTo(partition.originalReplicas()), tp);
    });
  }

  /** The topic with its partition {@code p} now {@code moved}; refused when no replica left in sync could lead. */
  private Result moved(TopicState topic, int p, Optional<PartitionState> moved, String tp) {
    if (moved.isEmpty()) {
      return refuse(Reason.INVALID, "the leader of " + tp + " would leave and no replica left is in sync ("
          + topic.partition(p).isr() + ")");
    }
    TopicState changed = topic.withPartition(p, old -> moved.get());
    return withTopic(changed, changed.version());
  }

  private Result setReplicationThrottle(SetReplicationThrottle throttle) {
    if (throttle.bytesPerSecond() < 0) {
      return refuse(Reason.INVALID, "a replication throttle of " + throttle.bytesPerSecond() + " bytes/s");
    }
    return new Result(withReplicationThrottle(throttle.bytesPerSecond()), new Accepted(throttle.bytesPerSecond()));
  }

  private Result register(RegisterNode register) {
    if (isRemoved(register.node())) {
      return refuseRemoved(register.node());
    }
    long leaseEpoch = node(register.node()).map(NodeState::leaseEpoch).orElse(0L) + 1;
    return withNode(new NodeState(register.node(), register.address(), leaseEpoch, 0, false, register.rack()), leaseEpoch);
  }

  private Result renew(RenewLease renew) {
    Optional<NodeState> node = node(renew.node());
    if (node.isEmpty()) {
      return refuse(Reason.NODE_NOT_FOUND, "node " + renew.node() + " never registered");
    }
    if (node.get().removed()) {
      return refuseRemoved(renew.node());
    }
    if (node.get().leaseEpoch() != renew.leaseEpoch()) {
      return refuse(Reason.STALE_LEASE, "node " + renew.node() + " is in lease epoch " + node.get().leaseEpoch() + ", not "
          + renew.leaseEpoch());
    }
    // Counted, so that a controller's decision fenced on the count it saw is refused after this (ElectLeader).
    NodeState renewed = node.get().renewed();
    return withNode(renewed, renewed.renewals());
  }

  private Result stop(StopNode stop) {
    Optional<NodeState> node = node(stop.node());
    if (node.isEmpty()) {
      return refuse(Reason.NODE_NOT_FOUND, "node " + stop.node() + " never registered");
    }
    if (node.get().removed()) {
      return refuseRemoved(stop.node());
    }
    if (node.get().leaseEpoch() != stop.leaseEpoch()) {
      return refuse(Reason.STALE_LEASE, "node " + stop.node() + " is in lease epoch " + node.get().leaseEpoch() + ", not "
          + stop.leaseEpoch());
    }
    return withNode(node.get().stopped(), stop.leaseEpoch());
  }

  private boolean isRemoved(String node) {
    return node(node).map(NodeState::removed).orElse(false);
  }

  private Result refuseRemoved(String node) {
    return refuse(Reason.NODE_REMOVED, "node " + node + " was removed from the cluster for good");
  }

  private Result remove(RemoveNode remove) {
    String id = remove.node();
    if (isRemoved(id)) {
      return refuseRemoved(id);
    }
    TreeMap<String, TopicState> changedTopics = new TreeMap<>(topics);
    int partitionsLeft = 0;
    for (TopicState topic : topics.values()) {
      if (topic.deleted() || topic.partitions().stream().noneMatch(p -> p.replicas().contains(id))) {
        continue;
      }
      if (!remove.forget()) {
        return refuse(Reason.NODE_HOLDS_REPLICAS, "node " + id + " holds replicas of topic " + topic.name()
            + ": move them off it first, or forget it if it is dead for good");
      }
      List<PartitionState> partitions = new ArrayList<>();
      for (PartitionState partition : topic.partitions()) {
        boolean held = partition.replicas().contains(id);
        partitions.add(held ? partition.without(id) : partition);
        partitionsLeft += held ? 1 : 0;
      }
      changedTopics.put(topic.name(), topic.next(topic.topic(), partitions));
    }
    NodeState node = node(id).orElse(new NodeState(id, "", 0, 0));
    TreeMap<String, NodeState> changedNodes = new TreeMap<>(nodes);
    changedNodes.put(id, node.removedForGood());
    return new Result(withTopics(changedTopics).withNodes(changedNodes), new Accepted(partitionsLeft));
  }

  private Result allocateProducerIds(AllocateProducerIds allocate) {
    int count = allocate.count();
    if (count < 1 || count > MAX_PRODUCER_ID_BLOCK) {
      return refuse(Reason.INVALID, "a block of " + count + " producer ids; 1 to " + MAX_PRODUCER_ID_BLOCK + " may be taken at once");
    }
    if (nextProducerId > ProducerIds.MAX_ALLOCATED - count + 1) {
      return refuse(Reason.INVALID, "no " + count + " producer ids are left after " + nextProducerId);
    }
    return new Result(withNextProducerId(nextProducerId + count),
        new Accepted(nextProducerId));
  }

  private Result createAcls(CreateAcls create) {
    for (AclBinding acl : create.acls()) {
      Optional<String> tooLong = tooLong("resource name", acl.resourceName()).or(() -> tooLong("principal", acl.principal()))
          .or(() -> tooLong("host", acl.host()));
      if (tooLong.isPresent()) {
        return refuse(Reason.BEYOND_LIMIT, tooLong.get());
      }
    }
    LinkedHashSet<AclBinding> changed = new LinkedHashSet<>(acls);
    changed.addAll(create.acls());
    if (changed.size() > MAX_ACLS) {
      return refuse(Reason.BEYOND_LIMIT, "the cluster holds at most " + MAX_ACLS + " ACLs; it has " + acls.size() + " and "
          + (changed.size() - acls.size()) + " would be added");
    }
    return withAcls(List.copyOf(changed), changed.size() - acls.size());
  }

  private Result deleteAcls(DeleteAcls delete) {
    HashSet<AclBinding> removed = new HashSet<>(delete.acls());
    List<AclBinding> kept = acls.stream().filter(acl -> !removed.contains(acl)).toList();
    return withAcls(kept, acls.size() - kept.size());
  }

  private Result withAcls(List<AclBinding> changed, int count) {
    return new Result(withAcls(changed),
        new Accepted(count));
  }

  private Result createApiKey(CreateApiKey create) {
    ApiKey key = create.key();
    Optional<String> tooLong = tooLong("key id", key.id()).or(() -> tooLong("key owner", key.principal().toString()));
    if (tooLong.isPresent()) {
      return refuse(Reason.BEYOND_LIMIT, tooLong.get());
    }
    if (apiKeys.containsKey(key.id())) {
      return refuse(Reason.INVALID, "an API key with id " + key.id() + " exists");
    }
    if (apiKeys.size() >= MAX_API_KEYS) {
      return refuse(Reason.BEYOND_LIMIT, "the cluster holds at most " + MAX_API_KEYS + " API keys; revoke one first");
    }
    Map<String, ApiKey> changed = new HashMap<>(apiKeys);
    changed.put(key.id(), key);
    return new Result(withApiKeys(changed),
        new Accepted(1));
  }

  private Result revokeApiKey(RevokeApiKey revoke) {
    if (!apiKeys.containsKey(revoke.id())) {
      return refuse(Reason.API_KEY_NOT_FOUND, "no API key " + revoke.id());
    }
    Map<String, ApiKey> changed = new HashMap<>(apiKeys);
    changed.remove(revoke.id());
    return new Result(withApiKeys(changed),
        new Accepted(1));
  }

  private Result alterScramCredentials(AlterScramCredentials alter) {
    Map<ScramCredential.Id, ScramCredential> changed = new HashMap<>(scramCredentials);
    alter.deletions().forEach(changed::remove);
    for (ScramCredential credential : alter.upsertions()) {
      Optional<String> tooLong = tooLong("SCRAM user name", credential.user());
      if (tooLong.isPresent()) {
        return refuse(Reason.BEYOND_LIMIT, tooLong.get());
      }
      if (credential.user().isEmpty() || credential.iterations() < ScramMechanism.MIN_ITERATIONS
          || credential.iterations() > ScramMechanism.MAX_ITERATIONS) {
        return refuse(Reason.INVALID, "a SCRAM credential needs a user name and " + ScramMechanism.MIN_ITERATIONS + " to "
            + ScramMechanism.MAX_ITERATIONS + " iterations: " + credential);
      }
      changed.put(credential.id(), credential);
    }
    if (changed.size() > MAX_SCRAM_CREDENTIALS) {
      return refuse(Reason.BEYOND_LIMIT, "the cluster holds at most " + MAX_SCRAM_CREDENTIALS + " SCRAM credentials");
    }
    return new Result(withScramCredentials(changed),
        new Accepted(alter.upsertions().size() + alter.deletions().size()));
  }

  private static Optional<String> tooLong(String what, String value) {
    return value.length() > MAX_NAME_LENGTH
        ? Optional.of("a " + what + " is at most " + MAX_NAME_LENGTH + " characters, was " + value.length())
        : Optional.empty();
  }

  private Result withNode(NodeState node, long value) {
    TreeMap<String, NodeState> changed = new TreeMap<>(nodes);
    changed.put(node.id(), node);
    return new Result(withNodes(changed),
        new Accepted(value));
  }

  private Result withTopic(TopicState topic, long value) {
    TreeMap<String, TopicState> changed = new TreeMap<>(topics);
    changed.put(topic.name(), topic);
    return new Result(withTopics(changed),
        new Accepted(value));
  }

  private Result refuse(Reason reason, String detail) {
    return new Result(this, new Refused(reason, detail));
  }
}
