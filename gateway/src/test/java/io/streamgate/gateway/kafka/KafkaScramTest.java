package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.security.ScramCredential;
import io.streamgate.cluster.security.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The SCRAM server exchange against RFC 7677's SCRAM-SHA-256 example, and what it refuses. */
class KafkaScramTest {
  // RFC 7677 §3: user "user", password "pencil".
  private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
  private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  private static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

  private static final ScramMechanism SHA_256 = ScramMechanism.SCRAM_SHA_256;
  private static final ScramCredential USER = SHA_256.credential("user", SALT, 4096, SHA_256.saltedPassword("pencil", SALT, 4096));

  private static KafkaScram exchange() {
    return new KafkaScram(SHA_256, user -> Optional.of(USER).filter(c -> c.user().equals(user)), SERVER_NONCE);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theRfcExampleExchangeSucceedsWithTheRfcAnswers() throws Exception {
    KafkaScram scram = exchange();
    assertThat(new String(scram.clientFirst(bytes(CLIENT_FIRST)), StandardCharsets.UTF_8)).isEqualTo(SERVER_FIRST);
    assertThat(new String(scram.clientFinal(bytes(CLIENT_FINAL)), StandardCharsets.UTF_8)).isEqualTo(SERVER_FINAL);
    assertThat(scram.user()).isEqualTo("user");
  }

  @Test
  void aWrongProofNonceOrBindingOrAnUnknownUserIsRefused() throws Exception {
    KafkaScram wrongProof = exchange();
    wrongProof.clientFirst(bytes(CLIENT_FIRST));
    assertThatThrownBy(() -> wrongProof.clientFinal(bytes(CLIENT_FINAL.replace("p=dHzb", "p=dHzc"))))
        .isInstanceOf(KafkaScram.ScramException.class).hasMessageContaining("invalid credentials");
    KafkaScram wrongNonce = exchange();
    wrongNonce.clientFirst(bytes(CLIENT_FIRST));
    assertThatThrownBy(() -> wrongNonce.clientFinal(bytes(CLIENT_FINAL.replace("hNlF$k0,", "hNlF$k1,"))))
        .isInstanceOf(KafkaScram.ScramException.class).hasMessageContaining("nonce");
    KafkaScram wrongBinding = exchange();
    wrongBinding.clientFirst(bytes(CLIENT_FIRST));
    assertThatThrownBy(() -> wrongBinding.clientFinal(bytes(CLIENT_FINAL.replace("c=biws", "c=eSws"))))
        .isInstanceOf(KafkaScram.ScramException.class).hasMessageContaining("binding");
    assertThatThrownBy(() -> exchange().clientFirst(bytes("n,,n=nobody,r=abc"))).isInstanceOf(KafkaScram.ScramException.class)
        .hasMessageContaining("no SCRAM-SHA-256 credential");
    assertThatThrownBy(() -> exchange().clientFirst(bytes("p=tls-unique,,n=user,r=abc")))
        .isInstanceOf(KafkaScram.ScramException.class);
    assertThatThrownBy(() -> exchange().clientFirst(bytes("n,,n=user,r=abc,tokenauth=true")))
        .isInstanceOf(KafkaScram.ScramException.class);
  }
}
