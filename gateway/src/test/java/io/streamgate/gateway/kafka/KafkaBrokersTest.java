package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Node ids as Kafka broker ids: small numbers as they are, anything else hashed above them, the same every time. */
class KafkaBrokersTest {
  @ParameterizedTest
  @CsvSource({"0, 0", "2, 2", "17, 17", "999999, 999999"})
  void aNumericNodeIdBelowTheHashedRangeIsItsBrokerId(String nodeId, int brokerId) {
    assertThat(KafkaBrokers.brokerId(nodeId)).isEqualTo(brokerId);
  }

  @ParameterizedTest
  @ValueSource(strings = {"node-0", "node-1", "node-1a2b3c4d", "1000000", "0002x", "99999999999"})
  void anyOtherNodeIdIsHashedAboveThemTheSameWayEveryTime(String nodeId) {
    int brokerId = KafkaBrokers.brokerId(nodeId);
    assertThat(brokerId).isBetween(KafkaBrokers.HASHED_BASE, Integer.MAX_VALUE);
    assertThat(KafkaBrokers.brokerId(new String(nodeId.toCharArray()))).isEqualTo(brokerId);
  }

  @ParameterizedTest
  @CsvSource({"node-0, node-1", "node-1, node-2", "a, b"})
  void differentIdsGetDifferentBrokerIds(String one, String other) {
    assertThat(KafkaBrokers.brokerId(one)).isNotEqualTo(KafkaBrokers.brokerId(other));
  }

  @org.junit.jupiter.api.Test
  void noNodeIsKafkasNoNode() {
    assertThat(KafkaBrokers.brokerId(null)).isEqualTo(-1);
  }
}
