package io.streamgate.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamgate.cluster.ClusterOptions;
import io.streamgate.cluster.groups.ClassicGroupSettings;
import io.streamgate.cluster.metadata.MetadataQuorumConfig;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.GatewayConfig.Limits;
import io.streamgate.gateway.GatewayConfig.LogFormat;
import io.streamgate.gateway.mqtt.MqttTopicMapper;
import io.streamgate.gateway.security.JwtKeys;
import io.streamgate.gateway.security.Quotas.Rates;
import io.streamgate.logstore.LogManagerConfig;
import io.vertx.core.http.ClientAuth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Builds a {@link GatewayConfig} from, in rising precedence: the defaults, a YAML file
 * ({@code --config FILE} or {@code STREAMGATE_CONFIG}), environment variables
 * ({@code STREAMGATE_HTTP_PORT} for {@code http-port}) and command-line flags ({@code --http-port 8081}
 * or {@code --http-port=8081}). One flat set of keys serves all four; an unknown key is an error.
 */
public final class ConfigLoader {
  /** Every key with its default; the order is the one {@code --help} prints. */
  public static final Map<String, String> DEFAULTS = defaults();

  private static final String CONFIG_KEY = "config";
  private static final String ENV_PREFIX = "STREAMGATE_";

  private ConfigLoader() {}

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("data-dir", "./data");
    d.put("node-id", "");
    d.put("rack", "");
    d.put("http-host", "0.0.0.0");
    d.put("http-port", "8080");
    d.put("http-instances", String.valueOf(Runtime.getRuntime().availableProcessors()));
    d.put("cors-allowed-origins", "");
    d.put("log-format", "text");
    d.put("auto-create-topics", "true");
    d.put("default-partitions", "1");
    d.put("reader-threads", "2");
    d.put("shutdown-grace-ms", "10000");
    d.put("cluster-host", "127.0.0.1");
    d.put("cluster-port", "5701");
    d.put("join", "");
    d.put("metadata-port", "0");
    d.put("metadata-voters", "");
    d.put("failure-detection-ms", "5000");
    d.put("replica-lag-max-ms", "10000");
    d.put("auto-rebalance", "true");
    d.put("producer-id-expiration-ms", String.valueOf(LogManagerConfig.DEFAULT_PRODUCER_ID_EXPIRATION_MS));
    d.put("max-producers-per-partition", String.valueOf(LogManagerConfig.DEFAULT_MAX_PRODUCERS_PER_PARTITION));
    d.put("group-initial-rebalance-delay-ms", String.valueOf(ClassicGroupSettings.DEFAULTS.initialRebalanceDelayMs()));
    d.put("max-body-bytes", String.valueOf(10 * 1024 * 1024));
    d.put("max-records-per-request", "10000");
    d.put("max-headers-per-record", "64");
    d.put("max-records-per-fetch", "10000");
    d.put("max-fetch-bytes", String.valueOf(50 * 1024 * 1024));
    d.put("max-wait-ms", "60000");
    d.put("max-long-polls", "10000");
    d.put("max-streams", "10000");
    d.put("max-websocket-frame-bytes", String.valueOf(64 * 1024));
    d.put("max-http-header-bytes", String.valueOf(16 * 1024));
    d.put("stream-buffer-bytes", String.valueOf(256 * 1024));
    d.put("http-header-timeout-ms", "10000");
    d.put("http-body-timeout-ms", "30000");
    d.put("max-buffered-body-bytes", String.valueOf(128L * 1024 * 1024));
    d.put("mqtt-host", "0.0.0.0");
    d.put("mqtt-port", "1883");
    d.put("mqtt-ws-port", "0");
    d.put("mqtt-instances", String.valueOf(Runtime.getRuntime().availableProcessors()));
    d.put("mqtt-max-packet-bytes", String.valueOf(1024 * 1024));
    d.put("mqtt-max-inflight", "100");
    d.put("mqtt-max-connections", "100000");
    d.put("mqtt-max-sessions", "1000000");
    d.put("mqtt-max-session-expiry-seconds", String.valueOf(7 * 24 * 3600));
    d.put("mqtt-max-retained-bytes", String.valueOf(64 * 1024 * 1024));
    d.put("mqtt-topic-mappings", "");
    d.put("kafka-host", "0.0.0.0");
    d.put("kafka-port", "9092");
    d.put("kafka-advertised-host", "");
    d.put("kafka-instances", String.valueOf(Runtime.getRuntime().availableProcessors()));
    d.put("kafka-max-frame-bytes", String.valueOf(100 * 1024 * 1024));
    d.put("kafka-max-connections", "100000");
    d.put("auth", "off");
    d.put("auth-bootstrap-key", "");
    d.put("super-users", "");
    d.put("quota-produce-bytes-per-second", "0");
    d.put("quota-consume-bytes-per-second", "0");
    d.put("quota-requests-per-second", "0");
    d.put("quota-overrides", "");
    d.put("auth-jwt-public-key", "");
    d.put("auth-jwt-jwks-url", "");
    d.put("auth-jwt-issuer", "");
    d.put("auth-jwt-audience", "");
    d.put("auth-jwt-principal-claim", "sub");
    d.put("auth-jwt-clock-skew-seconds", "30");
    d.put("cluster-secret", "");
    d.put("tls-cert", "");
    d.put("tls-key", "");
    d.put("tls-keystore", "");
    d.put("tls-keystore-password", "");
    d.put("tls-ca", "");
    d.put("tls-client-auth", "none");
    d.put("http-tls", "true");
    d.put("mqtt-tls", "true");
    d.put("kafka-tls", "true");
    d.put("cluster-tls", "false");
    d.put("tls-reload-interval-ms", "10000");
    return java.util.Collections.unmodifiableMap(d);
  }

  /** Thrown for a configuration that cannot be used; the message says which key and why. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }

  public static GatewayConfig load(String[] args, Map<String, String> env) {
    Map<String, String> flags = parseFlags(args);
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    String configFile = flags.containsKey(CONFIG_KEY) ? flags.remove(CONFIG_KEY) : env.get(ENV_PREFIX + "CONFIG");
    if (configFile != null && !configFile.isBlank()) {
      putAll(values, readYaml(Path.of(configFile)), "config file " + configFile);
    }
    putAll(values, fromEnv(env), "environment");
    putAll(values, flags, "command line");
    return build(values);
  }

  /** A config from explicit key-values over the defaults, as tests build nodes. */
  public static GatewayConfig fromMap(Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    putAll(values, overrides, "overrides");
    return build(values);
  }

  private static void putAll(Map<String, String> values, Map<String, String> source, String where) {
    source.forEach((key, value) -> {
      if (!DEFAULTS.containsKey(key)) {
        throw new ConfigException("unknown configuration key '" + key + "' in " + where + "; known keys: " + DEFAULTS.keySet());
      }
      values.put(key, value);
    });
  }

  private static Map<String, String> parseFlags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException("expected a flag like --http-port 8080, got '" + arg + "'");
      }
      String key = arg.substring(2);
      String value;
      int equals = key.indexOf('=');
      if (equals >= 0) {
        value = key.substring(equals + 1);
        key = key.substring(0, equals);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new ConfigException("flag --" + key + " needs a value");
      }
      flags.put(key, value);
    }
    return flags;
  }

  private static Map<String, String> fromEnv(Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : DEFAULTS.keySet()) {
      String value = env.get(ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_'));
      if (value != null) {
        values.put(key, value);
      }
    }
    return values;
  }

  private static Map<String, String> readYaml(Path file) {
    try {
      Map<?, ?> yaml = new ObjectMapper(new YAMLFactory()).readValue(Files.readAllBytes(file), Map.class);
      Map<String, String> values = new LinkedHashMap<>();
      if (yaml != null) {
        yaml.forEach((key, value) -> {
          if (value instanceof Map || value instanceof Iterable) {
            throw new ConfigException("config file " + file + ": key '" + key + "' must have a plain value");
          }
          values.put(String.valueOf(key), value == null ? "" : String.valueOf(value));
        });
      }
      return values;
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
  }

  private static GatewayConfig build(Map<String, String> v) {
    Path dataDir = Path.of(v.get("data-dir"));
    Limits limits = new Limits(
        intIn(v, "max-body-bytes", 1024, Integer.MAX_VALUE),
        intIn(v, "max-records-per-request", 1, 1_000_000),
        intIn(v, "max-headers-per-record", 0, 10_000),
        intIn(v, "max-records-per-fetch", 1, 1_000_000),
        intIn(v, "max-fetch-bytes", 1024, Integer.MAX_VALUE),
        longIn(v, "max-wait-ms", 0, 3_600_000),
        intIn(v, "max-long-polls", 0, 10_000_000),
        intIn(v, "max-streams", 0, 10_000_000),
        intIn(v, "max-websocket-frame-bytes", 256, 64 * 1024 * 1024),
        intIn(v, "max-http-header-bytes", 1024, 1024 * 1024),
        intIn(v, "stream-buffer-bytes", 1024, 1024 * 1024 * 1024),
        longIn(v, "http-header-timeout-ms", 100, 600_000),
        longIn(v, "http-body-timeout-ms", 100, 3_600_000),
        longIn(v, "max-buffered-body-bytes", 1024, Long.MAX_VALUE));
    if (limits.maxBufferedBodyBytes() < limits.maxBodyBytes()) {
      // Otherwise a body of the largest allowed size could never be taken.
      throw new ConfigException("max-buffered-body-bytes (" + limits.maxBufferedBodyBytes() + ") must be at least max-body-bytes ("
          + limits.maxBodyBytes() + ")");
    }
    String nodeId = nodeId(v.get("node-id"), dataDir);
    return new GatewayConfig(
        dataDir,
        nodeId,
        v.get("http-host"),
        intIn(v, "http-port", 0, 65535),
        intIn(v, "http-instances", 1, 1024),
        enumOf(v, "log-format", LogFormat.class),
        bool(v, "auto-create-topics"),
        intIn(v, "default-partitions", 1, 1000),
        intIn(v, "reader-threads", 1, 256),
        longIn(v, "shutdown-grace-ms", 0, 600_000),
        new ClusterOptions(
            v.get("cluster-host").trim(),
            intIn(v, "cluster-port", 0, 65535),
            members(v.get("join")),
            longIn(v, "failure-detection-ms", 1000, 600_000),
            longIn(v, "replica-lag-max-ms", 100, 600_000),
            bool(v, "auto-rebalance"),
            intIn(v, "metadata-port", 0, 65535),
            voters(v, nodeId),
            longIn(v, "producer-id-expiration-ms", 1000, 365L * 24 * 3600 * 1000),
            intIn(v, "max-producers-per-partition", 1, 1_000_000),
            new ClassicGroupSettings(longIn(v, "group-initial-rebalance-delay-ms", 0, 300_000),
                ClassicGroupSettings.DEFAULTS.maxRebalanceTimeoutMs(), ClassicGroupSettings.DEFAULTS.maxMembers()),
            rack(v.get("rack"))),
        limits,
        new GatewayConfig.Mqtt(
            v.get("mqtt-host").trim(),
            intIn(v, "mqtt-port", -1, 65535),
            intIn(v, "mqtt-ws-port", -1, 65535),
            intIn(v, "mqtt-instances", 1, 1024),
            // 268,435,455 is the largest Remaining Length MQTT can encode (§2.2.3).
            intIn(v, "mqtt-max-packet-bytes", 1024, 268_435_455),
            intIn(v, "mqtt-max-inflight", 1, 65_535),
            intIn(v, "mqtt-max-connections", 0, 10_000_000),
            intIn(v, "mqtt-max-sessions", 0, 100_000_000),
            // MQTT 5 caps the Session Expiry Interval at 2^32-1 seconds (§3.1.2.11.2).
            longIn(v, "mqtt-max-session-expiry-seconds", 0, 4_294_967_295L),
            longIn(v, "mqtt-max-retained-bytes", 0, Long.MAX_VALUE),
            topicMapper(v.get("mqtt-topic-mappings"))),
        new GatewayConfig.Kafka(
            v.get("kafka-host").trim(),
            intIn(v, "kafka-port", -1, 65535),
            v.get("kafka-advertised-host").trim(),
            intIn(v, "kafka-instances", 1, 1024),
            // A request header needs 8 bytes; ApiVersions and Metadata requests fit in a KiB.
            intIn(v, "kafka-max-frame-bytes", 1024, Integer.MAX_VALUE),
            intIn(v, "kafka-max-connections", 0, 10_000_000)),
        security(v),
        tls(v),
        corsAllowedOrigins(v.get("cors-allowed-origins")));
  }

  /**
   * The origins browsers may call the HTTP API from: {@code *} (any), or origins as browsers send
   * them ({@code scheme://host[:port]}, no path), in lower case; none by default.
   */
  static List<String> corsAllowedOrigins(String value) {
    List<String> origins = new ArrayList<>();
    for (String entry : value.split(",")) {
      String origin = entry.trim().toLowerCase(Locale.ROOT);
      if (origin.isEmpty()) {
        continue;
      }
      if (!origin.equals("*")) {
        URI uri;
        try {
          uri = new URI(origin);
        } catch (URISyntaxException e) {
          throw new ConfigException("cors-allowed-origins: '" + entry.trim() + "' is not an origin (scheme://host[:port])");
        }
        boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
        if (!web || uri.getHost() == null || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null
            || uri.getRawUserInfo() != null) {
          throw new ConfigException("cors-allowed-origins: '" + entry.trim() + "' is not an origin (http or https://host[:port], no path)");
        }
      }
      origins.add(origin);
    }
    if (origins.contains("*") && origins.size() > 1) {
      throw new ConfigException("cors-allowed-origins: '*' allows every origin; list no others with it");
    }
    return List.copyOf(origins);
  }

  private static GatewayConfig.Tls tls(Map<String, String> v) {
    Path cert = path(v, "tls-cert");
    Path key = path(v, "tls-key");
    Path keystore = path(v, "tls-keystore");
    Path ca = path(v, "tls-ca");
    if ((cert == null) != (key == null)) {
      throw new ConfigException("tls-cert and tls-key go together: set both (PEM) or neither");
    }
    if (cert != null && keystore != null) {
      throw new ConfigException("set tls-cert and tls-key (PEM) or tls-keystore (PKCS#12), not both");
    }
    ClientAuth clientAuth = enumOf(v, "tls-client-auth", ClientAuth.class);
    boolean configured = cert != null || keystore != null;
    if (clientAuth != ClientAuth.NONE && (!configured || ca == null)) {
      throw new ConfigException("tls-client-auth=" + clientAuth.name().toLowerCase(Locale.ROOT)
          + " needs a certificate (tls-cert and tls-key, or tls-keystore) and tls-ca (the CAs client certificates are checked against)");
    }
    boolean cluster = bool(v, "cluster-tls");
    if (cluster && (!configured || ca == null)) {
      throw new ConfigException("cluster-tls=true needs a certificate (tls-cert and tls-key, or tls-keystore) and tls-ca (the CAs "
          + "node certificates are checked against)");
    }
    return new GatewayConfig.Tls(cert, key, keystore, v.get("tls-keystore-password"), ca, clientAuth, bool(v, "http-tls"),
        bool(v, "mqtt-tls"), bool(v, "kafka-tls"), cluster, longIn(v, "tls-reload-interval-ms", 100, 86_400_000));
  }

  /** A file setting; null when empty. */
  private static Path path(Map<String, String> v, String key) {
    String text = v.get(key).trim();
    return text.isEmpty() ? null : Path.of(text);
  }

  private static GatewayConfig.Security security(Map<String, String> v) {
    String auth = v.get("auth").trim().toLowerCase(Locale.ROOT);
    if (!auth.equals("on") && !auth.equals("off")) {
      throw new ConfigException("auth must be on or off, was '" + auth + "'");
    }
    String bootstrapKey = v.get("auth-bootstrap-key").trim();
    if (!bootstrapKey.isEmpty() && bootstrapKey.length() < 16) {
      throw new ConfigException("auth-bootstrap-key must be at least 16 characters (it is a super-user's password)");
    }
    List<Principal> superUsers = new ArrayList<>();
    for (String name : v.get("super-users").split(",")) {
      if (!name.isBlank()) {
        try {
          superUsers.add(Principal.parse(name.trim()));
        } catch (IllegalArgumentException e) {
          throw new ConfigException("super-users: " + e.getMessage());
        }
      }
    }
    Rates defaultQuotas = new Rates(longIn(v, "quota-produce-bytes-per-second", 0, Long.MAX_VALUE / 2),
        longIn(v, "quota-consume-bytes-per-second", 0, Long.MAX_VALUE / 2), longIn(v, "quota-requests-per-second", 0, 1_000_000_000));
    String clusterSecret = v.get("cluster-secret").trim();
    if (!clusterSecret.isEmpty() && clusterSecret.length() < 16) {
      throw new ConfigException("cluster-secret must be at least 16 characters");
    }
    return new GatewayConfig.Security(auth.equals("on"), bootstrapKey, superUsers, jwt(v), defaultQuotas,
        quotaOverrides(v.get("quota-overrides"), defaultQuotas), clusterSecret);
  }

  /** {@code User:alice=produce:1048576,consume:0,requests:100;User:bob=...}: a kind left out keeps the default's rate. */
  private static Map<Principal, Rates> quotaOverrides(String text, Rates defaults) {
    Map<Principal, Rates> overrides = new LinkedHashMap<>();
    for (String entry : text.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.lastIndexOf('=');
      if (eq <= 0) {
        throw new ConfigException("quota-overrides: '" + entry.trim() + "' is not principal=kind:rate,...");
      }
      Map<String, Long> rates = new LinkedHashMap<>(Map.of("produce", defaults.produceBytes(), "consume", defaults.consumeBytes(),
          "requests", defaults.requests()));
      for (String rate : entry.substring(eq + 1).split(",")) {
        String[] kindAndRate = rate.trim().split(":");
        if (kindAndRate.length != 2 || !rates.containsKey(kindAndRate[0]) || !kindAndRate[1].matches("\\d{1,15}")) {
          throw new ConfigException("quota-overrides: '" + rate.trim() + "' is not produce|consume|requests:<per second>");
        }
        rates.put(kindAndRate[0], Long.parseLong(kindAndRate[1]));
      }
      try {
        overrides.put(Principal.parse(entry.substring(0, eq).trim()), new Rates(rates.get("produce"), rates.get("consume"),
            rates.get("requests")));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("quota-overrides: " + e.getMessage());
      }
    }
    return overrides;
  }

  private static GatewayConfig.Jwt jwt(Map<String, String> v) {
    String keyFile = v.get("auth-jwt-public-key").trim();
    String jwksUrl = v.get("auth-jwt-jwks-url").trim();
    if (!keyFile.isEmpty() && !jwksUrl.isEmpty()) {
      throw new ConfigException("auth-jwt-public-key and auth-jwt-jwks-url: set one, not both");
    }
    String pem = "";
    if (!keyFile.isEmpty()) {
      try {
        pem = Files.readString(Path.of(keyFile), StandardCharsets.US_ASCII);
        JwtKeys.pemAlgorithm(pem); // refused now, not at the first token
      } catch (IOException | UncheckedIOException e) {
        throw new ConfigException("auth-jwt-public-key: cannot read " + keyFile + ": " + e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("auth-jwt-public-key: " + keyFile + " " + e.getMessage());
      }
    }
    if (!jwksUrl.isEmpty()) {
      try {
        URI uri = new URI(jwksUrl);
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
          throw new ConfigException("auth-jwt-jwks-url must be an http or https URL, was '" + jwksUrl + "'");
        }
      } catch (URISyntaxException e) {
        throw new ConfigException("auth-jwt-jwks-url: " + e.getMessage());
      }
    }
    String claim = v.get("auth-jwt-principal-claim").trim();
    if (claim.isEmpty()) {
      throw new ConfigException("auth-jwt-principal-claim must name a claim");
    }
    return new GatewayConfig.Jwt(pem, jwksUrl, v.get("auth-jwt-issuer").trim(), v.get("auth-jwt-audience").trim(), claim,
        intIn(v, "auth-jwt-clock-skew-seconds", 0, 3600));
  }

  private static MqttTopicMapper topicMapper(String rules) {
    try {
      return MqttTopicMapper.parse(rules);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("mqtt-topic-mappings: " + e.getMessage());
    }
  }

  /** The node's rack, null for none (empty); a name as a node id's, so that it fits Kafka's broker.rack and a query parameter. */
  private static String rack(String configured) {
    String rack = configured.trim();
    if (rack.isEmpty()) {
      return null;
    }
    if (!rack.matches("[a-zA-Z0-9._-]{1,64}")) {
      throw new ConfigException("rack must match [a-zA-Z0-9._-]{1,64}, was '" + configured + "'");
    }
    return rack;
  }

  /** The configured node id, or the one this data directory was given before, or a new one kept there. */
  private static String nodeId(String configured, Path dataDir) {
    if (!configured.isBlank()) {
      if (!configured.matches("[a-zA-Z0-9._-]{1,64}")) {
        throw new ConfigException("node-id must match [a-zA-Z0-9._-]{1,64}, was '" + configured + "'");
      }
      return configured;
    }
    Path file = dataDir.resolve("node-id");
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      String generated = "node-" + UUID.randomUUID().toString().substring(0, 8);
      Files.createDirectories(dataDir);
      Files.writeString(file, generated + "\n", StandardCharsets.UTF_8);
      return generated;
    } catch (IOException e) {
      throw new ConfigException("cannot read or keep the node id in " + file + ": " + e.getMessage());
    }
  }

  /**
   * {@code id@host:port,...}: the metadata quorum a new cluster starts with, the same on every node,
   * this node among them; or, for a node that joins a running cluster, voters of it to ask (this node
   * not among them), which then add it as a voter listening on {@code cluster-host:metadata-port}. A
   * node that joins others must name voters: each node on a quorum of its own would decide alone.
   */
  private static List<Voter> voters(Map<String, String> v, String nodeId) {
    List<Voter> voters;
    try {
      voters = MetadataQuorumConfig.parseVoters(v.get("metadata-voters"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("metadata-voters: " + e.getMessage());
    }
    if (voters.isEmpty() && !v.get("join").isBlank()) {
      throw new ConfigException("a node that joins others needs metadata-voters (id@host:port,...; the same on every node)");
    }
    boolean joinsVoters = !voters.isEmpty() && voters.stream().noneMatch(voter -> voter.id().equals(nodeId));
    if (joinsVoters && (v.get("join").isBlank() || v.get("metadata-port").trim().equals("0"))) {
      throw new ConfigException("node " + nodeId + " is not among metadata-voters, so it joins them as a new voter: it needs"
          + " join (the running members) and a metadata-port of its own (the voters record cluster-host:metadata-port)");
    }
    return voters;
  }

  /** {@code host:port,host:port}: the members to join. */
  private static List<String> members(String text) {
    List<String> members = new ArrayList<>();
    for (String member : text.split(",")) {
      String trimmed = member.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!trimmed.matches("[^:\\s]+:\\d{1,5}")) {
        throw new ConfigException("join must list members as host:port,host:port, got '" + trimmed + "'");
      }
      members.add(trimmed);
    }
    return members;
  }

  private static int intIn(Map<String, String> v, String key, int min, int max) {
    return (int) longIn(v, key, min, max);
  }

  private static long longIn(Map<String, String> v, String key, long min, long max) {
    String text = v.get(key).trim();
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be a whole number, was '" + text + "'");
    }
    if (value < min || value > max) {
      throw new ConfigException(key + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  private static boolean bool(Map<String, String> v, String key) {
    String text = v.get(key).trim().toLowerCase(Locale.ROOT);
    if (!text.equals("true") && !text.equals("false")) {
      throw new ConfigException(key + " must be true or false, was '" + text + "'");
    }
    return Boolean.parseBoolean(text);
  }

  private static <E extends Enum<E>> E enumOf(Map<String, String> v, String key, Class<E> type) {
    String text = v.get(key).trim();
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(text)) {
        return constant;
      }
    }
    throw new ConfigException(key + " must be one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT)
        + ", was '" + text + "'");
  }
}
