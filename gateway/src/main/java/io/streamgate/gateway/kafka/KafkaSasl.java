package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ScramMechanism;
import io.streamgate.gateway.security.Authenticated;
import io.streamgate.gateway.security.NodeSecurity;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;

/**
 * The SASL exchange of one Kafka connection, and the principal it ends with: SaslHandshake names a
 * mechanism, then the client's one message (in SaslAuthenticate, or after a v0 handshake as a bare
 * size-prefixed token, KIP-43) carries a secret that {@link NodeSecurity#authenticate} turns into
 * the principal. PLAIN ({@code authzid NUL username NUL password}, RFC 4616): the password is the
 * secret, the username is not used. OAUTHBEARER ({@code n,[a=authzid],} then {@code auth=Bearer
 * <token>} among ^A-separated pairs, RFC 7628 §3.1): the token is the secret. Both take one message
 * and answer it with an empty one. SCRAM-SHA-256 and SCRAM-SHA-512 ({@link KafkaScram}) take two,
 * checked against the user's stored credential, and end as {@code User:<name>}. Re-authentication (KIP-368): a
 * credential with an expiry (a JWT) is answered with the milliseconds left as its session lifetime (others: 0, no
 * expiry); an authenticated connection may then run a new SaslHandshake (v1) and SaslAuthenticate with the same
 * mechanism, which must end as the same principal, else it fails and the connection closes, as Kafka's does.
 * With {@code auth=off} the connection is
 * {@link Principal#ANONYMOUS} from the start and an exchange, if the client makes one, succeeds as
 * ANONYMOUS whatever it carries (so that a client set up for SASL works against an open node); a
 * SCRAM exchange still needs the user's credential, since the client checks the node's signature.
 * With {@code auth=on}, a connection to a TLS listener with a verified client certificate starts as
 * its principal ({@code security.protocol=SSL}); a SASL exchange, if the client makes one, decides.
 * Confined to the connection's event loop.
 */
final class KafkaSasl {
  static final String PLAIN = "PLAIN";
  static final String OAUTHBEARER = "OAUTHBEARER";
  static final List<String> MECHANISMS = List.of(PLAIN, OAUTHBEARER, ScramMechanism.SCRAM_SHA_256.mechanismName(),
      ScramMechanism.SCRAM_SHA_512.mechanismName());
  static final String PROTOCOL = "kafka";

  private enum State {
    HANDSHAKE,
    AUTHENTICATE,
    AUTHENTICATING,
    DONE
  }

  /** An answer to the client, and whether the connection closes once it is written. */
  record Reply(Object response, boolean close) {}

  private final NodeSecurity security;
  private final Context context;
  private final String remote;
  private State state = State.HANDSHAKE;
  private String mechanism;
  /** The handshake's version: after v0 the client's message comes as a bare token, not in SaslAuthenticate. */
  private short handshakeVersion;
  /** What the connection authenticated with; null until it has (with {@code auth=on}) or after a failure. */
  private Authenticated authenticated;
  /** During a re-authentication: what the connection had authenticated with before it. */
  private Authenticated previous;
  /** The SCRAM exchange under way, after its first message. */
  private KafkaScram scram;

  /**
   * @param certificate the principal of the connection's verified client certificate (a TLS
   *     listener), which it acts as unless it authenticates with SASL; null without one
   */
  KafkaSasl(NodeSecurity security, Context context, String remote, Principal certificate) {
    this.security = security;
    this.context = context;
    this.remote = remote;
    Principal initial = security.enabled() ? certificate : Principal.ANONYMOUS;
    this.authenticated = initial == null ? null : Authenticated.lasting(initial);
  }

  /** Who the connection acts for; null until it has authenticated (only with {@code auth=on}), and while it re-authenticates. */
  Principal principal() {
    return state == State.AUTHENTICATE || state == State.AUTHENTICATING || authenticated == null ? null : authenticated.principal();
  }

  /** What the connection authenticated with, once it has; null otherwise. */
  Authenticated authenticated() {
    return principal() == null ? null : authenticated;
  }

  /** Whether the next frame is the client's SASL message as a bare token (after a SaslHandshake v0). */
  boolean awaitsBareToken() {
    return state == State.AUTHENTICATE && handshakeVersion == 0;
  }

  Reply handshake(String requested, short version) {
    SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(MECHANISMS);
    boolean reauthentication = state == State.DONE && authenticated != null && mechanism != null;
    if (state != State.HANDSHAKE && !reauthentication || reauthentication && version < 1) {
      // KIP-368: only a connection that authenticated with SASL re-authenticates, with a v1 handshake.
      return new Reply(response.setErrorCode(StreamgateError.ILLEGAL_SASL_STATE.kafkaCode()), true);
    }
    if (!MECHANISMS.contains(requested) || reauthentication && !requested.equals(mechanism)) {
      security.audit().authenticationFailed(PROTOCOL, remote, "SASL mechanism '" + requested + "' is not offered"
          + (reauthentication ? " to re-authenticate a connection that used " + mechanism : ""));
      return new Reply(response.setErrorCode(StreamgateError.UNSUPPORTED_SASL_MECHANISM.kafkaCode()), true);
    }
    previous = reauthentication ? authenticated : null;
    scram = null;
    mechanism = requested;
    handshakeVersion = version;
    state = State.AUTHENTICATE;
    return new Reply(response, false);
  }

  /**
   * The answer to the client's SASL message: SaslAuthenticate's, empty auth bytes on success, SASL_AUTHENTICATION_FAILED
   * and a close on failure. Completes on the connection's context.
   */
  Future<Reply> authenticate(byte[] message) {
    if (state != State.AUTHENTICATE) {
      return Future.succeededFuture(new Reply(new SaslAuthenticateResponseData().setAuthBytes(new byte[0])
          .setErrorCode(StreamgateError.ILLEGAL_SASL_STATE.kafkaCode())
          .setErrorMessage("SaslAuthenticate must follow one successful SaslHandshake"), true));
    }
    Optional<ScramMechanism> scramMechanism = ScramMechanism.forName(mechanism);
    if (scramMechanism.isPresent()) {
      return Future.succeededFuture(scramStep(scramMechanism.get(), message));
    }
    state = State.AUTHENTICATING;
    String secret = mechanism.equals(PLAIN) ? plainPassword(message) : bearerToken(message);
    Future<Authenticated> who;
    if (secret == null) {
      String reason = "a malformed " + mechanism + " message";
      security.audit().authenticationFailed(PROTOCOL, remote, reason);
      who = Future.failedFuture(new AuthenticationException(reason));
    } else {
      who = security.authenticate(secret, PROTOCOL, remote);
    }
    // NodeSecurity may complete elsewhere (a token's keys fetched); the state is the event loop's.
    return Future.fromCompletionStage(who.toCompletionStage(), context).transform(done -> {
      SaslAuthenticateResponseData response = new SaslAuthenticateResponseData().setAuthBytes(new byte[0]);
      return Future.succeededFuture(done.succeeded() ? succeeded(done.result(), response)
          : failed(response, "Authentication failed: " + done.cause().getMessage()));
    });
  }

  /** The exchange ended with {@code who}: the connection's from now on, unless a re-authentication names another principal. */
  private Reply succeeded(Authenticated who, SaslAuthenticateResponseData response) {
    state = State.DONE;
    if (previous != null && !previous.principal().equals(who.principal())) {
      security.audit().authenticationFailed(PROTOCOL, remote, "re-authentication as " + who.principal() + " on a connection of "
          + previous.principal());
      return failed(response, "Cannot change principals during re-authentication from " + previous.principal() + ": "
          + who.principal());
    }
    authenticated = who;
    previous = null;
    long lifetimeMs = who.expiresAtMs() == Long.MAX_VALUE ? 0 : Math.max(1, who.expiresAtMs() - System.currentTimeMillis());
    return new Reply(response.setSessionLifetimeMs(lifetimeMs), false);
  }

  private Reply failed(SaslAuthenticateResponseData response, String message) {
    state = State.DONE;
    authenticated = null;
    previous = null;
    return new Reply(response.setErrorCode(StreamgateError.SASL_AUTHENTICATION_FAILED.kafkaCode()).setErrorMessage(message), true);
  }

  /** One SCRAM message answered: the first leaves the state at AUTHENTICATE for the final one, which ends the exchange. */
  private Reply scramStep(ScramMechanism scramMechanism, byte[] message) {
    SaslAuthenticateResponseData response = new SaslAuthenticateResponseData();
    try {
      if (scram == null) {
        scram = new KafkaScram(scramMechanism, user -> security.accessControl().scramCredential(user, scramMechanism));
        return new Reply(response.setAuthBytes(scram.clientFirst(message)), false);
      }
      byte[] serverFinal = scram.clientFinal(message);
      Principal user = Principal.user(scram.user());
      if (user.equals(Principal.BOOTSTRAP) || user.equals(Principal.ANONYMOUS)) { // names the node gives itself
        throw new KafkaScram.ScramException("the reserved " + user + " cannot authenticate with SCRAM");
      }
      return succeeded(Authenticated.lasting(security.enabled() ? user : Principal.ANONYMOUS), response.setAuthBytes(serverFinal));
    } catch (KafkaScram.ScramException refused) {
      security.audit().authenticationFailed(PROTOCOL, remote, mechanism + ": " + refused.getMessage());
      // As Kafka's: the reason stays in the audit log, the client learns only that it failed.
      return failed(response.setAuthBytes(new byte[0]),
          "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism);
    }
  }

  /** PLAIN's password: the third of exactly three NUL-separated fields, the last non-empty; null if malformed. */
  private static String plainPassword(byte[] message) {
    String[] fields = new String(message, StandardCharsets.UTF_8).split("\u0000", -1);
    return fields.length == 3 && !fields[2].isEmpty() ? fields[2] : null;
  }

  /** OAUTHBEARER's token from the client's first message ({@code n,,^Aauth=Bearer <token>^A^A}); null if malformed. */
  private static String bearerToken(byte[] message) {
    String text = new String(message, StandardCharsets.UTF_8);
    String[] parts = text.split("\u0001", -1);
    // The GS2 header, the pairs, and two empty strings from the closing ^A^A.
    if (parts.length < 3 || !parts[0].startsWith("n,") || !parts[parts.length - 1].isEmpty()
        || !parts[parts.length - 2].isEmpty()) {
      return null;
    }
    for (int i = 1; i < parts.length - 2; i++) {
      if (parts[i].startsWith("auth=")) {
        String value = parts[i].substring("auth=".length());
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
          return null;
        }
        String token = value.substring(space + 1).trim();
        return token.isEmpty() ? null : token;
      }
    }
    return null;
  }
}
