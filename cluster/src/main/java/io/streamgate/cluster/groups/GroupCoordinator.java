package io.streamgate.cluster.groups;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionOffsets;
import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.groups.Group.Member;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of the groups whose {@code __groups} partition this node leads: the
 * {@link GroupService} of those groups. Group state lives in memory, confined to one thread (the
 * groups thread); every change that must survive the coordinator is a record in that partition
 * ({@link GroupStore}, in the format of {@link GroupRecords}). When this node becomes leader of such
 * a partition (a new leader epoch), it rebuilds the partition's groups from the log before it
 * answers: on a loader thread, so that the groups of its other partitions are served meanwhile;
 * requests for the loading partition wait for it, up to {@link #LOAD_WAIT_MS}, then get a retriable
 * {@link CoordinatorLoadInProgressException}.
 *
 * <p>This class owns which partitions are loaded (and in which epoch) and the committed offsets;
 * {@link GroupMembership} does joins, leaves and expiry, {@link GroupPolls} the polls,
 * {@link ClassicMembership} Kafka's classic group protocol ({@link ClassicGroups}; its
 * {@code classic*} methods).
 */
public final class GroupCoordinator implements GroupService, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
  public static final String TOPIC = "__groups";
  public static final int PARTITIONS = 16;
  public static final long MIN_SESSION_TIMEOUT_MS = 1000;
  public static final long MAX_SESSION_TIMEOUT_MS = 300_000;
  public static final int MAX_TOPICS_PER_MEMBER = 100;
  private static final long TICK_MS = 250;
  /** How long a request waits for its partition's groups to load before it is answered "retry". */
  static final long LOAD_WAIT_MS = 5_000;
  private static final int LOADER_THREADS = 4;

  private final Vertx vertx;
  private final PartitionService partitions;
  private final GroupStore store;
  private final GroupMembership membership;
  private final GroupPolls polls;
  private final ClassicMembership classicMembership;
  private final LongSupplier clock;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
    Thread t = new Thread(runnable, "streamgate-groups");
    t.setDaemon(true);
    return t;
  });
  /**
   * Read {@code __groups} partitions from disk to rebuild their groups, off the groups thread; a few,
   * so that one slow partition does not hold the others' loads.
   */
  private final ExecutorService loader = Executors.newFixedThreadPool(LOADER_THREADS, runnable -> {
    Thread t = new Thread(runnable, "streamgate-groups-loader");
    t.setDaemon(true);
    return t;
  });
  /** Per {@code __groups} partition this node has loaded: the leader epoch it loaded in, and its groups. Groups thread only. */
  private final Map<Integer, Loaded> loaded = new HashMap<>();
  /** Per {@code __groups} partition being loaded: the epoch it is loaded for. Groups thread only. */
  private final Map<Integer, Loading> loading = new HashMap<>();
  private final long timer;

  private record Loaded(int epoch, Map<String, Group> groups) {}

  private record Loading(int epoch, CompletableFuture<Void> done) {}

  public GroupCoordinator(Vertx vertx, PartitionService partitions, GroupLog log, LongSupplier clock) {
    this(vertx, partitions, log, clock, ClassicGroupSettings.DEFAULTS);
  }

  public GroupCoordinator(Vertx vertx, PartitionService partitions, GroupLog log, LongSupplier clock,
      ClassicGroupSettings classicSettings) {
    this.vertx = vertx;
    this.partitions = partitions;
    this.clock = clock;
    this.store = new GroupStore(log, clock);
    this.membership = new GroupMembership(partitions, store, clock);
    this.polls = new GroupPolls(vertx, partitions, thread, clock, this::coordinates);
    this.classicMembership = new ClassicMembership(classicSettings, clock, this::schedule, group -> store.writeClassic(group)
        .exceptionally(e -> {
          LOG.warn("group {}: its Kafka membership was not recorded: {}", group.name, e.toString());
          return null;
        }));
    this.timer = vertx.setPeriodic(TICK_MS, id -> thread.execute(this::tick));
  }

  /** The {@code __groups} partition that holds {@code group}, and whose leader coordinates it. */
  public static int partitionFor(String group) {
    CRC32 crc = new CRC32();
    crc.update(group.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % PARTITIONS);
  }

  public static void validateName(String group) {
    if (group == null || !group.matches("[a-zA-Z0-9._-]{1,249}")) {
      throw new InvalidGroupRequestException("a group name is 1 to 249 of [a-zA-Z0-9._-], was '" + group + "'");
    }
  }

  // ---------------------------------------------------------------- membership

  @Override
  public CompletableFuture<Membership> join(String name, List<String> topics, OffsetReset reset, long sessionTimeoutMs,
      AssignmentStrategy strategy) {
    return forGroup(name, () -> {
      validateName(name);
      return membership.join(groups(name), name, topics, reset, sessionTimeoutMs, strategy);
    });
  }

  @Override
  public CompletableFuture<Void> leave(String name, String memberId) {
    return forGroup(name, () -> {
      Group group = groupOf(name, memberId);
      member(group, memberId);
      membership.leave(groups(name), group, memberId);
      return null;
    });
  }

  /** Whether this node still coordinates {@code group}: it leads its partition in the epoch the group was loaded in. */
  private boolean coordinates(Group group) {
    int partition = partitionFor(group.name);
    Loaded state = loaded.get(partition);
    return state != null && state.groups().get(group.name) == group && store.leaderEpoch(partition).orElse(-1) == state.epoch();
  }

  /**
   * Expires members whose session ran out, and rebalances groups whose topics gained partitions.
   * Groups of a partition this node no longer leads (in the epoch it loaded them in) are forgotten,
   * and their waiting polls answer at once: their members' next polls then reach the new coordinator,
   * which knows nothing of polls waiting here and would expire members whose poll outlasts their
   * session.
   */
  private void tick() {
    long now = clock.getAsLong();
    for (var it = loaded.entrySet().iterator(); it.hasNext();) {
      var entry = it.next();
      if (store.leaderEpoch(entry.getKey()).orElse(-1) != entry.getValue().epoch()) {
        it.remove();
        LOG.info("no longer coordinating {}-{}: {} groups handed over", TOPIC, entry.getKey(), entry.getValue().groups().size());
        entry.getValue().groups().values().forEach(Group::endWaitingPolls);
      }
    }
    loaded.values().forEach(state -> {
      membership.tick(state.groups(), now);
      classicMembership.tick(state.groups(), now);
    });
  }

  /** Runs {@code task} on the groups thread in {@code delayMs} (a classic group's deadline; the task checks it again). */
  private void schedule(long delayMs, Runnable task) {
    vertx.setTimer(Math.max(1, delayMs), id -> {
      try {
        thread.execute(task);
      } catch (RejectedExecutionException closed) {
        // The coordinator closed: its groups are gone.
      }
    });
  }

  // ---------------------------------------------------------------- Kafka's classic protocol

  /** See {@link ClassicGroups#join}. */
  public CompletableFuture<ClassicGroups.JoinResult> classicJoin(ClassicGroups.JoinRequest request) {
    return forGroup(request.group(), () -> {
      validateName(request.group());
      return classicMembership.join(groups(request.group()), request);
    }).thenCompose(answer -> answer);
  }

  /** See {@link ClassicGroups#sync}. */
  public CompletableFuture<ClassicGroups.SyncResult> classicSync(ClassicGroups.SyncRequest request) {
    return forGroup(request.group(), () -> {
      validateName(request.group());
      return classicMembership.sync(groups(request.group()), request);
    }).thenCompose(answer -> answer);
  }

  /** See {@link ClassicGroups#heartbeat}. */
  public CompletableFuture<Void> classicHeartbeat(String name, int generation, String memberId, Optional<String> groupInstanceId) {
    return forGroup(name, () -> {
      validateName(name);
      classicMembership.heartbeat(groups(name), name, generation, memberId, groupInstanceId);
      return null;
    });
  }

  /** See {@link ClassicGroups#leave}. */
  public CompletableFuture<List<ClassicGroups.LeaveResult>> classicLeave(String name, List<ClassicGroups.LeavingMember> members) {
    return forGroup(name, () -> {
      validateName(name);
      return classicMembership.leave(groups(name), name, members);
    });
  }

  /** See {@link ClassicGroups#commit}. */
  public CompletableFuture<Void> classicCommit(String name, int generation, String memberId, Optional<String> groupInstanceId,
      List<OffsetCommit> offsets) {
    return forGroup(name, () -> {
      validateName(name);
      Map<TopicPartition, CommittedOffset> commits = checkedOffsets(offsets);
      Map<String, Group> groups = groups(name);
      classicMembership.checkCommit(groups.get(name), generation, memberId, groupInstanceId);
      // An empty commit makes no group (Kafka clients send them while they have nothing to commit).
      return commits.isEmpty() ? CompletableFuture.<Void>completedFuture(null)
          : commitOffsets(groups.computeIfAbsent(name, Group::new), commits);
    }).thenCompose(done -> done);
  }

  // ---------------------------------------------------------------- polls

  @Override
  public CompletableFuture<PollResult> poll(String name, String memberId, int maxRecords, int maxBytes, long timeoutMs,
      Optional<String> cursor) {
    Optional<Cursor.Position> position;
    try {
      position = cursor.map(this::decodeCursor);
    } catch (InvalidGroupRequestException e) {
      return CompletableFuture.failedFuture(e);
    }
    return forGroup(name, () -> {
      Group group = groupOf(name, memberId);
      Member member = member(group, memberId);
      member.heartbeat(clock.getAsLong());
      member.forgetPositionsOfEarlierIncarnations(partitions::cachedTopicId);
      return position.map(p -> polls.checkWithinLogs(member, group.applicable(member, p)))
          .orElse(CompletableFuture.completedFuture(Map.of()));
    }).thenCompose(checking -> checking).thenComposeAsync(checked -> {
      Group group = groupOf(name, memberId);
      return polls.poll(group, member(group, memberId), position, checked, maxRecords, maxBytes, timeoutMs);
    }, thread);
  }

  /** A client's cursor, refused if it was read in a topic deleted since (its offsets are of a log that is gone). */
  private Cursor.Position decodeCursor(String cursor) {
    Cursor.Position position = Cursor.decode(cursor);
    position.refuseEarlierIncarnations(partitions::cachedTopicId);
    return position;
  }

  // ---------------------------------------------------------------- offsets

  @Override
  public CompletableFuture<Membership> commit(String name, String memberId, Optional<List<OffsetCommit>> offsets,
      Optional<String> cursor, OptionalInt generation) {
    return forGroup(name, () -> {
      Group group = groupOf(name, memberId);
      Member member = member(group, memberId);
      member.heartbeat(clock.getAsLong());
      member.forgetPositionsOfEarlierIncarnations(partitions::cachedTopicId);
      Optional<Cursor.Position> position = cursor.map(this::decodeCursor);
      Map<TopicPartition, Long> commits = commitsFor(group, member, offsets, position, generation);
      if (offsets.isEmpty() && position.isEmpty()) {
        // What the polls delivered: positions read from the logs.
        return commitOffsets(group, plain(commits)).thenApply(done -> GroupMembership.membership(group, member));
      }
      return polls.checkWithinLogs(member, commits).thenComposeAsync(checked -> {
        // Decided again after the look-up, which a rebalance may have overtaken; only what was checked is written.
        Group now = groupOf(name, memberId);
        Member current = member(now, memberId);
        Map<TopicPartition, Long> again = commitsFor(now, current, offsets, position, generation);
        again.entrySet().retainAll(checked.entrySet());
        return commitOffsets(now, plain(again)).thenApply(done -> GroupMembership.membership(now, current));
      }, thread);
    }).thenCompose(f -> f);
  }

  /** The offsets a commit request stands for, of partitions the member owns; refused when it may not commit them. */
  private static Map<TopicPartition, Long> commitsFor(Group group, Member member, Optional<List<OffsetCommit>> offsets,
      Optional<Cursor.Position> cursor, OptionalInt generation) {
    if (generation.isPresent() && generation.getAsInt() != group.generation()) {
      throw new RebalanceConflictException("generation " + generation.getAsInt() + " is over; group '" + group.name
          + "' is in generation " + group.generation() + ": poll to get the current assignment");
    }
    List<TopicPartition> owned = group.assignment(member.id);
    Map<TopicPartition, Long> commits = new LinkedHashMap<>();
    if (cursor.isPresent()) {
      commits.putAll(group.applicable(member, cursor.get()));
    } else if (offsets.isPresent()) {
      for (OffsetCommit commit : offsets.get()) {
        if (!owned.contains(commit.partition())) {
          throw new RebalanceConflictException("member " + member.id + " does not own " + commit.partition()
              + " in generation " + group.generation() + "; it owns " + owned);
        }
        if (commit.offset() < 0) {
          throw new InvalidGroupRequestException("a committed offset must be at least 0, was " + commit.offset());
        }
        commits.put(commit.partition(), commit.offset());
      }
    } else {
      owned.forEach(tp -> {
        Long delivered = member.delivered(tp);
        if (delivered != null) {
          commits.put(tp, delivered);
        }
      });
    }
    return commits;
  }

  @Override
  public CompletableFuture<Void> commitWithoutMember(String name, List<OffsetCommit> offsets) {
    return forGroup(name, () -> {
      validateName(name);
      Map<TopicPartition, CommittedOffset> commits = checkedOffsets(offsets);
      Group group = groups(name).computeIfAbsent(name, Group::new);
      if (!group.isEmpty()) {
        throw new GroupNotEmptyException("group '" + name + "' has " + group.memberCount()
            + " members; only its members commit its offsets, in their generation");
      }
      return commitOffsets(group, commits);
    }).thenCompose(f -> f);
  }

  /** See {@link ClassicGroups#describe}. */
  public CompletableFuture<ClassicGroups.ClassicGroupDescription> classicDescribe(String name) {
    return forGroup(name, () -> {
      validateName(name);
      Group group = groups(name).get(name);
      if (group == null) {
        return new ClassicGroups.ClassicGroupDescription(name, "Dead", "", "", List.of());
      }
      List<ClassicGroups.DescribedMember> members = new ArrayList<>();
      group.members().forEach(m -> members.add(new ClassicGroups.DescribedMember(m.id, Optional.empty(), "", "",
          ClassicGroup.NO_BYTES, ClassicGroup.NO_BYTES)));
      if (!group.hasKafkaMembers()) {
        return new ClassicGroups.ClassicGroupDescription(name, group.kafkaState(), group.kafkaProtocolType(), "", members);
      }
      ClassicGroup classicGroup = group.classic;
      String protocol = classicGroup.protocolName == null ? "" : classicGroup.protocolName;
      classicGroup.members().forEach(m -> members.add(new ClassicGroups.DescribedMember(m.id, m.instanceId, m.clientId,
          m.clientHost, classicGroup.protocolName == null ? ClassicGroup.NO_BYTES : m.metadata(protocol), m.assignment)));
      return new ClassicGroups.ClassicGroupDescription(name, group.kafkaState(), classicGroup.protocolType, protocol, members);
    });
  }

  /** See {@link ClassicGroups#list}. */
  public CompletableFuture<List<ClassicGroups.ListedGroup>> classicList() {
    return onThread(() -> {
      List<ClassicGroups.ListedGroup> listed = new ArrayList<>();
      loaded.forEach((partition, state) -> {
        if (store.leaderEpoch(partition).orElse(-1) == state.epoch()) {
          state.groups().values().forEach(g -> listed.add(new ClassicGroups.ListedGroup(g.name, g.kafkaProtocolType(),
              g.kafkaState())));
        }
      });
      return listed;
    });
  }

  /** Offsets a Kafka client names, unchecked against the logs (as Kafka); a negative one is kept, counting as none ({@link OffsetCommit}). */
  private static Map<TopicPartition, CommittedOffset> checkedOffsets(List<OffsetCommit> offsets) {
    Map<TopicPartition, CommittedOffset> commits = new LinkedHashMap<>();
    for (OffsetCommit commit : offsets) {
      commits.put(commit.partition(), new CommittedOffset(commit.offset(), commit.metadata(), commit.leaderEpoch()));
    }
    return commits;
  }

  /** Offsets without Kafka's metadata and leader epoch: an HTTP member's commits and offset resets. */
  private static Map<TopicPartition, CommittedOffset> plain(Map<TopicPartition, Long> offsets) {
    Map<TopicPartition, CommittedOffset> commits = new LinkedHashMap<>();
    offsets.forEach((tp, offset) -> commits.put(tp, CommittedOffset.of(offset)));
    return commits;
  }

  @Override
  public CompletableFuture<Map<TopicPartition, CommittedOffset>> committedOffsets(String name) {
    return forGroup(name, () -> {
      validateName(name);
      Group group = groups(name).get(name);
      return group == null ? Map.<TopicPartition, CommittedOffset>of() : Map.copyOf(group.committed(partitions::cachedTopicId));
    });
  }

  /** Writes {@code commits}, each stamped with its topic's current id, then takes them. Groups thread. */
  private CompletableFuture<Void> commitOffsets(Group group, Map<TopicPartition, CommittedOffset> commits) {
    if (commits.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Map<TopicPartition, StampedOffset> stamped = new LinkedHashMap<>();
    commits.forEach((tp, offset) -> stamped.put(tp, new StampedOffset(offset, partitions.cachedTopicId(tp.topic()))));
    return store.writeCommits(group.name, stamped).thenAcceptAsync(done -> group.commit(stamped), thread);
  }

  @Override
  public CompletableFuture<Void> resetOffsets(String name, String topic, ResetTarget target) {
    return forGroup(name, () -> {
      validateName(name);
      Group group = groups(name).computeIfAbsent(name, Group::new);
      if (!group.isEmpty()) {
        throw new GroupNotEmptyException("group '" + name + "' has " + group.memberCount()
            + " members; offsets can be reset only while it has none");
      }
      int count = partitions.cachedTopic(topic).map(TopicMetadata::partitions)
          .orElseThrow(() -> new TopicNotFoundException("topic '" + topic + "' does not exist"));
      List<CompletableFuture<Map.Entry<TopicPartition, Long>>> targets = new ArrayList<>();
      for (int p = 0; p < count; p++) {
        TopicPartition tp = new TopicPartition(topic, p);
        OptionalLong timestamp = target.timestamp().map(OptionalLong::of).orElse(OptionalLong.empty());
        targets.add(partitions.offsets(tp, timestamp).thenApply(offsets -> Map.entry(tp, resetOffset(tp, offsets, target))));
      }
      return CompletableFuture.allOf(targets.toArray(CompletableFuture[]::new)).thenComposeAsync(done -> {
        Map<TopicPartition, Long> commits = new LinkedHashMap<>();
        targets.forEach(t -> commits.put(t.join().getKey(), t.join().getValue()));
        if (!group.isEmpty()) {
          throw new GroupNotEmptyException("group '" + name + "' gained members during the reset");
        }
        return commitOffsets(group, plain(commits));
      }, thread);
    }).thenCompose(f -> f);
  }

  private static long resetOffset(TopicPartition tp, PartitionOffsets offsets, ResetTarget target) {
    if (target.edge().isPresent()) {
      return target.edge().get() == OffsetReset.EARLIEST ? offsets.earliest() : offsets.latest();
    }
    if (target.offset().isPresent()) {
      long offset = target.offset().get();
      if (offset < offsets.earliest() || offset > offsets.latest()) {
        throw new InvalidGroupRequestException("offset " + offset + " is outside " + tp + ", which holds [" + offsets.earliest()
            + ", " + offsets.latest() + ")");
      }
      return offset;
    }
    return offsets.forTimestamp().map(found -> found.offset()).orElse(offsets.latest());
  }

  @Override
  public CompletableFuture<Void> delete(String name) {
    return forGroup(name, () -> {
      Group group = existing(name);
      if (!group.isEmpty()) {
        throw new GroupNotEmptyException(
            "group '" + name + "' has " + group.memberCount() + " members; only an empty group can be deleted");
      }
      return store.writeDeletion(group).thenAcceptAsync(done -> groups(name).remove(name), thread);
    }).thenCompose(f -> f);
  }

  @Override
  public CompletableFuture<Set<TopicPartition>> deleteOffsets(String name, List<TopicPartition> partitions) {
    return forGroup(name, () -> {
      Group group = existing(name);
      Predicate<String> consumed = consumedTopics(group);
      Set<TopicPartition> refused = new LinkedHashSet<>();
      Set<TopicPartition> deleted = new LinkedHashSet<>();
      for (TopicPartition tp : partitions) {
        if (consumed.test(tp.topic())) {
          refused.add(tp);
        } else if (group.stampedCommits().containsKey(tp)) {
          deleted.add(tp);
        }
      }
      if (deleted.isEmpty()) {
        return CompletableFuture.completedFuture(refused);
      }
      return store.writeOffsetDeletions(name, deleted).thenApplyAsync(done -> {
        deleted.forEach(group::forgetCommit);
        // As a reload would: a group with no members and nothing committed is gone.
        if (group.isDone()) {
          groups(name).remove(name, group);
        }
        return refused;
      }, thread);
    }).thenCompose(f -> f);
  }

  /**
   * The topics the group's members consume: HTTP members' topics and Kafka members' subscriptions;
   * every topic while a Kafka member's subscription cannot be read (conservative: deleting the offsets
   * of a consumed topic loses the member's place). Kafka members of another protocol type than
   * {@code consumer} refuse the whole request, as Kafka's {@code validateOffsetDelete} does.
   */
  private static Predicate<String> consumedTopics(Group group) {
    Set<String> topics = new HashSet<>(group.subscribedTopics());
    if (group.hasKafkaMembers()) {
      ClassicGroup classic = group.classic;
      if (!ConsumerProtocolBytes.CONSUMER.equals(classic.protocolType)) {
        throw new GroupNotEmptyException("group '" + group.name + "' has members of protocol type '" + classic.protocolType
            + "'; its offsets can be deleted only while it is empty");
      }
      if (classic.protocolName == null) {
        return topic -> true;
      }
      for (ClassicGroup.Member member : classic.members()) {
        Optional<List<String>> subscription = ConsumerProtocolBytes.subscription(member.metadata(classic.protocolName));
        if (subscription.isEmpty()) {
          return topic -> true;
        }
        topics.addAll(subscription.get());
      }
    }
    return topics::contains;
  }

  // ---------------------------------------------------------------- descriptions

  @Override
  public CompletableFuture<GroupDescription> describe(String name) {
    return forGroup(name, () -> {
      Group group = existing(name);
      List<MemberDescription> members = new ArrayList<>(group.members().stream()
          .map(m -> new MemberDescription(m.id, m.topics, m.sessionTimeoutMs, group.assignment(m.id))).toList());
      if (group.hasKafkaMembers()) {
        for (ClassicGroup.Member m : group.classic.members()) {
          members.add(ConsumerProtocolBytes.describe(group.classic, m));
        }
      }
      List<CompletableFuture<PartitionLag>> lags = lags(group);
      return CompletableFuture.allOf(lags.toArray(CompletableFuture[]::new)).thenApply(done -> new GroupDescription(name, group.state(),
          group.currentGeneration(), group.strategy(), members, lags.stream().map(CompletableFuture::join).toList()));
    }).thenCompose(f -> f);
  }

  /**
   * The lag of every partition {@code group} has committed to or its members consume: the high
   * watermark (what a consumer can read) minus the committed offset, or minus the log start where it
   * committed none. One future per partition, in partition order. Groups thread.
   */
  private List<CompletableFuture<PartitionLag>> lags(Group group) {
    Set<String> topics = new TreeSet<>(group.subscribedTopics());
    if (group.hasKafkaMembers()) {
      for (ClassicGroup.Member m : group.classic.members()) {
        topics.addAll(ConsumerProtocolBytes.describe(group.classic, m).topics());
      }
    }
    Set<TopicPartition> consumed = new TreeSet<>(Group.PARTITION_ORDER);
    consumed.addAll(group.committed(partitions::cachedTopicId).keySet());
    for (String topic : topics) {
      int count = partitions.cachedTopic(topic).map(TopicMetadata::partitions).orElse(0);
      for (int p = 0; p < count; p++) {
        consumed.add(new TopicPartition(topic, p));
      }
    }
    List<CompletableFuture<PartitionLag>> lags = new ArrayList<>();
    for (TopicPartition tp : consumed) {
      Optional<Long> offset = Optional.ofNullable(group.committedOffset(tp, partitions::cachedTopicId));
      lags.add(partitions.offsets(tp, OptionalLong.empty()).thenApply(offsets -> new PartitionLag(tp, offset, offsets.latest(),
          Math.max(0, offsets.latest() - offset.orElse(offsets.earliest())))));
    }
    return lags;
  }

  /**
   * The partition lags ({@link #describe}'s) of every group this node coordinates now, by group name;
   * for metrics. A partition whose offsets cannot be read now (its topic deleted, no leader) is left
   * out rather than failing the rest.
   */
  public CompletableFuture<Map<String, List<PartitionLag>>> coordinatedLags() {
    return onThread(() -> {
      Map<String, List<CompletableFuture<PartitionLag>>> byGroup = new TreeMap<>();
      loaded.forEach((partition, state) -> {
        if (store.leaderEpoch(partition).orElse(-1) == state.epoch()) {
          state.groups().forEach((name, group) -> byGroup.put(name, lags(group)));
        }
      });
      return byGroup;
    }).thenCompose(byGroup -> {
      List<CompletableFuture<?>> all = byGroup.values().stream().flatMap(List::stream)
          .map(lag -> lag.handle((done, failure) -> done)).collect(Collectors.toList());
      return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> {
        Map<String, List<PartitionLag>> lags = new TreeMap<>();
        byGroup.forEach((name, partitionLags) -> lags.put(name, partitionLags.stream()
            .filter(lag -> !lag.isCompletedExceptionally()).map(CompletableFuture::join).toList()));
        return lags;
      });
    });
  }

  @Override
  public CompletableFuture<List<GroupSummary>> list() {
    return onThread(() -> {
      List<GroupSummary> summaries = new ArrayList<>();
      loaded.forEach((partition, state) -> {
        if (store.leaderEpoch(partition).orElse(-1) == state.epoch()) {
          state.groups().values().forEach(g -> summaries.add(new GroupSummary(g.name,
              g.state(), g.currentGeneration(), g.memberCount())));
        }
      });
      return summaries;
    });
  }

  // ---------------------------------------------------------------- loaded partitions

  /** The groups of {@code group}'s partition; {@link #forGroup} has loaded them. Groups thread. */
  private Map<String, Group> groups(String group) {
    int partition = partitionFor(group);
    int epoch = store.leaderEpoch(partition).orElseThrow(() -> new NotCoordinatorException(
        "this node does not coordinate group '" + group + "' (it no longer leads " + TOPIC + "-" + partition + ")"));
    Loaded state = loaded.get(partition);
    if (state == null || state.epoch() != epoch) {
      // This node started leading again since the request waited for the load.
      throw loadInProgress(group, partition);
    }
    return state.groups();
  }

  /** Runs {@code work} on the groups thread once {@code group}'s partition is loaded, if this node leads it. */
  private <T> CompletableFuture<T> forGroup(String group, Supplier<T> work) {
    return onThread(() -> loadedFor(group)).thenCompose(loaded -> loaded).thenApplyAsync(loaded -> work.get(), thread);
  }

  /**
   * Completes once {@code group}'s partition is loaded in this node's current leader epoch, starting
   * the load if none is under way; at once if this node does not lead it ({@link #groups} then
   * refuses). Fails with {@link CoordinatorLoadInProgressException} past {@link #LOAD_WAIT_MS} or if
   * the load failed (the next request loads again). Groups thread.
   */
  private CompletableFuture<Void> loadedFor(String group) {
    try {
      validateName(group);
    } catch (InvalidGroupRequestException e) {
      return CompletableFuture.completedFuture(null); // the work refuses it
    }
    int partition = partitionFor(group);
    OptionalInt epoch = store.leaderEpoch(partition);
    Loaded state = loaded.get(partition);
    if (epoch.isEmpty() || state != null && state.epoch() == epoch.getAsInt()) {
      return CompletableFuture.completedFuture(null);
    }
    Loading current = loading.get(partition);
    if (current == null || current.epoch() != epoch.getAsInt()) {
      current = startLoad(partition, epoch.getAsInt());
    }
    return current.done().copy().orTimeout(LOAD_WAIT_MS, TimeUnit.MILLISECONDS)
        .exceptionally(e -> {
          throw loadInProgress(group, partition);
        });
  }

  private Loading startLoad(int partition, int epoch) {
    CompletableFuture<Void> done = CompletableFuture.supplyAsync(() -> store.load(partition), loader)
        .handleAsync((groups, failure) -> {
          Loading finished = loading.get(partition);
          if (finished != null && finished.epoch() == epoch) {
            loading.remove(partition);
          }
          if (failure != null) {
            LOG.error("could not load the groups of {}-{}; the next request for one of them loads them again", TOPIC, partition,
                Failures.cause(failure));
            throw new CompletionException(failure);
          }
          // Dropped if this node stopped leading meanwhile: tick() would forget them anyway.
          if (store.leaderEpoch(partition).orElse(-1) == epoch) {
            loaded.put(partition, new Loaded(epoch, groups));
          }
          return null;
        }, thread);
    Loading started = new Loading(epoch, done);
    loading.put(partition, started);
    return started;
  }

  private static CoordinatorLoadInProgressException loadInProgress(String group, int partition) {
    return new CoordinatorLoadInProgressException("the coordinator of group '" + group + "' is still loading "
        + TOPIC + "-" + partition + ": retry shortly");
  }

  /**
   * The group of a member's request. A group that does not exist has no members: the answer is
   * member-not-found, which tells a client to join again (the group ends when its last member
   * leaves or times out with nothing committed).
   */
  private Group groupOf(String name, String memberId) {
    validateName(name);
    Group group = groups(name).get(name);
    if (group == null) {
      throw new MemberNotFoundException("member '" + memberId + "' is not in group '" + name
          + "', which has no members (it may have ended when its last member left or timed out): join again");
    }
    return group;
  }

  private Group existing(String name) {
    validateName(name);
    Group group = groups(name).get(name);
    if (group == null) {
      throw new GroupNotFoundException("group '" + name + "' does not exist");
    }
    return group;
  }

  private static Member member(Group group, String memberId) {
    Member member = group.member(memberId);
    if (member == null) {
      throw new MemberNotFoundException("member '" + memberId + "' is not in group '" + group.name
          + "' (it left or its session timed out): join again");
    }
    return member;
  }

  private <T> CompletableFuture<T> onThread(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, thread);
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    thread.shutdownNow();
    loader.shutdownNow();
  }
}
