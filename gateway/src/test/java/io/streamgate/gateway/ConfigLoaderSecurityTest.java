package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.security.Quotas.Rates;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The security settings: off by default, and every value checked at start. */
class ConfigLoaderSecurityTest {
  @Test
  void authIsOffWithoutQuotasByDefault() {
    GatewayConfig.Security security = ConfigLoader.fromMap(Map.of()).security();
    assertThat(security.enabled()).isFalse();
    assertThat(security.bootstrapKey()).isEmpty();
    assertThat(security.defaultQuotas()).isEqualTo(Rates.NONE);
    assertThat(security.quotaOverrides()).isEmpty();
  }

  @Test
  void superUsersAndQuotaOverridesAreReadAndAKindLeftOutKeepsTheDefault() {
    GatewayConfig.Security security = ConfigLoader.fromMap(Map.of("auth", "on", "auth-bootstrap-key", "0123456789abcdef",
        "super-users", "User:root, ops", "quota-produce-bytes-per-second", "1000", "quota-overrides",
        "User:alice=consume:5,requests:7;User:bob=produce:0")).security();
    assertThat(security.enabled()).isTrue();
    assertThat(security.superUsers()).containsExactly(Principal.user("root"), Principal.user("ops"));
    assertThat(security.quotaOverrides()).containsEntry(Principal.user("alice"), new Rates(1000, 5, 7))
        .containsEntry(Principal.user("bob"), new Rates(0, 0, 0));
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth", "yes"))).hasMessageContaining("auth must be on or off");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-bootstrap-key", "short"))).hasMessageContaining("auth-bootstrap-key");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("quota-overrides", "User:alice=fast:1")))
        .hasMessageContaining("quota-overrides");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("quota-overrides", "User:alice")))
        .hasMessageContaining("quota-overrides");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("quota-requests-per-second", "-1")))
        .hasMessageContaining("quota-requests-per-second");
  }
}
