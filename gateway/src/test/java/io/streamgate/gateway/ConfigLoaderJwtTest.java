package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JWT settings: defaults, the key file read and checked at start, and what is refused. */
class ConfigLoaderJwtTest {
  @TempDir Path dir;

  private Path publicKeyFile(String algorithm, int size) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
    generator.initialize(size);
    byte[] der = generator.generateKeyPair().getPublic().getEncoded();
    Path file = dir.resolve(algorithm + size + ".pem");
    Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END PUBLIC KEY-----\n",
        StandardCharsets.US_ASCII);
    return file;
  }

  @Test
  void offByDefaultWithTheSubjectAsPrincipalAndThirtySecondsOfSkew() {
    GatewayConfig.Jwt jwt = ConfigLoader.fromMap(Map.of()).security().jwt();
    assertThat(jwt.enabled()).isFalse();
    assertThat(jwt.principalClaim()).isEqualTo("sub");
    assertThat(jwt.clockSkewSeconds()).isEqualTo(30);
  }

  @Test
  void theKeyFileIsReadAtStart() throws Exception {
    Path rsa = publicKeyFile("RSA", 2048);
    GatewayConfig.Jwt jwt = ConfigLoader.fromMap(Map.of("auth-jwt-public-key", rsa.toString(), "auth-jwt-issuer", "https://i",
        "auth-jwt-audience", "sg", "auth-jwt-principal-claim", "email", "auth-jwt-clock-skew-seconds", "5")).security().jwt();
    assertThat(jwt.enabled()).isTrue();
    assertThat(jwt.publicKeyPem()).isEqualTo(Files.readString(rsa));
    assertThat(jwt).extracting("issuer", "audience", "principalClaim", "clockSkewSeconds").containsExactly("https://i", "sg", "email", 5);
    assertThat(ConfigLoader.fromMap(Map.of("auth-jwt-public-key", publicKeyFile("EC", 256).toString())).security().jwt().enabled())
        .isTrue();
  }

  @Test
  void aKeyThatCannotSignTokensIsRefusedAtStart() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-jwt-public-key", publicKeyFile("RSA", 1024).toString())))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("1024 bits");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-jwt-public-key", publicKeyFile("EC", 384).toString())))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("P-256");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a key");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-jwt-public-key", garbage.toString())))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("no PEM public key");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-jwt-public-key", dir.resolve("missing.pem").toString())))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("cannot read");
  }

  @Test
  void oneKeySourceAnHttpUrlAClaimAndABoundedSkew() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-jwt-public-key", publicKeyFile("RSA", 2048).toString(),
        "auth-jwt-jwks-url", "https://issuer/jwks"))).isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-jwt-jwks-url", "file:///etc/passwd")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("http or https");
    assertThat(ConfigLoader.fromMap(Map.of("auth-jwt-jwks-url", "https://issuer.example/.well-known/jwks.json")).security().jwt()
        .enabled()).isTrue();
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-jwt-principal-claim", " ")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("auth-jwt-principal-claim");
    assertThatThrownBy(() -> ConfigLoader.fromMap(Map.of("auth-jwt-clock-skew-seconds", "3601")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("auth-jwt-clock-skew-seconds");
  }
}
