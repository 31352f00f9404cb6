package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.http.ClientAuth;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TLS settings: off without a certificate, on for every listener with one, and the combinations refused at start. */
class ConfigLoaderTlsTest {
  @Test
  void withoutACertificateNothingIsEncrypted() {
    GatewayConfig.Tls tls = load(Map.of()).tls();
    assertThat(tls.configured()).isFalse();
    assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NONE);
    assertThat(tls.reloadIntervalMs()).isEqualTo(10_000);
  }

  @Test
  void aCertificateTurnsTlsOnForEveryListenerButTheEventBus() {
    GatewayConfig.Tls tls = load(Map.of("tls-cert", "node.pem", "tls-key", "node.key")).tls();
    assertThat(tls.configured()).isTrue();
    assertThat(tls.certPath()).isEqualTo(Path.of("node.pem"));
    assertThat(tls.http()).isTrue();
    assertThat(tls.mqtt()).isTrue();
    assertThat(tls.kafka()).isTrue();
    assertThat(tls.cluster()).isFalse();
    assertThat(load(Map.of("tls-keystore", "node.p12", "kafka-tls", "false")).tls().kafka()).isFalse();
  }

  @Test
  void incompleteOrContradictorySettingsAreRefusedNamingTheKeys() {
    assertRefused(Map.of("tls-cert", "node.pem"), "tls-key");
    assertRefused(Map.of("tls-cert", "node.pem", "tls-key", "node.key", "tls-keystore", "node.p12"), "tls-keystore");
    assertRefused(Map.of("tls-cert", "node.pem", "tls-key", "node.key", "tls-client-auth", "required"), "tls-ca");
    assertRefused(Map.of("tls-ca", "ca.pem", "tls-client-auth", "request"), "tls-client-auth");
    assertRefused(Map.of("tls-cert", "node.pem", "tls-key", "node.key", "cluster-tls", "true"), "tls-ca");
    assertRefused(Map.of("tls-client-auth", "maybe"), "tls-client-auth");
    assertRefused(Map.of("cluster-secret", "short"), "cluster-secret");
  }

  private static void assertRefused(Map<String, String> values, String naming) {
    assertThatThrownBy(() -> load(values)).isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining(naming);
  }

  private static GatewayConfig load(Map<String, String> values) {
    Map<String, String> all = new HashMap<>(values);
    all.put("node-id", "tls-config");
    return ConfigLoader.fromMap(all);
  }
}
