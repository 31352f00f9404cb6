package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The coordinator's setting for Kafka's classic groups: Kafka's initial rebalance delay by default. */
class ConfigLoaderGroupsTest {
  @Test
  void theInitialRebalanceDelayIsKafkasThreeSecondsUnlessSetAndCheckedAtStart() {
    assertThat(ConfigLoader.fromMap(Map.of()).cluster().classicGroups().initialRebalanceDelayMs()).isEqualTo(3_000);
    assertThat(ConfigLoader.fromMap(Map.of("group-initial-rebalance-delay-ms", "0")).cluster().classicGroups()
        .initialRebalanceDelayMs()).isZero();
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("group-initial-rebalance-delay-ms", "300001")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("group-initial-rebalance-delay-ms");
  }
}
