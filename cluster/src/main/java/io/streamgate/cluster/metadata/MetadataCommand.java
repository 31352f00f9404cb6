package io.streamgate.cluster.metadata;

import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.ApiKey;
import io.streamgate.cluster.security.ScramCredential;
import java.util.List;
import java.util.Map;

/**
 * A change to the cluster's metadata: one entry of the replicated log. Every command carries what
 * it expects to find (a version, an epoch), and {@link MetadataState#apply} checks it when the entry
 * is applied, in log order, on every voter alike; so no two different "version N" of a topic or
 * "epoch E" of a partition can exist. Commands are encoded by {@link MetadataCodec}.
 */
public sealed interface MetadataCommand {
  /**
   * A new topic with its id and its partitions' first assignment (all chosen by the proposer);
   * refused if it exists or another topic has the id. {@code id} is null only in an entry written
   * before topic ids: the topic then gets {@link TopicId#derived}.
   */
  record CreateTopic(TopicId id, TopicMetadata topic, List<PartitionState> partitions) implements MetadataCommand {
    public CreateTopic {
      partitions = List.copyOf(partitions);
    }
  }

  /**
   * Deletes a topic, leaving a tombstone so that a node which slept through it cannot bring it back.
   * With {@code expectedId} (Kafka's delete by topic id; format 10) only that incarnation of the name:
   * refused {@link MetadataReply.Reason#UNKNOWN_TOPIC_ID} once the name is another's (the topic was
   * deleted and created again after the proposer resolved the id); null for any.
   */
  record DeleteTopic(String topic, TopicId expectedId) implements MetadataCommand {
    /** A deletion of whichever topic has the name. */
    public DeleteTopic(String topic) {
      this(topic, null);
    }
  }

  /**
   * Replaces a topic's whole configuration and appends {@code addedPartitions} (assigned by the
   * proposer, as a create's are) after its partitions, if the topic is still at
   * {@code expectedVersion}. Topic admin's config changes and partition additions, in one command so
   * that both are checked against the same version.
   */
  record UpdateTopic(String topic, long expectedVersion, Map<String, String> config,
      List<PartitionState> addedPartitions) implements MetadataCommand {
    public UpdateTopic {
      config = Map.copyOf(config);
      addedPartitions = List.copyOf(addedPartitions);
    }
  }

  /**
   * Makes {@code newLeader} (a replica, or {@code null} for none) the partition's leader in epoch
   * {@code expectedEpoch + 1} with the ISR {@code newIsr} (distinct replicas, holding the new leader;
   * empty only without a leader), if the partition is still in {@code expectedEpoch}. With a
   * {@code fence}, only if that node has neither renewed nor registered since the proposer judged it.
   */
  record ElectLeader(String topic, int partition, int expectedEpoch, String newLeader, List<String> newIsr,
      Fence fence) implements MetadataCommand {
    public ElectLeader {
      newIsr = List.copyOf(newIsr);
    }
  }

  /**
   * A node as the proposer last saw it: its lease epoch and renewal count. A controller that judges a
   * node's lease expired fences its election on what it saw, so that the election is refused if the
   * node renewed (or restarted) before the election was applied: a decision made on a stale view
   * then cannot depose a live leader, whatever the timing (docs/replication.md).
   */
  record Fence(String node, long leaseEpoch, long renewals) {}

  /** The leader of {@code leaderEpoch} changes the ISR (Kafka's AlterPartition); refused once the epoch moved. */
  record ChangeIsr(String topic, int partition, int leaderEpoch, List<String> newIsr) implements MetadataCommand {
    public ChangeIsr {
      newIsr = List.copyOf(newIsr);
    }
  }

  /**
   * A node starts (again) at {@code address}, in {@code rack} (its fault domain; null for none): it
   * gets the next lease epoch, which fences its earlier run, and the rack replaces the one it had.
   */
  record RegisterNode(String node, String address, String rack) implements MetadataCommand {
    /** A node in no rack. */
    public RegisterNode(String node, String address) {
      this(node, address, null);
    }
  }

  /** A node renews its lease; refused unless {@code leaseEpoch} is its current one. */
  record RenewLease(String node, long leaseEpoch) implements MetadataCommand {}

  /**
   * A node starts a graceful stop (Kafka's controlled shutdown): from now on the controller moves its
   * leaderships to other in-sync replicas and takes it out of ISRs, and no ISR takes it in, until it
   * registers again. Refused unless {@code leaseEpoch} is its current one, as a renewal is.
   */
  record StopNode(String node, long leaseEpoch) implements MetadataCommand {}

  /**
   * Takes the next {@code count} Kafka producer ids (1 to {@link MetadataState#MAX_PRODUCER_ID_BLOCK})
   * for a node to hand out; answered the first of them. Ids are never handed out twice: the next free
   * one is part of the state, and of its snapshots.
   */
  record AllocateProducerIds(int count) implements MetadataCommand {}

  /**
   * Adds ACLs; those already there are kept as they are. Refused whole if the cluster would then hold
   * more than {@link MetadataState#MAX_ACLS} or a name is longer than {@link MetadataState#MAX_NAME_LENGTH}.
   */
  record CreateAcls(List<AclBinding> acls) implements MetadataCommand {
    public CreateAcls {
      acls = List.copyOf(acls);
    }
  }

  /**
   * Removes these exact ACLs, those of them still there: the proposer resolved its filter to the ACLs
   * it saw, so a delete never removes one made after it looked.
   */
  record DeleteAcls(List<AclBinding> acls) implements MetadataCommand {
    public DeleteAcls {
      acls = List.copyOf(acls);
    }
  }

  /** Adds an API key (made, id and hash, by the proposer); refused if its id is taken or the keys are at their limit. */
  record CreateApiKey(ApiKey key) implements MetadataCommand {}

  /** Removes an API key: from its commit on no node accepts it. Refused if there is no such key. */
  record RevokeApiKey(String id) implements MetadataCommand {}

  /**
   * Upserts and deletes users' SCRAM credentials (Kafka's AlterUserScramCredentials): an upsertion
   * replaces the user's credential of that mechanism, a deletion of one not there does nothing.
   * Refused whole if the cluster would then hold more than {@link MetadataState#MAX_SCRAM_CREDENTIALS},
   * a user name is empty or longer than {@link MetadataState#MAX_NAME_LENGTH}, or an iteration count
   * is outside Kafka's bounds.
   */
  record AlterScramCredentials(List<ScramCredential> upsertions, List<ScramCredential.Id> deletions) implements MetadataCommand {
    public AlterScramCredentials {
      upsertions = List.copyOf(upsertions);
      deletions = List.copyOf(deletions);
    }
  }

  // ------------------------------------------------ moving partitions (snapshot format 7)

  /**
   * Starts moving a partition to the replicas {@code target} (Kafka's AlterPartitionReassignments),
   * if it is still in {@code expectedEpoch}: its replicas become the union of the target and the
   * original replicas, the new ones adding, the dropped ones removing ({@link PartitionState#reassignTo}).
   * The target is distinct registered nodes that are not removed. With {@code mayReplaceOrResize}
   * (format 10) a move of a partition moving already replaces that move and the target may have any
   * count (a change of replication factor); without (format 1, as written before format 10, and
   * replayed by the rules it was written under) the partition must not be moving and the target must
   * have the topic's replication factor.
   */
  record ReassignPartition(String topic, int partition, int expectedEpoch, List<String> target, boolean mayReplaceOrResize)
      implements
        MetadataCommand {
    public ReassignPartition {
      target = List.copyOf(target);
    }
  }

  /**
   * Ends a move, if the partition is still in {@code expectedEpoch}: its replicas become the target,
   * once every target replica is in the ISR and the leader is one of them (the controller's step).
   */
  record CompleteReassignment(String topic, int partition, int expectedEpoch) implements MetadataCommand {}

  /**
   * Undoes a move, if the partition is still in {@code expectedEpoch}: its replicas are the original
   * ones again. A leader that is not one of them hands over to the first original replica in the ISR,
   * in the next epoch; refused if there is none.
   */
  record CancelReassignment(String topic, int partition, int expectedEpoch) implements MetadataCommand {}

  /**
   * Caps the catch-up traffic of replicas being added by a move, in bytes per second on each
   * leader ({@link MetadataState#NO_THROTTLE} for none). A setting, not a change of something found:
   * the last one committed holds.
   */
  record SetReplicationThrottle(long bytesPerSecond) implements MetadataCommand {}

  /**
   * Removes a node from the cluster for good (decommissioning, or forgetting a node that died for
   * good): it stays as a tombstone that can never register or renew again. Refused
   * {@link MetadataReply.Reason#NODE_HOLDS_REPLICAS} while a live topic's partition lists it among its
   * replicas, unless {@code forget}: then it is taken out of every replica list and ISR, and a
   * partition it led gets the first in-sync replica left as its leader (none if none is left), in the
   * next epoch. The proposer then takes it out of the Raft configuration. (Snapshot format 9.)
   */
  record RemoveNode(String node, boolean forget) implements MetadataCommand {}
}
