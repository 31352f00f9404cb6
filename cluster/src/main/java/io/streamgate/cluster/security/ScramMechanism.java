package io.streamgate.cluster.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A SASL/SCRAM mechanism (RFC 5802, RFC 7677) and its primitives, with the JDK's Mac and
 * MessageDigest: the one place that computes SCRAM keys, for the credentials the cluster stores and
 * for the exchange that checks them. The codes are Kafka's (AlterUserScramCredentials' mechanism).
 */
public enum ScramMechanism {
  SCRAM_SHA_256(1, "SCRAM-SHA-256", "SHA-256", "HmacSHA256"),
  SCRAM_SHA_512(2, "SCRAM-SHA-512", "SHA-512", "HmacSHA512");

  /** Kafka's least iteration count (and RFC 7677's advice): fewer is UNACCEPTABLE_CREDENTIAL. */
  public static final int MIN_ITERATIONS = 4096;
  /** Kafka's greatest: each authentication costs the client this many HMACs, and a stored count the node none. */
  public static final int MAX_ITERATIONS = 16384;

  private final byte code;
  private final String mechanismName;
  private final String digest;
  private final String mac;

  ScramMechanism(int code, String mechanismName, String digest, String mac) {
    this.code = (byte) code;
    this.mechanismName = mechanismName;
    this.digest = digest;
    this.mac = mac;
  }

  /** Kafka's number for it. */
  public byte code() {
    return code;
  }

  /** The SASL name, {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}. */
  public String mechanismName() {
    return mechanismName;
  }

  public static Optional<ScramMechanism> forCode(int code) {
    for (ScramMechanism mechanism : values()) {
      if (mechanism.code == code) {
        return Optional.of(mechanism);
      }
    }
    return Optional.empty();
  }

  public static Optional<ScramMechanism> forName(String name) {
    for (ScramMechanism mechanism : values()) {
      if (mechanism.mechanismName.equals(name)) {
        return Optional.of(mechanism);
      }
    }
    return Optional.empty();
  }

  public byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac hmac = Mac.getInstance(mac);
      hmac.init(new SecretKeySpec(key, mac));
      return hmac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(mac + " is part of every JDK", e);
    }
  }

  public byte[] hash(byte[] data) {
    try {
      return MessageDigest.getInstance(digest).digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(digest + " is part of every JDK", e);
    }
  }

  /** RFC 5802's Hi(password, salt, i): what a client computes from a password (the node never sees one). */
  public byte[] saltedPassword(String password, byte[] salt, int iterations) {
    byte[] block = new byte[salt.length + 4];
    System.arraycopy(salt, 0, block, 0, salt.length);
    block[block.length - 1] = 1;
    byte[] key = password.getBytes(StandardCharsets.UTF_8);
    byte[] u = hmac(key, block);
    byte[] result = u.clone();
    for (int i = 1; i < iterations; i++) {
      u = hmac(key, u);
      for (int j = 0; j < result.length; j++) {
        result[j] ^= u[j];
      }
    }
    return result;
  }

  /** The credential kept for {@code user}: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key"). */
  public ScramCredential credential(String user, byte[] salt, int iterations, byte[] saltedPassword) {
    byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
    return new ScramCredential(user, this, salt, iterations, hash(clientKey), serverKey);
  }
}
