package io.streamgate.cluster.groups;

import static io.streamgate.cluster.groups.GroupCoordinator.MAX_SESSION_TIMEOUT_MS;
import static io.streamgate.cluster.groups.GroupCoordinator.MIN_SESSION_TIMEOUT_MS;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroup.Member;
import io.streamgate.cluster.groups.ClassicGroup.State;
import io.streamgate.cluster.groups.ClassicGroups.JoinRequest;
import io.streamgate.cluster.groups.ClassicGroups.JoinResult;
import io.streamgate.cluster.groups.ClassicGroups.JoinedMember;
import io.streamgate.cluster.groups.ClassicGroups.LeaveResult;
import io.streamgate.cluster.groups.ClassicGroups.LeavingMember;
import io.streamgate.cluster.groups.ClassicGroups.MemberAssignment;
import io.streamgate.cluster.groups.ClassicGroups.Protocol;
import io.streamgate.cluster.groups.ClassicGroups.SyncRequest;
import io.streamgate.cluster.groups.ClassicGroups.SyncResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of Kafka's classic group protocol on the groups of one {@code __groups} partition, as
 * Kafka's {@code GroupMetadataManager} takes them: joins (with MEMBER_ID_REQUIRED and static members),
 * the rebalance that waits for every member to rejoin, the leader's sync that hands out the
 * assignments, heartbeats, leaves, session expiry, and the checks of a member's commit. Waits are
 * futures completed on the groups thread (by a request, a timer or the coordinator's tick), never a
 * blocked thread. Works on the coordinator's groups thread only.
 */
final class ClassicMembership {
  private static final Logger LOG = LoggerFactory.getLogger(ClassicMembership.class);
  static final int MAX_PROTOCOLS = 32;
  /** A member's metadata, all its protocols together. */
  static final int MAX_METADATA_BYTES = 256 * 1024;
  static final int MAX_ASSIGNMENT_BYTES = 1024 * 1024;
  /** Client ids, instance ids, member ids, protocol types and names. */
  static final int MAX_NAME_LENGTH = 255;
  /** Timers fire this much after their deadline, so that the clock has surely passed it. */
  private static final long TIMER_SLACK_MS = 5;

  /** Runs a task on the groups thread after a delay. */
  interface Scheduler {
    void schedule(long delayMs, Runnable task);
  }

  private final ClassicGroupSettings settings;
  private final LongSupplier clock;
  private final Scheduler scheduler;
  /** Records a group's stable generation in the log, or its end (asynchronously; a failed write is logged). */
  private final Consumer<Group> recorder;

  ClassicMembership(ClassicGroupSettings settings, LongSupplier clock, Scheduler scheduler, Consumer<Group> recorder) {
    this.settings = settings;
    this.clock = clock;
    this.scheduler = scheduler;
    this.recorder = recorder;
  }

  // ---------------------------------------------------------------- JoinGroup

  CompletableFuture<JoinResult> join(Map<String, Group> groups, JoinRequest request) {
    validate(request);
    String name = request.group();
    boolean unknownMember = request.memberId().isEmpty();
    Group group = groups.get(name);
    if (group != null && !group.members().isEmpty()) {
      throw new InconsistentGroupProtocolException("group '" + name + "' has " + group.members().size()
          + " HTTP members; it takes Kafka members once it has none");
    }
    if (!unknownMember && (group == null || group.classic == null)) {
      throw unknownMember(name, request.memberId());
    }
    ClassicGroup classic = group == null || group.classic == null ? new ClassicGroup() : group.classic;
    if (!classic.supports(request.protocolType(), request.protocols(), request.memberId())) {
      throw new InconsistentGroupProtocolException("group '" + name + "' runs protocol type '" + classic.protocolType
          + "' with protocols every member supports; member '" + request.memberId() + "' asked for type '"
          + request.protocolType() + "' with " + request.protocols().stream().map(Protocol::name).toList());
    }
    if (group == null) {
      group = new Group(name);
      groups.put(name, group);
    }
    group.classic = classic;
    if (!classic.hasMembers()) {
      classic.protocolType = request.protocolType();
    }
    return unknownMember ? joinAsNew(groups, group, request) : joinAsKnown(groups, group, request);
  }

  private static void validate(JoinRequest request) {
    GroupCoordinator.validateName(request.group());
    if (request.sessionTimeoutMs() < MIN_SESSION_TIMEOUT_MS || request.sessionTimeoutMs() > MAX_SESSION_TIMEOUT_MS) {
      throw new InvalidSessionTimeoutException("a session timeout is " + MIN_SESSION_TIMEOUT_MS + " to " + MAX_SESSION_TIMEOUT_MS
          + " ms, was " + request.sessionTimeoutMs());
    }
    checkLength("client id", request.clientId());
    checkLength("client host", request.clientHost());
    checkLength("member id", request.memberId());
    checkLength("protocol type", request.protocolType());
    request.groupInstanceId().ifPresent(id -> checkLength("group instance id", id));
    if (request.groupInstanceId().filter(String::isEmpty).isPresent()) {
      throw new InvalidGroupRequestException("a group instance id is not empty");
    }
    if (request.protocols().size() > MAX_PROTOCOLS) {
      throw new InvalidGroupRequestException("a member offers at most " + MAX_PROTOCOLS + " protocols, not " + request.protocols().size());
    }
    long bytes = 0;
    Set<String> names = new HashSet<>();
    for (Protocol protocol : request.protocols()) {
      checkLength("protocol name", protocol.name());
      if (!names.add(protocol.name())) {
        throw new InvalidGroupRequestException("protocol '" + protocol.name() + "' is offered twice");
      }
      bytes += protocol.metadata().length;
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw new InvalidGroupRequestException("a member's protocol metadata is at most " + MAX_METADATA_BYTES + " bytes, was " + bytes);
    }
  }

  private static void checkLength(String what, String value) {
    if (value.length() > MAX_NAME_LENGTH) {
      throw new InvalidGroupRequestException("a " + what + " is at most " + MAX_NAME_LENGTH + " characters, was " + value.length());
    }
  }

  /** A first join: a static member's new instance, a member id handed out (MEMBER_ID_REQUIRED), or a new member. */
  private CompletableFuture<JoinResult> joinAsNew(Map<String, Group> groups, Group group, JoinRequest request) {
    ClassicGroup classic = group.classic;
    Optional<String> instance = request.groupInstanceId();
    if (instance.isPresent() && classic.staticMember(instance.get()) != null) {
      return replaceStaticMember(groups, group, request);
    }
    if (classic.size() >= settings.maxMembers()) {
      throw new GroupMaxSizeReachedException("group '" + group.name + "' has " + classic.size() + " members, the most it may have");
    }
    String memberId = instance.orElse(request.clientId()) + "-" + UUID.randomUUID();
    long now = clock.getAsLong();
    if (instance.isEmpty() && request.requireKnownMemberId()) {
      classic.pendingMembers.put(memberId, now + request.sessionTimeoutMs());
      throw new MemberIdRequiredException("join group '" + group.name + "' again with member id '" + memberId + "'", memberId);
    }
    return addAndRebalance(groups, group, newMember(memberId, request, now), "member " + memberId + " joined");
  }

  private CompletableFuture<JoinResult> joinAsKnown(Map<String, Group> groups, Group group, JoinRequest request) {
    ClassicGroup classic = group.classic;
    long now = clock.getAsLong();
    if (classic.pendingMembers.remove(request.memberId()) != null) {
      return addAndRebalance(groups, group, newMember(request.memberId(), request, now), "member " + request.memberId() + " joined");
    }
    Member member = validateMember(group, request.memberId(), request.groupInstanceId());
    member.heartbeat(now);
    boolean sameProtocols = member.sameProtocols(request.protocols());
    switch (classic.state) {
      case PREPARING_REBALANCE -> {
        update(member, request);
        CompletableFuture<JoinResult> answer = awaitJoin(member);
        checkJoin(groups, group);
        return answer;
      }
      case COMPLETING_REBALANCE, STABLE -> {
        // A rejoin that changes nothing (its answer was lost, say) gets the current generation; a
        // leader's rejoin in a stable group, or changed metadata, is a new rebalance (Kafka's rule).
        boolean rebalance = !sameProtocols || classic.state == State.STABLE && member.id.equals(classic.leaderId);
        if (!rebalance) {
          return CompletableFuture.completedFuture(joinResult(classic, member, false));
        }
        update(member, request);
        CompletableFuture<JoinResult> answer = awaitJoin(member);
        prepareRebalance(groups, group, "member " + member.id + " rejoined with " + (sameProtocols ? "the same" : "new") + " metadata");
        return answer;
      }
      default -> throw unknownMember(group.name, request.memberId());
    }
  }

  /**
   * A static member's new instance (a known instance id with no member id) takes the old member's
   * place under a new id; the old id is fenced. In a stable group whose protocols it does not change
   * there is no rebalance: it gets the current generation (and, if it leads, the members, with
   * {@code skipAssignment}), then its assignment from SyncGroup.
   */
  private CompletableFuture<JoinResult> replaceStaticMember(Map<String, Group> groups, Group group, JoinRequest request) {
    ClassicGroup classic = group.classic;
    String instance = request.groupInstanceId().orElseThrow();
    Member old = classic.member(classic.staticMember(instance));
    Member replacement = newMember(instance + "-" + UUID.randomUUID(), request, clock.getAsLong());
    boolean unchanged = old.sameProtocols(request.protocols());
    classic.replace(old, replacement);
    FencedInstanceIdException fenced = new FencedInstanceIdException("member '" + old.id + "' of group '" + group.name
        + "' was replaced by a newer instance of '" + instance + "'");
    fail(old, fenced);
    LOG.info("classic group {}: static member {} replaced {} ({})", group.name, replacement.id, old.id, instance);
    switch (classic.state) {
      case STABLE -> {
        if (unchanged) {
          replacement.synced = true;
          recorder.accept(group);
          return CompletableFuture.completedFuture(joinResult(classic, replacement, replacement.id.equals(classic.leaderId)));
        }
        CompletableFuture<JoinResult> answer = awaitJoin(replacement);
        prepareRebalance(groups, group, "static member " + instance + " rejoined with new metadata");
        return answer;
      }
      case COMPLETING_REBALANCE -> {
        CompletableFuture<JoinResult> answer = awaitJoin(replacement);
        prepareRebalance(groups, group, "static member " + instance + " rejoined during a sync");
        return answer;
      }
      default -> {
        CompletableFuture<JoinResult> answer = awaitJoin(replacement);
        checkJoin(groups, group);
        return answer;
      }
    }
  }

  private static Member newMember(String id, JoinRequest request, long now) {
    int rebalanceTimeout = request.rebalanceTimeoutMs() > 0 ? request.rebalanceTimeoutMs() : request.sessionTimeoutMs();
    return new Member(id, request.groupInstanceId(), request.clientId(), request.clientHost(), request.sessionTimeoutMs(),
        rebalanceTimeout, request.protocols(), now);
  }

  private static void update(Member member, JoinRequest request) {
    member.protocols = request.protocols();
    member.sessionTimeoutMs = request.sessionTimeoutMs();
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs() > 0 ? request.rebalanceTimeoutMs() : request.sessionTimeoutMs();
  }

  private CompletableFuture<JoinResult> addAndRebalance(Map<String, Group> groups, Group group, Member member, String why) {
    ClassicGroup classic = group.classic;
    CompletableFuture<JoinResult> answer = awaitJoin(member);
    classic.add(member);
    if (classic.state == State.PREPARING_REBALANCE) {
      classic.newMemberAdded = true;
      checkJoin(groups, group);
    } else {
      prepareRebalance(groups, group, why);
    }
    return answer;
  }

  /** The member's JoinGroup now waits for the rebalance; an earlier one of it still waiting is answered "rebalancing". */
  private static CompletableFuture<JoinResult> awaitJoin(Member member) {
    if (member.awaitingJoin != null) {
      member.awaitingJoin.completeExceptionally(new RebalanceInProgressException("a newer JoinGroup of member '" + member.id
          + "' replaced this one"));
    }
    member.awaitingJoin = new CompletableFuture<>();
    return member.awaitingJoin;
  }

  // ---------------------------------------------------------------- the rebalance

  /**
   * Starts a rebalance: every member must rejoin within the rebalance timeout. A sync under way is
   * answered REBALANCE_IN_PROGRESS and the assignments are dropped. From the Empty state it first
   * waits the initial delay for more members.
   */
  private void prepareRebalance(Map<String, Group> groups, Group group, String why) {
    ClassicGroup classic = group.classic;
    if (classic.state == State.COMPLETING_REBALANCE) {
      for (Member member : classic.members()) {
        member.assignment = ClassicGroup.NO_BYTES;
        if (member.awaitingSync != null) {
          member.awaitingSync.completeExceptionally(new RebalanceInProgressException("group '" + group.name
              + "' is rebalancing again: join again"));
          member.awaitingSync = null;
        }
      }
    }
    long now = clock.getAsLong();
    long timeout = Math.min(classic.rebalanceTimeoutMs(), settings.maxRebalanceTimeoutMs());
    boolean initial = classic.state == State.EMPTY;
    classic.state = State.PREPARING_REBALANCE;
    classic.joinDeadlineMs = now + timeout;
    classic.initialDelayUntilMs = initial ? now + Math.min(settings.initialRebalanceDelayMs(), timeout) : 0;
    classic.newMemberAdded = false;
    LOG.info("classic group {} rebalancing from generation {} ({}); waiting up to {} ms", group.name, classic.generation, why, timeout);
    long wait = (initial ? classic.initialDelayUntilMs : classic.joinDeadlineMs) - now;
    scheduler.schedule(wait + TIMER_SLACK_MS, () -> checkJoin(groups, group));
    checkJoin(groups, group);
  }

  /** Completes the rebalance under way if every member has rejoined (after the initial delay), or its time is up. */
  private void checkJoin(Map<String, Group> groups, Group group) {
    ClassicGroup classic = group.classic;
    if (classic == null || classic.state != State.PREPARING_REBALANCE) {
      return;
    }
    long now = clock.getAsLong();
    if (classic.initialDelayUntilMs > 0) {
      if (now < classic.initialDelayUntilMs) {
        return;
      }
      if (classic.newMemberAdded && classic.initialDelayUntilMs < classic.joinDeadlineMs) {
        // Kafka's InitialDelayedJoin: each member that came during the delay buys another delay, up to the rebalance timeout.
        classic.newMemberAdded = false;
        classic.initialDelayUntilMs = Math.min(now + settings.initialRebalanceDelayMs(), classic.joinDeadlineMs);
        scheduler.schedule(classic.initialDelayUntilMs - now + TIMER_SLACK_MS, () -> checkJoin(groups, group));
        return;
      }
    } else if (!classic.allMembersJoined() && now < classic.joinDeadlineMs) {
      return;
    }
    completeJoin(groups, group, now);
  }

  /**
   * Ends the join phase: members that did not rejoin are removed; the next generation gets its
   * protocol and leader, and every waiting JoinGroup is answered (the leader's with every member's
   * metadata). Members must then sync within the rebalance timeout.
   */
  private void completeJoin(Map<String, Group> groups, Group group, long now) {
    ClassicGroup classic = group.classic;
    List<String> late = classic.members().stream().filter(m -> m.awaitingJoin == null).map(m -> m.id).toList();
    late.forEach(id -> remove(classic, id, new MemberNotFoundException("member '" + id + "' did not rejoin group '" + group.name
        + "' within the rebalance timeout: join again")));
    classic.generation++;
    classic.initialDelayUntilMs = 0;
    if (!classic.hasMembers()) {
      classic.state = State.EMPTY;
      classic.protocolName = null;
      LOG.info("classic group {} generation {}: no members{}", group.name, classic.generation,
          late.isEmpty() ? "" : " (" + late + " did not rejoin)");
      recorder.accept(group);
      if (group.isDone()) {
        groups.remove(group.name, group);
      }
      return;
    }
    classic.protocolName = classic.selectProtocol();
    classic.state = State.COMPLETING_REBALANCE;
    long timeout = Math.min(classic.rebalanceTimeoutMs(), settings.maxRebalanceTimeoutMs());
    classic.syncDeadlineMs = now + timeout;
    int generation = classic.generation;
    scheduler.schedule(timeout + TIMER_SLACK_MS, () -> checkSync(groups, group, generation));
    LOG.info("classic group {} generation {}: protocol {}, leader {}, members {}{}", group.name, generation, classic.protocolName,
        classic.leaderId, classic.members().stream().map(m -> m.id).toList(),
        late.isEmpty() ? "" : "; removed " + late + " (did not rejoin)");
    for (Member member : List.copyOf(classic.members())) {
      member.synced = false;
      member.heartbeat(now);
      CompletableFuture<JoinResult> answer = member.awaitingJoin;
      member.awaitingJoin = null;
      answer.complete(joinResult(classic, member, false));
    }
  }

  private static JoinResult joinResult(ClassicGroup classic, Member member, boolean skipAssignment) {
    List<JoinedMember> members = !member.id.equals(classic.leaderId) ? List.of() : classic.members().stream()
        .map(m -> new JoinedMember(m.id, m.instanceId, m.metadata(classic.protocolName))).toList();
    return new JoinResult(classic.generation, classic.protocolType, classic.protocolName, classic.leaderId, member.id,
        skipAssignment, members);
  }

  /** At the sync deadline of {@code generation}: members that have not sent SyncGroup are removed, and the group rebalances. */
  private void checkSync(Map<String, Group> groups, Group group, int generation) {
    ClassicGroup classic = group.classic;
    if (classic == null || classic.generation != generation || clock.getAsLong() < classic.syncDeadlineMs
        || classic.state != State.COMPLETING_REBALANCE && classic.state != State.STABLE) {
      return;
    }
    List<String> unsynced = classic.members().stream().filter(m -> !m.synced).map(m -> m.id).toList();
    if (unsynced.isEmpty()) {
      return;
    }
    unsynced.forEach(id -> remove(classic, id, new MemberNotFoundException("member '" + id + "' did not sync with group '"
        + group.name + "' within the rebalance timeout: join again")));
    afterRemoval(groups, group, unsynced + " did not sync in time");
  }

  // ---------------------------------------------------------------- SyncGroup, Heartbeat, LeaveGroup

  CompletableFuture<SyncResult> sync(Map<String, Group> groups, SyncRequest request) {
    Group group = groups.get(request.group());
    Member member = validateMember(group, request.memberId(), request.groupInstanceId());
    ClassicGroup classic = group.classic;
    if (request.generation() != classic.generation) {
      throw illegalGeneration(group, request.generation());
    }
    if (request.protocolType().filter(type -> !type.equals(classic.protocolType)).isPresent()
        || request.protocolName().filter(name -> !name.equals(classic.protocolName)).isPresent()) {
      throw new InconsistentGroupProtocolException("group '" + group.name + "' runs protocol type '" + classic.protocolType
          + "', protocol '" + classic.protocolName + "'; the sync named " + request.protocolType().orElse("") + "/"
          + request.protocolName().orElse(""));
    }
    long now = clock.getAsLong();
    switch (classic.state) {
      case PREPARING_REBALANCE -> throw rebalancing(group);
      case STABLE -> {
        member.heartbeat(now);
        member.synced = true;
        return CompletableFuture.completedFuture(new SyncResult(classic.protocolType, classic.protocolName, member.assignment));
      }
      case COMPLETING_REBALANCE -> {
        Map<String, byte[]> assignments = member.id.equals(classic.leaderId) ? checkedAssignments(request) : Map.of();
        member.heartbeat(now);
        member.synced = true;
        if (member.awaitingSync != null) {
          member.awaitingSync.completeExceptionally(new RebalanceInProgressException("a newer SyncGroup of member '" + member.id
              + "' replaced this one"));
        }
        CompletableFuture<SyncResult> answer = new CompletableFuture<>();
        member.awaitingSync = answer;
        if (member.id.equals(classic.leaderId)) {
          classic.state = State.STABLE;
          LOG.info("classic group {} generation {} stable: the leader {} assigned {} members", group.name, classic.generation,
              member.id, assignments.size());
          classic.members().forEach(m -> m.assignment = assignments.getOrDefault(m.id, ClassicGroup.NO_BYTES));
          recorder.accept(group);
          for (Member m : classic.members()) {
            if (m.awaitingSync != null) {
              CompletableFuture<SyncResult> waiting = m.awaitingSync;
              m.awaitingSync = null;
              waiting.complete(new SyncResult(classic.protocolType, classic.protocolName, m.assignment));
            }
          }
        }
        return answer;
      }
      default -> throw unknownMember(group.name, request.memberId());
    }
  }

  private static Map<String, byte[]> checkedAssignments(SyncRequest request) {
    Map<String, byte[]> assignments = new HashMap<>();
    for (MemberAssignment assignment : request.assignments()) {
      if (assignment.assignment().length > MAX_ASSIGNMENT_BYTES) {
        throw new InvalidGroupRequestException("a member's assignment is at most " + MAX_ASSIGNMENT_BYTES + " bytes; the one for '"
            + assignment.memberId() + "' was " + assignment.assignment().length);
      }
      assignments.put(assignment.memberId(), assignment.assignment());
    }
    return assignments;
  }

  void heartbeat(Map<String, Group> groups, String name, int generation, String memberId, Optional<String> instanceId) {
    Group group = groups.get(name);
    Member member = validateMember(group, memberId, instanceId);
    if (generation != group.classic.generation) {
      throw illegalGeneration(group, generation);
    }
    member.heartbeat(clock.getAsLong());
    if (group.classic.state == State.PREPARING_REBALANCE) {
      throw rebalancing(group);
    }
  }

  List<LeaveResult> leave(Map<String, Group> groups, String name, List<LeavingMember> leaving) {
    Group group = groups.get(name);
    ClassicGroup classic = group == null ? null : group.classic;
    List<LeaveResult> results = new ArrayList<>();
    List<String> left = new ArrayList<>();
    for (LeavingMember member : leaving) {
      Optional<StreamgateError> error = Optional.empty();
      try {
        String id = member.memberId();
        if (classic != null && member.groupInstanceId().isEmpty() && classic.pendingMembers.remove(id) != null) {
          results.add(new LeaveResult(id, Optional.empty(), Optional.empty()));
          continue;
        }
        if (member.groupInstanceId().isPresent() && classic != null && id.isEmpty()) {
          // A static member may leave by its instance id alone.
          id = Optional.ofNullable(classic.staticMember(member.groupInstanceId().get())).orElse("");
        }
        validateMember(group, id, member.groupInstanceId());
        remove(classic, id, new MemberNotFoundException("member '" + id + "' left group '" + name + "'"));
        left.add(id);
      } catch (RuntimeException e) {
        error = Optional.of(StreamgateError.forException(e));
      }
      results.add(new LeaveResult(member.memberId(), member.groupInstanceId(), error));
    }
    if (!left.isEmpty()) {
      afterRemoval(groups, group, left + " left");
    }
    return results;
  }

  /**
   * Kafka's check of a commit by a classic group's member: with generation -1 a group with no members
   * takes it; otherwise the member must be in the group and in its generation, and the group not
   * waiting for its leader's assignment (CompletingRebalance). While it prepares a rebalance the
   * members of the generation still commit what they consumed in it, as Kafka lets them: refused,
   * kafkajs delivered those records again after the rebalance. {@code group} null: it does not exist.
   */
  void checkCommit(Group group, int generation, String memberId, Optional<String> instanceId) {
    if (generation < 0 && (group == null || group.isEmpty())) {
      return;
    }
    if (generation < 0 && memberId.isEmpty() && instanceId.isEmpty()) {
      throw new MemberNotFoundException("group '" + group.name + "' has members; only they commit its offsets, in their generation");
    }
    Member member = validateMember(group, memberId, instanceId);
    if (generation != group.classic.generation) {
      throw illegalGeneration(group, generation);
    }
    if (group.classic.state == State.COMPLETING_REBALANCE) {
      throw rebalancing(group);
    }
    member.heartbeat(clock.getAsLong());
  }

  // ---------------------------------------------------------------- expiry

  /** Expires members whose session ran out and member ids that were not joined with in time; a backstop for the timers. */
  void tick(Map<String, Group> groups, long nowMs) {
    for (Group group : List.copyOf(groups.values())) {
      ClassicGroup classic = group.classic;
      if (classic == null) {
        continue;
      }
      if (classic.pendingMembers.values().removeIf(deadline -> deadline < nowMs) && group.isDone()) {
        // Only handed-out ids kept it: a client asking for ids in ever new groups leaves nothing behind.
        groups.remove(group.name, group);
        continue;
      }
      List<String> expired = classic.members().stream().filter(m -> m.expired(nowMs)).map(m -> m.id).toList();
      expired.forEach(id -> remove(classic, id, new MemberNotFoundException("the session of member '" + id + "' timed out")));
      if (!expired.isEmpty()) {
        afterRemoval(groups, group, "session of " + expired + " timed out");
      }
      checkJoin(groups, group);
      if (group.classic != null) {
        checkSync(groups, group, classic.generation);
      }
    }
  }

  /** Members left: a stable or syncing group rebalances, a rebalancing one may now be complete. */
  private void afterRemoval(Map<String, Group> groups, Group group, String why) {
    ClassicGroup classic = group.classic;
    if (classic.state == State.STABLE || classic.state == State.COMPLETING_REBALANCE) {
      prepareRebalance(groups, group, why);
    } else {
      checkJoin(groups, group);
    }
  }

  private static void remove(ClassicGroup classic, String memberId, RuntimeException answer) {
    Member member = classic.member(memberId);
    if (member != null) {
      classic.remove(memberId);
      fail(member, answer);
    }
  }

  /** Answers the member's waiting JoinGroup and SyncGroup with {@code failure}. */
  static void fail(Member member, RuntimeException failure) {
    if (member.awaitingJoin != null) {
      member.awaitingJoin.completeExceptionally(failure);
      member.awaitingJoin = null;
    }
    if (member.awaitingSync != null) {
      member.awaitingSync.completeExceptionally(failure);
      member.awaitingSync = null;
    }
  }

  // ---------------------------------------------------------------- checks

  /**
   * The member of a request, as Kafka's {@code validateMember}: a static member's instance id must be
   * that member's (else it was replaced: FENCED_INSTANCE_ID).
   */
  private static Member validateMember(Group group, String memberId, Optional<String> instanceId) {
    ClassicGroup classic = group == null ? null : group.classic;
    String name = group == null ? "" : group.name;
    if (classic == null || !classic.hasMembers()) {
      throw unknownMember(name, memberId);
    }
    if (instanceId.isPresent()) {
      String current = classic.staticMember(instanceId.get());
      if (current == null) {
        throw unknownMember(name, memberId);
      }
      if (!current.equals(memberId)) {
        throw new FencedInstanceIdException("instance '" + instanceId.get() + "' of group '" + name + "' is member '" + current
            + "' now, not '" + memberId + "'");
      }
    }
    Member member = classic.member(memberId);
    if (member == null) {
      throw unknownMember(name, memberId);
    }
    return member;
  }

  private static MemberNotFoundException unknownMember(String group, String memberId) {
    return new MemberNotFoundException("member '" + memberId + "' is not in group '" + group
        + "' (it left, its session timed out, or the coordinator moved): join again");
  }

  private static RebalanceConflictException illegalGeneration(Group group, int generation) {
    return new RebalanceConflictException("generation " + generation + " is not group '" + group.name + "''s generation "
        + group.classic.generation + ": join again");
  }

  private static RebalanceInProgressException rebalancing(Group group) {
    return new RebalanceInProgressException("group '" + group.name + "' is rebalancing: join again");
  }
}
