package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.IdempotencyKeyReusedException;
import io.streamgate.cluster.InternalTopicException;
import io.streamgate.cluster.InvalidPartitionsException;
import io.streamgate.cluster.InvalidReplicationFactorException;
import io.streamgate.cluster.InvalidTimestampException;
import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.InvalidTopicNameException;
import io.streamgate.cluster.LeaderNotAvailableException;
import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.NotLeaderException;
import io.streamgate.cluster.ReplicationTimeoutException;
import io.streamgate.cluster.TopicExistsException;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.groups.CoordinatorLoadInProgressException;
import io.streamgate.cluster.groups.GroupNotEmptyException;
import io.streamgate.cluster.groups.GroupNotFoundException;
import io.streamgate.cluster.groups.InvalidGroupRequestException;
import io.streamgate.cluster.groups.MemberNotFoundException;
import io.streamgate.cluster.groups.RebalanceConflictException;
import io.streamgate.logstore.CorruptRecordException;
import io.streamgate.logstore.InvalidConfigException;
import io.streamgate.logstore.InvalidRecordException;
import io.streamgate.logstore.LogClosedException;
import io.streamgate.logstore.LogStorageException;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.RecordTooLargeException;
import io.streamgate.logstore.WriteQueueFullException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The problem (status and type) each failure is answered with: released API, never to change. */
class ProblemMapperTest {
  private static final Map<Throwable, String> PROBLEMS = Map.ofEntries(
      Map.entry(new TopicNotFoundException("m"), "404 topic-not-found"),
      Map.entry(new PartitionNotFoundException("m"), "404 partition-not-found"),
      Map.entry(new TopicExistsException("m"), "409 topic-exists"),
      Map.entry(new InvalidTopicException("m"), "400 invalid-request"),
      Map.entry(new InvalidTopicNameException("m"), "400 invalid-topic-name"),
      Map.entry(new InvalidPartitionsException("m"), "400 invalid-partitions"),
      Map.entry(new InvalidReplicationFactorException("m"), "400 invalid-replication-factor"),
      Map.entry(new InternalTopicException("m"), "403 internal-topic"),
      Map.entry(new InvalidConfigException("m"), "400 invalid-config"),
      Map.entry(new OffsetOutOfRangeException("m", 0, 1), "416 offset-out-of-range"),
      Map.entry(new RecordTooLargeException("m"), "413 record-too-large"),
      Map.entry(new InvalidRecordException("m"), "400 invalid-record"),
      Map.entry(new InvalidTimestampException("m"), "400 invalid-timestamp"),
      Map.entry(new WriteQueueFullException("m"), "503 overloaded"),
      Map.entry(new LogStorageException("m", null), "503 storage-error"),
      Map.entry(new LogClosedException("m"), "503 unavailable"),
      Map.entry(new NotEnoughReplicasException("m"), "503 not-enough-replicas"),
      Map.entry(new IdempotencyKeyReusedException("m"), "422 idempotency-key-reused"),
      Map.entry(new ReplicationTimeoutException("m"), "503 not-enough-replicas"),
      Map.entry(new LeaderNotAvailableException("m"), "503 leader-not-available"),
      Map.entry(new CoordinatorLoadInProgressException("m"), "503 leader-not-available"),
      Map.entry(new NotLeaderException("m"), "503 leader-not-available"),
      Map.entry(new InvalidGroupRequestException("m"), "400 invalid-request"),
      Map.entry(new GroupNotFoundException("m"), "404 group-not-found"),
      Map.entry(new MemberNotFoundException("m"), "404 member-not-found"),
      Map.entry(new RebalanceConflictException("m"), "409 stale-assignment"),
      Map.entry(new GroupNotEmptyException("m"), "409 group-not-empty"),
      Map.entry(new ClusterException("m"), "503 unavailable"),
      Map.entry(new CorruptRecordException("m"), "500 internal"),
      Map.entry(new IllegalStateException("m"), "500 internal"),
      Map.entry(new DecoderException("m"), "400 invalid-request"),
      Map.entry(new IOException("m"), "400 invalid-request"));

  @Test
  void eachFailureIsAnsweredWithItsProblemWrappedOrNot() {
    PROBLEMS.forEach((failure, problem) -> {
      assertThat(answer(failure)).as("%s", failure.getClass().getSimpleName()).isEqualTo(problem);
      assertThat(answer(new CompletionException(failure))).as("wrapped %s", failure.getClass().getSimpleName()).isEqualTo(problem);
    });
  }

  private static String answer(Throwable failure) {
    var error = ProblemMapper.errorFor(failure);
    assertThat(error.type()).startsWith("urn:streamgate:problem:");
    return error.httpStatus() + " " + error.type().substring("urn:streamgate:problem:".length());
  }
}
