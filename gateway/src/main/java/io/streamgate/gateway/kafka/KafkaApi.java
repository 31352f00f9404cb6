package io.streamgate.gateway.kafka;

/**
 * The Kafka APIs this listener serves, each with the version range it advertises in ApiVersions:
 * exactly what is implemented, no more (a client uses what is advertised). Produce and Fetch stop at
 * 12, the last versions without topic ids; Produce is advertised from 0 although v0-2 are answered
 * UNSUPPORTED_VERSION, because librdkafka stops compressing when the range starts higher
 * (KAFKA-18659). SaslHandshake and SaslAuthenticate are advertised whether or not authentication is
 * on, as Kafka does. A request for any other API key closes the connection.
 */
enum KafkaApi {
  PRODUCE(0, 0, 12),
  FETCH(1, 4, 13),
  LIST_OFFSETS(2, 1, 8),
  METADATA(3, 1, 12),
  OFFSET_COMMIT(8, 2, 8),
  OFFSET_FETCH(9, 1, 9),
  FIND_COORDINATOR(10, 0, 6),
  JOIN_GROUP(11, 0, 9),
  HEARTBEAT(12, 0, 4),
  LEAVE_GROUP(13, 0, 5),
  SYNC_GROUP(14, 0, 5),
  DESCRIBE_GROUPS(15, 0, 5),
  LIST_GROUPS(16, 0, 5),
  SASL_HANDSHAKE(17, 0, 1),
  API_VERSIONS(18, 0, 4),
  CREATE_TOPICS(19, 2, 7),
  DELETE_TOPICS(20, 1, 6),
  DELETE_RECORDS(21, 0, 2),
  INIT_PRODUCER_ID(22, 0, 5),
  OFFSET_FOR_LEADER_EPOCH(23, 2, 4),
  DESCRIBE_ACLS(29, 1, 3),
  CREATE_ACLS(30, 1, 3),
  DELETE_ACLS(31, 1, 3),
  DESCRIBE_CONFIGS(32, 1, 4),
  ALTER_CONFIGS(33, 0, 2),
  DESCRIBE_LOG_DIRS(35, 1, 4),
  SASL_AUTHENTICATE(36, 0, 2),
  CREATE_PARTITIONS(37, 0, 3),
  DELETE_GROUPS(42, 0, 2),
  DESCRIBE_USER_SCRAM_CREDENTIALS(50, 0, 0),
  ALTER_USER_SCRAM_CREDENTIALS(51, 0, 0),
  INCREMENTAL_ALTER_CONFIGS(44, 0, 1),
  ALTER_PARTITION_REASSIGNMENTS(45, 0, 1),
  LIST_PARTITION_REASSIGNMENTS(46, 0, 0),
  OFFSET_DELETE(47, 0, 0),
  DESCRIBE_CLUSTER(60, 0, 1);

  /** The lowest Produce version answered with data; v0-2 are advertised but refused. */
  static final short PRODUCE_FIRST_SERVED = 3;

  private final short key;
  private final short minVersion;
  private final short maxVersion;

  KafkaApi(int key, int minVersion, int maxVersion) {
    this.key = (short) key;
    this.minVersion = (short) minVersion;
    this.maxVersion = (short) maxVersion;
  }

  short key() {
    return key;
  }

  short minVersion() {
    return minVersion;
  }

  short maxVersion() {
    return maxVersion;
  }

  /** Whether a connection may send it before it has authenticated (see {@link KafkaSasl}). */
  boolean beforeAuthentication() {
    return this == API_VERSIONS || this == SASL_HANDSHAKE || this == SASL_AUTHENTICATE;
  }

  boolean supports(short version) {
    return version >= minVersion && version <= maxVersion;
  }

  /** The API of {@code key}, or null for one this listener does not serve. */
  static KafkaApi forKey(short key) {
    for (KafkaApi api : values()) {
      if (api.key == key) {
        return api;
      }
    }
    return null;
  }
}
