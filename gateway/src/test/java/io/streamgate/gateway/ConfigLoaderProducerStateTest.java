package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.ClusterOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The idempotent Kafka producers' bounds: Kafka's expiration by default, and a limit on producers a partition remembers. */
class ConfigLoaderProducerStateTest {
  @Test
  void defaultsAreKafkasExpirationAndTenThousandProducers() {
    ClusterOptions cluster = ConfigLoader.fromMap(Map.of()).cluster();
    assertThat(cluster.producerIdExpirationMs()).isEqualTo(86_400_000L);
    assertThat(cluster.maxProducersPerPartition()).isEqualTo(10_000);
  }

  @Test
  void bothAreSetAndCheckedAtStart() {
    ClusterOptions cluster = ConfigLoader.fromMap(Map.of("producer-id-expiration-ms", "60000",
        "max-producers-per-partition", "50")).cluster();
    assertThat(cluster.producerIdExpirationMs()).isEqualTo(60_000);
    assertThat(cluster.maxProducersPerPartition()).isEqualTo(50);
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("max-producers-per-partition", "0")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("max-producers-per-partition");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("producer-id-expiration-ms", "999")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("producer-id-expiration-ms");
  }
}
