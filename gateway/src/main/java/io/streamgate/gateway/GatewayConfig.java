package io.streamgate.gateway;

import io.streamgate.cluster.ClusterOptions;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.mqtt.MqttTopicMapper;
import io.streamgate.gateway.security.Quotas;
import io.vertx.core.http.ClientAuth;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A node's whole configuration, validated once at startup and passed down explicitly. Every key has
 * a default ({@link ConfigLoader#DEFAULTS}) and is documented in {@code docs/configuration.md}.
 */
public record GatewayConfig(
    Path dataDir,
    String nodeId,
    String httpHost,
    int httpPort,
    int httpInstances,
    LogFormat logFormat,
    boolean autoCreateTopics,
    int defaultPartitions,
    int readerThreads,
    long shutdownGraceMs,
    ClusterOptions cluster,
    Limits limits,
    Mqtt mqtt,
    Kafka kafka,
    Security security,
    Tls tls,
    // Origins browsers may call the HTTP API from (*: any); empty: no CORS headers.
    List<String> corsAllowedOrigins) {

  /** How log lines are written to stdout. */
  public enum LogFormat {
    TEXT,
    JSON
  }

  /**
   * Every size and count a client controls, each with a ceiling.
   *
   * @param maxBodyBytes largest produce request body
   * @param maxRecordsPerRequest most records in one produce request
   * @param maxHeadersPerRecord most headers on one record
   * @param maxRecordsPerFetch ceiling of {@code maxRecords}
   * @param maxFetchBytes ceiling of {@code maxBytes}
   * @param maxWaitMs ceiling of {@code timeoutMs}
   * @param maxLongPolls long-polls waiting at once on this node; past it, 503
   * @param maxStreams WebSocket and SSE streams open at once on this node; past it, 503
   * @param maxWebSocketFrameBytes largest frame a WebSocket client may send
   * @param maxHttpHeaderBytes largest total size of a request's HTTP headers
   * @param streamBufferBytes bytes a stream may queue for a slow client before its reading pauses
   * @param httpHeaderTimeoutMs time a connection has to deliver a whole request head, from its opening or the
   *     end of the previous exchange (an idle keep-alive connection also closes after it)
   * @param httpBodyTimeoutMs time a request has to deliver its whole body, from the end of its head; past it, 408
   * @param maxBufferedBodyBytes request body bytes the node holds at once, over all connections; past it, 503
   */
  public record Limits(
      int maxBodyBytes,
      int maxRecordsPerRequest,
      int maxHeadersPerRecord,
      int maxRecordsPerFetch,
      int maxFetchBytes,
      long maxWaitMs,
      int maxLongPolls,
      int maxStreams,
      int maxWebSocketFrameBytes,
      int maxHttpHeaderBytes,
      int streamBufferBytes,
      long httpHeaderTimeoutMs,
      long httpBodyTimeoutMs,
      long maxBufferedBodyBytes) {}

  /**
   * The MQTT listener.
   *
   * @param port the port to listen on; 0: no MQTT listener; -1: any free port (tests)
   * @param instances MQTT verticle instances (event loops) sharing the port
   * @param maxPacketBytes largest MQTT packet a client may send (and the Maximum Packet Size a v5 client is told)
   * @param maxInflight per connection: QoS 1 and 2 publishes awaiting their acknowledgement in either
   *     direction, and publishes of any QoS still being appended, before the node stops reading from the client
   * @param maxConnections MQTT connections open at once on this node; past it, CONNECT is refused
   * @param maxSessions persistent sessions the cluster keeps; past it, a CONNECT that would start one is refused
   * @param maxSessionExpirySeconds how long a persistent session outlives its connection at most (MQTT 3.1.1 sessions: exactly this)
   * @param maxRetainedBytes payload bytes of all retained messages; past it, a new retained message is refused
   * @param mapper where publishes go in the log
   */
  public record Mqtt(String host, int port, int webSocketPort, int instances, int maxPacketBytes, int maxInflight, int maxConnections,
      int maxSessions, long maxSessionExpirySeconds, long maxRetainedBytes, MqttTopicMapper mapper) {
    public boolean enabled() {
      return port != 0;
    }

    /** The port to bind: 0 for any free one. */
    public int bindPort() {
      return Math.max(port, 0);
    }

    /** Whether MQTT is also served over WebSocket (at path {@code /mqtt}), for browsers. */
    public boolean webSocketEnabled() {
      return webSocketPort != 0;
    }

    /** The MQTT-over-WebSocket port to bind: 0 for any free one. */
    public int webSocketBindPort() {
      return Math.max(webSocketPort, 0);
    }
  }

  /**
   * The Kafka listener (docs/kafka.md).
   *
   * @param host the address to bind
   * @param port the port to listen on; 0: no Kafka listener; -1: any free port (tests)
   * @param advertisedHost the host Kafka clients are told to reach this node at (Metadata); empty: the
   *     bound host, or the cluster host when bound to every address
   * @param instances Kafka verticle instances (event loops) sharing the port
   * @param maxFrameBytes largest request a client may send (Kafka's socket.request.max.bytes); a larger
   *     size prefix closes the connection
   * @param maxConnections Kafka connections open at once on this node; past it, a new one is closed at once
   */
  public record Kafka(String host, int port, String advertisedHost, int instances, int maxFrameBytes, int maxConnections) {
    public boolean enabled() {
      return port != 0;
    }

    /** The port to bind: 0 for any free one. */
    public int bindPort() {
      return Math.max(port, 0);
    }
  }

  /**
   * Authentication and authorization on every listener (docs/security.md).
   *
   * @param enabled {@code auth}: whether clients must authenticate and ACLs apply; off, everyone may do everything
   * @param bootstrapKey a super-user's key accepted from the first start (empty: none)
   * @param superUsers principals every ACL question answers yes for
   * @param jwt how JWT bearer tokens are checked, if they are accepted
   * @param defaultQuotas every principal's rates on this node, unless {@code quotaOverrides} names it (0: no quota)
   * @param clusterSecret what a node must hold to join the cluster's membership (empty: none; see {@code HazelcastSetup})
   */
  public record Security(boolean enabled, String bootstrapKey, List<Principal> superUsers, Jwt jwt, Quotas.Rates defaultQuotas,
      Map<Principal, Quotas.Rates> quotaOverrides, String clusterSecret) {
    public Security {
      superUsers = List.copyOf(superUsers);
      quotaOverrides = Map.copyOf(quotaOverrides);
    }

    /** Without quotas. */
    public Security(boolean enabled, String bootstrapKey, List<Principal> superUsers, Jwt jwt) {
      this(enabled, bootstrapKey, superUsers, jwt, Quotas.Rates.NONE, Map.of(), "");
    }
  }

  /**
   * JWT bearer tokens (docs/security.md): accepted when a key is configured, either a PEM public key
   * or a JWKS URL (not both).
   *
   * @param publicKeyPem {@code auth-jwt-public-key}'s file content: the issuer's public key (RSA: RS256; EC P-256: ES256); empty: none
   * @param jwksUrl {@code auth-jwt-jwks-url}: where the issuer publishes its keys; empty: none
   * @param issuer {@code auth-jwt-issuer}: the {@code iss} a token must have; empty: any
   * @param audience {@code auth-jwt-audience}: a value the token's {@code aud} must hold; empty: any
   * @param principalClaim {@code auth-jwt-principal-claim}: the claim that names the principal ({@code User:<value>})
   * @param clockSkewSeconds {@code auth-jwt-clock-skew-seconds}: how far the issuer's clock may be from ours
   */
  public record Jwt(String publicKeyPem, String jwksUrl, String issuer, String audience, String principalClaim,
      int clockSkewSeconds) {
    public static final Jwt NONE = new Jwt("", "", "", "", "sub", 30);

    public boolean enabled() {
      return !publicKeyPem.isEmpty() || !jwksUrl.isEmpty();
    }
  }

  /**
   * TLS on the listeners and between nodes (docs/security.md, "TLS"). The node's certificate comes
   * from PEM files ({@code certPath} and {@code keyPath}) or a PKCS#12 keystore, never both; with
   * neither, nothing is encrypted.
   *
   * @param certPath PEM certificate chain, the node's first; null: none
   * @param keyPath PEM private key (PKCS#8) of that certificate; null: none
   * @param keystorePath PKCS#12 keystore holding the node's key and chain; null: none
   * @param keystorePassword the keystore's password
   * @param caPath PEM certificates of the CAs whose client certificates are trusted (and, between
   *     nodes, whose node certificates are); null: none
   * @param clientAuth whether listeners ask clients for a certificate
   * @param http TLS on the HTTP listener (REST, WebSocket, SSE) once a certificate is configured
   * @param mqtt TLS on the MQTT listeners (TCP and WebSocket) once a certificate is configured
   * @param kafka TLS on the Kafka listener once a certificate is configured
   * @param cluster TLS with mutual authentication on the event bus between nodes
   * @param reloadIntervalMs how often the files are checked for a change
   */
  public record Tls(Path certPath, Path keyPath, Path keystorePath, String keystorePassword, Path caPath, ClientAuth clientAuth,
      boolean http, boolean mqtt, boolean kafka, boolean cluster, long reloadIntervalMs) {

    /** Whether the node has a certificate. */
    public boolean configured() {
      return certPath != null || keystorePath != null;
    }
  }
}
