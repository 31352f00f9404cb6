package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The limits on slow clients and buffered bodies: their documented defaults, and the one rule between them. */
class ConfigLoaderLimitsTest {
  @Test
  void defaults() {
    GatewayConfig.Limits limits = ConfigLoader.fromMap(Map.of()).limits();
    assertThat(limits.httpHeaderTimeoutMs()).isEqualTo(10_000);
    assertThat(limits.httpBodyTimeoutMs()).isEqualTo(30_000);
    assertThat(limits.maxBufferedBodyBytes()).isEqualTo(128L * 1024 * 1024);
  }

  @Test
  void aBudgetSmallerThanOneBodyIsRefusedAtStart() {
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("max-body-bytes", "2048", "max-buffered-body-bytes", "2047")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("max-buffered-body-bytes");
    assertThat(ConfigLoader.fromMap(Map.of("max-body-bytes", "2048", "max-buffered-body-bytes", "2048")).limits().maxBufferedBodyBytes())
        .isEqualTo(2048);
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("http-header-timeout-ms", "0")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("http-header-timeout-ms");
  }
}
