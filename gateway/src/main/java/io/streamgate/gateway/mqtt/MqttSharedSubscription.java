package io.streamgate.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.streamgate.cluster.Backoff;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.groups.AssignmentStrategy;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.groups.GroupService.PartitionRecords;
import io.streamgate.cluster.groups.GroupService.PollResult;
import io.streamgate.cluster.groups.InvalidGroupRequestException;
import io.streamgate.cluster.groups.MemberNotFoundException;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's shared subscription ({@code $share/{ShareName}/{filter}}, MQTT 5 §4.8.2): a member
 * of the consumer group that stands for the share name and filter, so the subscribers of one share
 * split the log topics' partitions between them, on whatever nodes they are connected to. A loop of
 * long polls feeds {@link #ready} (each answer decoded through {@link RecordDecoding}), which the
 * connection sends out with its other deliveries; once everything of an answer is settled (QoS 0
 * sent, QoS 1 acknowledged) the answer's cursor is committed and the next poll made. What a
 * subscriber took and never acknowledged is therefore sent to another subscriber when it goes (at
 * least once), and messages written while a share had no subscriber wait for the next one: the
 * group keeps its committed offsets.
 *
 * <p>Confined to the connection's event loop.
 */
final class MqttSharedSubscription {
  static final String PREFIX = "$share/";
  private static final Logger LOG = LoggerFactory.getLogger(MqttSharedSubscription.class);
  private static final Pattern SHARE_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,100}");
  private static final long SESSION_TIMEOUT_MS = 30_000;
  private static final long POLL_WAIT_MS = 10_000;
  private static final int POLL_MAX_BYTES = 1024 * 1024;

  /** A {@code $share/{ShareName}/{filter}} split in its parts. */
  record Share(String shareName, String filter) {
    /** The parts of a shared subscription's filter; empty if the share name or the filter is not one this node takes. */
    static Optional<Share> parse(String sharedFilter) {
      int slash = sharedFilter.indexOf('/', PREFIX.length());
      if (!sharedFilter.startsWith(PREFIX) || slash < 0) {
        return Optional.empty();
      }
      String shareName = sharedFilter.substring(PREFIX.length(), slash);
      String filter = sharedFilter.substring(slash + 1);
      return SHARE_NAME.matcher(shareName).matches() && MqttTopics.isValidFilter(filter)
          ? Optional.of(new Share(shareName, filter)) : Optional.empty();
    }

    /** The consumer group: the share name, and the filter's checksum (a group name cannot hold a filter's characters). */
    String group() {
      CRC32 crc = new CRC32();
      crc.update(filter.getBytes(StandardCharsets.UTF_8));
      return "mqtt-share." + shareName + "." + String.format("%08x", crc.getValue());
    }
  }

  private final GroupService groups;
  private final Context context;
  private final Share share;
  private final MqttQoS qos;
  private final int subscriptionId;
  private final List<String> logTopics;
  private final int maxRecords;
  private final RecordDecoding decoding;
  /** The message a record makes for a subscription of this QoS, or null if it cannot be sent; pure (it runs on the decode pool). */
  private final BiFunction<PartitionRecords, Record, MqttOutgoing> toMessage;
  private final Runnable pump;
  private final Backoff retries;
  /** Messages of the current answer not sent yet; the connection takes them in turn with its others. */
  final ArrayDeque<MqttOutgoing> ready = new ArrayDeque<>();
  private String memberId;
  private Optional<String> cursor = Optional.empty();
  private String answerCursor;
  /** Messages of the current answer not settled yet (queued, or sent at QoS 1 and not acknowledged). */
  private int unsettled;
  private boolean polling;
  /** An answer is being decoded: its messages are not queued yet. */
  private boolean decodingAnswer;
  private boolean closed;
  private long heartbeatTimer = -1;

  MqttSharedSubscription(GroupService groups, Context context, RecordDecoding decoding, Share share, MqttQoS qos, int subscriptionId,
      List<String> logTopics, int maxRecords, BiFunction<PartitionRecords, Record, MqttOutgoing> toMessage, Runnable pump) {
    this.groups = groups;
    this.context = context;
    this.decoding = decoding;
    this.share = share;
    this.qos = qos;
    this.subscriptionId = subscriptionId;
    this.logTopics = List.copyOf(logTopics);
    this.maxRecords = maxRecords;
    this.toMessage = toMessage;
    this.pump = pump;
    this.retries = MqttRetry.on(context);
  }

  /** Its consumer group and the log topics it reads, which its principal must go on being allowed to READ. */
  Share share() {
    return share;
  }

  List<String> logTopics() {
    return logTopics;
  }

  MqttQoS qos() {
    return qos;
  }

  /** The MQTT 5 Subscription Identifier it was made with; 0 for none. */
  int subscriptionId() {
    return subscriptionId;
  }

  /**
   * Joins the share's group and polls once without waiting; completes once that poll is answered,
   * and polls from then on. The first poll fixes a new share's place (the log's end): polled only
   * after the SUBACK, a message published as soon as the client held its SUBACK could come before
   * that place and never be delivered (seen in CI, 2026-12-08).
   */
  Future<Void> start() {
    heartbeatTimer = context.owner().setPeriodic(SESSION_TIMEOUT_MS / 3, id -> heartbeat());
    return join().compose(v -> poll(0));
  }

  /** A message of this subscription is settled: QoS 0 sent, QoS 1 acknowledged. */
  void settled() {
    unsettled--;
    if (unsettled == 0 && !closed) {
      commitAndPoll();
    }
  }

  /** Leaves the group: what was not settled goes to the share's other subscribers. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    context.owner().cancelTimer(heartbeatTimer);
    ready.clear();
    if (memberId != null) {
      groups.leave(share.group(), memberId);
    }
  }

  private Future<Void> join() {
    return Future.fromCompletionStage(groups.join(share.group(), logTopics, GroupService.OffsetReset.LATEST, SESSION_TIMEOUT_MS,
        AssignmentStrategy.COOPERATIVE_STICKY), context).map(membership -> {
          memberId = membership.memberId();
          cursor = Optional.empty();
          return null;
        });
  }

  private void poll() {
    poll(POLL_WAIT_MS);
  }

  /** Polls, waiting up to {@code waitMs} for records; the future completes once the poll is answered (or failed). */
  private Future<Void> poll(long waitMs) {
    if (closed || polling || decodingAnswer || unsettled > 0) {
      return Future.succeededFuture();
    }
    polling = true;
    Promise<Void> answered = Promise.promise();
    Future.fromCompletionStage(groups.poll(share.group(), memberId, maxRecords, POLL_MAX_BYTES, waitMs, cursor), context)
        .onComplete(answer -> {
          polling = false;
          answered.complete();
          if (closed) {
            return;
          }
          if (answer.failed()) {
            recover(answer.cause());
          } else {
            retries.reset();
            deliver(answer.result());
          }
        });
    return answered.future();
  }

  /** Decodes the answer ({@link RecordDecoding}: off the event loop unless small and uncompressed), then queues its messages. */
  private void deliver(PollResult result) {
    decodingAnswer = true;
    List<ByteBuffer> reads = result.records().stream().map(PartitionRecords::batches).toList();
    decoding.decode(reads, () -> messages(result)).onComplete(decoded -> {
      decodingAnswer = false;
      if (closed) {
        return;
      }
      if (decoded.failed()) {
        recover(decoded.cause());
        return;
      }
      answerCursor = result.cursor();
      ready.addAll(decoded.result());
      unsettled = ready.size();
      if (unsettled == 0) {
        commitAndPoll();
      } else {
        pump.run();
      }
    });
  }

  /** The answer's messages, in order. Touches no state of the subscription: it may run on the decode pool. */
  private List<MqttOutgoing> messages(PollResult result) {
    List<MqttOutgoing> messages = new ArrayList<>();
    for (PartitionRecords part : result.records()) {
      for (RecordBatch batch : RecordBatch.iterate(part.batches().duplicate())) {
        for (Record record : batch.records()) {
          if (record.offset() >= part.fetchOffset() && record.offset() < part.nextOffset()) {
            MqttOutgoing message = toMessage.apply(part, record);
            if (message != null) {
              messages.add(message.sharedBy(this));
            }
          }
        }
      }
    }
    return messages;
  }

  /** Commits the settled answer by its cursor, then polls on from exactly there. */
  private void commitAndPoll() {
    Optional<String> settledAt = Optional.of(answerCursor);
    Future.fromCompletionStage(groups.commit(share.group(), memberId, Optional.empty(), settledAt, OptionalInt.empty()), context)
        .onComplete(committed -> {
          if (committed.failed()) {
            // A rebalance moved a partition: its new owner starts from the last commit (at least once).
            LOG.debug("mqtt share {}: commit refused: {}", share.group(), Failures.cause(committed.cause()).toString());
          }
          cursor = settledAt;
          poll();
        });
  }

  private void heartbeat() {
    if (!closed && !polling && memberId != null) {
      // An empty commit writes nothing and keeps the membership alive while a slow subscriber acknowledges.
      groups.commit(share.group(), memberId, Optional.of(List.of()), Optional.empty(), OptionalInt.empty());
    }
  }

  private void recover(Throwable failure) {
    Throwable cause = Failures.cause(failure);
    LOG.debug("mqtt share {}: poll failed, retrying: {}", share.group(), cause.toString());
    if (cause instanceof InvalidGroupRequestException) {
      // The cursor was refused (its topic was deleted since, or its position is past a log end now):
      // presented again it would be refused forever. The member goes on from its own positions.
      cursor = Optional.empty();
    }
    retries.retry(() -> {
      if (closed) {
        return;
      }
      // The membership ran out (the coordinator moved, or the subscriber was too slow): join again.
      Future<Void> member = cause instanceof MemberNotFoundException ? join() : Future.succeededFuture();
      member.onComplete(joined -> {
        if (joined.failed()) {
          recover(joined.cause());
        } else {
          poll();
        }
      });
    });
  }
}
