package io.streamgate.cluster.groups;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.GroupService.OffsetCommit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Kafka's classic consumer-group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the
 * member-checked OffsetCommit) on Streamgate's groups: the same coordinator, groups thread,
 * {@code __groups} log and committed offsets as {@link GroupService}. The group is client-assigned:
 * the coordinator collects the members, elects a leader member, gives it every member's metadata and
 * hands out the assignments it sends back; metadata and assignments are opaque bytes, so the protocol
 * types {@code consumer}, {@code connect} and {@code stream} are all served alike. A group has
 * members of one protocol at a time ({@link InconsistentGroupProtocolException}).
 *
 * <p>Every call but {@link #coordinatorNode} must reach the group's coordinator (Kafka clients find
 * it with FindCoordinator); elsewhere futures fail with {@link NotCoordinatorException}, while the
 * coordinator loads with {@link CoordinatorLoadInProgressException}, both retriable. Otherwise they
 * fail with the catalogue's exceptions of Kafka's errors: {@link MemberIdRequiredException},
 * {@link MemberNotFoundException} (UNKNOWN_MEMBER_ID), {@link RebalanceConflictException}
 * (ILLEGAL_GENERATION), {@link RebalanceInProgressException}, {@link InconsistentGroupProtocolException},
 * {@link FencedInstanceIdException}, {@link GroupMaxSizeReachedException} and
 * {@link InvalidGroupRequestException} (a bad name, timeout or size). Thread-safe; futures complete
 * on the coordinator's groups thread, so what is chained on them must not block.
 */
public interface ClassicGroups {

  /** One protocol a member supports (e.g. the assignor {@code range}) with its opaque metadata. */
  record Protocol(String name, byte[] metadata) {}

  /**
   * A JoinGroup. {@code memberId} is empty for a member's first join; {@code rebalanceTimeoutMs}
   * 0 or less means the session timeout (JoinGroup v0 has none); a null client id (Kafka's request
   * header allows one) is empty.
   */
  record JoinRequest(String group, String memberId, Optional<String> groupInstanceId, String clientId, String clientHost,
      String protocolType, List<Protocol> protocols, int sessionTimeoutMs, int rebalanceTimeoutMs, boolean requireKnownMemberId) {
    public JoinRequest {
      Objects.requireNonNull(memberId, "memberId");
      Objects.requireNonNull(groupInstanceId, "groupInstanceId");
      Objects.requireNonNull(protocolType, "protocolType");
      clientId = clientId == null ? "" : clientId;
      clientHost = clientHost == null ? "" : clientHost;
      protocols = List.copyOf(protocols);
    }
  }

  /** A member as the leader's JoinGroup answer lists it: its metadata for the chosen protocol. */
  record JoinedMember(String memberId, Optional<String> groupInstanceId, byte[] metadata) {}

  /**
   * A JoinGroup's answer: the generation, the chosen protocol, the leader, the member's own id and,
   * for the leader only, every member's metadata (empty for the others). {@code skipAssignment}:
   * a static leader replaced without a rebalance, which must not assign again (KIP-814).
   */
  record JoinResult(int generation, String protocolType, String protocolName, String leaderId, String memberId,
      boolean skipAssignment, List<JoinedMember> members) {
    public JoinResult {
      members = List.copyOf(members);
    }
  }

  /** One member's assignment as the leader sends it in SyncGroup; opaque. */
  record MemberAssignment(String memberId, byte[] assignment) {}

  /**
   * A SyncGroup. {@code protocolType} and {@code protocolName} are empty before SyncGroup v5;
   * {@code assignments} only the leader's are used.
   */
  record SyncRequest(String group, int generation, String memberId, Optional<String> groupInstanceId,
      Optional<String> protocolType, Optional<String> protocolName, List<MemberAssignment> assignments) {
    public SyncRequest {
      assignments = List.copyOf(assignments);
    }
  }

  record SyncResult(String protocolType, String protocolName, byte[] assignment) {}

  /** A member named in a LeaveGroup: by id, or (a static member) by instance id with an empty id. */
  record LeavingMember(String memberId, Optional<String> groupInstanceId) {}

  /** What became of one member of a LeaveGroup: empty error when it left. */
  record LeaveResult(String memberId, Optional<String> groupInstanceId, Optional<StreamgateError> error) {}

  /** A member as DescribeGroups shows it; an HTTP member has no client id, host or bytes. */
  record DescribedMember(String memberId, Optional<String> groupInstanceId, String clientId, String clientHost, byte[] metadata,
      byte[] assignment) {}

  /**
   * A group as Kafka's DescribeGroups shows it: its state by Kafka's names ({@code Empty},
   * {@code PreparingRebalance}, {@code CompletingRebalance}, {@code Stable}; {@code Dead} for a group
   * that does not exist), its protocol type and protocol (empty for an HTTP-run or empty group), members.
   */
  record ClassicGroupDescription(String group, String state, String protocolType, String protocolName,
      List<DescribedMember> members) {
    public ClassicGroupDescription {
      members = List.copyOf(members);
    }
  }

  /** A group as Kafka's ListGroups shows it. */
  record ListedGroup(String group, String protocolType, String state) {}

  /**
   * The node that coordinates {@code group} (leads its {@code __groups} partition), for
   * FindCoordinator; empty while it has none (the partition has no leader, or {@code __groups} is
   * being created on first use).
   */
  CompletableFuture<Optional<String>> coordinatorNode(String group);

  /**
   * Joins (or rejoins) the group. Completes once the group's rebalance completes, which waits for
   * every known member to rejoin, bounded by the members' largest rebalance timeout (and the
   * coordinator's cap); a member's first join may instead fail with {@link MemberIdRequiredException}.
   */
  CompletableFuture<JoinResult> join(JoinRequest request);

  /** The leader's sync hands out the assignments; a follower's waits for it (bounded by the rebalance timeout). */
  CompletableFuture<SyncResult> sync(SyncRequest request);

  /** Extends the member's session; fails with {@link RebalanceInProgressException} when it must join again. */
  CompletableFuture<Void> heartbeat(String group, int generation, String memberId, Optional<String> groupInstanceId);

  /** Removes the members (a rebalance follows); one result per member, in order. */
  CompletableFuture<List<LeaveResult>> leave(String group, List<LeavingMember> members);

  /**
   * Commits offsets (the next offset to consume) checked against the member and generation, as
   * Kafka does; generation -1 with an empty member id and no instance id commits for a group with no
   * members (as {@link GroupService#commitWithoutMember}). Offsets are not checked against the logs.
   */
  CompletableFuture<Void> commit(String group, int generation, String memberId, Optional<String> groupInstanceId,
      List<OffsetCommit> offsets);

  /** The group as DescribeGroups shows it (HTTP-run groups too). */
  CompletableFuture<ClassicGroupDescription> describe(String group);

  /** The groups this node coordinates (ListGroups asks every node), HTTP-run ones too. */
  CompletableFuture<List<ListedGroup>> list();
}
