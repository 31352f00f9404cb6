package io.streamgate.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The identity of one incarnation of a topic: 128 bits, Kafka's topic id (its {@code Uuid}). A topic
 * deleted and created again under its name gets a new one, so that a follower, a cursor or a Kafka
 * client holding the old id can never be served the new topic's records as the old one's. Its text
 * form is Kafka's: the 16 bytes big-endian in URL-safe base64 without padding (22 characters).
 * Never one of Kafka's reserved ids (0 and 1, "no topic" and the metadata topic's), and, as Kafka's
 * {@code Uuid.randomUuid}, never one whose text starts with {@code -} (it would read as a command
 * line option).
 */
public record TopicId(long mostSignificantBits, long leastSignificantBits) {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int TEXT_LENGTH = 22;

  public TopicId {
    if (isReserved(mostSignificantBits, leastSignificantBits)) {
      throw new IllegalArgumentException("topic id " + mostSignificantBits + ":" + leastSignificantBits + " is reserved");
    }
  }

  /** A new random id: what a proposer gives a topic it creates. */
  public static TopicId random() {
    while (true) {
      TopicId id = fromBytes(randomBytes());
      if (!id.toString().startsWith("-")) {
        return id;
      }
    }
  }

  /**
   * The id of a topic from before topic ids (metadata snapshot format 5 and older, CreateTopic
   * entries without an id): a hash of its name alone, so that every node derives the same one
   * whatever snapshot it started from. Nothing else can be used: such a snapshot does not say at
   * which version a topic was created, and each node snapshots at an index of its own, so a version
   * or log index would differ between nodes. Two incarnations that both predate topic ids share the
   * id; nothing written then records an id, so they could not be told apart anyway.
   */
  public static TopicId derived(String topicName) {
    byte[] digest = sha256("streamgate-topic-id:" + topicName);
    for (int round = 1; isReserved(digest) || fromBytes(digest).toString().startsWith("-"); round++) {
      digest = sha256(round + ":" + topicName);
    }
    return fromBytes(digest);
  }

  /** Reads Kafka's text form; IllegalArgumentException for anything else (or a reserved id). */
  public static TopicId parse(String text) {
    if (text == null || text.length() != TEXT_LENGTH) {
      throw new IllegalArgumentException("a topic id is " + TEXT_LENGTH + " base64url characters: " + text);
    }
    byte[] bytes = Base64.getUrlDecoder().decode(text);
    TopicId id = fromBytes(bytes);
    if (!id.toString().equals(text)) {
      throw new IllegalArgumentException("not the canonical form of a topic id: " + text);
    }
    return id;
  }

  @Override
  public String toString() {
    ByteBuffer bytes = ByteBuffer.allocate(16).putLong(mostSignificantBits).putLong(leastSignificantBits);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }

  private static boolean isReserved(long most, long least) {
    return most == 0 && (least == 0 || least == 1);
  }

  private static boolean isReserved(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return isReserved(buffer.getLong(), buffer.getLong());
  }

  private static byte[] randomBytes() {
    while (true) {
      byte[] bytes = new byte[16];
      RANDOM.nextBytes(bytes);
      if (!isReserved(bytes)) {
        return bytes;
      }
    }
  }

  private static TopicId fromBytes(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new TopicId(buffer.getLong(), buffer.getLong());
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e); // required by the Java SE spec
    }
  }
}
