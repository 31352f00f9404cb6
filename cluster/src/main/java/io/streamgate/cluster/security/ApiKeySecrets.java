package io.streamgate.cluster.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The form of an API key's secret, {@code sgk_<id>_<random>}: the id says which key to check
 * without a search, the random part (256 bits, base64url) is what cannot be guessed.
 */
public final class ApiKeySecrets {
  private static final String PREFIX = "sgk_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeySecrets() {}

  /** A new key id: 12 random bytes, base64url (16 characters, no '_' so the secret splits unambiguously). */
  public static String newId() {
    return encode(12).replace('_', '.');
  }

  public static String newSecret(String id) {
    return PREFIX + id + "_" + encode(32);
  }

  /** The key id a presented secret names, if it has the form of one. */
  public static Optional<String> idOf(String secret) {
    if (!secret.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int end = secret.indexOf('_', PREFIX.length());
    return end < 0 ? Optional.empty() : Optional.of(secret.substring(PREFIX.length(), end));
  }

  public static byte[] hash(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Whether {@code secret} is {@code key}'s, compared in constant time. */
  public static boolean matches(ApiKey key, String secret) {
    return MessageDigest.isEqual(key.secretHash(), hash(secret));
  }

  private static String encode(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }
}
