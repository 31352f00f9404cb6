package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.LeaderNotAvailableException;
import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.logstore.OffsetOutOfRangeException;
import java.util.EnumSet;
import java.util.Set;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * A partition's error in a Fetch answer is one Kafka's consumer acts on when retrying may succeed:
 * on any other it throws to the application (seen in the rolling-restart IT, where a consumer
 * stopped on NOT_ENOUGH_REPLICAS from a node without its lease, and KafkaClusterIT, where a Kafka
 * Streams application and MirrorMaker did when a lease lapsed during a metadata election).
 */
class FetchErrorCodeTest {
  /** What kafka-clients 4.4 FetchCollector.handleInitializeErrors handles at all; on any other code it throws. */
  private static final Set<Errors> CONSUMER_HANDLES = EnumSet.of(Errors.NOT_LEADER_OR_FOLLOWER, Errors.REPLICA_NOT_AVAILABLE,
      Errors.KAFKA_STORAGE_ERROR, Errors.FENCED_LEADER_EPOCH, Errors.OFFSET_NOT_AVAILABLE, Errors.UNKNOWN_TOPIC_OR_PARTITION,
      Errors.UNKNOWN_TOPIC_ID, Errors.INCONSISTENT_TOPIC_ID, Errors.OFFSET_OUT_OF_RANGE, Errors.TOPIC_AUTHORIZATION_FAILED,
      Errors.UNKNOWN_LEADER_EPOCH, Errors.UNKNOWN_SERVER_ERROR, Errors.CORRUPT_MESSAGE);

  /** Of those, what it refreshes its metadata on and fetches again. */
  private static final Set<Errors> CONSUMER_FETCHES_AGAIN = EnumSet.of(Errors.NOT_LEADER_OR_FOLLOWER, Errors.REPLICA_NOT_AVAILABLE,
      Errors.KAFKA_STORAGE_ERROR, Errors.FENCED_LEADER_EPOCH, Errors.OFFSET_NOT_AVAILABLE, Errors.UNKNOWN_TOPIC_OR_PARTITION,
      Errors.UNKNOWN_LEADER_EPOCH);

  @Test
  void everyRetriableRefusalIsAnsweredACodeTheConsumerFetchesAgainOn() {
    for (StreamgateError error : StreamgateError.values()) {
      error.exception("refused (test)").filter(e -> error.retryable())
          .ifPresent(refusal -> assertThat(Errors.forCode(FetchApi.errorCode(refusal))).as("%s in a Fetch answer", error)
              .isIn(CONSUMER_FETCHES_AGAIN));
    }
  }

  @Test
  void everyEntryOfTheCatalogueIsAnsweredACodeTheConsumerHandles() {
    for (StreamgateError error : StreamgateError.values()) {
      error.exception("refused (test)").ifPresent(refusal -> assertThat(Errors.forCode(FetchApi.errorCode(refusal)))
          .as("%s in a Fetch answer", error).isIn(CONSUMER_HANDLES));
    }
  }

  @Test
  void aNewLeaderNotYetServingReadsIsOffsetNotAvailableAndANodeWithoutItsLeaseNotLeader() {
    assertThat(FetchApi.errorCode(new LeaderNotAvailableException("high watermark below the epoch start")))
        .isEqualTo(Errors.OFFSET_NOT_AVAILABLE.code());
    assertThat(FetchApi.errorCode(new NotEnoughReplicasException("no lease"))).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
  }

  @Test
  void aRefusalThatRetryingCannotMendKeepsItsCode() {
    assertThat(FetchApi.errorCode(new OffsetOutOfRangeException("below the log start", 10, 20)))
        .isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
  }
}
