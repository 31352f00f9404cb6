package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.LeaderNotAvailableException;
import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.NotLeaderException;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.TopicAuthorizationException;
import java.util.Set;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * What a failed partition read answers a Kafka consumer: only codes its fetch handles, since any
 * other is fatal to it (a Kafka Streams application died of "Unexpected error code 19 while
 * fetching" when a node's lease lapsed for a moment).
 */
class FetchErrorCodesTest {
  /** What kafka-clients 4.4's FetchCollector handles; any other code throws IllegalStateException in the consumer. */
  private static final Set<Errors> CONSUMER_HANDLES = Set.of(Errors.NOT_LEADER_OR_FOLLOWER, Errors.REPLICA_NOT_AVAILABLE,
      Errors.KAFKA_STORAGE_ERROR, Errors.FENCED_LEADER_EPOCH, Errors.OFFSET_NOT_AVAILABLE, Errors.UNKNOWN_TOPIC_OR_PARTITION,
      Errors.UNKNOWN_TOPIC_ID, Errors.INCONSISTENT_TOPIC_ID, Errors.OFFSET_OUT_OF_RANGE, Errors.TOPIC_AUTHORIZATION_FAILED,
      Errors.UNKNOWN_LEADER_EPOCH, Errors.UNKNOWN_SERVER_ERROR, Errors.CORRUPT_MESSAGE);

  @Test
  void failuresThatMayPassMakeTheConsumerLookTheLeaderUpAgain() {
    assertThat(FetchApi.errorCode(new NotEnoughReplicasException("node-1 holds no lease"))).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
    assertThat(FetchApi.errorCode(new LeaderNotAvailableException("high watermark not confirmed yet")))
        .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
    assertThat(FetchApi.errorCode(new NotLeaderException("moved"))).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
  }

  @Test
  void failuresTheConsumerKnowsKeepTheirCodes() {
    assertThat(FetchApi.errorCode(new TopicNotFoundException("gone"))).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    assertThat(FetchApi.errorCode(new TopicAuthorizationException("no"))).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
    assertThat(FetchApi.errorCode(new IllegalStateException("a bug"))).isEqualTo(Errors.UNKNOWN_SERVER_ERROR.code());
  }

  @Test
  void everyEntryOfTheCatalogueIsAnsweredWithACodeTheConsumerHandles() {
    for (StreamgateError error : StreamgateError.values()) {
      RuntimeException failure = error.exception("from the catalogue").orElse(null);
      if (failure == null) {
        continue;
      }
      assertThat(CONSUMER_HANDLES).as("%s answered to a fetch", error).contains(Errors.forCode(FetchApi.errorCode(failure)));
    }
  }
}
