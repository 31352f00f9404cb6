package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node among the metadata voters it names starts with them; one not among them joins them, on a port of its own. */
class ConfigLoaderVotersTest {
  private static final String VOTERS = "n0@10.0.0.1:5801,n1@10.0.0.2:5801,n2@10.0.0.3:5801";

  @Test
  void aNodeNotAmongTheVotersJoinsThemAndNeedsMembersAndAMetadataPort() {
    GatewayConfig joining = ConfigLoader.fromMap(Map.of("node-id", "n3", "metadata-voters", VOTERS, "join", "10.0.0.1:5701",
        "metadata-port", "5801"));
    assertThat(joining.cluster().metadataVoters()).extracting(Voter::id).containsExactly("n0", "n1", "n2");
    assertThat(joining.cluster().metadataPort()).isEqualTo(5801);

    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("node-id", "n3", "metadata-voters", VOTERS, "join", "10.0.0.1:5701")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("joins them as a new voter")
        .hasMessageContaining("metadata-port");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("node-id", "n3", "metadata-voters", VOTERS, "metadata-port", "5801")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("join");
    // A founding voter needs neither: its own entry says where it listens.
    assertThat(ConfigLoader.fromMap(Map.of("node-id", "n1", "metadata-voters", VOTERS)).cluster().metadataVoters()).hasSize(3);
  }
}
