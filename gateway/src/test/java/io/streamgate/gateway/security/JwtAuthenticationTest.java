package io.streamgate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * JWT bearer tokens through {@link NodeSecurity#authenticate}: a good token is its principal claim's
 * user; an expired, not yet valid, foreign (issuer, audience), forged (another key, a changed
 * payload, {@code alg: none}, HMAC) or claimless token is refused, and the audit line says why
 * without the token.
 */
class JwtAuthenticationTest {
  private static final String ISSUER = "https://issuer.test";
  private static final Supplier<AccessControl> NO_KEYS = () -> {
    throw new AssertionError("a JWT is not looked up as an API key");
  };

  private static Vertx vertx;
  private static JwtTokens issuer;
  private static JwtTokens stranger;

  private final ListAppender<ILoggingEvent> audit = new ListAppender<>();

  @BeforeAll
  static void keys() {
    vertx = Vertx.vertx();
    issuer = JwtTokens.rsa(vertx, null);
    stranger = JwtTokens.rsa(vertx, null);
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void captureAudit() {
    audit.start();
    ((Logger) LoggerFactory.getLogger(AuditLog.LOGGER)).addAppender(audit);
  }

  @AfterEach
  void releaseAudit() {
    ((Logger) LoggerFactory.getLogger(AuditLog.LOGGER)).detachAppender(audit);
  }

  private static NodeSecurity security(String pem, String principalClaim) {
    GatewayConfig.Jwt jwt = new GatewayConfig.Jwt(pem, "", ISSUER, "streamgate", principalClaim, 30);
    return new NodeSecurity(vertx, new GatewayConfig.Security(true, "", List.of(), jwt), NO_KEYS);
  }

  private static NodeSecurity security() {
    return security(issuer.publicKeyPem(), "sub");
  }

  private static Principal accepted(Future<Authenticated> result) {
    return result.map(Authenticated::principal).toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  /** Refused as unauthenticated; the audit line holds {@code reason} and nothing of the token. */
  private void assertRefused(NodeSecurity security, String token, String reason) {
    Throwable failure = security.authenticate(token, "http", "10.0.0.7:5000").toCompletionStage().toCompletableFuture()
        .orTimeout(10, TimeUnit.SECONDS).handle((principal, error) -> error).join();
    assertThat(failure).as("token refused").isInstanceOf(AuthenticationException.class).hasMessageContaining(reason);
    assertThat(audit.list).last().satisfies(line -> {
      assertThat(line.getFormattedMessage()).contains("event=authentication-failed", "protocol=http", "remote=10.0.0.7:5000", reason)
          .doesNotContain(token).doesNotContain(token.split("\\.")[0]);
    });
  }

  @Test
  void aGoodTokenIsItsSubjectsUser() {
    assertThat(accepted(security().authenticate(issuer.sign(JwtTokens.claims("alice")), "http", "10.0.0.7:5000")))
        .isEqualTo(Principal.user("alice"));
    // aud may be an array holding ours.
    JsonObject claims = JwtTokens.claims("alice").put("aud", new JsonArray().add("other").add("streamgate"));
    assertThat(accepted(security().authenticate(issuer.sign(claims), "mqtt", "h:1"))).isEqualTo(Principal.user("alice"));
    assertThat(audit.list).isEmpty();
  }

  @Test
  void theConfiguredClaimNamesThePrincipal() {
    NodeSecurity byEmail = security(issuer.publicKeyPem(), "email");
    String token = issuer.sign(JwtTokens.claims("alice").put("email", "alice@example.com"));
    assertThat(accepted(byEmail.authenticate(token, "http", "h:1"))).isEqualTo(Principal.user("alice@example.com"));
    assertRefused(byEmail, issuer.sign(JwtTokens.claims("bob")), "without the principal claim email");
    // The bootstrap key's principal is a super-user; a token does not make one.
    assertRefused(security(), issuer.sign(JwtTokens.claims("bootstrap")), "reserved principal User:bootstrap");
    assertRefused(security(), issuer.sign(JwtTokens.claims("ANONYMOUS")), "reserved principal User:ANONYMOUS");
  }

  @Test
  void anEs256TokenIsCheckedWithAnEcKey() {
    JwtTokens ec = JwtTokens.ec(vertx);
    NodeSecurity security = security(ec.publicKeyPem(), "sub");
    assertThat(accepted(security.authenticate(ec.sign(JwtTokens.claims("carol")), "kafka", "h:1"))).isEqualTo(Principal.user("carol"));
    assertRefused(security, issuer.sign(JwtTokens.claims("carol")), "a key the issuer does not have");
  }

  @Test
  void anExpiredTokenIsRefusedBeyondTheClockSkew() {
    long now = JwtTokens.now();
    assertRefused(security(), issuer.sign(JwtTokens.claims("alice").put("exp", now - 31)), "JWT expired");
    assertThat(accepted(security().authenticate(issuer.sign(JwtTokens.claims("alice").put("exp", now - 20)), "http", "h:1")))
        .as("expired within the clock skew").isEqualTo(Principal.user("alice"));
    JsonObject noExpiry = JwtTokens.claims("alice");
    noExpiry.remove("exp");
    assertRefused(security(), issuer.sign(noExpiry), "without an expiry");
    assertRefused(security(), issuer.sign(JwtTokens.claims("alice").put("exp", "tomorrow")), "exp is not a number");
  }

  @Test
  void aTokenNotValidYetIsRefusedBeyondTheClockSkew() {
    long now = JwtTokens.now();
    assertRefused(security(), issuer.sign(JwtTokens.claims("alice").put("nbf", now + 120)), "not valid yet");
    assertThat(accepted(security().authenticate(issuer.sign(JwtTokens.claims("alice").put("nbf", now + 20)), "http", "h:1")))
        .isEqualTo(Principal.user("alice"));
  }

  @Test
  void aTokenOfAnotherIssuerOrAudienceIsRefused() {
    assertRefused(security(), issuer.sign(JwtTokens.claims("alice").put("iss", "https://evil.test")), "another issuer");
    JsonObject noIssuer = JwtTokens.claims("alice");
    noIssuer.remove("iss");
    assertRefused(security(), issuer.sign(noIssuer), "another issuer");
    assertRefused(security(), issuer.sign(JwtTokens.claims("alice").put("aud", "other")), "another audience");
    assertRefused(security(), issuer.sign(JwtTokens.claims("alice").put("aud", new JsonArray().add("a").add("b"))), "another audience");
  }

  @Test
  void aForgedTokenIsRefused() {
    // Signed by another key.
    assertRefused(security(), stranger.sign(JwtTokens.claims("alice")), "signature not valid");
    // A good token whose payload was changed to another user.
    String good = issuer.sign(JwtTokens.claims("alice"));
    String[] parts = good.split("\\.");
    String changed = parts[0] + "." + JwtTokens.base64Url(JwtTokens.claims("admin").encode()) + "." + parts[2];
    assertRefused(security(), changed, "signature not valid");
    // alg: none, with and without the trailing dot's empty signature.
    String none = JwtTokens.base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + JwtTokens.base64Url(JwtTokens.claims("admin").encode());
    assertRefused(security(), none + ".", "algorithm none not accepted");
    assertRefused(security(), none + "." + parts[2], "algorithm none not accepted");
    // HS256 "signed" with the public key, the classic confusion.
    String hmac = JwtTokens.base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + JwtTokens.base64Url(JwtTokens.claims("admin").encode())
        + "." + parts[2];
    assertRefused(security(), hmac, "algorithm HS256 not accepted");
    // An RS256 header and no signature.
    assertRefused(security(), parts[0] + "." + parts[1] + ".", "unsigned JWT");
    assertRefused(security(), "e30.e30.x", "algorithm null not accepted");
    assertRefused(security(), "!!.??.x", "malformed JWT");
    assertRefused(security(), "a".repeat(JwtAuthenticator.MAX_TOKEN_LENGTH) + ".b.c", "longer than");
  }

  @Test
  void withAuthenticationOffATokenIsNotChecked() {
    GatewayConfig.Jwt jwt = new GatewayConfig.Jwt(issuer.publicKeyPem(), "", ISSUER, "streamgate", "sub", 30);
    NodeSecurity off = new NodeSecurity(vertx, new GatewayConfig.Security(false, "", List.of(), jwt), NO_KEYS);
    assertThat(accepted(off.authenticate(stranger.sign(JwtTokens.claims("x")), "http", "h:1"))).isEqualTo(Principal.ANONYMOUS);
  }
}
