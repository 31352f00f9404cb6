package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code cors-allowed-origins}: none by default; origins as browsers send them, or {@code *}; anything else refused at start. */
class ConfigLoaderCorsTest {
  @Test
  void noOriginsByDefault() {
    assertThat(ConfigLoader.fromMap(Map.of()).corsAllowedOrigins()).isEmpty();
  }

  @Test
  void originsAreReadInLowerCaseAndAStarAlone() {
    assertThat(ConfigLoader.fromMap(Map.of("cors-allowed-origins", " https://App.Example.com, http://localhost:3000 ,"))
        .corsAllowedOrigins()).containsExactly("https://app.example.com", "http://localhost:3000");
    assertThat(ConfigLoader.fromMap(Map.of("cors-allowed-origins", "*")).corsAllowedOrigins()).containsExactly("*");
  }

  @ParameterizedTest
  @ValueSource(strings = {"app.example.com", "https://app.example.com/", "https://app.example.com/console", "ftp://files.example.com",
      "https://user@app.example.com", "https://app.example.com?x=1", "*, https://app.example.com", "https://bad host"})
  void anythingButAnOriginIsRefusedNamingTheKey(String value) {
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("cors-allowed-origins", value))).isInstanceOf(ConfigLoader.ConfigException.class)
        .hasMessageContaining("cors-allowed-origins");
  }
}
