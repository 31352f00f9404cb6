package io.streamgate.gateway.security;

import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.authentication.TokenCredentials;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns a JWT bearer token into its principal, {@code User:<principal claim>}, or refuses it with an
 * {@link AuthenticationException} whose message says why (never the token): longer than {@value
 * #MAX_TOKEN_LENGTH} characters, not a signed JWT, an algorithm other than RS256 and ES256 (so
 * {@code alg: none} too), a key the issuer does not have, a bad signature; then, signature good,
 * no or a past expiry ({@code exp}), a future {@code nbf}, another issuer or audience than
 * configured, no principal claim. Times are checked with the configured clock skew either way.
 * Safe to call on an event loop: the keys are in memory (a JWKS fetch, when a token names a new key,
 * is asynchronous).
 */
final class JwtAuthenticator {
  static final int MAX_TOKEN_LENGTH = 16 * 1024;
  private static final Set<String> ALGORITHMS = Set.of(JwtKeys.RS256, JwtKeys.ES256);
  private static final Set<Principal> RESERVED = Set.of(Principal.BOOTSTRAP, Principal.ANONYMOUS);
  /** The claims vertx-auth-jwt reads as numbers (RFC 7519 NumericDate). */
  private static final List<String> TIME_CLAIMS = List.of("exp", "nbf", "iat");

  private final GatewayConfig.Jwt config;
  private final Supplier<JwtKeys> keys;
  /** Fetches the keys again for a token whose key is not among them; the same keys where they cannot change. */
  private final Supplier<Future<JwtKeys>> refreshed;

  private JwtAuthenticator(GatewayConfig.Jwt config, Supplier<JwtKeys> keys, Supplier<Future<JwtKeys>> refreshed) {
    this.config = config;
    this.keys = keys;
    this.refreshed = refreshed;
  }

  /** For {@code config}, which {@linkplain GatewayConfig.Jwt#enabled() names a key}. */
  static JwtAuthenticator create(Vertx vertx, GatewayConfig.Jwt config) {
    return create(vertx, config, JwksKeys.MIN_FETCH_INTERVAL);
  }

  static JwtAuthenticator create(Vertx vertx, GatewayConfig.Jwt config, Duration minJwksFetchInterval) {
    if (!config.publicKeyPem().isEmpty()) {
      JwtKeys fixed = JwtKeys.fromPem(vertx, config.publicKeyPem());
      return new JwtAuthenticator(config, () -> fixed, () -> Future.succeededFuture(fixed));
    }
    JwksKeys jwks = new JwksKeys(vertx, config.jwksUrl(), minJwksFetchInterval);
    return new JwtAuthenticator(config, jwks::current, jwks::refreshed);
  }

  /** Whether {@code secret} has the form of a JWT (three base64url parts); only then is it worth checking as one. */
  static boolean looksLikeJwt(String secret) {
    return secret.chars().filter(c -> c == '.').count() == 2;
  }

  /** The token's principal, good until its expiry (with the clock skew, as it is checked). */
  Future<Authenticated> authenticate(String token) {
    if (token.length() > MAX_TOKEN_LENGTH) {
      return refuse("JWT longer than " + MAX_TOKEN_LENGTH + " characters");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return refuse("malformed JWT");
    }
    JsonObject header;
    JsonObject claims;
    try {
      header = decodePart(parts[0]);
      claims = decodePart(parts[1]);
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      return refuse("malformed JWT");
    }
    for (String time : TIME_CLAIMS) {
      if (claims.containsKey(time) && !(claims.getValue(time) instanceof Number)) {
        return refuse("malformed JWT (" + time + " is not a number)");
      }
    }
    if (!(header.getValue("alg") instanceof String algorithm) || !ALGORITHMS.contains(algorithm)) {
      return refuse("JWT algorithm " + printable(header.getValue("alg")) + " not accepted (RS256 or ES256)");
    }
    if (parts[2].isEmpty()) {
      return refuse("unsigned JWT");
    }
    String keyId = header.getValue("kid") instanceof String id ? id : null;
    JwtKeys known = keys.get();
    Future<JwtKeys> usable = known.has(algorithm, keyId) ? Future.succeededFuture(known) : refreshed.get();
    return usable.compose(current -> {
      if (!current.has(algorithm, keyId)) {
        return refuse("JWT signed with a key the issuer does not have (kid " + printable(keyId) + ", " + algorithm + ")");
      }
      return current.verifier().authenticate(new TokenCredentials(token))
          .transform(verified -> verified.succeeded() ? checkClaims(claims) : refuse("JWT signature not valid"));
    });
  }

  private Future<Authenticated> checkClaims(JsonObject claims) {
    long now = System.currentTimeMillis() / 1000;
    long skew = config.clockSkewSeconds();
    if (!(claims.getValue("exp") instanceof Number expiry)) {
      return refuse("JWT without an expiry (exp)");
    }
    if (now - skew >= expiry.longValue()) {
      return refuse("JWT expired");
    }
    if (claims.getValue("nbf") instanceof Number notBefore && notBefore.longValue() > now + skew) {
      return refuse("JWT not valid yet (nbf)");
    }
    if (!config.issuer().isEmpty() && !config.issuer().equals(claims.getValue("iss"))) {
      return refuse("JWT from another issuer than " + config.issuer());
    }
    if (!config.audience().isEmpty() && !audiences(claims.getValue("aud")).contains(config.audience())) {
      return refuse("JWT for another audience than " + config.audience());
    }
    if (!(claims.getValue(config.principalClaim()) instanceof String name) || name.isEmpty()) {
      return refuse("JWT without the principal claim " + config.principalClaim());
    }
    Principal principal = Principal.user(name);
    if (RESERVED.contains(principal)) {
      // The bootstrap key's holder is a super-user: an issuer's user named so must not become one.
      return refuse("JWT names the reserved principal " + principal);
    }
    // Accepted until exp + skew, as checked above; capped so that a far-off exp does not overflow.
    long goodUntilMs = Math.min(expiry.longValue(), Long.MAX_VALUE / 1000 - skew) * 1000 + skew * 1000;
    return Future.succeededFuture(new Authenticated(principal, null, goodUntilMs));
  }

  /** {@code aud}: one string or an array of them (RFC 7519 §4.1.3). */
  private static Set<Object> audiences(Object aud) {
    if (aud instanceof String one) {
      return Set.of(one);
    }
    return aud instanceof JsonArray many ? Set.copyOf(many.getList().stream().filter(value -> value != null).toList()) : Set.of();
  }

  private static JsonObject decodePart(String part) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
  }

  /** A client-chosen header value, short enough for a log line. */
  private static String printable(Object value) {
    String text = String.valueOf(value);
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }

  private static <T> Future<T> refuse(String reason) {
    return Future.failedFuture(new AuthenticationException(reason));
  }
}
