package io.streamgate.gateway.security;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The issuer keys JWT signatures are checked with (RS256 with RSA keys of 2048 bits or more, ES256
 * with EC P-256 keys; nothing else, so neither {@code alg: none} nor an HMAC algorithm can be slipped
 * in), and the vertx-auth-jwt verifier over them. Immutable; thread-safe.
 */
public final class JwtKeys {
  /** The most keys a JWKS may hold: a bound on what a key source can make this node keep. */
  static final int MAX_KEYS = 100;
  static final String RS256 = "RS256";
  static final String ES256 = "ES256";

  private final JWTAuth verifier;
  private final Set<String> ids;
  private final Set<String> algorithms;

  private JwtKeys(Vertx vertx, JWTAuthOptions options, Set<String> ids, Set<String> algorithms) {
    // Expiry and the other claims are NodeSecurity's checks (with reasons of their own): the verifier checks the signature.
    this.verifier = JWTAuth.create(vertx, options.setJWTOptions(new JWTOptions().setIgnoreExpiration(true)));
    this.ids = Set.copyOf(ids);
    this.algorithms = Set.copyOf(algorithms);
  }

  static JwtKeys none(Vertx vertx) {
    return new JwtKeys(vertx, new JWTAuthOptions(), Set.of(), Set.of());
  }

  static JwtKeys fromPem(Vertx vertx, String pem) {
    String algorithm = pemAlgorithm(pem);
    return new JwtKeys(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(pem)),
        Set.of(), Set.of(algorithm));
  }

  /**
   * The algorithm a PEM public key ({@code -----BEGIN PUBLIC KEY-----}) signs with: RS256 for an RSA
   * key of 2048 bits or more, ES256 for an EC P-256 key; otherwise {@link IllegalArgumentException}.
   */
  public static String pemAlgorithm(String pem) {
    int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
    int end = pem.indexOf("-----END PUBLIC KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("holds no PEM public key (-----BEGIN PUBLIC KEY-----)");
    }
    String base64 = pem.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end).replaceAll("\\s", "");
    X509EncodedKeySpec spec = new X509EncodedKeySpec(Base64.getDecoder().decode(base64));
    try {
      RSAPublicKey rsa = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(spec);
      if (rsa.getModulus().bitLength() < 2048) {
        throw new IllegalArgumentException("holds an RSA key of " + rsa.getModulus().bitLength() + " bits; 2048 at least");
      }
      return RS256;
    } catch (InvalidKeySpecException notRsa) {
      // an EC key, then
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has RSA", e);
    }
    try {
      ECPublicKey ec = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(spec);
      if (ec.getParams().getCurve().getField().getFieldSize() != 256) {
        throw new IllegalArgumentException("holds an EC key that is not on P-256 (ES256)");
      }
      return ES256;
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException("holds neither an RSA nor an EC public key");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has EC", e);
    }
  }

  /**
   * The signing keys of a JWKS document ({@code {"keys": [...]}}, RFC 7517): its RSA keys for RS256
   * and EC P-256 keys for ES256; others (encryption keys, HMAC, other curves) are left out. Refused with
   * {@link IllegalArgumentException} if it is no JWKS or holds more than {@value #MAX_KEYS} keys.
   */
  static JwtKeys fromJwks(Vertx vertx, JsonObject jwks) {
    if (!(jwks.getValue("keys") instanceof JsonArray keys)) {
      throw new IllegalArgumentException("no \"keys\" array");
    }
    if (keys.size() > MAX_KEYS) {
      throw new IllegalArgumentException(keys.size() + " keys; at most " + MAX_KEYS + " are taken");
    }
    JWTAuthOptions options = new JWTAuthOptions();
    Set<String> ids = new HashSet<>();
    Set<String> algorithms = new HashSet<>();
    List<JsonObject> taken = new ArrayList<>();
    for (Object item : keys) {
      if (!(item instanceof JsonObject key) || key.getValue("use") != null && !"sig".equals(key.getValue("use"))) {
        continue;
      }
      String algorithm = signingAlgorithm(key);
      if (algorithm != null) {
        taken.add(key.copy().put("alg", algorithm));
        algorithms.add(algorithm);
        if (key.getValue("kid") instanceof String id) {
          ids.add(id);
        }
      }
    }
    taken.forEach(options::addJwk);
    return new JwtKeys(vertx, options, ids, algorithms);
  }

  private static String signingAlgorithm(JsonObject key) {
    Object alg = key.getValue("alg");
    if ("RSA".equals(key.getValue("kty")) && (alg == null || RS256.equals(alg))) {
      return RS256;
    }
    if ("EC".equals(key.getValue("kty")) && "P-256".equals(key.getValue("crv")) && (alg == null || ES256.equals(alg))) {
      return ES256;
    }
    return null;
  }

  /** Whether a token signed with {@code algorithm} by the key {@code id} (null: unnamed) can be checked with these keys. */
  boolean has(String algorithm, String id) {
    return algorithms.contains(algorithm) && (id == null || ids.isEmpty() || ids.contains(id));
  }

  boolean isEmpty() {
    return algorithms.isEmpty();
  }

  JWTAuth verifier() {
    return verifier;
  }
}
