package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node's rack: none by default, a name as a node id's otherwise. */
class ConfigLoaderRackTest {
  @Test
  void noRackByDefault() {
    assertThat(ConfigLoader.fromMap(Map.of()).cluster().rack()).isNull();
    assertThat(ConfigLoader.fromMap(Map.of("rack", " ")).cluster().rack()).isNull();
  }

  @Test
  void aRackIsANameCheckedAtStart() {
    assertThat(ConfigLoader.fromMap(Map.of("rack", "eu-west-1a")).cluster().rack()).isEqualTo("eu-west-1a");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("rack", "a b"))).isInstanceOf(ConfigLoader.ConfigException.class)
        .hasMessageContaining("rack must match");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("rack", "r".repeat(65))))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("rack must match");
  }
}
