package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.RebalanceConflictException;
import java.util.EnumSet;
import java.util.Set;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * An OffsetCommit refused for a reason retrying mends is answered a code Kafka's consumer retries
 * the commit on: on any other it fails the commit (seen in the rolling-restart IT, where
 * NOT_ENOUGH_REPLICAS from the group's partition ended a consumer).
 */
class CommitErrorCodeTest {
  /** What kafka-clients 4.4 ConsumerCoordinator.OffsetCommitResponseHandler retries a commit on. */
  private static final Set<Errors> CONSUMER_COMMITS_AGAIN = EnumSet.of(Errors.COORDINATOR_LOAD_IN_PROGRESS,
      Errors.COORDINATOR_NOT_AVAILABLE, Errors.NOT_COORDINATOR, Errors.REQUEST_TIMED_OUT, Errors.UNKNOWN_TOPIC_OR_PARTITION);

  @Test
  void everyRetriableRefusalIsAnsweredACodeTheConsumerCommitsAgainOn() {
    for (StreamgateError error : StreamgateError.values()) {
      error.exception("refused (test)").filter(e -> error.retryable())
          .ifPresent(refusal -> assertThat(Errors.forCode(OffsetCommitApi.commitErrorCode(refusal))).as("%s in a commit answer", error)
              .isIn(CONSUMER_COMMITS_AGAIN));
    }
    assertThat(OffsetCommitApi.commitErrorCode(new NotEnoughReplicasException("__groups-3 has 1 in-sync replica")))
        .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
  }

  @Test
  void aRefusalThatRetryingCannotMendKeepsItsCode() {
    assertThat(OffsetCommitApi.commitErrorCode(new RebalanceConflictException("generation 3 is over")))
        .isEqualTo(Errors.ILLEGAL_GENERATION.code());
  }
}
