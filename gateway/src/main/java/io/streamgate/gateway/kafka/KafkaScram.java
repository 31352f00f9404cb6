package io.streamgate.gateway.kafka;

import io.streamgate.cluster.security.ScramCredential;
import io.streamgate.cluster.security.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;

/**
 * The server side of one SASL/SCRAM exchange (RFC 5802, RFC 7677) as Kafka's broker runs it: the
 * client's first message names the user and a nonce; the answer carries the user's salt, iteration
 * count and a nonce extending the client's; the client's final message proves it knows the password
 * (checked against the stored StoredKey); the answer proves the node knows the ServerKey. No channel
 * binding ({@code n,,} or {@code y,,} only) and no extensions (Kafka's {@code tokenauth}, for
 * delegation tokens, is refused). Any failure is a {@link ScramException} whose message says why
 * without a secret. Confined to the connection's event loop; two HMACs and a hash per exchange, the
 * iterations being the client's work.
 */
final class KafkaScram {
  /** Why an exchange failed; the exchange is over. */
  static final class ScramException extends Exception {
    ScramException(String message) {
      super(message);
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  /** Bounds what the node reads of a message: Kafka's clients send well under 1 KiB. */
  private static final int MAX_MESSAGE_BYTES = 4096;

  private final ScramMechanism mechanism;
  private final Function<String, Optional<ScramCredential>> credentials;
  private final String serverNonce;
  private ScramCredential credential;
  private String clientFirstBare;
  private String serverFirst;
  private String nonce;
  private String gs2Header;

  /** {@code credentials}: the stored credential of a user for this mechanism, if any. */
  KafkaScram(ScramMechanism mechanism, Function<String, Optional<ScramCredential>> credentials) {
    this(mechanism, credentials, newNonce());
  }

  /** With a given server nonce: for RFC 7677's test vector. */
  KafkaScram(ScramMechanism mechanism, Function<String, Optional<ScramCredential>> credentials, String serverNonce) {
    this.mechanism = mechanism;
    this.credentials = credentials;
    this.serverNonce = serverNonce;
  }

  private static String newNonce() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getEncoder().withoutPadding().encodeToString(bytes).replace('+', '-').replace('/', '_');
  }

  /** The user the client's first message named, once it was read. */
  String user() {
    return credential == null ? null : credential.user();
  }

  /** Reads {@code n,,n=user,r=nonce}; answers {@code r=nonce+servernonce,s=salt,i=iterations}. */
  byte[] clientFirst(byte[] message) throws ScramException {
    String text = text(message);
    int headerEnd = text.indexOf(',', text.indexOf(',') + 1);
    if (headerEnd < 0 || !(text.startsWith("n,") || text.startsWith("y,"))) {
      throw new ScramException("a SCRAM first message without a GS2 header n,, (channel binding is not offered)");
    }
    if (!text.substring(0, headerEnd).matches("[ny],(a=[^,]*)?")) {
      throw new ScramException("a malformed GS2 header");
    }
    gs2Header = text.substring(0, headerEnd + 1);
    clientFirstBare = text.substring(headerEnd + 1);
    String[] fields = clientFirstBare.split(",", -1);
    if (fields.length != 2 || !fields[0].startsWith("n=") || !fields[1].startsWith("r=") || fields[1].length() == 2) {
      throw new ScramException("a malformed SCRAM first message (n=user,r=nonce without extensions expected)");
    }
    String user = saslName(fields[0].substring(2));
    String clientNonce = fields[1].substring(2);
    if (!clientNonce.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',')) {
      throw new ScramException("a SCRAM nonce of other than printable characters");
    }
    credential = credentials.apply(user).orElseThrow(() -> new ScramException("no " + mechanism.mechanismName()
        + " credential for user " + user));
    nonce = clientNonce + serverNonce;
    serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i=" + credential.iterations();
    return serverFirst.getBytes(StandardCharsets.UTF_8);
  }

  /** Checks {@code c=...,r=...,p=proof}; answers {@code v=serversignature}. */
  byte[] clientFinal(byte[] message) throws ScramException {
    String text = text(message);
    int proofAt = text.lastIndexOf(",p=");
    if (proofAt < 0) {
      throw new ScramException("a SCRAM final message without a proof");
    }
    String withoutProof = text.substring(0, proofAt);
    String[] fields = withoutProof.split(",", -1);
    if (fields.length != 2 || !fields[0].startsWith("c=") || !fields[1].startsWith("r=")) {
      throw new ScramException("a malformed SCRAM final message (c=binding,r=nonce,p=proof expected)");
    }
    String expectedBinding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
    if (!fields[0].substring(2).equals(expectedBinding)) {
      throw new ScramException("the SCRAM channel binding is not the first message's GS2 header");
    }
    if (!fields[1].substring(2).equals(nonce)) {
      throw new ScramException("the SCRAM final message's nonce is not the exchange's");
    }
    byte[] proof;
    try {
      proof = Base64.getDecoder().decode(text.substring(proofAt + 3));
    } catch (IllegalArgumentException e) {
      throw new ScramException("a SCRAM proof that is not base64");
    }
    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    byte[] storedKey = credential.storedKey();
    byte[] clientSignature = mechanism.hmac(storedKey, authMessage);
    if (proof.length != clientSignature.length) {
      throw new ScramException("invalid credentials for user " + credential.user());
    }
    byte[] clientKey = new byte[proof.length];
    for (int i = 0; i < proof.length; i++) {
      clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
    }
    if (!MessageDigest.isEqual(mechanism.hash(clientKey), storedKey)) {
      throw new ScramException("invalid credentials for user " + credential.user());
    }
    byte[] serverSignature = mechanism.hmac(credential.serverKey(), authMessage);
    return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] message) throws ScramException {
    if (message.length > MAX_MESSAGE_BYTES) {
      throw new ScramException("a SCRAM message of " + message.length + " bytes (at most " + MAX_MESSAGE_BYTES + ")");
    }
    return new String(message, StandardCharsets.UTF_8);
  }

  /** RFC 5802's saslname: {@code =2C} is a comma, {@code =3D} an equals sign, and no other {@code =}. */
  private static String saslName(String name) throws ScramException {
    StringBuilder user = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c != '=') {
        user.append(c);
      } else if (name.startsWith("=2C", i)) {
        user.append(',');
        i += 2;
      } else if (name.startsWith("=3D", i)) {
        user.append('=');
        i += 2;
      } else {
        throw new ScramException("a SCRAM user name with a bare '='");
      }
    }
    if (user.length() == 0) {
      throw new ScramException("a SCRAM first message without a user name");
    }
    return user.toString();
  }
}
