package io.streamgate.gateway.security;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/** A test issuer: a key pair, its public key as PEM and as a JWK, and tokens it signs. */
public final class JwtTokens {
  private final KeyPair pair;
  private final String algorithm;
  private final String keyId;
  private final JWTAuth signer;

  private JwtTokens(Vertx vertx, KeyPair pair, String algorithm, String keyId) {
    this.pair = pair;
    this.algorithm = algorithm;
    this.keyId = keyId;
    PubSecKeyOptions key = new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    if (keyId != null) {
      key.setId(keyId);
    }
    this.signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key));
  }

  public static JwtTokens rsa(Vertx vertx, String keyId) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return new JwtTokens(vertx, generator.generateKeyPair(), "RS256", keyId);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static JwtTokens ec(Vertx vertx) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return new JwtTokens(vertx, generator.generateKeyPair(), "ES256", null);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String publicKeyPem() {
    return pem("PUBLIC KEY", pair.getPublic().getEncoded());
  }

  /** The public key as a JWKS entry (RFC 7518 §6.3.1); RSA only. */
  JsonObject jwk() {
    RSAPublicKey key = (RSAPublicKey) pair.getPublic();
    return new JsonObject().put("kty", "RSA").put("kid", keyId).put("use", "sig").put("alg", "RS256")
        .put("n", base64Url(unsigned(key.getModulus()))).put("e", base64Url(unsigned(key.getPublicExponent())));
  }

  /** A token with these claims, signed; no claim added (no iat, exp or sub unless given). */
  public String sign(JsonObject claims) {
    return signer.generateToken(claims.copy(), new JWTOptions().setAlgorithm(algorithm).setNoTimestamp(true));
  }

  /** A token naming the key {@code keyId} in its header, whatever key signs it (for an issuer made without an id). */
  String signNaming(String keyId, JsonObject claims) {
    return signer.generateToken(claims.copy(), new JWTOptions().setAlgorithm(algorithm).setNoTimestamp(true)
        .setHeader(new JsonObject().put("kid", keyId)));
  }

  public static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** Claims of a token for {@code sub} valid for an hour from issuer {@code iss} to audience {@code aud}. */
  public static JsonObject claims(String sub) {
    return new JsonObject().put("sub", sub).put("iss", "https://issuer.test").put("aud", "streamgate").put("exp", now() + 3600);
  }

  static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String base64Url(String text) {
    return base64Url(text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
