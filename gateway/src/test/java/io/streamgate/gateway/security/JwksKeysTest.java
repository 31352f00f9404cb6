package io.streamgate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JWT keys fetched from a JWKS URL (a Vert.x HTTP server on loopback): a token of a published key is
 * accepted, one of a key rotated in later is accepted after a fetch it causes, one of a key never
 * published is refused, and tokens naming unknown keys cause at most one fetch per interval.
 */
class JwksKeysTest {
  private Vertx vertx;
  private HttpServer server;
  private final AtomicReference<String> published = new AtomicReference<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger fetches = new AtomicInteger();

  @BeforeEach
  void serveJwks() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(request -> {
      fetches.incrementAndGet();
      request.response().setStatusCode(status.get()).putHeader("content-type", "application/json").end(published.get());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void publish(JwtTokens... issuers) {
    JsonArray keys = new JsonArray();
    for (JwtTokens issuer : issuers) {
      keys.add(issuer.jwk());
    }
    published.set(new JsonObject().put("keys", keys).encode());
  }

  private JwtAuthenticator authenticator(Duration minFetchInterval) {
    GatewayConfig.Jwt config = new GatewayConfig.Jwt("", "http://127.0.0.1:" + server.actualPort() + "/jwks", "https://issuer.test",
        "streamgate", "sub", 30);
    return JwtAuthenticator.create(vertx, config, minFetchInterval);
  }

  private static Principal accepted(Future<Authenticated> result) {
    return result.map(Authenticated::principal).toCompletionStage().toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
  }

  private static Throwable refusal(Future<Authenticated> result) {
    return result.toCompletionStage().toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).handle((principal, failure) -> failure)
        .join();
  }

  @Test
  void aKeyRotatedInIsFetchedWhenATokenNamesItAndAKeyNeverPublishedIsRefused() {
    JwtTokens first = JwtTokens.rsa(vertx, "k1");
    JwtTokens second = JwtTokens.rsa(vertx, "k2");
    publish(first);
    JwtAuthenticator jwt = authenticator(Duration.ZERO);

    assertThat(accepted(jwt.authenticate(first.sign(JwtTokens.claims("alice"))))).isEqualTo(Principal.user("alice"));

    publish(first, second);
    assertThat(accepted(jwt.authenticate(second.sign(JwtTokens.claims("bob"))))).isEqualTo(Principal.user("bob"));

    // Named k1, signed by another key: a forgery, not a rotation.
    JwtTokens impostor = JwtTokens.rsa(vertx, "k1");
    assertThat(refusal(jwt.authenticate(impostor.sign(JwtTokens.claims("alice"))))).isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("signature not valid");
    JwtTokens unpublished = JwtTokens.rsa(vertx, "k9");
    assertThat(refusal(jwt.authenticate(unpublished.sign(JwtTokens.claims("alice"))))).isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("a key the issuer does not have (kid k9");
    // A key the issuer withdrew is no longer accepted once fetched again.
    publish(second);
    assertThat(refusal(jwt.authenticate(unpublished.sign(JwtTokens.claims("alice"))))).isNotNull();
    assertThat(refusal(jwt.authenticate(first.sign(JwtTokens.claims("alice"))))).isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("kid k1");
  }

  @Test
  void tokensNamingUnknownKeysFetchAtMostOncePerInterval() {
    JwtTokens issuer = JwtTokens.rsa(vertx, "k1");
    publish(issuer);
    JwtAuthenticator jwt = authenticator(Duration.ofMinutes(10));
    assertThat(accepted(jwt.authenticate(issuer.sign(JwtTokens.claims("alice"))))).isEqualTo(Principal.user("alice"));
    int afterStart = fetches.get();
    JwtTokens stranger = JwtTokens.rsa(vertx, null);
    for (int i = 0; i < 20; i++) {
      assertThat(refusal(jwt.authenticate(stranger.signNaming("made-up-" + i, JwtTokens.claims("x")))))
          .isInstanceOf(AuthenticationException.class);
    }
    assertThat(afterStart).isEqualTo(1);
    assertThat(fetches.get()).as("no fetch within the interval after the first").isEqualTo(1);
  }

  @Test
  void aFailedFetchKeepsTheKeysThereWere() {
    JwtTokens issuer = JwtTokens.rsa(vertx, "k1");
    status.set(500);
    published.set("oops");
    JwtAuthenticator jwt = authenticator(Duration.ZERO);
    assertThat(refusal(jwt.authenticate(issuer.sign(JwtTokens.claims("alice"))))).hasMessageContaining("a key the issuer does not have");

    status.set(200);
    publish(issuer);
    assertThat(accepted(jwt.authenticate(issuer.sign(JwtTokens.claims("alice"))))).isEqualTo(Principal.user("alice"));

    // Too many keys, no JWKS at all, too large a body: each refused, the keys fetched before kept.
    JsonArray many = new JsonArray();
    for (int i = 0; i <= JwtKeys.MAX_KEYS; i++) {
      many.add(issuer.jwk().put("kid", "k" + (i + 100)));
    }
    published.set(new JsonObject().put("keys", many).encode());
    int before = fetches.get();
    JwtTokens stranger = JwtTokens.rsa(vertx, null);
    assertThat(refusal(jwt.authenticate(stranger.signNaming("k2", JwtTokens.claims("x"))))).hasMessageContaining("kid k2");
    published.set("[]");
    assertThat(refusal(jwt.authenticate(stranger.signNaming("k3", JwtTokens.claims("x"))))).hasMessageContaining("kid k3");
    // A body past the limit (its length declared) is refused unread.
    published.set(" ".repeat(JwksKeys.MAX_BYTES + 1));
    assertThat(refusal(jwt.authenticate(stranger.signNaming("k4", JwtTokens.claims("x"))))).hasMessageContaining("kid k4");
    assertThat(fetches.get()).as("all three fetched").isEqualTo(before + 3);
    assertThat(accepted(jwt.authenticate(issuer.sign(JwtTokens.claims("carol"))))).isEqualTo(Principal.user("carol"));
  }
}
